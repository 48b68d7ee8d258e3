import BillingCore
import BillingEventsPostgres
import BillingEventsRedis
import BillingTesting
import Foundation
import Testing

/// A cluster of its own (the isolated database, a Redis of its own) for tests that stop Redis and kill services; started once.
actor IsolatedCluster {
    private let environment: [String: String]
    private let replicas: [String: Int]
    private var started: (TestRedis, TestCluster, TestCluster.Running)?

    init(environment: [String: String], replicas: [String: Int] = [:]) {
        self.environment = environment
        self.replicas = replicas
    }

    func start() async throws -> (TestRedis, TestCluster, TestCluster.Running) {
        if let started { return started }
        let redis = TestRedis()
        try await redis.start()
        let cluster = TestCluster(
            database: TestEnvironment.isolatedDatabaseName, redisPort: redis.port, environment: environment, replicas: replicas)
        let running = try await cluster.start()
        started = (redis, cluster, running)
        return (redis, cluster, running)
    }
}

enum IsolatedEventCluster {
    static let shared = IsolatedCluster(environment: [
        // Kill the gateway between applying an account suspension to the audit trail and XACK (once: the redelivery is a duplicate).
        "BILLING_FAULT_CRASH_AFTER_APPLYING": "gateway-audit:billing.account.suspended",
        "BILLING_EVENTS_RETRY_IDLE_MS": "500",
        "BILLING_EVENTS_POLL_MS": "200",
    ])
}

/// All audit events of the caller's tenant, following `links.next`.
func auditEvents(_ client: HTTPTestClient, token: String, type: String? = nil) async throws -> [JSONValue] {
    var events: [JSONValue] = []
    var next: String? = "/api/v1/billing-events?page%5Bsize%5D=100" + (type.map { "&filter%5Btype%5D=\($0)" } ?? "")
    while let path = next {
        let page = try await client.get(path, token: token)
        guard page.status == 200 else { throw TestClusterError(message: "audit page: \(page.status) \(page.text)") }
        events += page.data?.arrayValue ?? []
        next = page.json?["links"]?["next"]?.stringValue
    }
    return events
}

func waitFor(timeout: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return try await condition()
}

@Suite("Event bus with real processes and a Redis of its own", .serialized, .timeLimit(.minutes(8)))
struct EventBusEndToEndTests {
    @Test("a consumer killed (kill -9) after applying and before XACK gets the event again and applies it once")
    func consumerCrashBeforeAck() async throws {
        let (redis, cluster, running) = try await IsolatedEventCluster.shared.start()
        let token = try running.tokens.token(tenant: newTenant("crash"), roles: ["owner"])
        let account = try await running.client.post("/api/v1/billing-accounts", token: token, json: accountDocument())
        let id = try #require(account.data?["id"]?.stringValue)
        #expect(try await running.client.post("/api/v1/billing-accounts/\(id)/suspend", token: token).status == 200)
        // The gateway's audit consumer applies the suspension, then the fault injection kills it before XACK.
        #expect(try await waitFor(timeout: .seconds(30)) { await !cluster.isRunning("gateway") })
        try await cluster.restart("gateway")
        // The restarted consumer claims the entry left pending by the dead one; the inbox makes it a no-op.
        let bus = RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: redis.port))
        #expect(
            try await waitFor {
                try await bus.command(["XPENDING", EventStreams.stream(for: "accounts"), "gateway-audit"]).array?.first?.integer == 0
            })
        await bus.close()
        let suspensions = try await auditEvents(running.client, token: token, type: "billing.account.suspended")
        #expect(suspensions.count == 1)
        let all = try await auditEvents(running.client, token: token)
        #expect(all.compactMap { $0["attributes"]?["type"]?.stringValue }.sorted() == ["billing.account.created", "billing.account.suspended"])
    }

    @Test("Redis stopped for 30 s while 1,000 accounts are created: every create succeeds and every event reaches the audit trail once")
    func redisOutage() async throws {
        let (redis, _, running) = try await IsolatedEventCluster.shared.start()
        let token = try running.tokens.token(tenant: newTenant("outage"), roles: ["owner"])
        await redis.stop()
        let stoppedAt = ContinuousClock.now
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            var statuses: [Int] = []
            for index in 0..<1000 {
                if index >= 16, let status = try await group.next() { statuses.append(status) }
                group.addTask {
                    try await running.client.post(
                        "/api/v1/billing-accounts", token: token,
                        json: accountDocument(name: "Cliente \(index)", email: "c\(index)@outage.example.com")
                    ).status
                }
            }
            for try await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.count == 1000)
        #expect(statuses.allSatisfy { $0 == 201 })
        let remaining = .seconds(30) - (ContinuousClock.now - stoppedAt)
        if remaining > .zero { try await Task.sleep(for: remaining) }
        #expect(try await auditEvents(running.client, token: token).isEmpty)  // nothing could be delivered yet
        try await redis.start()
        #expect(try await waitFor { try await auditEvents(running.client, token: token, type: "billing.account.created").count >= 1000 })
        let created = try await auditEvents(running.client, token: token, type: "billing.account.created")
        #expect(created.count == 1000)
        #expect(Set(created.compactMap { $0["attributes"]?["subject"]?.stringValue }).count == 1000)
    }

    @Test("Redis restarted empty: the retention window reaches consumers again and nothing is applied twice")
    func redisRestartedEmpty() async throws {
        let (redis, _, running) = try await IsolatedEventCluster.shared.start()
        let token = try running.tokens.token(tenant: newTenant("empty"), roles: ["owner"])
        for index in 0..<20 {
            #expect(
                try await running.client.post(
                    "/api/v1/billing-accounts", token: token,
                    json: accountDocument(name: "Empty \(index)", email: "e\(index)@empty.example.com")
                ).status == 201)
        }
        #expect(try await waitFor { try await auditEvents(running.client, token: token).count == 20 })
        let gatewayAdmin = HTTPTestClient(baseURL: "http://127.0.0.1:\(running.ports["gateway"]!.admin)")
        let accountsAdmin = HTTPTestClient(baseURL: "http://127.0.0.1:\(running.ports["accounts"]!.admin)")
        defer {
            gatewayAdmin.close()
            accountsAdmin.close()
        }
        let duplicatesBefore = try await metric(gatewayAdmin, "billing_events_consumed_total{duplicate=\"true\",group=\"gateway-audit\"}")

        await redis.stop()
        try redis.wipe()
        try await redis.start()
        // The relay notices Redis lost what it had published and sends the retention window again; the
        // audit consumer recreates its group, reads it all, and its inbox recognises every event.
        #expect(
            try await waitFor { try await metric(accountsAdmin, "billing_events_redis_loss_detected_total{stream=\"billing.events.accounts\"}") >= 1 }
        )
        #expect(
            try await waitFor {
                try await metric(gatewayAdmin, "billing_events_consumed_total{duplicate=\"true\",group=\"gateway-audit\"}") >= duplicatesBefore + 20
            })
        #expect(try await auditEvents(running.client, token: token).count == 20)
        // New events still flow after the repair.
        #expect(
            try await running.client.post("/api/v1/billing-accounts", token: token, json: accountDocument(email: "after@empty.example.com")).status
                == 201)
        #expect(try await waitFor { try await auditEvents(running.client, token: token).count == 21 })
    }
}

/// A counter's value on a Prometheus page (0 when absent).
func metric(_ admin: HTTPTestClient, _ series: String) async throws -> Double {
    let page = try await admin.get("/metrics", token: nil).text
    for line in page.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.split(separator: " ").last ?? "") ?? 0
    }
    return 0
}
