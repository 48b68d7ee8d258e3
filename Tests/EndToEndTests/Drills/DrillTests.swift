import BillingCore
import BillingEventsRedis
import BillingPostgres
import BillingTesting
import Foundation
import PostgresNIO
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The drills' cluster: two replicas of every service (the gateway included) on the isolated database and a Redis of its own.
enum DrillCluster {
    static let shared = IsolatedCluster(
        environment: [
            "BILLING_LOG_LEVEL": "warning", "BILLING_EVENTS_RETRY_IDLE_MS": "1000", "BILLING_EVENTS_POLL_MS": "200",
            "BILLING_GATEWAY_REQUEST_TIMEOUT_MS": "20000",
        ],
        replicas: Dictionary(uniqueKeysWithValues: TestCluster.serviceNames.map { ($0, 2) }))
}

enum Drill {
    /// Drills run on `make drills` (and `.ci/run`), not in `make test`: they restart PostgreSQL under everything.
    static let enabled = ProcessInfo.processInfo.environment["BILLING_DRILLS"] == "1"

    /// Runs a storm of `workers` clients while `fault` runs, then stops it and waits for every request to be answered.
    static func storm(_ storm: Storm, workers: Int = 12, during fault: () async throws -> Void) async throws {
        let writes = Task { await storm.run(workers: workers) }
        do {
            try await Task.sleep(for: .seconds(3))
            try await fault()
            try await Task.sleep(for: .seconds(3))
        } catch {
            storm.stop()
            await writes.value
            throw error
        }
        storm.stop()
        await writes.value
    }

    /// Checks the storm in PostgreSQL, waiting up to a minute for events still on their way (a paid package's grant).
    static func verify(_ storm: Storm, redis: TestRedis, name: String) async throws {
        // Events still flow after the fault: an account created now reaches the ledger's read model (only through its event).
        let probe = try await create(
            storm.running.client, "/api/v1/billing-accounts", "billing-accounts", ["name": "Probe", "email": "probe@example.com", "currency": "BRL"],
            token: storm.token)
        try await DrillLedger.with { ledger in
            let learned = try await waitFor(timeout: .seconds(60)) {
                try await ledger.strings(
                    "ledger", "SELECT id::text FROM ledger_accounts WHERE tenant_id = $1 AND id = $2::uuid", try .of(storm.tenant, probe)
                ).count == 1
            }
            #expect(learned, "\(name): the ledger applies events again after the fault")
            var problems: [String] = []
            _ = try await waitFor(timeout: .seconds(60)) {
                problems = try await ledger.verify(storm)
                return problems.isEmpty
            }
            #expect(problems.isEmpty, "\(name): \(problems.prefix(20).joined(separator: "; "))")
        }
        let deadLetters = try await Self.deadLetters(redis)
        #expect(deadLetters.isEmpty, "\(name): dead letters \(deadLetters.prefix(5))")
        print("drill \(name): \(storm.summary); dead letters: \(deadLetters.count)")
        #expect(storm.log.withLock { $0.count } > 50, "\(name): the storm wrote")
    }

    /// Every dead letter in the cluster's Redis (a drill's faults are all transient: there must be none).
    static func deadLetters(_ redis: TestRedis) async throws -> [DeadLetters.Entry] {
        let connection = RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: redis.port, commandTimeoutMilliseconds: 5000))
        defer { Task { await connection.close() } }
        let letters = DeadLetters(redis: connection)
        var entries: [DeadLetters.Entry] = []
        for stream in try await letters.streams() { entries += try await letters.entries(in: stream, count: 1_000) }
        return entries
    }

    /// `deploy/local/cluster.sh <command> test`, on a thread of its own (`system`: Foundation's `Process` never saw this script
    /// end once it had started a PostgreSQL daemon).
    static func cluster(_ command: String) async throws {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("deploy/local/cluster.sh").path
        let status = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: system("\(script) \(command) test >/dev/null 2>&1 </dev/null")) }
        }
        guard status == 0 else { throw TestClusterError(message: "cluster.sh \(command) exited with status \(status)") }
    }
}

/// Issue 22's drills: faults during a write storm through the gateway; after each, every request answered 2xx applied exactly
/// once and every other not at all (checked in PostgreSQL against the storm's log), the books balanced, each paid package
/// granted once, no dead letter.
@Suite("Drills: exactly once under faults", .serialized, .enabled(if: Drill.enabled), .timeLimit(.minutes(20)))
struct DrillTests {
    @Test(
        """
        (a) kill -9 of a replica of each service in turn, mid-storm; the tenant's webhook endpoint receives every one of its \
        events all the same (the notifications replicas are killed too)
        """
    )
    func killReplicas() async throws {
        let (redis, cluster, running) = try await DrillCluster.shared.start()
        let storm = try await Storm.prepare(running)
        let receiver = try await StandInWebhookReceiver.start()
        let endpoint = try await running.client.post(
            "/api/v1/webhook-endpoints", token: storm.token, json: resource("webhook-endpoints", ["url": .string(receiver.url + "/hook")]))
        #expect(endpoint.status == 201, "\(endpoint.text.prefix(300))")
        try await Drill.storm(storm) {
            for service in TestCluster.serviceNames {
                let replica = TestCluster.instance(service, Int.random(in: 0...1))
                await cluster.kill(replica)
                try await Task.sleep(for: .seconds(2))
                try await cluster.restart(replica)
                try await Task.sleep(for: .seconds(2))
            }
        }
        try await Drill.verify(storm, redis: redis, name: "(a) kill -9 each service")
        // Every event of the tenant since the endpoint exists (the audit trail's) reached it at least once, under its own webhook-id.
        let since = try #require(endpoint.attribute("createdAt")?.stringValue.flatMap(RFC3339.parse))
        let events = Set(
            try await auditEvents(running.client, token: storm.token).filter {
                ($0["attributes"]?["time"]?.stringValue.flatMap(RFC3339.parse) ?? since) > since
            }.compactMap { $0["id"]?.stringValue })
        var missing: Set<String> = []
        let delivered = try await waitFor(timeout: .seconds(120)) {
            let received = Set(receiver.deliveries().compactMap { $0.header("webhook-id") })
            missing = events.subtracting(received)
            return !events.isEmpty && missing.isEmpty
        }
        #expect(delivered, "(a): \(missing.count) of \(events.count) events never reached the webhook endpoint")
        let ids = receiver.deliveries().compactMap { $0.header("webhook-id") }
        print("drill (a): \(events.count) events, \(ids.count) webhook deliveries, \(ids.count - Set(ids).count) sent again after a kill")
        await receiver.stop()
    }

    @Test("(b) Redis stopped 60 s, then restarted empty, mid-storm")
    func redisLost() async throws {
        let (redis, _, running) = try await DrillCluster.shared.start()
        let storm = try await Storm.prepare(running)
        try await Drill.storm(storm) {
            await redis.stop()
            try await Task.sleep(for: .seconds(60))
            try redis.wipe()
            try await redis.start()
            try await Task.sleep(for: .seconds(5))
        }
        try await Drill.verify(storm, redis: redis, name: "(b) Redis lost for 60 s")
    }

    @Test("(d) PostgreSQL restarted mid-storm")
    func postgresRestarted() async throws {
        let (redis, _, running) = try await DrillCluster.shared.start()
        let storm = try await Storm.prepare(running)
        try await Drill.storm(storm) {
            try await Drill.cluster("pg-restart")
            try await Task.sleep(for: .seconds(5))
        }
        try await Drill.verify(storm, redis: redis, name: "(d) PostgreSQL restarted")
    }

    @Test("(e) a client that gives up after a random timeout and sends the same request again with the same key")
    func impatientClient() async throws {
        let (redis, _, running) = try await DrillCluster.shared.start()
        let storm = try await Storm.prepare(running, impatient: true)
        try await Drill.storm(storm, workers: 16) { try await Task.sleep(for: .seconds(25)) }
        try await Drill.verify(storm, redis: redis, name: "(e) impatient client")
    }

    @Test("(c) the ledger stopped 90 s during a wave of 1,000 renewals on a test clock: each period invoiced once, each allowance granted once")
    func ledgerDownDuringRenewals() async throws {
        let (redis, cluster, running) = try await DrillCluster.shared.start()
        let client = running.client
        let tenant = newTenant("renewals")
        let token = try running.tokens.token(tenant: tenant, roles: ["owner"])
        let start = "2027-01-01T00:00:00Z"
        let clock = try await create(client, "/api/v1/test-clocks", "test-clocks", ["frozenTime": .string(start)], token: token)
        let plan = try await SubscriptionFixture.createPlan(
            client, token: token, [("trialDays", 0), ("basePrice", .number("10.00")), ("includedCredits", 10)])
        let subscriptions = 1_000
        let created = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var created = 0
                    for index in stride(from: worker, to: subscriptions, by: 16) {
                        let account = try await create(
                            client, "/api/v1/billing-accounts", "billing-accounts",
                            ["name": .string("Renewal \(index)"), "email": "renewal@example.com", "currency": "BRL", "testClockId": .string(clock)],
                            token: token)
                        let subscribed = try await client.post(
                            "/api/v1/subscriptions", token: token,
                            json: resource("subscriptions", ["billingAccountId": .string(account), "planId": .string(plan)]))
                        if subscribed.status == 201 { created += 1 }
                    }
                    return created
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(created == subscriptions)
        try await DrillLedger.with { ledger in
            func counts() async throws -> (invoices: Int, allowances: Int, duplicates: Int) {
                let invoices = try await ledger.strings("invoicing", "SELECT count(*)::text FROM invoices WHERE tenant_id = $1", try .of(tenant))
                let allowances = try await ledger.strings(
                    "ledger", "SELECT count(*)::text FROM credit_grants WHERE tenant_id = $1 AND source = 'MONTHLY'", try .of(tenant))
                let duplicates = try await ledger.strings(
                    "invoicing",
                    "SELECT count(*)::text FROM (SELECT subscription_id, period_start FROM invoices WHERE tenant_id = $1 "
                        + "GROUP BY 1, 2 HAVING count(*) > 1) d", try .of(tenant))
                return (Int(invoices[0])!, Int(allowances[0])!, Int(duplicates[0])!)
            }
            #expect(try await waitFor(timeout: .seconds(120)) { try await counts() == (subscriptions, subscriptions, 0) }, "the first periods")

            for replica in 0...1 { await cluster.kill(TestCluster.instance("ledger", replica)) }
            let advanced = try await client.post(
                "/api/v1/test-clocks/\(clock)/advance", token: token, json: resource("test-clocks", ["frozenTime": "2027-02-01T00:00:00Z"]))
            #expect(advanced.status == 200, "\(advanced.text.prefix(300))")
            try await Task.sleep(for: .seconds(90))
            for replica in 0...1 { try await cluster.restart(TestCluster.instance("ledger", replica)) }

            var last = (invoices: 0, allowances: 0, duplicates: 0)
            let settled = try await waitFor(timeout: .seconds(180)) {
                last = try await counts()
                return last == (2 * subscriptions, 2 * subscriptions, 0)
            }
            #expect(settled, "every renewal invoiced once and its allowance granted once: \(last)")
            let problems = try await ledger.booksBalance(tenant: tenant)
            #expect(problems.isEmpty, "\(problems.prefix(5))")
            print(
                "drill (c) ledger down 90 s during \(subscriptions) renewals: invoices \(last.invoices), allowance grants \(last.allowances), duplicates \(last.duplicates)"
            )
        }
        let deadLetters = try await Drill.deadLetters(redis)
        #expect(deadLetters.isEmpty, "dead letters: \(deadLetters.prefix(5))")
    }
}

/// The database layer alone under a PostgreSQL restart: every transaction loop on one pool keeps going after it (PostgresNIO loses a
/// statement written to a connection whose channel has just closed, and its caller then waits forever).
@Suite("Drills: the pool after a PostgreSQL restart", .serialized, .enabled(if: Drill.enabled), .timeLimit(.minutes(5)))
struct PoolRestartDrillTests {
    @Test("(f) 48 transaction loops on a pool of 10 through a PostgreSQL restart: none stops")
    func poolThroughRestart() async throws {
        let database = try TestEnvironment.database(schema: "testing", maximumConnections: 10)
        let pool = Task { await database.run() }
        defer { pool.cancel() }
        let loops = 48
        let progress = LoopProgress(count: loops)
        let workers = (0..<loops).map { index in
            Task {
                while !Task.isCancelled {
                    do {
                        try await database.withTenant("drill-f") { connection in
                            _ = try await connection.rows(PostgresQuery(unsafeSQL: "SELECT pg_sleep(0.002)"), logger: database.logger)
                            // Some transactions fail on purpose, so a ROLLBACK follows an error as often as a COMMIT follows success.
                            if index % 3 == 0 {
                                _ = try await connection.rows(PostgresQuery(unsafeSQL: "SELECT 1 / 0"), logger: database.logger)
                            }
                        }
                    } catch {}
                    progress.done(index)
                }
            }
        }
        defer { for worker in workers { worker.cancel() } }
        try await Task.sleep(for: .seconds(2))
        try await Drill.cluster("pg-restart")
        let restarted = Date()
        let recovered = try await waitFor(timeout: .seconds(30)) { progress.stalled(since: restarted).isEmpty }
        #expect(recovered, "loops that never finished a transaction after the restart: \(progress.stalled(since: restarted))")
    }
}

/// When each loop last finished a transaction (or failed one).
final class LoopProgress: Sendable {
    private let last: Mutex<[Date]>

    init(count: Int) { last = Mutex(Array(repeating: .distantPast, count: count)) }

    func done(_ index: Int) { last.withLock { $0[index] = Date() } }

    /// Loops whose last transaction ended before `instant`.
    func stalled(since instant: Date) -> [Int] { last.withLock { $0.indices.filter { [last = $0] in last[$0] < instant } } }
}
