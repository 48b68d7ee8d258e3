import BillingCore
import Crypto
import Foundation
import Logging
import PostgresNIO

extension Database {
    /// Runs `body` in a tenant transaction at most once per idempotency key.
    ///
    /// With a key, the first call stores its response with the business change in the same transaction;
    /// later calls with that key get the stored response without running `body` again, even if the
    /// first caller never heard back (a crash, a lost reply). Concurrent calls with one key wait on a
    /// transaction-scoped advisory lock. The same key with a different request is refused
    /// (``IdempotencyKeyReusedError``). Without a key, `body` simply runs.
    public func idempotent<Request: Encodable, Response: Codable & Sendable>(
        tenant: String, operation: String, key: String?, request: Request,
        _ body: (PostgresConnection) async throws -> Response
    ) async throws -> Response {
        guard let key else { return try await withTenant(tenant) { try await body($0) } }
        let requestHash = SHA256.hash(data: try WireJSONEncoder().encode(request)).map { String(format: "%02x", $0) }.joined()
        let logger = logger
        return try await withTenant(tenant) { connection in
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                    binds: try .of(tenant + "\u{1}" + operation + "\u{1}" + key)), logger: logger)
            if let row = try await connection.firstRow(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT request_hash, response FROM idempotent_requests
                        WHERE tenant_id = $1 AND operation = $2 AND idempotency_key = $3
                        """, binds: try .of(tenant, operation, key)), logger: logger)
            {
                let (storedHash, response) = try row.decode((String, ByteBuffer).self)
                guard storedHash == requestHash else {
                    throw IdempotencyKeyReusedError(operation: operation)
                }
                return try WireJSONDecoder().decode(Response.self, from: Array(response.readableBytesView))
            }
            let response = try await body(connection)
            let bytes = ByteBuffer(bytes: try WireJSONEncoder().encode(response))
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO idempotent_requests (tenant_id, operation, idempotency_key, request_hash, response)
                        VALUES ($1, $2, $3, $4, $5)
                        """, binds: try .of(tenant, operation, key, requestHash, bytes)), logger: logger)
            return response
        }
    }

    /// Removes up to `limit` stored answers recorded before `instant` (`BILLING_IDEMPOTENCY_RETENTION_HOURS`); answers how many
    /// went. A key older than the retention runs as a new request: the retention outlasts any retry by far.
    public func purgeIdempotentRequests(before instant: Date, limit: Int) async throws -> Int {
        try await withSystemScope { connection in
            try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        DELETE FROM idempotent_requests WHERE (tenant_id, operation, idempotency_key) IN (
                            SELECT tenant_id, operation, idempotency_key FROM idempotent_requests WHERE created_at < $1 LIMIT $2)
                        RETURNING 1
                        """, binds: try .of(instant, limit)), logger: logger
            ).count
        }
    }
}
