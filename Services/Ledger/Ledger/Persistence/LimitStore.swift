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
            """
            SELECT resource, limit_value, enforcement, reset FROM usage_limits
            WHERE tenant_id = \(tenant) AND account_id = \(account) ORDER BY resource
            """, logger: logger
        ).map(Self.limit)
    }

    func limit(account: UUID, resource: String, tenant: String, on connection: PostgresConnection) async throws -> PlanLimit? {
        try await connection.firstRow(
            """
            SELECT resource, limit_value, enforcement, reset FROM usage_limits
            WHERE tenant_id = \(tenant) AND account_id = \(account) AND resource = \(resource)
            """, logger: logger
        ).map(Self.limit)
    }

    func replace(account: UUID, with limits: [PlanLimit], at now: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute("DELETE FROM usage_limits WHERE tenant_id = \(tenant) AND account_id = \(account)", logger: logger)
        guard !limits.isEmpty else { return }
        try await connection.execute(
            """
            INSERT INTO usage_limits (tenant_id, account_id, resource, limit_value, enforcement, reset, updated_at)
            SELECT \(tenant), \(account), l.resource, l.limit_value, l.enforcement, l.reset, \(now)
            FROM unnest(\(limits.map(\.resource))::text[], \(limits.map(\.limit))::int8[], \(limits.map(\.enforcement.rawValue))::text[],
                        \(limits.map { ($0.reset ?? .period).rawValue })::text[]) AS l(resource, limit_value, enforcement, reset)
            """, logger: logger)
    }

    /// Adds `quantity` to the counter unless that would pass `hardLimit`; returns the new usage, or nil when refused.
    /// One conditional UPDATE: concurrent checks queue on the row and each sees the usage the previous one left.
    func consume(
        account: UUID, resource: String, periodStart: Date, quantity: Int64, hardLimit: Int64?, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws -> Int64? {
        try await connection.execute(
            """
            INSERT INTO usage_limit_counters (tenant_id, account_id, resource, period_start, used, updated_at)
            VALUES (\(tenant), \(account), \(resource), \(periodStart), 0, \(now)) ON CONFLICT DO NOTHING
            """, logger: logger)
        return try await connection.firstRow(
            """
            UPDATE usage_limit_counters SET used = GREATEST(used + \(quantity), 0), updated_at = \(now)
            WHERE tenant_id = \(tenant) AND account_id = \(account) AND resource = \(resource) AND period_start = \(periodStart)
              AND (\(hardLimit)::int8 IS NULL OR \(quantity) <= 0 OR used + \(quantity) <= \(hardLimit)::int8)
            RETURNING used
            """, logger: logger)?.decode(Int64.self)
    }

    func used(account: UUID, resource: String, periodStart: Date, tenant: String, on connection: PostgresConnection) async throws -> Int64 {
        try await connection.firstRow(
            """
            SELECT used FROM usage_limit_counters
            WHERE tenant_id = \(tenant) AND account_id = \(account) AND resource = \(resource) AND period_start = \(periodStart)
            """, logger: logger)?.decode(Int64.self) ?? 0
    }

    /// Usage per resource of the account in the given periods (PERIOD limits' and running ones').
    func used(account: UUID, periodStarts: [Date], tenant: String, on connection: PostgresConnection) async throws -> [String: [Date: Int64]] {
        var result: [String: [Date: Int64]] = [:]
        for row in try await connection.rows(
            """
            SELECT resource, period_start, used FROM usage_limit_counters
            WHERE tenant_id = \(tenant) AND account_id = \(account) AND period_start = ANY(\(periodStarts))
            """, logger: logger)
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
            """
            INSERT INTO usage_limit_notices (tenant_id, account_id, resource, period_start, threshold, created_at)
            VALUES (\(tenant), \(account), \(resource), \(periodStart), \(Int16(threshold)), \(now))
            ON CONFLICT DO NOTHING RETURNING threshold
            """, logger: logger) != nil
    }

    private static func limit(_ row: PostgresRow) throws -> PlanLimit {
        let (resource, limit, enforcement, reset) = try row.decode((String, Int64, String, String).self)
        return PlanLimit(
            resource: resource, limit: limit, enforcement: LimitEnforcement(rawValue: enforcement) ?? .hard,
            reset: LimitReset(rawValue: reset) ?? .period)
    }
}
