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

    func insert(_ subscription: Subscription, nextAction: Date?, tenant: String, on connection: PostgresConnection) async throws {
        try await write([(tenant, subscription, nextAction)], inserting: true, on: connection)
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
                    tenant, subscription.billingAccountId, subscription.plan.planId.description, subscription.id.rawValue,
                    subscription.createdAt)), logger: logger)
        return !rows.isEmpty
    }

    func save(_ subscription: Subscription, nextAction: Date?, tenant: String, on connection: PostgresConnection) async throws {
        try await write([(tenant, subscription, nextAction)], inserting: false, on: connection)
    }

    /// Writes many changed subscriptions in one statement (the scheduler's batches).
    func save(_ rows: [(tenant: String, subscription: Subscription, nextAction: Date?)], on connection: PostgresConnection) async throws {
        try await write(rows, inserting: false, on: connection)
    }

    /// Inserts or updates the subscriptions and their add-ons in one statement, each from a jsonb recordset of the rows: add-ons
    /// that changed are rewritten, those past a subscription's last one removed.
    private func write(
        _ rows: [(tenant: String, subscription: Subscription, nextAction: Date?)], inserting: Bool, on connection: PostgresConnection
    ) async throws {
        guard !rows.isEmpty else { return }
        var written: [WrittenRow] = []
        var addons: [AddonRow] = []
        for (tenant, subscription, nextAction) in rows {
            let row = try SubscriptionRow(subscription)
            written.append(WrittenRow(tenant: tenant, row: row, nextAction: nextAction, addonCount: subscription.addons.count))
            addons += subscription.addons.enumerated().map { AddonRow($0.element, position: $0.offset, of: row.id, tenant: tenant) }
        }
        let bindings = try PostgresBindings.of(try StoredJSON.text(written), try StoredJSON.text(addons))
        if inserting {
            _ = try await connection.rows(InsertSubscriptions(bindings: bindings), logger: logger)
        } else {
            _ = try await connection.rows(UpdateSubscriptions(bindings: bindings), logger: logger)
        }
        // The revenue reports' history: each subscription's MRR when it changes, in this same transaction (issue 26).
        try await RevenueHistory(logger: logger).record(rows.map { ($0.tenant, $0.subscription) }, on: connection)
    }

    /// The write statement: the subscriptions inserted (`inserting`) or updated from the rows' recordset, then their add-ons.
    static func writeSQL(inserting: Bool) -> String {
        let subscriptions =
            inserting
            ? """
            INSERT INTO subscriptions (tenant_id, \(Self.names), next_action_at)
            SELECT u.tenant_id, \(Self.names.split(separator: ",").map { "u." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
                   u.next_action_at
            FROM rows u
            """
            : """
            UPDATE subscriptions s SET \(Self.names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0 != "id" }
                .map { "\($0) = u.\($0)" }.joined(separator: ", ")), next_action_at = u.next_action_at
            FROM rows u WHERE s.tenant_id = u.tenant_id AND s.id = u.id
            """
        return """
            WITH rows AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS \(Self.recordset)),
            written AS (\(subscriptions)),
            addons AS (
                INSERT INTO subscription_addons AS o (tenant_id, subscription_id, \(AddonRow.names))
                SELECT a.tenant_id, a.subscription_id,
                    \(AddonRow.names.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespaces) }
                            .joined(separator: ", "))
                FROM jsonb_to_recordset($2::jsonb) AS \(AddonRow.recordset)
                ON CONFLICT (tenant_id, subscription_id, position) DO UPDATE SET
                    addon_id = EXCLUDED.addon_id, addon_version = EXCLUDED.addon_version, code = EXCLUDED.code, name = EXCLUDED.name,
                    feature_flag = EXCLUDED.feature_flag, price = EXCLUDED.price, status = EXCLUDED.status,
                    cancel_at_period_end = EXCLUDED.cancel_at_period_end, activated_at = EXCLUDED.activated_at,
                    canceled_at = EXCLUDED.canceled_at, created_at = EXCLUDED.created_at, limits = EXCLUDED.limits,
                    tax_code = EXCLUDED.tax_code
                WHERE (o.addon_id, o.addon_version, o.code, o.name, o.feature_flag, o.price, o.status, o.cancel_at_period_end,
                       o.activated_at, o.canceled_at, o.created_at, o.limits, o.tax_code)
                      IS DISTINCT FROM (EXCLUDED.addon_id, EXCLUDED.addon_version, EXCLUDED.code, EXCLUDED.name, EXCLUDED.feature_flag,
                       EXCLUDED.price, EXCLUDED.status, EXCLUDED.cancel_at_period_end, EXCLUDED.activated_at, EXCLUDED.canceled_at,
                       EXCLUDED.created_at, EXCLUDED.limits, EXCLUDED.tax_code)
            )
            DELETE FROM subscription_addons a USING rows u
            WHERE a.tenant_id = u.tenant_id AND a.subscription_id = u.id AND a.position >= u.addon_count
            """
    }

    /// A subscription row as the write statement's recordset has it: the columns, the next action, and how many add-ons it keeps.
    private struct WrittenRow: Encodable {
        let tenant: String
        let row: SubscriptionRow
        let nextAction: Date?
        let addonCount: Int

        enum CodingKeys: String, CodingKey {
            case tenant = "tenant_id"
            case nextAction = "next_action_at"
            case addonCount = "addon_count"
        }

        func encode(to encoder: any Encoder) throws {
            try row.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(tenant, forKey: .tenant)
            try container.encodeIfPresent(nextAction, forKey: .nextAction)
            try container.encode(addonCount, forKey: .addonCount)
        }
    }

    /// The subscription columns a write sets, as the recordset and the tables name them.
    static let names = """
        id, billing_account_id, plan_id, plan_version, plan_snapshot, status, quantity, timezone, start_date, trial_start, trial_end,
        billing_anchor, current_period_start, current_period_end, cancel_at_period_end, canceled_at, cancel_reason, ended_at, paused_at,
        past_due_since, scheduled_plan, scheduled_quantity, scheduled_effective_at, test_clock_id, created_at, updated_at, pause_reason,
        trial_reminder_at, discount
        """
    static let recordset = """
        u(tenant_id text, id uuid, billing_account_id uuid, plan_id text, plan_version integer, plan_snapshot jsonb, status text, quantity integer,
          timezone text, start_date timestamptz, trial_start timestamptz, trial_end timestamptz, billing_anchor timestamptz,
          current_period_start timestamptz, current_period_end timestamptz, cancel_at_period_end boolean, canceled_at timestamptz,
          cancel_reason text, ended_at timestamptz, paused_at timestamptz, past_due_since timestamptz, scheduled_plan jsonb,
          scheduled_quantity integer, scheduled_effective_at timestamptz, test_clock_id uuid, created_at timestamptz, updated_at timestamptz,
          pause_reason text, trial_reminder_at timestamptz, discount jsonb, next_action_at timestamptz, addon_count integer)
        """

    /// The subscription, locked for update when `forUpdate`.
    func find(_ id: SubscriptionID, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> Subscription? {
        let rows =
            forUpdate
            ? try await connection.rows(SubscriptionForUpdate(tenant: tenant, id: id.rawValue), logger: logger)
            : try await connection.rows(SubscriptionByID(tenant: tenant, id: id.rawValue), logger: logger)
        return try await withAddons(try rows.map { try SubscriptionRow($0) }, tenant: tenant, on: connection).first
    }

    func list(_ request: ListSubscriptionsRequest, account: UUID?, tenant: String, on connection: PostgresConnection) async throws -> SubscriptionPage
    {
        var items = try await subscriptions(
            where: """
                ($2::uuid IS NULL OR billing_account_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR id > $4)
                ORDER BY id LIMIT $5
                """, binds: try .of(tenant, account, request.status?.rawValue, request.after?.rawValue, request.pageSize + 1), tenant: tenant,
            on: connection)
        let next: SubscriptionID? = items.trimPage(to: request.pageSize)?.id
        return SubscriptionPage(items: items, nextCursor: next)
    }

    /// The ids of the account's subscriptions that have not ended (neither CANCELED nor EXPIRED), in id order.
    func notEnded(account: UUID, tenant: String, on connection: PostgresConnection) async throws -> [SubscriptionID] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id FROM subscriptions WHERE tenant_id = $1 AND billing_account_id = $2 AND status NOT IN ('CANCELED', 'EXPIRED')
                    ORDER BY id
                    """, binds: try .of(tenant, account)), logger: logger
        ).map { SubscriptionID(rawValue: try $0.decode(UUID.self)) }
    }

    /// The account's subscriptions that may still grant something (not ended).
    func open(account: UUID, tenant: String, on connection: PostgresConnection) async throws -> [Subscription] {
        try await subscriptions(
            where: "billing_account_id = $2 AND status IN ('TRIAL', 'ACTIVE', 'PAST_DUE') ORDER BY id LIMIT 100", binds: try .of(tenant, account),
            tenant: tenant, on: connection)
    }

    /// Due subscriptions on real time, locked; rows another scheduler holds are skipped (`SKIP LOCKED`), so each is advanced by one.
    func claimDue(before now: Date, limit: Int, on connection: PostgresConnection) async throws -> [(tenant: String, subscription: Subscription)] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT tenant_id, \(SubscriptionRow.columns) FROM subscriptions
                    WHERE next_action_at <= $1 AND test_clock_id IS NULL
                    ORDER BY next_action_at LIMIT $2
                    FOR UPDATE SKIP LOCKED
                    """, binds: try .of(now, limit)), logger: logger)
        let claimed = try rows.map { row in
            var columns = ColumnReader(row)
            return (tenant: try columns.next(String.self), row: try SubscriptionRow(row, offset: 1))
        }
        let addons = try await self.addons(of: claimed.map { ($0.tenant, $0.row.id) }, on: connection)
        return try claimed.map { ($0.tenant, try $0.row.subscription(addons: addons[AddonKey(tenant: $0.tenant, subscription: $0.row.id)] ?? [])) }
    }

    /// A test clock's subscriptions due by `time`, locked, soonest first.
    func clockDue(_ clock: UUID, until time: Date, tenant: String, on connection: PostgresConnection) async throws -> [Subscription] {
        try await subscriptions(
            where: "test_clock_id = $2 AND next_action_at <= $3 ORDER BY next_action_at FOR UPDATE", binds: try .of(tenant, clock, time),
            tenant: tenant, on: connection)
    }

    /// The tenant's subscriptions that `condition` selects (`$1` is the tenant; it may end with ORDER BY, LIMIT and a lock), in
    /// its order, each with its add-ons (read in one more statement for all of them).
    private func subscriptions(
        where condition: String, binds: PostgresBindings, tenant: String, on connection: PostgresConnection
    ) async throws -> [Subscription] {
        let rows = try await connection.rows(
            PostgresQuery(unsafeSQL: "SELECT \(SubscriptionRow.columns) FROM subscriptions WHERE tenant_id = $1 AND \(condition)", binds: binds),
            logger: logger
        ).map { try SubscriptionRow($0) }
        return try await withAddons(rows, tenant: tenant, on: connection)
    }

    /// The rows as subscriptions, with their add-ons (read in one more statement for all of them).
    private func withAddons(_ rows: [SubscriptionRow], tenant: String, on connection: PostgresConnection) async throws -> [Subscription] {
        let addons = try await self.addons(of: rows.map { (tenant, $0.id) }, on: connection)
        return try rows.map { try $0.subscription(addons: addons[AddonKey(tenant: tenant, subscription: $0.id)] ?? []) }
    }

    private struct AddonKey: Hashable {
        let tenant: String
        let subscription: UUID
    }

    /// The add-ons of these subscriptions, in position order.
    private func addons(of subscriptions: [(tenant: String, id: UUID)], on connection: PostgresConnection) async throws -> [AddonKey: [AddonRow]] {
        guard !subscriptions.isEmpty else { return [:] }
        let rows = try await connection.rows(
            SubscriptionAddons(tenants: subscriptions.map(\.tenant), ids: subscriptions.map(\.id)), logger: logger)
        var addons: [AddonKey: [AddonRow]] = [:]
        for row in rows {
            var columns = ColumnReader(row)
            let key = AddonKey(tenant: try columns.next(), subscription: try columns.next())
            addons[key, default: []].append(try AddonRow(row, offset: 2))
        }
        return addons
    }

    // MARK: Test clocks

    func insertClock(_ clock: TestClock, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO test_clocks (tenant_id, id, name, frozen_time, created_at) VALUES ($1, $2, $3, $4, $5)
                    """, binds: try .of(tenant, clock.id, clock.name, clock.frozenTime, clock.createdAt)), logger: logger)
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
            return TestClock(id: TestClockID(rawValue: id), name: name, frozenTime: time, subscriptionCount: Int(count), createdAt: created)
        }
    }

    func setClockTime(_ id: UUID, to time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "UPDATE test_clocks SET frozen_time = $3 WHERE tenant_id = $1 AND id = $2",
                binds: try .of(tenant, id, time)), logger: logger)
    }

}

// The subscription reads and writes every renewal, change and invoice runs, as named prepared statements: PostgreSQL parses (and,
// once it settles on a generic plan, plans) them once per connection instead of on every call (issue 21's bench-invoicing).

struct InsertSubscriptions: PreparedSQL {
    static let name = "subscriptions_insert"
    static let sql = SubscriptionStore.writeSQL(inserting: true)
    static let bindingDataTypes: [PostgresDataType] = [.text, .text]
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
}

struct UpdateSubscriptions: PreparedSQL {
    static let name = "subscriptions_update"
    static let sql = SubscriptionStore.writeSQL(inserting: false)
    static let bindingDataTypes: [PostgresDataType] = [.text, .text]
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
}

struct SubscriptionByID: PreparedSQL {
    static let name = "subscriptions_by_id"
    static let sql = "SELECT \(SubscriptionRow.columns) FROM subscriptions WHERE tenant_id = $1 AND id = $2"
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid]
    let tenant: String
    let id: UUID
    func makeBindings() throws -> PostgresBindings { try .of(tenant, id) }
}

struct SubscriptionForUpdate: PreparedSQL {
    static let name = "subscriptions_by_id_for_update"
    static let sql = SubscriptionByID.sql + " FOR UPDATE"
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid]
    let tenant: String
    let id: UUID
    func makeBindings() throws -> PostgresBindings { try .of(tenant, id) }
}

/// The add-ons of some subscriptions, in position order.
struct SubscriptionAddons: PreparedSQL {
    static let name = "subscriptions_addons"
    static let sql = """
        SELECT a.tenant_id, a.subscription_id,
            \(AddonRow.columns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
        FROM subscription_addons a JOIN unnest($1::text[], $2::uuid[]) AS s(tenant_id, id) ON a.tenant_id = s.tenant_id
            AND a.subscription_id = s.id
        ORDER BY a.tenant_id, a.subscription_id, a.position
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray, .uuidArray]
    let tenants: [String]
    let ids: [UUID]
    func makeBindings() throws -> PostgresBindings { try .of(tenants, ids) }
}
