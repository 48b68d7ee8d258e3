// `make bench-credits`: authorize + settle pairs per second through the gateway (release services, real PostgreSQL
// and Redis) with 64 concurrent clients, and the p99 of one pair with 16, (a) spread over 1,000 wallets and (b) all on
// one hot wallet. Baseline in the same run: pgbench with a custom script doing one debit directly (conditional UPDATE
// + journal INSERT in a transaction) at 64 clients, spread and on one row. Reports numbers and the overspend check;
// asserts nothing.
import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import Logging
import PostgresNIO

let environment = ProcessInfo.processInfo.environment
let seconds = Double(environment["BENCH_CREDITS_SECONDS"] ?? "") ?? 10
let walletCount = Int(environment["BENCH_CREDITS_WALLETS"] ?? "") ?? 1000
let logger = {
    var logger = Logger(label: "bench.credits")
    logger.logLevel = .error
    return logger
}()

/// pgbench's transactions per second for `script` at `clients`, against a fresh schema of the test database.
nonisolated func pgbench(schema: String, script: String, clients: Int) throws -> Double {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-credits-\(UUID().uuidString).sql")
    try script.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["pgbench", "-n", "-M", "prepared", "-c", String(clients), "-j", "2", "-T", String(Int(seconds)), "-f", file.path,
                         "-h", TestEnvironment.postgresHost, "-p", String(TestEnvironment.postgresPort), "-U", "billing_testing", TestEnvironment.databaseName]
    process.environment = environment.merging(["PGPASSWORD": "billing_testing", "PGOPTIONS": "-c search_path=\(schema)"]) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
          let value = Double(line.dropFirst(6).prefix { $0 != " " }) else {
        throw TestClusterError(message: "pgbench failed: \(text.suffix(500))")
    }
    return value
}

nonisolated func baseline() async throws -> (spread: Double, hot: Double) {
    var result = (0.0, 0.0)
    try await TestEnvironment.withFreshSchema("benchcredits", migrations: [], maximumConnections: 2) { database in
        try await database.withConnection { connection in
            for statement in [
                "CREATE TABLE bench_wallets (id int PRIMARY KEY, balance numeric(20, 8) NOT NULL CHECK (balance >= 0))",
                "CREATE TABLE bench_journal (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, wallet_id int NOT NULL, amount numeric(20, 8) NOT NULL, balance_after numeric(20, 8) NOT NULL, created_at timestamptz NOT NULL)",
                "INSERT INTO bench_wallets SELECT g, 1000000000 FROM generate_series(1, \(walletCount)) g",
            ] {
                try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
        let debit = { (wallet: String) in """
            \(wallet)
            BEGIN;
            WITH w AS (UPDATE bench_wallets SET balance = balance - 0.003 WHERE id = :aid AND balance >= 0.003 RETURNING balance)
            INSERT INTO bench_journal (wallet_id, amount, balance_after, created_at) SELECT :aid, -0.003, balance, now() FROM w;
            COMMIT;
            """ }
        result.0 = try pgbench(schema: database.schema, script: debit("\\set aid random(1, \(walletCount))"), clients: 64)
        result.1 = try pgbench(schema: database.schema, script: debit("\\set aid 1"), clients: 64)
    }
    return result
}
let (baselineSpread, baselineHot) = try await baseline()
print("baseline (pgbench, 64 clients): spread \(Int(baselineSpread)) debits/s, one row \(Int(baselineHot)) debits/s")

let cluster = TestCluster(environment: ["BILLING_LOG_LEVEL": "warning", "BILLING_LEDGER_DATABASE_MAX_CONNECTIONS": "32"])
let running = try await cluster.start()
let run = UUIDv7.generate().uuidString.suffix(8).lowercased()
let token = try running.tokens.token(tenant: "bench-\(run)", roles: ["owner"], expiresIn: 6 * 3600)
let setup = HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 60)
func created(_ path: String, _ type: String, _ attributes: JSONValue) async throws -> String {
    let response = try await setup.post(path, token: token, json: ["data": ["type": .string(type), "attributes": attributes]])
    guard response.status == 201, let id = response.data?["id"]?.stringValue else { throw TestClusterError(message: "\(path): \(response.text)") }
    return id
}
let model = "bench-\(run)"
_ = try await created("/api/v1/ai-models", "ai-models", ["modelId": .string(model), "name": "Bench", "inputRate": .number("0.001"), "outputRate": .number("0.001")])
print("creating \(walletCount) wallets…")
var accounts: [String] = []
for index in 0..<walletCount {
    let account = try await created("/api/v1/billing-accounts", "billing-accounts", ["name": .string("Bench \(index)"), "email": "bench@example.com", "currency": "USD"])
    _ = try await created("/api/v1/credit-grants", "credit-grants", ["billingAccountId": .string(account), "credits": 1_000_000])
    accounts.append(account)
}
let wallets = accounts

/// Runs authorize + settle pairs for `seconds` on `clients` workers; `pick` chooses the wallet.
func pairs(clients: Int, pick: @escaping @Sendable () -> String) async throws -> (rate: Double, latency: BenchmarkSamples, failures: Int) {
    let latency = BenchmarkSamples(), failures = BenchmarkSamples()
    let workers = (0..<clients).map { _ in HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 60) }
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in workers {
            group.addTask {
                while ContinuousClock.now < deadline {
                    let begun = ContinuousClock.now
                    let account = pick()
                    let hold = try await worker.post("/api/v1/credit-authorizations", token: token, json: ["data": ["type": "credit-authorizations", "attributes": [
                        "billingAccountId": .string(account), "model": .string(model), "estimatedInputTokens": 5, "estimatedOutputTokens": 5,
                        "idempotencyKey": .string(UUID().uuidString)]]])
                    guard hold.status == 201, let id = hold.data?["id"]?.stringValue else { failures.record(0); continue }
                    let settled = try await worker.post("/api/v1/credit-authorizations/\(id)/settle", token: token, json: [
                        "data": ["type": "credit-settlements", "attributes": ["inputTokens": 5, "outputTokens": 2]]])
                    guard settled.status == 200 else { failures.record(0); continue }
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

print("spread over \(walletCount) wallets…")
let spread64 = try await pairs(clients: 64) { wallets.randomElement()! }
let spread16 = try await pairs(clients: 16) { wallets.randomElement()! }
print("one hot wallet…")
let hot64 = try await pairs(clients: 64) { wallets[0] }
let hot16 = try await pairs(clients: 16) { wallets[0] }

// Zero overspend: every wallet's books agree and nothing is negative.
var inconsistent = 0
for account in wallets {
    let audit = try await setup.get("/api/v1/credit-wallets/\(account)/audit", token: token)
    if audit.data?["attributes"]?["consistent"] != true { inconsistent += 1 }
}
setup.close()

func ratio(_ value: Double, _ base: Double) -> String { String(format: "%.1f%%", 100 * value / base) }
print("")
print("| measure | value |")
print("|---|---|")
print("| baseline: pgbench debit (conditional UPDATE + journal INSERT), 64 clients, spread over \(walletCount) rows, debits/s | \(Int(baselineSpread)) |")
print("| baseline: the same on one row, debits/s | \(Int(baselineHot)) |")
print("| (a) authorize + settle pairs/s through the gateway, 64 clients, \(walletCount) wallets | \(Int(spread64.rate)) |")
print("| (a) ratio pairs / baseline debits (a pair is two wallet transactions) | \(ratio(spread64.rate, baselineSpread)) (transactions \(ratio(2 * spread64.rate, baselineSpread))) |")
print("| (a) one pair p50 / p99 at 16 clients | \(spread16.latency.milliseconds(0.5)) / \(spread16.latency.milliseconds(0.99)) |")
print("| (b) pairs/s on one hot wallet, 64 clients | \(Int(hot64.rate)) |")
print("| (b) ratio pairs / baseline one-row debits | \(ratio(hot64.rate, baselineHot)) (transactions \(ratio(2 * hot64.rate, baselineHot))) |")
print("| (b) one pair p50 / p99 at 16 clients, hot wallet | \(hot16.latency.milliseconds(0.5)) / \(hot16.latency.milliseconds(0.99)) |")
print("| failed pairs (any status but 201/200) | \(spread64.failures + spread16.failures + hot64.failures + hot16.failures) |")
print("| wallets whose audit disagrees (overspend or books out of step) | \(inconsistent) of \(walletCount) |")
print("(\(Int(seconds)) s per measure, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
