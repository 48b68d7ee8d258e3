import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import Logging
import PostgresNIO
import SubscriptionsContract

/// SQL for `subscriptions` and `test_clocks`. Tenant statements filter by tenant explicitly (row-level security is the second
/// wall); the scheduler's statements run in the system scope.
struct SubscriptionStore {
    let logger: Logger
    private static let encoder = WireJSONEncoder()
    private static let decoder = WireJSONDecoder()

    func insert(_ subscription: Subscription, nextAction: Date?, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO subscriptions (tenant_id, id, billing_account_id, status, quantity, current_period_start, current_period_end, next_action_at,
                                               test_clock_id, document, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
                    """,
                binds: try .of(
                    tenant, subscription.id.rawValue, UUID(uuidString: subscription.billingAccountId), subscription.status.rawValue,
                    subscription.quantity, subscription.currentPeriodStart, subscription.currentPeriodEnd, nextAction,
                    subscription.testClockId.flatMap(UUID.init(uuidString:)), try Self.json(subscription), subscription.createdAt,
                    subscription.updatedAt)), logger: logger)
    }

    /// Records that the subscription takes a trial of its plan; false when the account took one of that plan before.
    func recordTrial(of subscription: Subscription, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO plan_trials (tenant_id, billing_account_id, plan_id, subscription_id, taken_at) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT DO NOTHING RETURNING 1
                    """,
                binds: try .of(
                    tenant, UUID(uuidString: subscription.billingAccountId), subscription.plan.planId, subscription.id.rawValue,
                    subscription.createdAt)), logger: logger)
        return !rows.isEmpty
    }

    func save(_ subscription: Subscription, nextAction: Date?, tenant: String, on connection: PostgresConnection) async throws {
        try await save([(tenant, subscription, nextAction)], on: connection)
    }

    /// Writes many changed subscriptions in one statement (the scheduler's batches).
    func save(_ rows: [(tenant: String, subscription: Subscription, nextAction: Date?)], on connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        let subscriptions = rows.map(\.subscription)
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE subscriptions s
                    SET status = u.status, quantity = u.quantity, current_period_start = u.period_start, current_period_end = u.period_end,
                        next_action_at = CASE WHEN u.has_next THEN u.next_action END, document = u.document::jsonb, updated_at = u.updated_at
                    FROM unnest($1::text[], $2::uuid[], $3::text[], $4::int8[], $5::timestamptz[], $6::timestamptz[], $7::bool[], $8::timestamptz[],
                                $9::text[], $10::timestamptz[])
                         AS u(tenant_id, id, status, quantity, period_start, period_end, has_next, next_action, document, updated_at)
                    WHERE s.tenant_id = u.tenant_id AND s.id = u.id
                    """,
                binds: try .of(
                    rows.map(\.tenant), subscriptions.map(\.id.rawValue), subscriptions.map(\.status.rawValue),
                    subscriptions.map { Int64($0.quantity) },
                    subscriptions.map(\.currentPeriodStart), subscriptions.map(\.currentPeriodEnd), rows.map { $0.nextAction != nil },
                    rows.map { $0.nextAction ?? $0.subscription.currentPeriodEnd }, try subscriptions.map(Self.json),
                    subscriptions.map(\.updatedAt))), logger: logger)
    }

    /// The subscription, locked for update when `forUpdate`.
    func find(_ id: SubscriptionID, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> Subscription? {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT document::text FROM subscriptions WHERE tenant_id = $1 AND id = $2\(forUpdate ? " FOR UPDATE" : "")
                    """, binds: try .of(tenant, id.rawValue)), logger: logger)
        return try rows.first.map(Self.subscription)
    }

    func list(_ request: ListSubscriptionsRequest, account: UUID?, tenant: String, on connection: PostgresConnection) async throws -> SubscriptionPage
    {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT document::text FROM subscriptions
                    WHERE tenant_id = $1 AND ($2::uuid IS NULL OR billing_account_id = $2) AND ($3::text IS NULL OR status = $3)
                      AND ($4::uuid IS NULL OR id > $4)
                    ORDER BY id LIMIT $5
                    """, binds: try .of(tenant, account, request.status?.rawValue, request.after?.rawValue, request.pageSize + 1)), logger: logger)
        var items = try rows.map(Self.subscription)
        var next: SubscriptionID?
        if items.count > request.pageSize {
            items.removeLast()
            next = items.last?.id
        }
        return SubscriptionPage(items: items, nextCursor: next)
    }

    /// The account's subscriptions that may still grant something (not ended).
    func open(account: UUID, tenant: String, on connection: PostgresConnection) async throws -> [Subscription] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT document::text FROM subscriptions
                    WHERE tenant_id = $1 AND billing_account_id = $2 AND status IN ('TRIAL', 'ACTIVE', 'PAST_DUE')
                    ORDER BY id LIMIT 100
                    """, binds: try .of(tenant, account)), logger: logger)
        return try rows.map(Self.subscription)
    }

    /// Due subscriptions on real time, locked; rows another scheduler holds are skipped (`SKIP LOCKED`), so each is advanced by one.
    func claimDue(before now: Date, limit: Int, on connection: PostgresConnection) async throws -> [(tenant: String, subscription: Subscription)] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT tenant_id, document::text FROM subscriptions
                    WHERE next_action_at <= $1 AND test_clock_id IS NULL
                    ORDER BY next_action_at LIMIT $2
                    FOR UPDATE SKIP LOCKED
                    """, binds: try .of(now, limit)), logger: logger)
        return try rows.map { row in
            let (tenant, document) = try row.decode((String, String).self)
            return (tenant, try Self.decoder.decode(Subscription.self, from: Array(document.utf8)))
        }
    }

    /// A test clock's subscriptions due by `time`, locked, soonest first.
    func clockDue(_ clock: UUID, until time: Date, tenant: String, on connection: PostgresConnection) async throws -> [Subscription] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT document::text FROM subscriptions
                    WHERE tenant_id = $1 AND test_clock_id = $2 AND next_action_at <= $3
                    ORDER BY next_action_at FOR UPDATE
                    """, binds: try .of(tenant, clock, time)), logger: logger)
        return try rows.map(Self.subscription)
    }

    // MARK: Test clocks

    func insertClock(_ clock: TestClock, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO test_clocks (tenant_id, id, name, frozen_time, created_at) VALUES ($1, $2, $3, $4, $5)
                    """, binds: try .of(tenant, UUID(uuidString: clock.id), clock.name, clock.frozenTime, clock.createdAt)), logger: logger)
    }

    func findClock(_ id: UUID, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> TestClock? {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT c.id, c.name, c.frozen_time, c.created_at,
                           (SELECT count(*) FROM subscriptions s WHERE s.tenant_id = c.tenant_id AND s.test_clock_id = c.id)
                    FROM test_clocks c WHERE c.tenant_id = $1 AND c.id = $2\(forUpdate ? " FOR UPDATE" : "")
                    """, binds: try .of(tenant, id)), logger: logger)
        return try rows.first.map { row in
            let (id, name, time, created, count) = try row.decode((UUID, String, Date, Date, Int64).self)
            return TestClock(id: id.text, name: name, frozenTime: time, subscriptionCount: Int(count), createdAt: created)
        }
    }

    func setClockTime(_ id: UUID, to time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "UPDATE test_clocks SET frozen_time = $3 WHERE tenant_id = $1 AND id = $2",
                binds: try .of(tenant, id, time)), logger: logger)
    }

    private static func subscription(_ row: PostgresRow) throws -> Subscription {
        try decoder.decode(Subscription.self, from: Array(try row.decode(String.self).utf8))
    }

    private static func json(_ subscription: Subscription) throws -> String {
        String(decoding: try encoder.encode(subscription), as: UTF8.self)
    }
}
