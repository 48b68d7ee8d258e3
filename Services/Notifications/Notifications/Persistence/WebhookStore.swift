import BillingCore
import BillingPostgres
import Foundation
import Logging
import NotificationsContract
import PostgresNIO

/// An endpoint as stored, with its secrets (never a wire type: the secret is answered only at creation and rotation).
struct WebhookEndpointRow: Sendable {
    var endpoint: WebhookEndpoint
    var secret: String
    var previousSecret: String?
    var previousSecretUntil: Date?

    /// The secrets that sign a delivery at `time`: the current one, and the rotated one during its 24 h.
    func signingSecrets(at time: Date) -> [String] {
        guard let previousSecret, let until = previousSecretUntil, until > time else { return [secret] }
        return [secret, previousSecret]
    }
}

/// A delivery claimed for one attempt: the message, the endpoint's URL and secrets.
struct ClaimedDelivery: Sendable {
    let tenant: String
    let endpoint: WebhookEndpointRow
    let messageID: String
    let eventType: String
    let payload: String
    /// Attempts made before this one.
    let attempts: Int
}

/// SQL for the `notifications` schema; every statement filters by tenant (row-level security is the second wall).
struct WebhookStore {
    let logger: Logger

    private static let endpointColumns = """
        e.id, e.url, e.event_types, e.description, e.enabled, e.disabled_reason, e.created_at, e.updated_at, e.secret, e.previous_secret,
        e.previous_secret_until
        """

    private static func endpoint(_ row: PostgresRow, from offset: Int = 0) throws -> WebhookEndpointRow {
        var columns = ColumnReader(row, from: offset)
        let id: UUID = try columns.next(), url: String = try columns.next(), types: [String] = try columns.next()
        let description: String? = try columns.next(), enabled: Bool = try columns.next(), reason: String? = try columns.next()
        let created: Date = try columns.next(), updated: Date = try columns.next(), secret: String = try columns.next()
        let previous: String? = try columns.next(), until: Date? = try columns.next()
        return WebhookEndpointRow(
            endpoint: WebhookEndpoint(
                id: WebhookEndpointID(rawValue: id), url: url, eventTypes: types, description: description, enabled: enabled,
                disabledReason: reason, createdAt: created, updatedAt: updated),
            secret: secret, previousSecret: previous, previousSecretUntil: until)
    }

    func insert(_ row: WebhookEndpointRow, tenant: String, on connection: PostgresConnection) async throws {
        let endpoint = row.endpoint
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO webhook_endpoints (tenant_id, id, url, event_types, description, enabled, secret, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                    """,
                binds: try .of(
                    tenant, endpoint.id.rawValue, endpoint.url, endpoint.eventTypes, endpoint.description, endpoint.enabled, row.secret,
                    endpoint.createdAt)), logger: logger)
    }

    /// One live (not deleted) endpoint, locked when asked.
    func endpoint(
        _ id: WebhookEndpointID, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection
    ) async throws
        -> WebhookEndpointRow?
    {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.endpointColumns) FROM webhook_endpoints e
                    WHERE e.tenant_id = $1 AND e.id = $2 AND e.deleted_at IS NULL\(forUpdate ? " FOR UPDATE" : "")
                    """, binds: try .of(tenant, id.rawValue)), logger: logger
        ).first.map { try Self.endpoint($0) }
    }

    func endpoints(tenant: String, on connection: PostgresConnection) async throws -> [WebhookEndpoint] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.endpointColumns) FROM webhook_endpoints e
                    WHERE e.tenant_id = $1 AND e.deleted_at IS NULL ORDER BY e.created_at, e.id LIMIT 100
                    """, binds: try .of(tenant)), logger: logger
        ).map { try Self.endpoint($0).endpoint }
    }

    func countLive(tenant: String, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1 AND deleted_at IS NULL", binds: try .of(tenant)),
            logger: logger)
        return try rows.first.map { Int(try $0.decode(Int64.self)) } ?? 0
    }

    /// Saves what an update, a rotation or the platform changed.
    func save(_ row: WebhookEndpointRow, tenant: String, on connection: PostgresConnection) async throws {
        let endpoint = row.endpoint
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE webhook_endpoints SET url = $3, event_types = $4, description = $5, enabled = $6, disabled_reason = $7,
                        secret = $8, previous_secret = $9, previous_secret_until = $10, updated_at = $11,
                        failing_since = CASE WHEN $6 AND NOT enabled THEN NULL ELSE failing_since END
                    WHERE tenant_id = $1 AND id = $2
                    """,
                binds: try .of(
                    tenant, endpoint.id.rawValue, endpoint.url, endpoint.eventTypes, endpoint.description, endpoint.enabled,
                    endpoint.disabledReason, row.secret, row.previousSecret, row.previousSecretUntil, endpoint.updatedAt)), logger: logger)
    }

    /// Removes an endpoint: marked deleted, what was still queued for it dropped.
    func delete(_ id: WebhookEndpointID, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "UPDATE webhook_endpoints SET deleted_at = $3, enabled = false, updated_at = $3 WHERE tenant_id = $1 AND id = $2",
                binds: try .of(tenant, id.rawValue, time)), logger: logger)
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2 AND status = 'PENDING'",
                binds: try .of(tenant, id.rawValue)), logger: logger)
    }

    /// The message (once per event id) and a PENDING delivery to every live, enabled endpoint of the tenant that takes its type
    /// (`endpoint`: to that one only, whatever its types). Answers how many deliveries were queued. An event no endpoint takes
    /// is not kept (most tenants have no endpoint: their events cost one indexed lookup).
    @discardableResult
    func enqueue(
        messageID: String, eventType: String, payload: String, endpoint: WebhookEndpointID? = nil, at time: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws -> Int {
        if endpoint == nil {
            let takers = try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT 1 FROM webhook_endpoints WHERE tenant_id = $1 AND deleted_at IS NULL AND enabled
                          AND (cardinality(event_types) = 0 OR $2 = ANY (event_types)) LIMIT 1
                        """, binds: try .of(tenant, eventType)), logger: logger)
            guard !takers.isEmpty else { return 0 }
        }
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO webhook_messages (tenant_id, id, event_type, payload, created_at) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT DO NOTHING
                    """, binds: try .of(tenant, messageID, eventType, payload, time)), logger: logger)
        return try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO webhook_deliveries (tenant_id, endpoint_id, message_id, status, next_attempt_at, created_at, updated_at)
                    SELECT tenant_id, id, $2, 'PENDING', $4, $4, $4 FROM webhook_endpoints
                    WHERE tenant_id = $1 AND deleted_at IS NULL
                      AND (($5::uuid IS NULL AND enabled AND (cardinality(event_types) = 0 OR $3 = ANY (event_types))) OR id = $5)
                    ON CONFLICT (tenant_id, endpoint_id, message_id) DO UPDATE
                        SET status = 'PENDING', next_attempt_at = $4, leased_until = NULL, updated_at = $4
                        WHERE $5::uuid IS NOT NULL
                    RETURNING endpoint_id
                    """, binds: try .of(tenant, messageID, eventType, time, endpoint?.rawValue)), logger: logger
        ).count
    }

    func messageType(_ id: String, tenant: String, on connection: PostgresConnection) async throws -> (type: String, payload: String)? {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT event_type, payload FROM webhook_messages WHERE tenant_id = $1 AND id = $2", binds: try .of(tenant, id)),
            logger: logger
        ).first.map { try $0.decode((String, String).self) }
    }

    /// Every tenant's deliveries due at `time` and not leased, each leased until `lease` (no other replica takes it meanwhile; one
    /// killed mid-delivery leaves it to another after the lease). At most one per endpoint per pass, so a slow endpoint holds one
    /// lease and delays no other.
    func claimDue(at time: Date, lease: Date, limit: Int, on connection: PostgresConnection) async throws -> [ClaimedDelivery] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    WITH due AS (
                        SELECT d.tenant_id, d.endpoint_id, d.message_id FROM webhook_deliveries d
                        WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1 AND (d.leased_until IS NULL OR d.leased_until < $1)
                          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.tenant_id = d.tenant_id AND o.endpoint_id = d.endpoint_id
                                          AND o.status = 'PENDING' AND o.leased_until >= $1)
                        ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED
                    ), one AS (
                        SELECT DISTINCT ON (tenant_id, endpoint_id) tenant_id, endpoint_id, message_id FROM due
                        ORDER BY tenant_id, endpoint_id, message_id
                    ), leased AS (
                        UPDATE webhook_deliveries d SET leased_until = $2, updated_at = $1
                        FROM one WHERE d.tenant_id = one.tenant_id AND d.endpoint_id = one.endpoint_id AND d.message_id = one.message_id
                        RETURNING d.tenant_id, d.endpoint_id, d.message_id, d.attempts
                    )
                    SELECT \(Self.endpointColumns), l.tenant_id, l.message_id, m.event_type, m.payload, l.attempts
                    FROM leased l
                    JOIN webhook_endpoints e ON e.tenant_id = l.tenant_id AND e.id = l.endpoint_id
                    JOIN webhook_messages m ON m.tenant_id = l.tenant_id AND m.id = l.message_id
                    """, binds: try .of(time, lease, limit)), logger: logger
        ).map { row in
            let endpoint = try Self.endpoint(row)
            var columns = ColumnReader(row, from: 11)
            let tenant: String = try columns.next(), message: String = try columns.next(), type: String = try columns.next()
            let payload: String = try columns.next(), attempts: Int32 = try columns.next()
            return ClaimedDelivery(
                tenant: tenant, endpoint: endpoint, messageID: message, eventType: type, payload: payload, attempts: Int(attempts))
        }
    }

    /// An attempt's outcome: the attempt logged, the delivery SUCCEEDED, rescheduled at `next` or FAILED (no `next`), and the
    /// endpoint's failing streak moved. Answers since when the endpoint has been failing (nil after a success).
    func record(
        _ attempt: WebhookAttempt, endpoint: WebhookEndpointID, next: Date?, at time: Date, tenant: String, on connection: PostgresConnection
    ) async throws -> Date? {
        let succeeded = attempt.outcome == "SUCCEEDED"
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO webhook_attempts (tenant_id, id, endpoint_id, message_id, attempted_at, status_code, latency_ms, response, error,
                        succeeded)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    """,
                binds: try .of(
                    tenant, UUIDv7.generate(at: time), endpoint.rawValue, attempt.messageId, attempt.attemptedAt, attempt.status.map(Int32.init),
                    Int32(clamping: attempt.latencyMs), attempt.response, attempt.error, succeeded)), logger: logger)
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE webhook_deliveries SET attempts = attempts + 1, leased_until = NULL, updated_at = $4,
                        status = CASE WHEN $5 THEN 'SUCCEEDED' WHEN $6::timestamptz IS NULL THEN 'FAILED' ELSE 'PENDING' END,
                        next_attempt_at = coalesce($6, next_attempt_at)
                    WHERE tenant_id = $1 AND endpoint_id = $2 AND message_id = $3
                    """, binds: try .of(tenant, endpoint.rawValue, attempt.messageId, time, succeeded, next)), logger: logger)
        return try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE webhook_endpoints SET failing_since = CASE WHEN $3 THEN NULL ELSE coalesce(failing_since, $4) END
                    WHERE tenant_id = $1 AND id = $2
                    RETURNING failing_since
                    """, binds: try .of(tenant, endpoint.rawValue, succeeded, time)), logger: logger
        ).first.flatMap { try $0.decode(Date?.self) }
    }

    func attempts(of endpoint: WebhookEndpointID, limit: Int, tenant: String, on connection: PostgresConnection) async throws -> [WebhookAttempt] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT a.message_id, m.event_type, a.attempted_at, a.status_code, a.latency_ms, a.response, a.error, a.succeeded
                    FROM webhook_attempts a JOIN webhook_messages m ON m.tenant_id = a.tenant_id AND m.id = a.message_id
                    WHERE a.tenant_id = $1 AND a.endpoint_id = $2 ORDER BY a.attempted_at DESC, a.id DESC LIMIT $3
                    """, binds: try .of(tenant, endpoint.rawValue, limit)), logger: logger
        ).map { row in
            let (message, type, time, status, latency, response, error, succeeded) = try row.decode(
                (String, String, Date, Int32?, Int32, String?, String?, Bool).self)
            return WebhookAttempt(
                messageId: message, eventType: type, attemptedAt: time, status: status.map(Int.init), latencyMs: Int(latency), response: response,
                error: error, outcome: succeeded ? "SUCCEEDED" : "FAILED")
        }
    }
}
