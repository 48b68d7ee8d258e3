import BillingCore
import BillingPostgres
import Foundation
import Logging
import PostgresNIO

/// Writes events to the service's `outbox` table inside the caller's transaction, so the state change
/// and its event commit together or not at all (the relay publishes them afterwards).
public struct Outbox: Sendable {
    /// The producing context, used as the CloudEvents `source` (`/billing/accounts`).
    public let source: String

    public init(context: String) { self.source = "/billing/\(context)" }

    /// Appends `event` for `tenant`; call inside the transaction that made the change.
    @discardableResult
    public func append<Event: IntegrationEvent>(_ event: Event, tenant: String, at time: Date, traceparent: String? = nil,
                                                on connection: PostgresConnection, logger: Logger) async throws -> EventEnvelope {
        let envelope = try EventEnvelope(event, source: source, tenant: tenant, at: time, traceparent: traceparent)
        let json = JSONWriter.string(try JSONValueEncoder().encode(envelope))
        try await connection.execute("""
            INSERT INTO outbox (id, tenant_id, type, subject, occurred_at, envelope)
            VALUES (\(UUID(uuidString: envelope.id)!), \(tenant), \(envelope.type), \(envelope.subject), \(time), \(json)::jsonb)
            """, logger: logger)
        return envelope
    }
}
