import BillingCore
import BillingPostgres
import Foundation
import Logging
import PostgresNIO

/// SQL for `provider_events`: each payment provider notification, applied once per provider event id.
struct ProviderEventStore {
    let logger: Logger

    /// Claims the event (PENDING) in the caller's transaction; false when it was handled before.
    func claim(provider: String, eventID: String, type: String, at time: Date, tenant: String, on connection: PostgresConnection) async throws -> Bool
    {
        try await !connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO provider_events (tenant_id, provider, event_id, type, outcome, received_at) VALUES ($1, $2, $3, $4, 'PENDING', $5)
                    ON CONFLICT DO NOTHING RETURNING event_id
                    """, binds: try .of(tenant, provider, eventID, type, time)), logger: logger
        ).isEmpty
    }

    /// Whether the provider's event was applied as a payment (a PIX the PSP received is recorded under its endToEndId).
    func recordedPayment(provider: String, eventID: String, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT 1 FROM provider_events WHERE tenant_id = $1 AND provider = $2 AND event_id = $3 AND outcome = 'PAYMENT_RECORDED'
                    """, binds: try .of(tenant, provider, eventID)), logger: logger
        ).isEmpty
    }

    /// What applying it did.
    func record(outcome: String, provider: String, eventID: String, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "UPDATE provider_events SET outcome = $4 WHERE tenant_id = $1 AND provider = $2 AND event_id = $3",
                binds: try .of(tenant, provider, eventID, outcome)), logger: logger)
    }
}
