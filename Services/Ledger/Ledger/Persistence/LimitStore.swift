import BillingPostgres
import CatalogContract
import Foundation
import LedgerContract
import Logging
import PostgresNIO

/// SQL for usage limits, their per-period counters and the thresholds already announced.
struct LimitStore: Sendable {
    let logger: Logger

    /// The counter key of limits that never reset.
    static let runningPeriodStart = Date(timeIntervalSince1970: 0)

    /// The account's limits in force, by resource: those set on the account, and for every other resource the largest limit among its
    /// live subscriptions' (each subscription's plan limits with its active add-ons' on top); `resources` narrows them.
    func limits(
        account: UUID, resources: [String]? = nil, tenant: String, on connection: PostgresConnection
    ) async throws -> [(limit: PlanLimit, source: LimitSource)] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    WITH set_on_account AS (
                        SELECT resource, limit_value, enforcement, reset, 'ACCOUNT' AS source FROM usage_limits
                        WHERE tenant_id = $1 AND account_id = $2 AND ($3::text[] IS NULL OR resource = ANY($3))
                    ), from_plans AS (
                        SELECT DISTINCT ON (l.resource) l.resource, l.limit_value, l.enforcement, coalesce(l.reset, 'PERIOD'), 'PLAN'
                        FROM subscription_limits s,
                             jsonb_to_recordset(s.limits) AS l(resource text, limit_value int8, enforcement text, reset text)
                        WHERE s.tenant_id = $1 AND s.account_id = $2 AND s.live AND ($3::text[] IS NULL OR l.resource = ANY($3))
                          AND l.resource NOT IN (SELECT resource FROM set_on_account)
                        ORDER BY l.resource, l.limit_value DESC
                    )
                    SELECT * FROM set_on_account UNION ALL SELECT * FROM from_plans ORDER BY 1
                    """, binds: try .of(tenant, account, resources)), logger: logger
        ).map { row in
            let (resource, limit, enforcement, reset, source) = try row.decode((String, Int64, String, String, String).self)
            return (
                PlanLimit(
                    resource: resource, limit: limit, enforcement: LimitEnforcement(rawValue: enforcement) ?? .hard,
                    reset: LimitReset(rawValue: reset) ?? .period),
                LimitSource(rawValue: source) ?? .plan
            )
        }
    }

    func limit(account: UUID, resource: String, tenant: String, on connection: PostgresConnection) async throws -> PlanLimit? {
        try await limits(account: account, resources: [resource], tenant: tenant, on: connection).first?.limit
    }

    /// Records a subscription's limits as an event says they are now, unless a later change of it is already recorded.
    func recordSubscription(
        _ subscription: UUID, account: UUID, live: Bool, limits: [PlanLimit], changedAt: Date, tenant: String, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO subscription_limits (tenant_id, subscription_id, account_id, live, limits, source_updated_at)
                    SELECT $1, $2, $3, $4, coalesce(jsonb_agg(jsonb_build_object(
                            'resource', l.resource, 'limit_value', l.limit_value, 'enforcement', l.enforcement, 'reset', l.reset)), '[]'), $5
                    FROM unnest($6::text[], $7::int8[], $8::text[], $9::text[]) AS l(resource, limit_value, enforcement, reset)
                    ON CONFLICT (tenant_id, subscription_id) DO UPDATE
                        SET live = EXCLUDED.live, limits = EXCLUDED.limits, source_updated_at = EXCLUDED.source_updated_at
                        WHERE subscription_limits.source_updated_at <= EXCLUDED.source_updated_at
                    """,
                binds: try .of(
                    tenant, subscription, account, live, changedAt, limits.map(\.resource), limits.map(\.limit),
                    limits.map(\.enforcement.rawValue), limits.map { ($0.reset ?? .period).rawValue })), logger: logger)
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
        try await createCounter(account: account, resource: resource, periodStart: periodStart, at: now, tenant: tenant, on: connection)
        return try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE usage_limit_counters SET used = GREATEST(used + $1, 0), updated_at = $2
                    WHERE tenant_id = $3 AND account_id = $4 AND resource = $5 AND period_start = $6
                      AND ($7::int8 IS NULL OR $1 <= 0 OR used + $1 <= $7::int8)
                    RETURNING used
                    """, binds: try .of(quantity, now, tenant, account, resource, periodStart, hardLimit)), logger: logger)?.decode(Int64.self)
    }

    /// Creates the counter's row at 0 when it is missing.
    private func createCounter(
        account: UUID, resource: String, periodStart: Date, at now: Date, tenant: String, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO usage_limit_counters (tenant_id, account_id, resource, period_start, used, updated_at)
                    VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT DO NOTHING
                    """, binds: try .of(tenant, account, resource, periodStart, now)), logger: logger)
    }

    /// The counter's usage, its row created when missing and locked until the transaction ends.
    func lockCounter(
        account: UUID, resource: String, periodStart: Date, at now: Date, tenant: String, on connection: PostgresConnection
    ) async throws -> Int64 {
        try await createCounter(account: account, resource: resource, periodStart: periodStart, at: now, tenant: tenant, on: connection)
        return try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT used FROM usage_limit_counters
                    WHERE tenant_id = $1 AND account_id = $2 AND resource = $3 AND period_start = $4 FOR UPDATE
                    """, binds: try .of(tenant, account, resource, periodStart)), logger: logger)?.decode(Int64.self) ?? 0
    }

    /// Sets a counter locked by ``lockCounter(account:resource:periodStart:at:tenant:on:)``.
    func setCounter(
        account: UUID, resource: String, periodStart: Date, used: Int64, at now: Date, tenant: String, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE usage_limit_counters SET used = $5, updated_at = $6
                    WHERE tenant_id = $1 AND account_id = $2 AND resource = $3 AND period_start = $4
                    """, binds: try .of(tenant, account, resource, periodStart, used, now)), logger: logger)
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
}
