// `make bench-events`: events/s from outbox insert to consumer apply, end to end (real PostgreSQL and
// Redis), and the outbox-to-apply delay percentiles; baseline in the same run: raw pipelined XADD
// throughput from this process. Reports numbers; asserts nothing.
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingEventsRedis
import BillingPostgres
import BillingTesting
import Foundation
import Logging
import PostgresNIO

struct BenchEvent: IntegrationEvent {
    static let eventType = "bench.event.happened"
    var number: Int
    var note: String
    var subject: String { String(number) }
}

var logger = Logger(label: "bench.events")
logger.logLevel = .error
let environment = ProcessInfo.processInfo.environment
let total = Int(environment["BENCH_EVENTS"] ?? "") ?? 20_000
let writers = Int(environment["BENCH_WRITERS"] ?? "") ?? 8
let perTransaction = Int(environment["BENCH_EVENTS_PER_TRANSACTION"] ?? "") ?? 50
let redisConfiguration = TestEnvironment.redisAdmin
let note = String(repeating: "n", count: 200)

// Baseline: raw pipelined XADD of the same envelope size.
let sampleEnvelope = JSONWriter.string(
    try JSONValueEncoder().encode(
        try EventEnvelope(BenchEvent(number: 1, note: note), source: "/billing/bench", tenant: "tenant-bench", at: Date())))
let redis = RedisConnection(configuration: redisConfiguration, label: "bench")
let rawStream = "bench.raw." + UUIDv7.generate().uuidString.suffix(8)
let rawStarted = ContinuousClock.now
var sent = 0
while sent < total * 5 {
    let batch = Array(repeating: ["XADD", rawStream, "*", "envelope", sampleEnvelope], count: 500)
    _ = try await redis.pipeline(batch)
    sent += batch.count
}
let rawElapsed = ContinuousClock.now - rawStarted
let rawRate = Double(sent) / BenchmarkSamples.seconds(rawElapsed)
try await redis.command(["DEL", rawStream])

// End to end: writers → outbox → relay → Redis → consumer (inbox + handler) in a fresh schema.
let delays = BenchmarkSamples()
var endToEndRate = 0.0
try await TestEnvironment.withFreshSchema("bench", migrations: EventMigrations.all, maximumConnections: 40) { database in
    let stream = "bench.events." + UUIDv7.generate().uuidString.suffix(8)
    let configuration = EventBusConfiguration(redis: redisConfiguration, blockMilliseconds: 500, batchSize: 500, pollIntervalMilliseconds: 200)
    let relay = OutboxRelay(context: "bench", database: database, configuration: configuration, logger: logger, stream: stream)
    let subscription = EventSubscription(
        group: "bench", contexts: [],
        handlers: [
            BenchEvent.eventType: { envelope, _ in
                delays.record(Date().timeIntervalSince(envelope.time))
            }
        ])
    let consumer = EventConsumer(subscription: subscription, database: database, configuration: configuration, logger: logger, streams: [stream])
    let outbox = Outbox(context: "bench")
    try await withThrowingDiscardingTaskGroup { group in
        group.addTask { try await relay.run() }
        group.addTask { try await consumer.run() }
        try await Task.sleep(for: .milliseconds(500))
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { writing in
            for writer in 0..<writers {
                writing.addTask {
                    var number = writer
                    while number < total {
                        try await database.withTenant("tenant-\(writer)") { connection in
                            for _ in 0..<perTransaction where number < total {
                                try await outbox.append(
                                    BenchEvent(number: number, note: note), tenant: "tenant-\(writer)", at: Date(), on: connection, logger: logger)
                                number += writers
                            }
                        }
                    }
                }
            }
            try await writing.waitForAll()
        }
        let written = ContinuousClock.now - started
        while delays.count < total { try await Task.sleep(for: .milliseconds(5)) }
        let elapsed = ContinuousClock.now - started
        endToEndRate = Double(total) / BenchmarkSamples.seconds(elapsed)
        print("writers finished inserting \(total) events in \(written)")
        group.cancelAll()
    }
}
await redis.close()

print("")
print("| measure | value |")
print("|---|---|")
print("| raw pipelined XADD (baseline), entries/s | \(Int(rawRate)) |")
print("| end to end (outbox insert → consumer apply), events/s | \(Int(endToEndRate)) |")
print("| ratio end to end / raw XADD | \(String(format: "%.1f%%", 100 * endToEndRate / rawRate)) |")
print("| outbox-to-apply delay p50 | \(delays.milliseconds(0.5)) |")
print("| outbox-to-apply delay p99 | \(delays.milliseconds(0.99)) |")
print("(\(total) events, \(writers) writers, \(perTransaction) events per transaction, envelope \(sampleEnvelope.utf8.count) bytes)")
