import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import CatalogContract
import Foundation
import InvoicingContract
import LedgerContract
import Logging
import NotificationsContract
import PostgresNIO
import SubscriptionsContract

/// One recorded billing event, as the audit API shows it.
struct AuditedEvent: Codable, Sendable {
    var id: String
    var type: String
    var source: String
    var subject: String?
    var time: Date
    /// Who caused it: the subject of the token that asked (`customer:<subject>` for a customer's), `provider:<name>`, or absent for
    /// the system's own work; `actorKind` OPERATOR, CUSTOMER, PROVIDER or SYSTEM.
    var actor: String?
    var actorKind: String
    var data: JSONValue
}

/// The audit trail: a consumer of every context's stream writing `audit_events`, and its queries.
struct AuditTrail: Sendable {
    static let group = "gateway-audit"
    static let contexts = ["accounts", "catalog", "subscriptions", "ledger", "invoicing", "notifications"]

    let database: Database

    /// Stores every event (the consumer's inbox already drops redeliveries; the key drops anything else).
    var subscription: EventSubscription {
        let logger = database.logger
        return EventSubscription(
            group: Self.group, contexts: Self.contexts,
            events: AccountsAPI.events + CatalogAPI.events + SubscriptionsAPI.events + LedgerAPI.events + InvoicingAPI.events
                + NotificationsAPI.events,
            fallback: { envelope, connection in
                let json = JSONWriter.string(try JSONValueEncoder().encode(envelope))
                try await connection.execute(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO audit_events (tenant_id, event_id, type, source, subject, occurred_at, envelope)
                            VALUES ($1, $2, $3, $4, $5,
                                    $6, $7::jsonb)
                            ON CONFLICT DO NOTHING
                            """,
                        binds: try .of(
                            envelope.tenantid, UUID(uuidString: envelope.id), envelope.type, envelope.source, envelope.subject, envelope.time, json)),
                    logger: logger)
            })
    }

    struct Filter: Sendable {
        var type: String?
        var subject: String?
        var since: Date?
        var until: Date?
        var after: UUID?
        var pageSize: Int
    }

    /// Newest first; one more row than the page tells whether another page follows.
    func list(tenant: String, filter: Filter) async throws -> (events: [AuditedEvent], next: String?) {
        let logger = database.logger
        return try await database.withTenant(tenant) { connection in
            let rows = try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT envelope::text FROM audit_events
                        WHERE tenant_id = $1
                          AND ($2::text IS NULL OR type = $2)
                          AND ($3::text IS NULL OR subject = $3)
                          AND ($4::timestamptz IS NULL OR occurred_at >= $4)
                          AND ($5::timestamptz IS NULL OR occurred_at < $5)
                          AND ($6::uuid IS NULL OR event_id < $6)
                        ORDER BY event_id DESC
                        LIMIT $7
                        """, binds: try .of(tenant, filter.type, filter.subject, filter.since, filter.until, filter.after, filter.pageSize + 1)),
                logger: logger)
            var events = try rows.map { row -> AuditedEvent in
                let envelope = try EventEnvelope.parse(try row.decode(String.self))
                return AuditedEvent(
                    id: envelope.id, type: envelope.type, source: envelope.source, subject: envelope.subject,
                    time: envelope.time, actor: envelope.actor, actorKind: RequestActor.kind(of: envelope.actor), data: envelope.data)
            }
            var next: String?
            if events.count > filter.pageSize {
                events.removeLast()
                next = events.last?.id
            }
            return (events, next)
        }
    }
}
