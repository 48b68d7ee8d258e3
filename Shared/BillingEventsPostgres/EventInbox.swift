import BillingCore
import BillingEvents
import BillingPostgres
import Foundation
import Logging
import PostgresNIO

/// A consuming context's `inbox`: each event applied once in effect, its handler and its inbox row in one transaction.
public struct EventInbox: Sendable {
    let subscription: EventSubscription
    let database: Database
    let logger: Logger

    public init(subscription: EventSubscription, database: Database, logger: Logger) {
        self.subscription = subscription
        self.database = database
        self.logger = logger
    }

    /// Records the inbox rows of one tenant's events and runs the handlers of those not applied
    /// before, all in one transaction. Returns the events applied now (not the redelivered ones).
    public func apply(_ envelopes: [EventEnvelope]) async throws -> [EventEnvelope] {
        let ids = try envelopes.map { envelope -> UUID in
            guard let id = UUID(uuidString: envelope.id) else { throw EventInboxError(eventID: envelope.id) }
            return id
        }
        let tenant = envelopes[0].tenantid
        let group = subscription.group
        let logger = logger
        let subscription = subscription
        let applied = try await database.withTenant(tenant) { connection -> Set<String> in
            let inserted = try await connection.rows(
                RecordInInbox(bindings: try .of(group, tenant, ids, envelopes.map(\.type))), logger: logger)
            let fresh = Set(try inserted.map { try $0.decode(UUID.self).text })
            for envelope in envelopes where fresh.contains(envelope.id.lowercased()) {
                // What the handler appends was caused by whoever caused this event.
                try await RequestActor.$current.withValue(envelope.actor) {
                    try await (subscription.handlers[envelope.type] ?? subscription.fallback)?(envelope, connection)
                }
            }
            return fresh
        }
        return envelopes.filter { applied.contains($0.id.lowercased()) }
    }

    /// Removes up to `limit` of the group's inbox rows applied before `instant`; answers how many went. Safe once no copy of those
    /// events can come back: the inbox outlives the outbox's re-send window and the dead letters' retention (checked at start-up).
    public func purge(before instant: Date, limit: Int) async throws -> Int {
        try await database.withSystemScope { connection in
            try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        DELETE FROM inbox WHERE consumer = $1 AND event_id IN (
                            SELECT event_id FROM inbox WHERE consumer = $1 AND processed_at < $2 LIMIT $3)
                        RETURNING 1
                        """, binds: try .of(subscription.group, instant, limit)), logger: logger
            ).count
        }
    }
}

/// ``EventInbox/apply(_:)``'s statement, prepared once per connection (every event every consumer applies runs it).
struct RecordInInbox: PreparedSQL {
    static let name = "billing_inbox_record"
    static let sql = """
        INSERT INTO inbox (consumer, event_id, tenant_id, event_type)
        SELECT $1, event_id, $2, event_type FROM unnest($3::uuid[], $4::text[]) AS e(event_id, event_type)
        ON CONFLICT DO NOTHING RETURNING event_id
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .uuidArray, .textArray]
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
}

/// An event whose id is not a UUID cannot have an inbox row.
public struct EventInboxError: Error, CustomStringConvertible {
    public let eventID: String
    public var description: String { "event id '\(eventID.prefix(60))' is not a UUID" }
}
