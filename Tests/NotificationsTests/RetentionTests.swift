import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import PostgresNIO
import Testing

@testable import Notifications

/// Retention deletes finished work older than the cutoff and keeps what is still pending or recent.
@Suite("Notifications retention on PostgreSQL", .serialized)
struct RetentionTests {
    @Test("attempts, settled deliveries and e-mails and unreferenced messages older than the cutoff go; pending and recent work stays")
    func purge() async throws {
        try await TestEnvironment.withDatabase(schema: "notifications", migrations: try NotificationsService.migrations) { database in
            let tenant = "ret-\(UUIDv7.generate().uuidString.suffix(12).lowercased())"
            // Times ahead of now, with a cutoff between them: the running test clusters' own retention (30 days back) shares this
            // schema and must not touch these rows.
            let old = Date().addingTimeInterval(10 * 86_400), recent = Date().addingTimeInterval(20 * 86_400)
            let endpoint = UUID()
            func run(_ sql: String, _ binds: PostgresBindings) async throws {
                try await database.withSystemScope { try await $0.execute(PostgresQuery(unsafeSQL: sql, binds: binds), logger: database.logger) }
            }
            try await run(
                """
                INSERT INTO webhook_endpoints (tenant_id, id, url, enabled, secret, created_at, updated_at) VALUES ($1, $2, 'https://x.example', true, 's', $3, $3)
                """, try .of(tenant, endpoint, old))
            for (message, created) in [("m-old-done", old), ("m-old-pending", old), ("m-recent-done", recent), ("m-old-orphan", old)] {
                try await run(
                    "INSERT INTO webhook_messages (tenant_id, id, event_type, payload, created_at) VALUES ($1, $2, 't', '{}', $3)",
                    try .of(tenant, message, created))
            }
            for (message, status, updated) in [
                ("m-old-done", "SUCCEEDED", old), ("m-old-pending", "PENDING", old), ("m-recent-done", "FAILED", recent),
            ] {
                try await run(
                    """
                    INSERT INTO webhook_deliveries (tenant_id, endpoint_id, message_id, status, next_attempt_at, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $5, $5)
                    """, try .of(tenant, endpoint, message, status, updated))
            }
            for at in [old, recent] {
                try await run(
                    """
                    INSERT INTO webhook_attempts (tenant_id, id, endpoint_id, message_id, attempted_at, latency_ms, succeeded)
                    VALUES ($1, $2, $3, 'm-old-done', $4, 1, true)
                    """, try .of(tenant, UUID(), endpoint, at))
            }
            for (event, status) in [("e-sent", "SENT"), ("e-pending", "PENDING")] {
                try await run(
                    """
                    INSERT INTO email_notifications (tenant_id, id, event_id, event_type, notification_type, account_id, payload, status,
                        next_attempt_at, created_at, updated_at)
                    VALUES ($1, $2, $3, 't', 'INVOICE_ISSUED', $2, '{}', $4, $5, $5, $5)
                    """, try .of(tenant, UUID(), event, status, old))
            }
            let store = RetentionStore(logger: database.logger)
            let deleted = try await database.withSystemScope {
                try await store.purge(before: Date().addingTimeInterval(15 * 86_400), limit: 100, on: $0)
            }
            // One attempt, one delivery, two messages (the settled one and the orphan), one e-mail (and earlier runs' rows).
            #expect(deleted >= 5)
            func ids(_ sql: String) async throws -> Set<String> {
                try await database.withSystemScope {
                    Set(
                        try await $0.rows(PostgresQuery(unsafeSQL: sql, binds: try .of(tenant)), logger: database.logger).map {
                            try $0.decode(String.self)
                        })
                }
            }
            #expect(try await ids("SELECT id FROM webhook_messages WHERE tenant_id = $1") == ["m-old-pending", "m-recent-done"])
            #expect(try await ids("SELECT message_id FROM webhook_deliveries WHERE tenant_id = $1") == ["m-old-pending", "m-recent-done"])
            #expect(try await ids("SELECT attempted_at::text FROM webhook_attempts WHERE tenant_id = $1").count == 1)
            #expect(try await ids("SELECT event_id FROM email_notifications WHERE tenant_id = $1") == ["e-pending"])
        }
    }
}
