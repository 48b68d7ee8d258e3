// `make bench-renewals`: 100,000 subscriptions fall due at the same instant; scheduler replicas (two by default, each its own
// connection pool, as two processes would) renew them with the service's own code and SQL. Reports renewals/s and the total
// time (target: under 60 s), and checks every subscription was renewed exactly once. Reports numbers; asserts nothing.
import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import Logging
import PostgresNIO
import Subscriptions
import SubscriptionsContract

let environment = ProcessInfo.processInfo.environment
let total = Int(environment["BENCH_RENEWALS_SUBSCRIPTIONS"] ?? "") ?? 100_000
let replicas = Int(environment["BENCH_RENEWALS_REPLICAS"] ?? "") ?? 2
let batch = Int(environment["BENCH_RENEWALS_BATCH"] ?? "") ?? 500
let tenants = 10

let start = RFC3339.parse("2026-10-01T00:00:00Z")!
let plan = SubscribedPlan(
    planId: .generate(), planVersion: 1, name: "Pro", billingInterval: .monthly, billingCycleType: .anniversary,
    unitPrice: DecimalNumber("299.90")!, currency: "BRL", trialDays: 0, includedCredits: try Credits(whole: 300), features: ["ai"],
    limits: [])

/// One subscription started up to a day after `start`, so its first period ends between Nov 1 and Nov 2.
func subscription(_ index: Int) -> Subscription {
    let anchor = start.addingTimeInterval(TimeInterval(index % 86_400))
    let period = SubscriptionPeriodCalculator(interval: .monthly, cycleType: .anniversary, anchor: anchor, timeZone: TimeZone(identifier: "UTC")!)
        .period(0)
    return Subscription(
        id: SubscriptionID(rawValue: UUIDv7.generate(at: anchor)), billingAccountId: .generate(), plan: plan, status: .active,
        quantity: 1, timezone: "UTC", startDate: anchor, trialStart: nil, trialEnd: nil, billingAnchor: anchor, currentPeriodStart: period.start,
        currentPeriodEnd: period.end, cancelAtPeriodEnd: false, canceledAt: nil, cancelReason: nil, endedAt: nil, pausedAt: nil,
        pastDueSince: nil, scheduledChange: nil, addons: [], testClockId: nil, createdAt: anchor, updatedAt: anchor)
}

nonisolated func insertAll(_ database: Database) async throws {
    let encoder = WireJSONEncoder()
    for first in stride(from: 0, to: total, by: 2_000) {
        let rows = (first..<min(first + 2_000, total)).map(subscription)
        let tenantOf = { (index: Int) in "bench-renewals-\(index % tenants)" }
        try await database.withSystemScope { connection in
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO subscriptions (tenant_id, id, billing_account_id, plan_id, plan_version, plan_snapshot, status, quantity,
                                                   timezone, start_date, billing_anchor, current_period_start, current_period_end,
                                                   cancel_at_period_end, next_action_at, created_at, updated_at)
                        SELECT t, i, a, $6, 1, $7::jsonb, 'ACTIVE', 1, 'UTC', c, c, s, e, false, e, c, c
                        FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::timestamptz[], $8::timestamptz[])
                             AS u(t, i, a, s, e, c)
                        """,
                    binds: try .of(
                        rows.indices.map { tenantOf(first + $0) }, rows.map(\.id.rawValue), rows.map(\.billingAccountId.rawValue),
                        rows.map(\.currentPeriodStart), rows.map(\.currentPeriodEnd), plan.planId.description,
                        String(decoding: try encoder.encode(plan), as: UTF8.self), rows.map(\.createdAt))),
                logger: database.logger)
        }
    }
}

nonisolated func measure() async throws {
    try await TestEnvironment.withFreshSchema("bench_renewals", migrations: try SubscriptionsService.migrations, maximumConnections: 4) { database in
        print("writing \(total) subscriptions over \(tenants) tenants…")
        try await insertAll(database)
        // Every first period ends by 2026-11-02; at this instant all of them are due at once.
        let clock = ManualClock(RFC3339.parse("2026-11-03T00:00:00Z")!)
        let pools = try (0..<replicas).map { _ in
            Database(
                configuration: try DatabaseConfiguration(
                    url: TestEnvironment.databaseURL(schema: "testing"), schema: database.schema,
                    maximumConnections: 4), logger: database.logger)
        }
        let rpc = RPCClient(transport: NoPeersTransport())
        let schedulers = pools.map {
            SubscriptionsService(database: $0, clock: clock, accounts: AccountsClient(rpc: rpc), catalog: CatalogClient(rpc: rpc), grace: 0)
        }
        print(
            "due now: \(try await database.count("SELECT count(*) FROM subscriptions WHERE next_action_at <= '2026-11-03T00:00:00Z'")); \(replicas) scheduler replicas, batches of \(batch)…"
        )
        let began = ContinuousClock.now
        let claimed = try await withThrowingTaskGroup(of: Int.self) { group in
            for pool in pools {
                group.addTask {
                    await pool.run()
                    return 0
                }
            }
            for scheduler in schedulers {
                group.addTask {
                    var done = 0
                    while case let advanced = try await scheduler.renewals.runDue(limit: batch), advanced > 0 { done += advanced }
                    return done
                }
            }
            var sum = 0
            for _ in schedulers { sum += try await group.next() ?? 0 }
            group.cancelAll()
            return sum
        }
        let elapsed = ContinuousClock.now - began
        let seconds = BenchmarkSamples.seconds(elapsed)
        let renewed = try await database.count("SELECT count(*) FROM outbox WHERE type = 'billing.subscription.renewed'")
        let distinct = try await database.count("SELECT count(DISTINCT subject) FROM outbox WHERE type = 'billing.subscription.renewed'")
        let stillDue = try await database.count("SELECT count(*) FROM subscriptions WHERE next_action_at <= '2026-11-03T00:00:00Z'")
        print("")
        print("| measure | value |")
        print("|---|---|")
        print("| subscriptions due at once | \(total) |")
        print("| scheduler replicas × batch | \(replicas) × \(batch) |")
        print("| total time | \(String(format: "%.1f", seconds)) s (target < 60 s) |")
        print("| renewals/s | \(Int(Double(claimed) / seconds)) |")
        print("| renewed events / distinct subscriptions / still due | \(renewed) / \(distinct) / \(stillDue) |")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores)")
    }
}

try await measure()
