import BillingCore
import BillingEvents
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
    public func append<Event: IntegrationEvent>(
        _ event: Event, tenant: String, at time: Date, traceparent: String? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> EventEnvelope {
        try await append([PendingEvent(event, tenant: tenant, at: time, traceparent: traceparent)], on: connection, logger: logger)[0]
    }

    /// Appends many events in one statement (schedulers that change many aggregates in one transaction).
    @discardableResult
    public func append(_ events: [PendingEvent], on connection: PostgresConnection, logger: Logger) async throws -> [EventEnvelope] {
        guard !events.isEmpty else { return [] }
        let envelopes = try events.map { pending in
            try EventEnvelope(
                pending.event, source: source, tenant: pending.tenant, at: pending.at, traceparent: pending.traceparent, actor: pending.actor)
        }
        let encoder = JSONValueEncoder()
        _ = try await connection.rows(
            AppendToOutbox(
                bindings: try .of(
                    envelopes.map { UUID(uuidString: $0.id)! }, events.map(\.tenant), envelopes.map(\.type), events.map(\.event.subject),
                    events.map(\.at), try envelopes.map { JSONWriter.string(try encoder.encode($0)) })), logger: logger)
        return envelopes
    }
}

/// ``Outbox/append(_:on:logger:)``'s statement, prepared once per connection: every service appends with it in every
/// transaction that emits an event (issue 21's bench-invoicing spent more of PostgreSQL's time planning than executing).
struct AppendToOutbox: PreparedSQL {
    static let name = "billing_outbox_append"
    static let sql = """
        INSERT INTO outbox (id, tenant_id, type, subject, occurred_at, envelope)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]::jsonb[])
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuidArray, .textArray, .textArray, .textArray, .timestamptzArray, .textArray]
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
}

/// An event waiting to be appended, with its tenant, the instant it happened, the trace it belongs to and who caused it (by
/// default whoever the work creating it acts for).
public struct PendingEvent: Sendable {
    public let event: any IntegrationEvent
    public let tenant: String
    public let at: Date
    public let traceparent: String?
    public let actor: String?

    public init(_ event: any IntegrationEvent, tenant: String, at: Date, traceparent: String? = nil, actor: String? = RequestActor.current) {
        self.actor = actor
        self.event = event
        self.tenant = tenant
        self.at = at
        self.traceparent = traceparent
    }
}
