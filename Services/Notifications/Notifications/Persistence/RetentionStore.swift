import BillingPostgres
import Foundation
import Logging
import PostgresNIO

/// What is kept of finished work: attempts, settled deliveries, messages nothing refers to any more and settled e-mails, once
/// older than the retention, are deleted in bounded batches (every tenant's; the system scope).
struct RetentionStore {
    let logger: Logger

    /// Deletes up to `limit` rows of each kind older than `cutoff`; answers how many rows went.
    func purge(before cutoff: Date, limit: Int, on connection: PostgresConnection) async throws -> Int {
        let statements = [
            """
            DELETE FROM webhook_attempts WHERE (tenant_id, id) IN (
                SELECT tenant_id, id FROM webhook_attempts WHERE attempted_at < $1 LIMIT $2)
            """,
            """
            DELETE FROM webhook_deliveries WHERE (tenant_id, endpoint_id, message_id) IN (
                SELECT tenant_id, endpoint_id, message_id FROM webhook_deliveries WHERE status <> 'PENDING' AND updated_at < $1 LIMIT $2)
            """,
            """
            DELETE FROM webhook_messages WHERE (tenant_id, id) IN (
                SELECT m.tenant_id, m.id FROM webhook_messages m
                WHERE m.created_at < $1
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = m.tenant_id AND d.message_id = m.id)
                LIMIT $2)
            """,
            """
            DELETE FROM email_notifications WHERE (tenant_id, id) IN (
                SELECT tenant_id, id FROM email_notifications WHERE status <> 'PENDING' AND updated_at < $1 LIMIT $2)
            """,
        ]
        var deleted = 0
        for sql in statements {
            deleted += try await connection.rows(
                PostgresQuery(unsafeSQL: sql + " RETURNING 1", binds: try .of(cutoff, limit)), logger: logger
            ).count
        }
        return deleted
    }
}
