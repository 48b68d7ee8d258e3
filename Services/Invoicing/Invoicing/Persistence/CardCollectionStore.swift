import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `card_collections`: the period invoices waiting for their next automatic card charge.
struct CardCollectionStore {
    let logger: Logger

    /// Queues the invoice for its first charge at `time` (once).
    func schedule(_ invoice: InvoiceID, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO card_collections (tenant_id, invoice_id, attempts, next_attempt_at) VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING
                    """, binds: try .of(tenant, invoice.rawValue, time)), logger: logger)
    }

    /// Claims the charges due at `time`, every tenant's (rows another replica holds are skipped): each gets its attempt number
    /// (the one still in flight after a crash, or the next) and is leased until `lease`, so no other pass takes it meanwhile. The
    /// caller commits before charging.
    func claimDue(
        at time: Date, limit: Int, lease: Date, on connection: PostgresConnection
    ) async throws -> [(tenant: String, invoice: InvoiceID, attempt: Int)] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE card_collections c SET in_flight_attempt = coalesce(c.in_flight_attempt, c.attempts + 1), next_attempt_at = $3
                    FROM (SELECT tenant_id, invoice_id FROM card_collections WHERE next_attempt_at <= $1
                          ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) d
                    WHERE c.tenant_id = d.tenant_id AND c.invoice_id = d.invoice_id
                    RETURNING c.tenant_id, c.invoice_id, c.in_flight_attempt
                    """, binds: try .of(time, limit, lease)), logger: logger
        ).map { row in
            let (tenant, invoice, attempt) = try row.decode((String, UUID, Int).self)
            return (tenant, InvoiceID(rawValue: invoice), attempt)
        }
    }

    /// The next attempt after `attempts` declined ones.
    func reschedule(_ invoice: InvoiceID, attempts: Int, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE card_collections SET attempts = $3, next_attempt_at = $4, in_flight_attempt = NULL
                    WHERE tenant_id = $1 AND invoice_id = $2
                    """, binds: try .of(tenant, invoice.rawValue, attempts, time)), logger: logger)
    }

    /// The invoice leaves the schedule (paid, not payable any more, no card, or its last attempt declined).
    func remove(_ invoice: InvoiceID, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "DELETE FROM card_collections WHERE tenant_id = $1 AND invoice_id = $2",
                binds: try .of(tenant, invoice.rawValue)), logger: logger)
    }
}
