import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// A row of `pix_charges`.
struct PixChargeRow: Sendable, Equatable {
    enum Status: String, Sendable { case queued = "QUEUED", active = "ACTIVE", completed = "COMPLETED", expired = "EXPIRED", removed = "REMOVED" }

    var txid: String
    var invoiceID: InvoiceID
    var amountMinor: Int64
    var dueDate: String?
    var status: Status
    var location: String?
    var expiresAt: Date?
    var createdAt: Date

    /// Which of its invoice's charges this is: the txid's last three digits.
    var sequence: Int { Int(txid.suffix(3)) ?? 0 }

    /// The txid of the invoice's `sequence`th charge: the invoice's id in hex and three digits (35 letters and digits).
    static func txid(of invoice: InvoiceID, sequence: Int) -> String {
        let digits = String(sequence % 1_000)
        return invoice.rawValue.uuidString.replacingOccurrences(of: "-", with: "").lowercased() + String(repeating: "0", count: 3 - digits.count)
            + digits
    }
}

/// SQL for `pix_charges` and `pix_reconciliations`.
struct PixChargeStore {
    let logger: Logger

    private static let columns = "txid, invoice_id, amount_minor, due_date::text, status, location, expires_at, created_at"
    /// `columns` of the `c` alias a claim updates.
    private static let claimedColumns = columns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }.joined(
        separator: ", ")

    private func charges(where condition: String, binds: PostgresBindings, on connection: PostgresConnection) async throws -> [(String, PixChargeRow)]
    {
        try await decode(
            connection.rows(
                PostgresQuery(unsafeSQL: "SELECT tenant_id, \(Self.columns) FROM pix_charges WHERE \(condition)", binds: binds), logger: logger))
    }

    /// Rows of `tenant_id` and `columns`.
    private func decode(_ rows: [PostgresRow]) throws -> [(String, PixChargeRow)] {
        try rows.map { row in
            let (tenant, txid, invoice, amount, due, status, location, expires, created) =
                try row.decode((String, String, UUID, Int64, String?, String, String?, Date?, Date).self)
            return (
                tenant,
                PixChargeRow(
                    txid: txid, invoiceID: InvoiceID(rawValue: invoice), amountMinor: amount, dueDate: due,
                    status: PixChargeRow.Status(rawValue: status) ?? .removed, location: location, expiresAt: expires, createdAt: created)
            )
        }
    }

    /// The invoice's latest charge, locked when asked.
    func latest(of invoice: InvoiceID, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> PixChargeRow? {
        try await charges(
            where: "tenant_id = $1 AND invoice_id = $2 ORDER BY created_at DESC, txid DESC LIMIT 1\(forUpdate ? " FOR UPDATE" : "")",
            binds: try .of(tenant, invoice.rawValue), on: connection
        ).first?.1
    }

    /// Queues a charge for the PSP; false when the txid exists already.
    func queue(_ charge: PixChargeRow, at time: Date, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO pix_charges (tenant_id, txid, invoice_id, amount_minor, due_date, status, attempt_after, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5::date, 'QUEUED', $6, $6, $6) ON CONFLICT DO NOTHING RETURNING txid
                    """, binds: try .of(tenant, charge.txid, charge.invoiceID.rawValue, charge.amountMinor, charge.dueDate, time)),
            logger: logger
        ).isEmpty
    }

    /// The charge as the PSP holds it now; a charge the invoice stopped waiting for meanwhile stays as it is.
    func activate(
        _ txid: String, location: String, expiresAt: Date, dueDate: String?, at time: Date, tenant: String, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                // Removed while the PSP was creating it: it exists there now, so it is withdrawn there too.
                unsafeSQL: """
                    UPDATE pix_charges SET status = CASE WHEN status = 'REMOVED' THEN status ELSE 'ACTIVE' END, location = $3, expires_at = $4,
                        due_date = $6::date, attempt_after = NULL, last_error = NULL, withdrawal_pending = (status = 'REMOVED'), updated_at = $5
                    WHERE tenant_id = $1 AND txid = $2 AND status IN ('QUEUED', 'ACTIVE', 'REMOVED')
                    """, binds: try .of(tenant, txid, location, expiresAt, time, dueDate)), logger: logger)
    }

    func setStatus(
        _ status: PixChargeRow.Status, of txid: String, from: [PixChargeRow.Status], at time: Date, tenant: String, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE pix_charges SET status = $3, updated_at = $4, withdrawal_pending = withdrawal_pending AND $3 = 'REMOVED'
                    WHERE tenant_id = $1 AND txid = $2 AND status = ANY($5)
                    """,
                binds: try .of(tenant, txid, status.rawValue, time, from.map(\.rawValue))), logger: logger)
    }

    /// The invoice's charges still waiting are removed (it was paid otherwise, or voided).
    func removeWaiting(of invoice: InvoiceID, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE pix_charges SET status = 'REMOVED', updated_at = $3, withdrawal_pending = true
                    WHERE tenant_id = $1 AND invoice_id = $2 AND status IN ('QUEUED', 'ACTIVE')
                    """, binds: try .of(tenant, invoice.rawValue, time)), logger: logger)
    }

    /// A failed attempt to create the charge at the PSP: tried again at `retry`.
    func postpone(_ txid: String, until retry: Date, error: String, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "UPDATE pix_charges SET attempt_after = $3, last_error = $4 WHERE tenant_id = $1 AND txid = $2 AND status = 'QUEUED'",
                binds: try .of(tenant, txid, retry, String(error.prefix(500)))), logger: logger)
    }

    /// Every tenant's charges queued for the PSP and due now, leased until `lease` (rows another replica holds are skipped); the
    /// caller commits before asking the PSP.
    func claimQueued(at time: Date, limit: Int, lease: Date, on connection: PostgresConnection) async throws -> [(String, PixChargeRow)] {
        try await claim(where: "status = 'QUEUED'", leasing: "attempt_after", at: time, limit: limit, until: lease, on: connection)
    }

    /// Up to `limit` of every tenant's charges that match `condition` and whose `column` time has come, oldest first; `column` is
    /// moved to `lease`, so no other pass takes them meanwhile (rows another replica holds are skipped).
    private func claim(
        where condition: String, leasing column: String, at time: Date, limit: Int, until lease: Date, on connection: PostgresConnection
    ) async throws -> [(String, PixChargeRow)] {
        try await decode(
            connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE pix_charges c SET \(column) = $3
                        FROM (SELECT tenant_id, txid FROM pix_charges WHERE \(condition) AND \(column) <= $1
                              ORDER BY \(column) LIMIT $2 FOR UPDATE SKIP LOCKED) d
                        WHERE c.tenant_id = d.tenant_id AND c.txid = d.txid
                        RETURNING c.tenant_id, \(Self.claimedColumns)
                        """, binds: try .of(time, limit, lease)), logger: logger))
    }

    /// Every tenant's ACTIVE charges past their expiry at `time`.
    func expired(at time: Date, limit: Int, on connection: PostgresConnection) async throws -> [(String, PixChargeRow)] {
        try await charges(
            where: "status = 'ACTIVE' AND expires_at < $1 ORDER BY expires_at LIMIT $2", binds: try .of(time, limit), on: connection)
    }

    /// The charge a PSP's txid names, whichever tenant's it is.
    func charge(txid: String, on connection: PostgresConnection) async throws -> (tenant: String, charge: PixChargeRow)? {
        try await charges(where: "txid = $1", binds: try .of(txid), on: connection).first.map { (tenant: $0.0, charge: $0.1) }
    }

    /// Every tenant's charges removed here and not yet withdrawn at the PSP, leased by their `updated_at`.
    func claimWithdrawals(at time: Date, limit: Int, lease: Date, on connection: PostgresConnection) async throws -> [(String, PixChargeRow)] {
        try await claim(where: "withdrawal_pending", leasing: "updated_at", at: time, limit: limit, until: lease, on: connection)
    }

    /// The charge no longer waits at the PSP either.
    func withdrawn(_ txid: String, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "UPDATE pix_charges SET withdrawal_pending = false WHERE tenant_id = $1 AND txid = $2",
                binds: try .of(tenant, txid)), logger: logger)
    }

    /// Where the last reconciliation with `provider` got to.
    func reconciledUntil(provider: String, on connection: PostgresConnection) async throws -> Date? {
        try await connection.rows(
            PostgresQuery(unsafeSQL: "SELECT checked_until FROM pix_reconciliations WHERE provider = $1", binds: try .of(provider)), logger: logger
        ).first?.decode(Date.self)
    }

    func setReconciled(until time: Date, provider: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO pix_reconciliations (provider, checked_until) VALUES ($1, $2)
                    ON CONFLICT (provider) DO UPDATE SET checked_until = greatest(pix_reconciliations.checked_until, excluded.checked_until)
                    """, binds: try .of(provider, time)), logger: logger)
    }
}
