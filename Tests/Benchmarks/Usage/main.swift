// `make bench-usage`: usage events/s ingested through the gateway (8 clients, batches of 500, real
// processes, PostgreSQL and Redis), p99 batch latency and the summary query's p99 over the result; baseline
// in the same run: the same rows written straight into PostgreSQL by this process with the same statement
// batching (and, for reference, with COPY). Reports numbers; asserts nothing.
import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import Ledger
import Logging
import PostgresNIO

let environment = ProcessInfo.processInfo.environment
let total = Int(environment["BENCH_USAGE_EVENTS"] ?? "") ?? 1_000_000
let batchSize = Int(environment["BENCH_USAGE_BATCH"] ?? "") ?? 500
let clients = Int(environment["BENCH_USAGE_CLIENTS"] ?? "") ?? 8
let summaryQueries = Int(environment["BENCH_USAGE_SUMMARIES"] ?? "") ?? 200
let batches = total / batchSize
let logger = {
    var logger = Logger(label: "bench.usage")
    logger.logLevel = .error
    return logger
}()

/// The events of the run: spread evenly over the current month so far, like 8 producers replaying a month.
let now = Date()
let month = CalendarMonth(containing: now, in: TimeZone(identifier: "UTC")!)
let span = month.span(in: TimeZone(identifier: "UTC")!)
let spacing = max(now.addingTimeInterval(-120).timeIntervalSince(span.start), 1) / Double(total)
let run = UUIDv7.generate().uuidString.suffix(8).lowercased()
func eventId(_ index: Int) -> String { "bench-\(run)-\(index)" }
func timestamp(_ index: Int) -> Date { RFC3339.truncatedToMicroseconds(span.start.addingTimeInterval(Double(index) * spacing)) }
func tokens(_ index: Int) -> Int { index % 1000 + 1 }
let expectedSum = (0..<(batches * batchSize)).reduce(0) { $0 + tokens($1) }

func rate(_ count: Int, _ duration: Duration) -> Double { Double(count) / BenchmarkSamples.seconds(duration) }

/// Runs `work(batch)` for every batch on `clients` concurrent workers; returns the elapsed time.
func concurrently(_ work: @escaping @Sendable (Int) async throws -> Void) async throws -> Duration {
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<clients {
            group.addTask {
                for batch in stride(from: worker, to: batches, by: clients) { try await work(batch) }
            }
        }
        try await group.waitForAll()
    }
    return ContinuousClock.now - started
}

// Baseline: the same rows straight into a fresh `usage_events` (same indexes and row-level security), one
// INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING RETURNING per batch and tenant transaction; then COPY into
// a copy of the table without row-level security (COPY FROM refuses tables with it).
nonisolated func baseline() async throws -> (insert: Double, copy: Double) {
    var insertRate = 0.0
    var copyRate = 0.0
    try await TestEnvironment.withFreshSchema("benchusage", migrations: try LedgerService.migrations, maximumConnections: clients + 2) { database in
        let tenant = "bench-tenant"
        let account = UUID()
        let meter = UUID()
        let inserted = try await concurrently { batch in
            let indexes = Array(batch * batchSize..<(batch + 1) * batchSize)
            try await database.withTenant(tenant) { connection in
                try await connection.execute(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO usage_events (tenant_id, event_id, account_id, meter_id, occurred_at, received_at, counted, value,
                                distinct_key, properties)
                            SELECT $1, e.event_id, $3, $4, e.occurred_at, $2, true, e.value::numeric, NULL, e.properties::jsonb
                            FROM unnest($5::text[], $6::timestamptz[], $7::text[], $8::text[]) AS e(event_id, occurred_at, value, properties)
                            ON CONFLICT (tenant_id, event_id) DO NOTHING
                            RETURNING event_id
                            """,
                        binds: try .of(
                            tenant, Date(), account, meter, indexes.map(eventId), indexes.map(timestamp), indexes.map { String(tokens($0)) },
                            indexes.map { #"{"tokens":\#(tokens($0)),"model":"gpt-4o"}"# })), logger: logger)
            }
        }
        insertRate = rate(batches * batchSize, inserted)
        try await database.withConnection { connection in
            try await connection.execute(PostgresQuery(unsafeSQL: "CREATE TABLE copy_target (LIKE usage_events INCLUDING ALL)"), logger: logger)
        }
        let received = RFC3339.format(Date())
        let copied = try await concurrently { batch in
            var rows = ""
            for index in batch * batchSize..<(batch + 1) * batchSize {
                rows +=
                    "\(tenant)\t\(eventId(index))\t\(account)\t\(meter)\t\(RFC3339.format(timestamp(index)))\t\(received)\tt\t\(tokens(index))\t\\N\t"
                    + #"{"tokens":\#(tokens(index)),"model":"gpt-4o"}"# + "\t\\N\n"  // cost_center: none
            }
            let buffer = ByteBuffer(string: rows)
            try await database.withConnection { connection in
                try await connection.copyFrom(table: "copy_target", logger: logger) { writer in try await writer.write(buffer) }
            }
        }
        copyRate = rate(batches * batchSize, copied)
    }
    return (insertRate, copyRate)
}
let (insertRate, copyRate) = try await baseline()
print("baseline: INSERT \(Int(insertRate)) rows/s, COPY \(Int(copyRate)) rows/s")

// Through the gateway: release services on free ports against the test PostgreSQL and Redis.
let cluster = TestCluster(environment: ["BILLING_LOG_LEVEL": "warning", "BILLING_LEDGER_DATABASE_MAX_CONNECTIONS": "20"])
let running = try await cluster.start()
let token = try running.tokens.token(tenant: "bench-\(run)", roles: ["owner"], expiresIn: 6 * 3600)
func created(_ path: String, _ type: String, _ attributes: JSONValue) async throws -> String {
    let response = try await running.client.post(path, token: token, json: ["data": ["type": .string(type), "attributes": attributes]])
    guard response.status == 201, let id = response.data?["id"]?.stringValue else { throw TestClusterError(message: "\(path): \(response.text)") }
    return id
}
let account = try await created("/api/v1/billing-accounts", "billing-accounts", ["name": "Bench", "email": "bench@example.com", "currency": "USD"])
let meterCode = "bench-tokens-\(run)"
_ = try await created(
    "/api/v1/usage-meters", "usage-meters", ["code": .string(meterCode), "name": "Tokens", "aggregation": "SUM", "property": "tokens"])

// Request bodies are built before the clock starts, so the client's own JSON work is not measured.
let bodies: [Data] = (0..<batches).map { batch in
    var body = #"{"data":["#
    for index in batch * batchSize..<(batch + 1) * batchSize {
        if index > batch * batchSize { body += "," }
        body +=
            #"{"type":"usage-events","id":"\#(eventId(index))","attributes":{"billingAccountId":"\#(account)","meterCode":"\#(meterCode)","#
            + #""timestamp":"\#(RFC3339.format(timestamp(index)))","properties":{"tokens":\#(tokens(index)),"model":"gpt-4o"}}}"#
    }
    return Data((body + "]}").utf8)
}
let workers = (0..<clients).map { _ in HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 300) }
let latencies = BenchmarkSamples()
let failures = BenchmarkSamples()
print("ingesting \(batches * batchSize) events through the gateway…")
let ingested = try await concurrently { batch in
    let started = ContinuousClock.now
    let response = try await workers[batch % clients].send("POST", "/api/v1/usage-events", token: token, rawBody: bodies[batch])
    latencies.record(ContinuousClock.now - started)
    if response.status != 200 || !response.text.suffix(120).contains(#""accepted":\#(batchSize)"#) {
        failures.record(0)
        if failures.count <= 3 { print("batch \(batch): \(response.status) \(response.text.suffix(300))") }
    }
}
let gatewayRate = rate(batches * batchSize, ingested)

let summaries = BenchmarkSamples()
var summaryValue: DecimalNumber?
let summaryPath = "/api/v1/usage-summaries?filter%5BbillingAccountId%5D=\(account)&filter%5BmeterCode%5D=\(meterCode)&filter%5Bmonth%5D=\(month)"
for _ in 0..<summaryQueries {
    let started = ContinuousClock.now
    let response = try await workers[0].get(summaryPath, token: token)
    summaries.record(ContinuousClock.now - started)
    summaryValue = response.data?.arrayValue?.first?["attributes"]?["value"]?.decimalValue
}
for worker in workers { worker.close() }

print("")
print("| measure | value |")
print("|---|---|")
print("| baseline: same rows, same batching, INSERT … unnest straight into PostgreSQL, rows/s | \(Int(insertRate)) |")
print("| reference: same rows with COPY (table without row-level security), rows/s | \(Int(copyRate)) |")
print("| through the gateway (validate, dedupe, aggregate), events/s | \(Int(gatewayRate)) |")
print("| ratio gateway / INSERT baseline | \(String(format: "%.1f%%", 100 * gatewayRate / insertRate)) |")
print("| ratio gateway / COPY | \(String(format: "%.1f%%", 100 * gatewayRate / copyRate)) |")
print("| batch latency p50 / p99 | \(latencies.milliseconds(0.5)) / \(latencies.milliseconds(0.99)) |")
print("| failed batches | \(failures.count) |")
print(
    """
    | summary query through the gateway p50 / p99 (\(summaryQueries) queries, one account, meter and month) | \(summaries.milliseconds(0.5)) / \
    \(summaries.milliseconds(0.99)) |
    """
)
print(
    "| summary equals the sum sent | \(summaryValue == DecimalNumber(Int64(expectedSum)) ? "yes" : "NO: \(summaryValue?.text ?? "none") vs \(expectedSum)") |"
)
print("(\(batches * batchSize) events, \(clients) clients, batches of \(batchSize), \(ProcessInfo.processInfo.activeProcessorCount) cores)")
