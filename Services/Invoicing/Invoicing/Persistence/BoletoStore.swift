import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// A row of `boletos`.
struct BoletoRow: Sendable, Equatable {
    enum Status: String, Sendable {
        case queued = "QUEUED", registered = "REGISTERED", paid = "PAID", canceling = "CANCELING", canceled = "CANCELED"
    }

    var invoiceID: InvoiceID
    var ourNumber: String
    var amountMinor: Int64
    var dueDate: String
    var finePercent: DecimalNumber?
    var monthlyInterestPercent: DecimalNumber?
    var status: Status
    var barcode: String?
    var digitableLine: String?
    var pixCopyPaste: String?
    var paidMinor: Int64?
    var lastError: String?
    var registeredAt: Date?
    var settledAt: Date?
}

/// SQL for `boletos`.
struct BoletoStore {
    let logger: Logger

    private static let columns = """
        invoice_id, our_number, amount_minor, due_date::text, fine_percent::text, monthly_interest_percent::text, status, barcode,
        digitable_line, pix_copy_paste, paid_minor, last_error, registered_at, settled_at
        """

    private func boletos(where condition: String, binds: PostgresBindings, on connection: PostgresConnection) async throws -> [(String, BoletoRow)] {
        try await decode(
            connection.rows(
                PostgresQuery(unsafeSQL: "SELECT tenant_id, \(Self.columns) FROM boletos WHERE \(condition)", binds: binds), logger: logger))
    }

    private func decode(_ rows: [PostgresRow]) throws -> [(String, BoletoRow)] {
        try rows.map { row in
            let columns = try row.decode(
                (String, UUID, String, Int64, String, String?, String?, String, String?, String?, String?, Int64?, String?, Date?, Date?).self)
            return (
                columns.0,
                BoletoRow(
                    invoiceID: InvoiceID(rawValue: columns.1), ourNumber: columns.2, amountMinor: columns.3, dueDate: columns.4,
                    finePercent: columns.5.flatMap { try? DecimalNumber(parsing: $0) },
                    monthlyInterestPercent: columns.6.flatMap { try? DecimalNumber(parsing: $0) },
                    status: BoletoRow.Status(rawValue: columns.7) ?? .canceled, barcode: columns.8, digitableLine: columns.9,
                    pixCopyPaste: columns.10, paidMinor: columns.11, lastError: columns.12, registeredAt: columns.13, settledAt: columns.14)
            )
        }
    }

    func find(invoice: InvoiceID, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> BoletoRow? {
        try await boletos(
            where: "tenant_id = $1 AND invoice_id = $2\(forUpdate ? " FOR UPDATE" : "")", binds: try .of(tenant, invoice.rawValue), on: connection
        ).first?.1
    }

    /// The boleto a bank's title number names, whichever tenant's.
    func find(ourNumber: String, on connection: PostgresConnection) async throws -> (tenant: String, boleto: BoletoRow)? {
        try await boletos(where: "our_number = $1", binds: try .of(ourNumber), on: connection).first.map { (tenant: $0.0, boleto: $0.1) }
    }

    /// The next number of the deployment's sequence.
    func nextSequence(on connection: PostgresConnection) async throws -> Int64 {
        try await connection.rows(PostgresQuery(unsafeSQL: "SELECT nextval('boleto_numbers')", binds: .init()), logger: logger)[0].decode(Int64.self)
    }

    /// Queues the invoice's boleto; false when it has one already.
    func queue(_ boleto: BoletoRow, at time: Date, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO boletos (tenant_id, invoice_id, our_number, amount_minor, due_date, fine_percent, monthly_interest_percent,
                        status, attempt_after, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5::date, $6::numeric, $7::numeric, 'QUEUED', $8, $8, $8) ON CONFLICT DO NOTHING RETURNING our_number
                    """,
                binds: try .of(
                    tenant, boleto.invoiceID.rawValue, boleto.ourNumber, boleto.amountMinor, boleto.dueDate, boleto.finePercent?.text,
                    boleto.monthlyInterestPercent?.text, time)),
            logger: logger
        ).isEmpty
    }

    /// The bank holds it: its codes, verified. One canceled meanwhile stays CANCELING (the baixa follows).
    func registered(
        _ invoice: InvoiceID, barcode: String, digitableLine: String, pixCopyPaste: String?, at time: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE boletos SET status = CASE WHEN status = 'QUEUED' THEN 'REGISTERED' ELSE status END, barcode = $3,
                        digitable_line = $4, pix_copy_paste = $5, registered_at = $6, checked_at = $6, last_error = NULL,
                        attempt_after = CASE WHEN status = 'QUEUED' THEN NULL ELSE attempt_after END, updated_at = $6
                    WHERE tenant_id = $1 AND invoice_id = $2 AND status IN ('QUEUED', 'CANCELING')
                    """, binds: try .of(tenant, invoice.rawValue, barcode, digitableLine, pixCopyPaste, time)), logger: logger)
    }

    /// A failed attempt (registration or baixa): tried again at `retry`.
    func postpone(_ invoice: InvoiceID, until retry: Date, error: String, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "UPDATE boletos SET attempt_after = $3, last_error = $4 WHERE tenant_id = $1 AND invoice_id = $2",
                binds: try .of(tenant, invoice.rawValue, retry, String(error.prefix(500)))), logger: logger)
    }

    /// The invoice no longer waits for its boleto (voided, paid otherwise, credited): it is written off at the bank by the job.
    func requestCancellation(of invoice: InvoiceID, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE boletos SET status = 'CANCELING', attempt_after = $3, updated_at = $3
                    WHERE tenant_id = $1 AND invoice_id = $2 AND status IN ('QUEUED', 'REGISTERED')
                    """, binds: try .of(tenant, invoice.rawValue, time)), logger: logger)
    }

    func setStatus(
        _ status: BoletoRow.Status, of invoice: InvoiceID, from: [BoletoRow.Status], paidMinor: Int64? = nil, at time: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE boletos SET status = $3, paid_minor = coalesce($5, paid_minor), settled_at = $4, attempt_after = NULL, updated_at = $4
                    WHERE tenant_id = $1 AND invoice_id = $2 AND status = ANY($6)
                    """, binds: try .of(tenant, invoice.rawValue, status.rawValue, time, paidMinor, from.map(\.rawValue))), logger: logger)
    }

    /// Every tenant's boletos in `status` whose attempt is due, leased until `lease`.
    func claim(
        _ status: BoletoRow.Status, at time: Date, limit: Int, lease: Date, on connection: PostgresConnection
    ) async throws -> [(String, BoletoRow)] {
        try await decode(
            connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE boletos b SET attempt_after = $3
                        FROM (SELECT tenant_id, invoice_id FROM boletos WHERE status = $4 AND attempt_after <= $1
                              ORDER BY attempt_after LIMIT $2 FOR UPDATE SKIP LOCKED) d
                        WHERE b.tenant_id = d.tenant_id AND b.invoice_id = d.invoice_id
                        RETURNING b.tenant_id, \(Self.columns.split(separator: ",").map { "b." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))
                        """, binds: try .of(time, limit, lease, status.rawValue)), logger: logger))
    }

    /// Every tenant's REGISTERED boletos not checked with the bank since `before`, leased (checked_at moved to `time`).
    func claimUnchecked(before: Date, at time: Date, limit: Int, on connection: PostgresConnection) async throws -> [(String, BoletoRow)] {
        try await decode(
            connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE boletos b SET checked_at = $3
                        FROM (SELECT tenant_id, invoice_id FROM boletos WHERE status = 'REGISTERED' AND checked_at <= $1
                              ORDER BY checked_at LIMIT $2 FOR UPDATE SKIP LOCKED) d
                        WHERE b.tenant_id = d.tenant_id AND b.invoice_id = d.invoice_id
                        RETURNING b.tenant_id, \(Self.columns.split(separator: ",").map { "b." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))
                        """, binds: try .of(before, limit, time)), logger: logger))
    }
}
