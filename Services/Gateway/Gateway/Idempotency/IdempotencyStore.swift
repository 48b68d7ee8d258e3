import BillingPostgres
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// `Idempotency-Key` records in the gateway's own schema, per tenant, kept for a retention window.
///
/// The first request with a key claims it (IN_PROGRESS, with a lease); a replay with the same
/// request gets the stored status and body; a different request with the key is refused; a replay
/// while the first still runs is told so. A claim whose lease ran out (the gateway died mid-request)
/// may be taken over; services downstream deduplicate by the same key, so nothing runs twice.
struct IdempotencyStore: Sendable {
    enum Claim: Sendable {
        case proceed
        case replay(status: Int, body: ByteBuffer, location: String?)
        case inProgress
        case mismatch
    }

    let database: Database
    let retention: TimeInterval
    /// How long a claim is the first request's alone: longer than any request may run (the gateway's request timeout plus a
    /// margin), so a retry never takes over a request that is still running.
    let lease: TimeInterval

    init(database: Database, retention: TimeInterval, requestTimeout: TimeInterval) {
        self.database = database
        self.retention = retention
        self.lease = requestTimeout + 30
    }

    func claim(tenant: String, key: String, fingerprint: String) async throws -> Claim {
        let logger = database.logger
        let retention = retention, lease = lease
        return try await database.withTenant(tenant) { connection in
            // Insert, or reclaim a row whose retention has passed.
            let claimed = try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_fingerprint, state, locked_until, expires_at)
                        VALUES ($1, $2, $3, 'IN_PROGRESS', now() + make_interval(secs => $4),
                                now() + make_interval(secs => $5))
                        ON CONFLICT (tenant_id, idempotency_key) DO UPDATE
                            SET request_fingerprint = EXCLUDED.request_fingerprint, state = 'IN_PROGRESS', response_status = NULL,
                                response_body = NULL, locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at, created_at = now()
                            WHERE idempotency_keys.expires_at < now()
                        RETURNING 1
                        """, binds: try .of(tenant, key, fingerprint, lease, retention)), logger: logger)
            if !claimed.isEmpty { return .proceed }
            guard
                let row = try await connection.firstRow(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT request_fingerprint, state, response_status, response_body, locked_until < now(), response_location
                            FROM idempotency_keys WHERE tenant_id = $1 AND idempotency_key = $2 FOR UPDATE
                            """, binds: try .of(tenant, key)), logger: logger)
            else { return .inProgress }
            let (storedFingerprint, state, status, body, leaseExpired, location) =
                try row.decode((String, String, Int?, ByteBuffer?, Bool, String?).self)
            guard storedFingerprint == fingerprint else { return .mismatch }
            if state == "COMPLETED", let status, let body { return .replay(status: status, body: body, location: location) }
            guard leaseExpired else { return .inProgress }
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => $1)
                        WHERE tenant_id = $2 AND idempotency_key = $3
                        """, binds: try .of(lease, tenant, key)), logger: logger)
            return .proceed
        }
    }

    /// Stores the answer. Tried again (five times, 100 ms to 1.6 s apart) before giving up: the operation has happened, and a
    /// key left claimed only runs again, after its lease, against services that answer it from their own record.
    func complete(tenant: String, key: String, status: Int, body: ByteBuffer, location: String?) async throws {
        let logger = database.logger
        var attempt = 0
        while true {
            do {
                try await database.withTenant(tenant) { connection in
                    try await connection.execute(
                        PostgresQuery(
                            unsafeSQL: """
                                UPDATE idempotency_keys SET state = 'COMPLETED', response_status = $1, response_body = $2, response_location = $5
                                WHERE tenant_id = $3 AND idempotency_key = $4
                                """, binds: try .of(status, body, tenant, key, location)), logger: logger)
                }
                return
            } catch {
                attempt += 1
                guard attempt < 5 else { throw error }
                try await Task.sleep(for: .milliseconds(100 << (attempt - 1)))
            }
        }
    }

    /// Forgets a claim whose request failed for a transient reason, so a retry runs again.
    func release(tenant: String, key: String) async throws {
        let logger = database.logger
        try await database.withTenant(tenant) { connection in
            try await connection.execute(
                PostgresQuery(unsafeSQL: "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND idempotency_key = $2", binds: try .of(tenant, key)),
                logger: logger)
        }
    }

    /// Deletes records past their retention (all tenants).
    func purgeExpired() async throws -> Int {
        let logger = database.logger
        return try await database.withSystemScope { connection in
            try await connection.rows("DELETE FROM idempotency_keys WHERE expires_at < now() RETURNING 1", logger: logger).count
        }
    }
}
