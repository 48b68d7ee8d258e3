import BillingPostgres
import CatalogContract
import Foundation
import Logging
import PostgresNIO

/// SQL for usage limits, their per-period counters and the thresholds already announced.
struct LimitStore: Sendable {
    let logger: Logger

    /// The counter key of limits that never reset.
    static let runningPeriodStart = Date(timeIntervalSince1970: 0)

    func limits(account: UUID, tenant: String, on connection: PostgresConnection) async throws -> [PlanLimit] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT resource, limit_value, enforcement, reset FROM usage_limits
                    WHERE tenant_id = $1 AND account_id = $2 ORDER BY resource
                    """, binds: try .of(tenant, account)), logger: logger
        ).map(Self.limit)
    }

    func limit(account: UUID, resource: String, tenant: String, on connection: PostgresConnection) async throws -> PlanLimit? {
        try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT resource, limit_value, enforcement, reset FROM usage_limits
                    WHERE tenant_id = $1 AND account_id = $2 AND resource = $3
                    """, binds: try .of(tenant, account, resource)), logger: logger
        ).map(Self.limit)
    }

    func replace(account: UUID, with limits: [PlanLimit], at now: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(unsafeSQL: "DELETE FROM usage_limits WHERE tenant_id = $1 AND account_id = $2", binds: try .of(tenant, account)),
            logger: logger)
        guard !limits.isEmpty else { return }
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO usage_limits (tenant_id, account_id, resource, limit_value, enforcement, reset, updated_at)
                    SELECT $1, $2, l.resource, l.limit_value, l.enforcement, l.reset, $3
                    FROM unnest($4::text[], $5::int8[], $6::text[],
                                $7::text[]) AS l(resource, limit_value, enforcement, reset)
                    """,
                binds: try .of(
                    tenant, account, now, limits.map(\.resource), limits.map(\.limit), limits.map(\.enforcement.rawValue),
                    limits.map { ($0.reset ?? .period).rawValue })), logger: logger)
    }

    /// Adds `quantity` to the counter unless that would pass `hardLimit`; returns the new usage, or nil when refused.
    /// One conditional UPDATE: concurrent checks queue on the row and each sees the usage the previous one left.
    func consume(
        account: UUID, resource: String, periodStart: Date, quantity: Int64, hardLimit: Int64?, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws -> Int64? {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO usage_limit_counters (tenant_id, account_id, resource, period_start, used, updated_at)
                    VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT DO NOTHING
                    """, binds: try .of(tenant, account, resource, periodStart, now)), logger: logger)
        return try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE usage_limit_counters SET used = GREATEST(used + $1, 0), updated_at = $2
                    WHERE tenant_id = $3 AND account_id = $4 AND resource = $5 AND period_start = $6
                      AND ($7::int8 IS NULL OR $1 <= 0 OR used + $1 <= $7::int8)
                    RETURNING used
                    """, binds: try .of(quantity, now, tenant, account, resource, periodStart, hardLimit)), logger: logger)?.decode(Int64.self)
    }

    func used(account: UUID, resource: String, periodStart: Date, tenant: String, on connection: PostgresConnection) async throws -> Int64 {
        try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT used FROM usage_limit_counters
                    WHERE tenant_id = $1 AND account_id = $2 AND resource = $3 AND period_start = $4
                    """, binds: try .of(tenant, account, resource, periodStart)), logger: logger)?.decode(Int64.self) ?? 0
    }

    /// Usage per resource of the account in the given periods (PERIOD limits' and running ones').
    func used(account: UUID, periodStarts: [Date], tenant: String, on connection: PostgresConnection) async throws -> [String: [Date: Int64]] {
        var result: [String: [Date: Int64]] = [:]
        for row in try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT resource, period_start, used FROM usage_limit_counters
                    WHERE tenant_id = $1 AND account_id = $2 AND period_start = ANY($3)
                    """, binds: try .of(tenant, account, periodStarts)), logger: logger)
        {
            let (resource, start, used) = try row.decode((String, Date, Int64).self)
            result[resource, default: [:]][start] = used
        }
        return result
    }

    /// Records that a threshold was announced; false when it already was (this period).
    func announce(
        account: UUID, resource: String, periodStart: Date, threshold: Int, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws -> Bool {
        try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO usage_limit_notices (tenant_id, account_id, resource, period_start, threshold, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT DO NOTHING RETURNING threshold
                    """, binds: try .of(tenant, account, resource, periodStart, Int16(threshold), now)), logger: logger) != nil
    }

    private static func limit(_ row: PostgresRow) throws -> PlanLimit {
        let (resource, limit, enforcement, reset) = try row.decode((String, Int64, String, String).self)
        return PlanLimit(
            resource: resource, limit: limit, enforcement: LimitEnforcement(rawValue: enforcement) ?? .hard,
            reset: LimitReset(rawValue: reset) ?? .period)
    }
}
