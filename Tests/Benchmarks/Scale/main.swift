// `make bench-scale`: scaling one service at a time, on loopback (release services, real PostgreSQL and Redis of the test
// profile). The credit-charge load (`POST /api/v1/credit-charges`, 64 clients, 200 wallets) runs against three clusters in
// turn: 1 gateway + 1 ledger, 1 gateway + 3 ledgers, 3 gateways + 3 ledgers (clients spread over the gateways), and the
// throughput of each is reported with its ratio to the first. Then, on the last cluster, one ledger replica is killed with
// SIGKILL a third into a mixed load (charges, and grants that emit `billing.credits.granted`): every operation carries an
// idempotency key (charges) or a reference (grants) and is retried with it until it succeeds, so what the callers saw fail
// and whether anything was charged twice, lost, or left unannounced is counted from PostgreSQL afterwards.
// Reports numbers; asserts nothing (the correctness lines say what they found).
import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import Logging
import Synchronization

let environment = ProcessInfo.processInfo.environment
let seconds = Double(environment["BENCH_SCALE_SECONDS"] ?? "") ?? 10
let clients = Int(environment["BENCH_SCALE_CLIENTS"] ?? "") ?? 64
let walletCount = Int(environment["BENCH_SCALE_WALLETS"] ?? "") ?? 200
let run = UUIDv7.generate().uuidString.suffix(8).lowercased()

func resource(_ type: String, _ attributes: JSONValue) -> JSONValue { ["data": ["type": .string(type), "attributes": attributes]] }

/// One cluster's tenant, its AI model and its wallets, and a client per worker (spread over the cluster's gateways).
struct Load: Sendable {
    let token: String
    let tenant: String
    let model: String
    let wallets: [String]
    let workers: [HTTPTestClient]

    static func prepare(_ running: TestCluster.Running, label: String) async throws -> Load {
        let tenant = "bench-scale-\(run)-\(label)"
        let token = try running.tokens.token(tenant: tenant, roles: ["owner"], expiresIn: 6 * 3600)
        let setup = HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 60)
        defer { setup.close() }
        func created(_ path: String, _ type: String, _ attributes: JSONValue) async throws -> String {
            let response = try await setup.post(path, token: token, json: resource(type, attributes))
            guard response.status == 201, let id = response.data?["id"]?.stringValue else {
                throw TestClusterError(message: "\(path): \(response.text.prefix(300))")
            }
            return id
        }
        let model = "scale-\(run)"
        _ = try await created(
            "/api/v1/ai-models", "ai-models",
            ["modelId": .string(model), "name": "Scale", "inputRate": .number("0.001"), "outputRate": .number("0.001")])
        var wallets: [String] = []
        for index in 0..<walletCount {
            let account = try await created(
                "/api/v1/billing-accounts", "billing-accounts", ["name": .string("Scale \(index)"), "email": "scale@example.com", "currency": "USD"])
            _ = try await created("/api/v1/credit-grants", "credit-grants", ["billingAccountId": .string(account), "credits": 1_000_000])
            wallets.append(account)
        }
        let urls = running.gatewayURLs
        let workers = (0..<clients).map { HTTPTestClient(baseURL: urls[$0 % urls.count], timeoutSeconds: 60) }
        return Load(token: token, tenant: tenant, model: model, wallets: wallets, workers: workers)
    }

    func close() { for worker in workers { worker.close() } }
}

/// What the callers saw during one load.
final class Tally: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func add(_ key: String, _ value: Int = 1) { counts.withLock { $0[key, default: 0] += value } }
    subscript(_ key: String) -> Int { counts.withLock { $0[key, default: 0] } }
}

/// Runs the load for `seconds`: every `grantEvery`-th operation of a worker is a 1-credit grant (0: charges only). An operation
/// is sent with its key until it succeeds (up to 50 attempts, 100 ms apart); `during` runs alongside (the kill).
func load(_ load: Load, grantEvery: Int = 0, during: (@Sendable () async -> Void)? = nil) async throws -> (perSecond: Double, tally: Tally) {
    let tally = Tally()
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        if let during { group.addTask { await during() } }
        for worker in load.workers {
            group.addTask {
                var operation = 0
                while ContinuousClock.now < deadline {
                    operation += 1
                    let account = load.wallets.randomElement()!
                    let isGrant = grantEvery > 0 && operation % grantEvery == 0
                    let (path, body) =
                        isGrant
                        ? (
                            "/api/v1/credit-grants",
                            resource(
                                "credit-grants",
                                [
                                    "billingAccountId": .string(account), "credits": 1, "source": "BONUS",
                                    "reference": .string("scale:\(UUID().uuidString)"),
                                ])
                        )
                        : (
                            "/api/v1/credit-charges",
                            resource(
                                "credit-charges",
                                [
                                    "billingAccountId": .string(account), "model": .string(load.model),
                                    "inputTokens": 5, "outputTokens": 0, "idempotencyKey": .string(UUID().uuidString),
                                ])
                        )
                    var done = false
                    for attempt in 0..<50 where !done {
                        let status = (try? await worker.post(path, token: load.token, json: body))?.status ?? 0
                        if status == 200 || status == 201 {
                            done = true
                            tally.add(isGrant ? "grants" : "charges")
                            if status == 200 { tally.add("replayed") }
                        } else {
                            tally.add(attempt == 0 ? "failedFirst" : "failedRetry")
                            tally.add("status \(status)")
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                    if !done { tally.add("gaveUp") }
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = BenchmarkSamples.seconds(ContinuousClock.now - started)
    return (Double(tally["charges"]) / elapsed, tally)
}

nonisolated func count(_ sql: String, in database: Database, reaching target: Int, timeout: Duration) async throws -> Int {
    let deadline = ContinuousClock.now + timeout
    var value = try await database.count(sql)
    while value < target, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(200))
        value = try await database.count(sql)
    }
    return value
}

let quiet = ["BILLING_LOG_LEVEL": "warning", "BILLING_LEDGER_DATABASE_MAX_CONNECTIONS": "16", "BILLING_GATEWAY_DATABASE_MAX_CONNECTIONS": "16"]
var rows: [(String, Double)] = []
var killCluster: TestCluster?
var killRunning: TestCluster.Running?
for (label, ledgers, gateways) in [("1 gateway + 1 ledger", 1, 1), ("1 gateway + 3 ledgers", 3, 1), ("3 gateways + 3 ledgers", 3, 3)] {
    print("\(label): starting…")
    let cluster = TestCluster(environment: quiet, replicas: ["ledger": ledgers, "gateway": gateways])
    let running = try await cluster.start()
    let prepared = try await Load.prepare(running, label: "\(ledgers)l\(gateways)g")
    let (rate, tally) = try await load(prepared)
    print("  \(Int(rate)) charges/s (first-attempt failures \(tally["failedFirst"]))")
    rows.append((label, rate))
    prepared.close()
    if ledgers == 3 && gateways == 3 {
        killCluster = cluster
        killRunning = running
    } else {
        await cluster.stop()
    }
}

// kill -9 of one ledger replica mid-load, on the 3 + 3 cluster.
let cluster = killCluster!, running = killRunning!, measured = rows
let ledger = try TestEnvironment.database(schema: "ledger", maximumConnections: 2)
let gateway = try TestEnvironment.database(schema: "gateway", maximumConnections: 2)
try await withThrowingDiscardingTaskGroup { group in
    group.addTask { await ledger.run() }
    group.addTask { await gateway.run() }
    let prepared = try await Load.prepare(running, label: "kill")
    let killedAt = Mutex<Double>(0)
    let began = ContinuousClock.now
    print("kill -9 of ledger#2 \(Int(seconds / 3)) s into the mixed load…")
    let (_, tally) = try await load(prepared, grantEvery: 10) {
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000 / 3)))
        await cluster.kill("ledger#2")
        killedAt.withLock { $0 = BenchmarkSamples.seconds(ContinuousClock.now - began) }
    }
    let tenant = "tenant_id = '\(prepared.tenant)'"
    let charged = try await ledger.count("SELECT count(*) FROM credit_executions WHERE \(tenant) AND kind = 'CHARGE'")
    let grantRows = try await ledger.count("SELECT count(*) FROM credit_grants WHERE \(tenant) AND reference LIKE 'scale:%'")
    let expectedEvents = walletCount + tally["grants"]
    let announced = try await count(
        "SELECT count(*) FROM audit_events WHERE \(tenant) AND type = 'billing.credits.granted'", in: gateway,
        reaching: expectedEvents, timeout: .seconds(60))
    var inconsistent = 0
    let checker = HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 60)
    for account in prepared.wallets {
        let audit = try await checker.get("/api/v1/credit-wallets/\(account)/audit", token: prepared.token)
        if audit.data?["attributes"]?["consistent"] != true { inconsistent += 1 }
    }
    checker.close()
    prepared.close()

    func ratio(_ value: Double) -> String { String(format: "%.2f×", value / measured[0].1) }
    print("")
    print("| measure | value |")
    print("|---|---|")
    for (label, rate) in measured {
        print("| credit charges/s, \(clients) clients, \(walletCount) wallets: \(label) | \(Int(rate)) (\(ratio(rate)) the first) |")
    }
    print("| kill -9 of ledger#2 at | \(String(format: "%.1f", killedAt.withLock { $0 })) s of \(Int(seconds)) s |")
    print("| operations the callers saw fail at least once (then retried with the same key) | \(tally["failedFirst"]) |")
    let statuses = ["status 0", "status 500", "status 502", "status 503", "status 504"].map { "\($0): \(tally[$0])" }.joined(separator: ", ")
    print("| failed attempts by status (0 = connection error), retries included | \(statuses) |")
    print("| operations never completed after 50 attempts | \(tally["gaveUp"]) |")
    print(
        "| charges answered 201/200 by the callers / executions in PostgreSQL (double charge or loss if different) | \(tally["charges"]) / \(charged) |"
    )
    print("| retried charges answered as replays (200) | \(tally["replayed"]) |")
    print(
        "| grants answered / grant rows / billing.credits.granted events in the audit trail (incl. \(walletCount) setup grants) | \(tally["grants"]) / \(grantRows) / \(announced - walletCount) |"
    )
    print("| wallets whose audit disagrees (journal ≠ balance) | \(inconsistent) of \(walletCount) |")
    print("(\(Int(seconds)) s per load, \(ProcessInfo.processInfo.activeProcessorCount) cores, every process on this machine)")
    group.cancelAll()
}
await cluster.stop()
