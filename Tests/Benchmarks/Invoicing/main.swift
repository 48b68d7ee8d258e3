// `make bench-invoicing`: 10,000 subscriptions (10 tenants × 1,000, one account each), every plan with 3 usage meters (PER_UNIT,
// TIERED and PACKAGE products) and usage on each, all on one test clock per tenant. Set up through the gateway (release services,
// real PostgreSQL and Redis); then every tenant's clock moves past the period end at once and the platform does what it does in
// production: the renewals emit events, invoicing drafts each period's invoice (plan line, usage closed and read from the ledger,
// priced by the catalog, a line per tier) and finalizes it (the tenants' autoFinalize). Reports the total time from the clocks'
// move to the last invoice finalized (target: under 60 s) and invoices/s, and checks each subscription got exactly one such
// invoice with its usage lines. Reports numbers; asserts nothing.
import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import Logging
import PostgresNIO
import Synchronization

let environment = ProcessInfo.processInfo.environment
let tenants = Int(environment["BENCH_INVOICING_TENANTS"] ?? "") ?? 10
let perTenant = Int(environment["BENCH_INVOICING_SUBSCRIPTIONS_PER_TENANT"] ?? "") ?? 1_000
let clients = Int(environment["BENCH_INVOICING_CLIENTS"] ?? "") ?? 16
let total = tenants * perTenant

// A Redis and a database of its own: no other consumer (a development cluster on the test instances) takes part in the run.
let redis = TestRedis()
try await redis.start()
// A pool of 32 lets invoicing's consumer keep 8 drafting transactions open (a quarter of its pool).
let cluster = TestCluster(
    database: TestEnvironment.isolatedDatabaseName, redisPort: redis.port,
    environment: ["BILLING_LOG_LEVEL": "warning", "BILLING_INVOICING_DATABASE_MAX_CONNECTIONS": "32"])
let running = try await cluster.start()
let run = UUIDv7.generate().uuidString.suffix(8).lowercased()
let clientPool = (0..<clients).map { _ in HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 120) }

func resource(_ type: String, _ attributes: JSONValue) -> JSONValue { ["data": ["type": .string(type), "attributes": attributes]] }

func created(_ client: HTTPTestClient, _ token: String, _ path: String, _ type: String, _ attributes: JSONValue) async throws -> String {
    let response = try await client.post(path, token: token, json: resource(type, attributes))
    guard response.status == 201, let id = response.data?["id"]?.stringValue else {
        throw TestClusterError(message: "\(path): \(response.status) \(response.text.prefix(400))")
    }
    return id
}

/// Runs `work(index)` for 0..<count on every client of the pool.
func concurrently(_ count: Int, _ work: @escaping @Sendable (HTTPTestClient, Int) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (worker, client) in clientPool.enumerated() {
            group.addTask { for index in stride(from: worker, to: count, by: clients) { try await work(client, index) } }
        }
        try await group.waitForAll()
    }
}

struct Tenant: Sendable {
    let token: String
    let clock: String
    let meters: [String]
    let accounts: [String]
}

/// One tenant's catalog (3 meters priced PER_UNIT, TIERED and PACKAGE; a plan charging them), settings, clock, accounts,
/// subscriptions and usage (2 events per meter per account).
func prepare(_ index: Int, clockTime: String) async throws -> Tenant {
    let token = try running.tokens.token(tenant: "bench-invoicing-\(run)-\(index)", roles: ["owner"], expiresIn: 6 * 3600)
    let client = clientPool[0]
    let pricing: [JSONValue] = [
        ["pricingModel": "PER_UNIT", "unitAmount": .number("0.05")],
        ["pricingModel": "TIERED", "tiers": [["upTo": 1, "unitAmount": .number("1.00")], ["upTo": nil, "unitAmount": .number("0.50")]]],
        ["pricingModel": "PACKAGE", "unitAmount": 5, "packageSize": 100, "freeUnits": 1],
    ]
    var meters: [String] = [], charges: [JSONValue] = []
    for (number, model) in pricing.enumerated() {
        let code = "m\(number)-\(run)"
        let meter = try await created(
            client, token, "/api/v1/usage-meters", "usage-meters",
            [
                "code": .string(code), "name": .string("Meter \(number)"),
                "aggregation": "COUNT",
            ])
        var product = model.objectValue!
        for (key, value) in [("code", JSONValue.string("p\(number)-\(run)")), ("name", .string("Usage \(number)")), ("currency", "BRL")] {
            product[key] = value
        }
        let productId = try await created(client, token, "/api/v1/billing-products", "billing-products", .object(product))
        meters.append(code)
        charges.append(["meterId": .string(meter), "productId": .string(productId)])
    }
    let plan = try await created(
        client, token, "/api/v1/subscription-plans", "subscription-plans",
        [
            "name": "Plano Pro", "billingInterval": "MONTHLY", "billingCycleType": "ANNIVERSARY", "basePrice": .number("299.90"), "currency": "BRL",
            "trialDays": 0, "usageCharges": .array(charges),
        ])
    let settings = try await client.send(
        "PUT", "/api/v1/invoice-settings", token: token, json: resource("invoice-settings", ["autoFinalize": true, "netTermsDays": 10]))
    guard settings.status == 200 else { throw TestClusterError(message: "invoice-settings: \(settings.text.prefix(300))") }
    let clock = try await created(client, token, "/api/v1/test-clocks", "test-clocks", ["frozenTime": .string(clockTime)])
    let accounts = Mutex<[Int: String]>([:])
    try await concurrently(perTenant) { client, number in
        let account = try await created(
            client, token, "/api/v1/billing-accounts", "billing-accounts",
            [
                "name": .string("Cliente \(number)"), "email": "financeiro@example.com", "currency": "BRL", "testClockId": .string(clock),
            ])
        _ = try await created(
            client, token, "/api/v1/subscriptions", "subscriptions",
            [
                "billingAccountId": .string(account), "planId": .string(plan), "quantity": 1, "testClockId": .string(clock),
            ])
        accounts.withLock { $0[number] = account }
    }
    let list = accounts.withLock { found in (0..<perTenant).map { found[$0]! } }
    let events = list.flatMap { account in
        meters.flatMap { meter in
            (0..<2).map { copy -> JSONValue in
                [
                    "type": "usage-events", "id": .string("\(account)-\(meter)-\(copy)"),
                    "attributes": ["billingAccountId": .string(account), "meterCode": .string(meter)],
                ]
            }
        }
    }
    let batches = stride(from: 0, to: events.count, by: 500).map { Array(events[$0..<min($0 + 500, events.count)]) }
    try await concurrently(batches.count) { client, batch in
        let sent = try await client.post("/api/v1/usage-events", token: token, json: ["data": .array(batches[batch])])
        guard sent.status == 200 || sent.status == 201 else {
            throw TestClusterError(message: "usage-events: \(sent.status) \(sent.text.prefix(300))")
        }
    }
    return Tenant(token: token, clock: clock, meters: meters, accounts: list)
}

nonisolated func waitUntil(_ sql: String, reaches target: Int, _ database: Database, timeout: Duration) async throws -> Int {
    let deadline = ContinuousClock.now + timeout
    var value = 0
    repeat {
        value = try await database.count(sql)
        if value >= target { return value }
        try await Task.sleep(for: .milliseconds(250))
    } while ContinuousClock.now < deadline
    return value
}

/// What invoicing's busy connections wait on, sampled every 100 ms until cancelled (`pg_stat_activity`, its own sessions).
final class WaitSamples: Sendable {
    let counts = Mutex<[String: Int]>([:])
}

nonisolated func sampleWaits(_ database: Database, into samples: WaitSamples) async {
    while !Task.isCancelled {
        if let rows = try? await database.withSystemScope({ connection in
            try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT coalesce(wait_event_type || ':' || wait_event, 'running') FROM pg_stat_activity
                        WHERE usename = current_user AND pid <> pg_backend_pid() AND state <> 'idle'
                        """), logger: database.logger
            ).map { try $0.decode(String.self) }
        }) {
            samples.counts.withLock { for wait in rows { $0[wait, default: 0] += 1 } }
        }
        try? await Task.sleep(for: .milliseconds(100))
    }
}

nonisolated func measure() async throws {
    // Every service's schema: invoicing's for the figures, all of them for the outbox backlog.
    let schemas = try Dictionary(
        uniqueKeysWithValues: TestCluster.serviceNames.map { schema in
            (
                schema,
                Database(
                    configuration: try DatabaseConfiguration(
                        url: TestEnvironment.databaseURL(schema: schema, database: TestEnvironment.isolatedDatabaseName), schema: schema,
                        maximumConnections: 2),
                    logger: Logger(label: "bench.\(schema)"))
            )
        })
    let invoicing = schemas["invoicing"]!
    /// Events committed and not yet published, over every service (a run cut short leaves some; the next one would relay
    /// them while it measures).
    func backlog() async throws -> Int {
        var total = 0
        for database in schemas.values { total += try await database.count("SELECT count(*) FROM outbox WHERE published_at IS NULL") }
        return total
    }
    func drain(_ label: String) async throws {
        let started = ContinuousClock.now
        var left = try await backlog()
        while left > 0, ContinuousClock.now - started < .seconds(600) {
            try await Task.sleep(for: .milliseconds(500))
            left = try await backlog()
        }
        print(
            "\(label): outbox backlog drained in \(String(format: "%.0f", BenchmarkSamples.seconds(ContinuousClock.now - started))) s (\(left) left)")
    }
    try await withThrowingDiscardingTaskGroup { group in
        for database in schemas.values { group.addTask { await database.run() } }
        try await drain("before the run")
        let clockTime = RFC3339.format(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        let setupStarted = ContinuousClock.now
        var prepared: [Tenant] = []
        for index in 0..<tenants {
            print("tenant \(index + 1)/\(tenants): catalog, \(perTenant) accounts and subscriptions, \(perTenant * 6) usage events…")
            prepared.append(try await prepare(index, clockTime: clockTime))
        }
        let ours = "tenant_id LIKE 'bench-invoicing-\(run)-%'"
        // Subscribing drafts (and finalizes) each first period's invoice; let those land before the clocks move.
        // Finalized invoices are counted on the tenants' gapless counters (a few rows), not by scanning invoices: the benchmark's own
        // polling must not be what PostgreSQL spends its time on.
        let numbered = "SELECT COALESCE(sum(last_number), 0)::int8 FROM invoice_counters WHERE \(ours)"
        let first = try await waitUntil(numbered, reaches: total, invoicing, timeout: .seconds(600))
        print("set up in \(String(format: "%.0f", BenchmarkSamples.seconds(ContinuousClock.now - setupStarted))) s (\(first) first-period invoices)")
        try await drain("after the set-up")

        let target = RFC3339.format(RFC3339.parse(clockTime)!.addingTimeInterval(32 * 86_400))
        let profileBefore = try await ClusterProfile.take(cluster, running)
        let waits = WaitSamples()
        let sampler = Task { await sampleWaits(invoicing, into: waits) }
        let began = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { moves in
            for (index, tenant) in prepared.enumerated() {
                moves.addTask {
                    let moved = try await clientPool[index % clients].post(
                        "/api/v1/test-clocks/\(tenant.clock)/advance", token: tenant.token,
                        json: resource("test-clocks", ["frozenTime": .string(target)]))
                    guard moved.status == 200 else { throw TestClusterError(message: "advance: \(moved.status) \(moved.text.prefix(300))") }
                }
            }
            try await moves.waitForAll()
        }
        let renewed = ContinuousClock.now - began
        // First-period and renewal invoices all numbered; the documents are checked once at the end.
        let pending = try await waitUntil(numbered, reaches: 2 * total, invoicing, timeout: .seconds(900))
        let elapsed = ContinuousClock.now - began
        sampler.cancel()
        let profile = try await ClusterProfile.take(cluster, running)
        let seconds = BenchmarkSamples.seconds(elapsed)
        let usageInvoices =
            """
            SELECT count(*) FROM invoices WHERE \(ours) AND status = 'PENDING'
              AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.tenant_id = invoices.tenant_id AND l.invoice_id = invoices.id AND l.kind = 'USAGE')
            """
        let finalized = min(try await invoicing.count(usageInvoices), pending - total)
        let perSubscription = try await invoicing.count(
            """
            SELECT count(*) FROM (SELECT subscription_id FROM invoices WHERE \(ours) GROUP BY 1 HAVING count(*) = 2) AS s
            """)
        // 2 events per meter: PER_UNIT 2 × 0.05, TIERED 1 × 1.00 + 1 × 0.50, PACKAGE 1 free + 1 → one package of 5.00.
        let exact = try await invoicing.count("\(usageInvoices) AND total_minor = 29990 + 10 + 150 + 500")
        for client in clientPool { client.close() }
        try await drain("after the run")  // leaves nothing behind for the next run
        print("")
        print("| measure | value |")
        print("|---|---|")
        print("| subscriptions (tenants × each), usage meters each | \(total) (\(tenants) × \(perTenant)), 3 |")
        print("| clocks moved (renewals committed, events in the outbox) | \(String(format: "%.1f", BenchmarkSamples.seconds(renewed))) s |")
        print("| total time: clocks moved → last invoice drafted with usage and finalized | \(String(format: "%.1f", seconds)) s (target < 60 s) |")
        print("| invoices/s | \(Int(Double(finalized) / seconds)) |")
        print("| renewal invoices finalized with usage lines / expected | \(finalized) / \(total) |")
        print("| subscriptions with exactly 2 invoices (first period + renewal) | \(perSubscription) of \(total) |")
        print("| renewal invoices at the exact expected total (299.90 + 0.10 + 1.50 + 5.00) | \(exact) |")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores)")
        print("")
        print("Where the time went, from the clocks' move to the last invoice:")
        print(profile.report(since: profileBefore, wallSeconds: seconds))
        print("")
        let sampled = waits.counts.withLock { $0 }
        let samples = max(1, sampled.values.reduce(0, +))
        print("| invoicing's busy PostgreSQL sessions, sampled every 100 ms: state | share |")
        print("|---|---|")
        for (wait, count) in sampled.sorted(by: { $0.value > $1.value }).prefix(8) {
            print("| \(wait) | \(String(format: "%.0f%%", 100 * Double(count) / Double(samples))) |")
        }
        group.cancelAll()
    }
}

try await measure()
await redis.stop()
