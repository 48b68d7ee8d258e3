// `make bench-credits`: authorize + settle pairs per second through the gateway (release services, real PostgreSQL
// and Redis) with 64 concurrent clients, and the p99 of one pair with 16, (a) spread over 1,000 wallets and (b) all on
// one hot wallet — (b) twice: with the ledger grouping one wallet's concurrent operations into one transaction (the
// default, BILLING_LEDGER_WALLET_BATCH=64) and on a second cluster with one transaction per operation (=1).
// Baseline in the same run: pgbench with a custom script doing one debit directly (conditional UPDATE + journal INSERT
// in a transaction) at 64 clients, spread and on one row (`pgbench-baseline.sh`, run by the make target just before).
// Also: the CPU each process spent per pair during (a), and the ceiling the services' CPU alone puts on (a).
// Reports numbers and the overspend check; asserts nothing. BENCH_CREDITS_SECONDS (10 per measure), BENCH_CREDITS_WALLETS
// (1,000) and BENCH_CREDITS_LEDGER_CONNECTIONS (the ledger's pool, 8) change the set-up.
import BillingCore
import BillingTesting
import Foundation

let environment = ProcessInfo.processInfo.environment
let seconds = Double(environment["BENCH_CREDITS_SECONDS"] ?? "") ?? 10
let walletCount = Int(environment["BENCH_CREDITS_WALLETS"] ?? "") ?? 1000
let ledgerConnections = environment["BENCH_CREDITS_LEDGER_CONNECTIONS"] ?? "8"

// The baseline ran just before, from the shell (`pgbench-baseline.sh`, called by `make bench-credits`).
let baselineFigures = (environment["BENCH_CREDITS_BASELINE"] ?? "").split(separator: " ").compactMap { Double($0) }
guard baselineFigures.count == 2 else {
    throw TestClusterError(message: "BENCH_CREDITS_BASELINE must hold pgbench's two tps figures; run `make bench-credits`")
}
let (baselineSpread, baselineHot) = (baselineFigures[0], baselineFigures[1])
print("baseline (pgbench, 64 clients): spread \(Int(baselineSpread)) debits/s, one row \(Int(baselineHot)) debits/s")

/// A cluster with a tenant, a model and `walletCount` wallets of 1,000,000 credits.
struct Bench {
    let cluster: TestCluster
    let running: TestCluster.Running
    let token: String
    let model: String
    let wallets: [String]

    static func start(walletCount: Int, environment: [String: String]) async throws -> Bench {
        let cluster = TestCluster(
            environment: ["BILLING_LOG_LEVEL": "warning", "BILLING_LEDGER_DATABASE_MAX_CONNECTIONS": ledgerConnections].merging(environment) { $1 })
        let running = try await cluster.start()
        let run = UUIDv7.generate().uuidString.suffix(8).lowercased()
        let token = try running.tokens.token(tenant: "bench-\(run)", roles: ["owner"], expiresIn: 6 * 3600)
        let setup = HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 60)
        defer { setup.close() }
        func created(_ path: String, _ type: String, _ attributes: JSONValue) async throws -> String {
            let response = try await setup.post(path, token: token, json: ["data": ["type": .string(type), "attributes": attributes]])
            guard response.status == 201, let id = response.data?["id"]?.stringValue else {
                throw TestClusterError(message: "\(path): \(response.text)")
            }
            return id
        }
        let model = "bench-\(run)"
        _ = try await created(
            "/api/v1/ai-models", "ai-models",
            [
                "modelId": .string(model), "name": "Bench", "inputRate": .number("0.001"),
                "outputRate": .number("0.001"),
            ])
        print("creating \(walletCount) wallets…")
        var wallets: [String] = []
        for index in 0..<walletCount {
            let account = try await created(
                "/api/v1/billing-accounts", "billing-accounts",
                [
                    "name": .string("Bench \(index)"), "email": "bench@example.com",
                    "currency": "USD",
                ])
            _ = try await created("/api/v1/credit-grants", "credit-grants", ["billingAccountId": .string(account), "credits": 1_000_000])
            wallets.append(account)
        }
        return Bench(cluster: cluster, running: running, token: token, model: model, wallets: wallets)
    }

    /// Runs authorize + settle pairs for `seconds` on `clients` workers; `pick` chooses the wallet.
    func pairs(clients: Int, pick: @escaping @Sendable () -> String) async throws -> (rate: Double, latency: BenchmarkSamples, failures: Int) {
        let latency = BenchmarkSamples(), failures = BenchmarkSamples()
        let workers = (0..<clients).map { _ in HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 60) }
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let started = ContinuousClock.now
        let (token, model) = (token, model)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in workers {
                group.addTask {
                    while ContinuousClock.now < deadline {
                        let begun = ContinuousClock.now
                        let account = pick()
                        let hold = try await worker.post(
                            "/api/v1/credit-authorizations", token: token,
                            json: [
                                "data": [
                                    "type": "credit-authorizations",
                                    "attributes": [
                                        "billingAccountId": .string(account), "model": .string(model), "estimatedInputTokens": 5,
                                        "estimatedOutputTokens": 5,
                                        "idempotencyKey": .string(UUID().uuidString),
                                    ],
                                ]
                            ])
                        guard hold.status == 201, let id = hold.data?["id"]?.stringValue else {
                            failures.record(0)
                            continue
                        }
                        let settled = try await worker.post(
                            "/api/v1/credit-authorizations/\(id)/settle", token: token,
                            json: [
                                "data": ["type": "credit-settlements", "attributes": ["inputTokens": 5, "outputTokens": 2]]
                            ])
                        guard settled.status == 200 else {
                            failures.record(0)
                            continue
                        }
                        latency.record(ContinuousClock.now - begun)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        for worker in workers { worker.close() }
        return (Double(latency.count) / BenchmarkSamples.seconds(elapsed), latency, failures.count)
    }

    /// Wallets whose audit disagrees (overspend or books out of step).
    func inconsistentWallets() async throws -> Int {
        let client = HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 60)
        defer { client.close() }
        var inconsistent = 0
        for account in wallets {
            let audit = try await client.get("/api/v1/credit-wallets/\(account)/audit", token: token)
            if audit.data?["attributes"]?["consistent"] != true { inconsistent += 1 }
        }
        return inconsistent
    }
}

let bench = try await Bench.start(walletCount: walletCount, environment: [:])
let (cluster, running, wallets) = (bench.cluster, bench.running, bench.wallets)

print("spread over \(walletCount) wallets…")
let profileBefore = try await ClusterProfile.take(cluster, running)
let spreadStarted = ContinuousClock.now
let spread64 = try await bench.pairs(clients: 64) { wallets.randomElement()! }
let profileAfter = try await ClusterProfile.take(cluster, running)
let spreadProfile = profileAfter.report(since: profileBefore, wallSeconds: BenchmarkSamples.seconds(ContinuousClock.now - spreadStarted))
let spreadCPU = profileAfter.cpuSpent(since: profileBefore)
let spread16 = try await bench.pairs(clients: 16) { wallets.randomElement()! }
print("one hot wallet…")
let hot64 = try await bench.pairs(clients: 64) { wallets[0] }
let hot16 = try await bench.pairs(clients: 16) { wallets[0] }
// Zero overspend: every wallet's books agree and nothing is negative.
let inconsistent = try await bench.inconsistentWallets()
await cluster.stop()

print("one hot wallet, one transaction per operation (BILLING_LEDGER_WALLET_BATCH=1)…")
let unbatched = try await Bench.start(walletCount: 1, environment: ["BILLING_LEDGER_WALLET_BATCH": "1"])
let hotWallet = unbatched.wallets[0]
let single64 = try await unbatched.pairs(clients: 64) { hotWallet }
let single16 = try await unbatched.pairs(clients: 16) { hotWallet }
let inconsistentUnbatched = try await unbatched.inconsistentWallets()
await unbatched.cluster.stop()

func ratio(_ value: Double, _ base: Double) -> String { String(format: "%.1f%%", 100 * value / base) }
print("")
print("| measure | value |")
print("|---|---|")
print(
    """
    | baseline: pgbench debit (conditional UPDATE + journal INSERT), 64 clients, spread over \(walletCount) rows, debits/s | \
    \(Int(baselineSpread)) |
    """
)
print("| baseline: the same on one row, debits/s | \(Int(baselineHot)) |")
print("| (a) authorize + settle pairs/s through the gateway, 64 clients, \(walletCount) wallets | \(Int(spread64.rate)) |")
print(
    """
    | (a) ratio pairs / baseline debits (a pair is two wallet transactions) | \(ratio(spread64.rate, baselineSpread)) (transactions \(ratio(2 * spread64.rate, baselineSpread))) |
    """
)
print("| (a) one pair p50 / p99 at 16 clients | \(spread16.latency.milliseconds(0.5)) / \(spread16.latency.milliseconds(0.99)) |")
print("| (b) pairs/s on one hot wallet, 64 clients | \(Int(hot64.rate)) |")
print("| (b) ratio pairs / baseline one-row debits | \(ratio(hot64.rate, baselineHot)) (transactions \(ratio(2 * hot64.rate, baselineHot))) |")
print("| (b) one pair p50 / p99 at 16 clients, hot wallet | \(hot16.latency.milliseconds(0.5)) / \(hot16.latency.milliseconds(0.99)) |")
print(
    "| (b) without batching (one transaction per operation): pairs/s, 64 clients | \(Int(single64.rate)) (\(ratio(single64.rate, baselineHot)) of baseline; batching gains \(String(format: "%.2f×", hot64.rate / single64.rate))) |"
)
print("| (b) without batching: one pair p50 / p99 at 16 clients | \(single16.latency.milliseconds(0.5)) / \(single16.latency.milliseconds(0.99)) |")
print(
    """
    | failed pairs (any status but 201/200) | \(spread64.failures + spread16.failures + hot64.failures + hot16.failures + single64.failures + single16.failures) |
    """
)
print(
    "| wallets whose audit disagrees (overspend or books out of step) | \(inconsistent) of \(walletCount), \(inconsistentUnbatched) of 1 unbatched |")
print("(\(Int(seconds)) s per measure, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ledgerConnections) ledger connections to PostgreSQL)")
// The ceiling the services alone put on (a): if PostgreSQL and the benchmark's clients cost nothing, the machine's cores
// divided by the services' CPU per pair.
let spreadPairs = Double(spread64.latency.count)
let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
let servicesCPU = spreadCPU.filter { $0.process != ClusterProfile.database && $0.process != ClusterProfile.client }.reduce(0) { $0 + $1.seconds }
print("")
print(
    "CPU per pair during (a) at 64 clients: "
        + spreadCPU.map { "\($0.process) \(String(format: "%.2f", 1000 * $0.seconds / spreadPairs)) ms" }
        .joined(separator: ", "))
let ceiling = cores / (servicesCPU / spreadPairs)
print(
    "Ceiling of (a) with PostgreSQL and the clients free: \(Int(cores)) cores / \(String(format: "%.2f", 1000 * servicesCPU / spreadPairs)) ms of "
        + "service CPU per pair = \(Int(ceiling)) pairs/s = \(ratio(ceiling, baselineSpread)) of the baseline")
print("")
print("Where the time went during (a) at 64 clients:")
print(spreadProfile)
