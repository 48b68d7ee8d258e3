import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingEventsRedis
import BillingPostgres
import BillingTesting
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

struct NumberedEvent: IntegrationEvent {
    static let eventType = "test.number.published"
    var number: Int
    var subject: String { String(number) }
}

/// Records applied events in the test schema, so tests can count what consumers did.
let appliedTable = Migration(
    track: "test", version: 1, name: "applied",
    sql: """
        CREATE TABLE applied (tenant_id text NOT NULL, event_id uuid NOT NULL, number int NOT NULL, applied_by text NOT NULL,
                              PRIMARY KEY (tenant_id, event_id, applied_by));
        SELECT enable_tenant_isolation('applied');
        """)

func busConfiguration(
    port: Int = TestEnvironment.redisPort, trimThreshold: Int = 100_000, maximumDeliveries: Int = 5,
    retryIdleMilliseconds: Int = 200
) -> EventBusConfiguration {
    // The shared test Redis has ACL users (the tests' streams are their own: its operator user); a test's own Redis has none.
    EventBusConfiguration(
        redis: port == TestEnvironment.redisPort ? TestEnvironment.redisAdmin : RedisConfiguration(host: "127.0.0.1", port: port),
        trimThreshold: trimThreshold,
        maximumDeliveries: maximumDeliveries, retryIdleMilliseconds: retryIdleMilliseconds, blockMilliseconds: 200,
        batchSize: 200, pollIntervalMilliseconds: 100)
}

let quietLogger: Logger = {
    var logger = Logger(label: "test.bus")
    logger.logLevel = .critical
    return logger
}()

/// A consumer subscription recording every numbered event in `applied`; `failing` numbers throw.
func recordingSubscription(group: String, failing: Set<Int> = []) -> EventSubscription {
    EventSubscription(
        group: group, contexts: [],
        handlers: [
            NumberedEvent.eventType: { envelope, connection in
                let event = try envelope.decode(NumberedEvent.self)
                if failing.contains(event.number) { throw PoisonError(number: event.number) }
                try await connection.execute(
                    """
                    INSERT INTO applied (tenant_id, event_id, number, applied_by) VALUES (\(envelope.tenantid),
                        \(UUID(uuidString: envelope.id)!), \(event.number), \(group))
                    """, logger: quietLogger)
            }
        ])
}

struct PoisonError: Error { let number: Int }

/// A dependency down: a transient cause, as the test's configuration declares.
struct DependencyDown: Error {}

func appendEvents(_ numbers: Range<Int>, tenant: String, database: Database, commitDelay: Double = 0) async throws {
    let outbox = Outbox(context: "test")
    try await database.withTenant(tenant) { connection in
        for number in numbers {
            try await outbox.append(NumberedEvent(number: number), tenant: tenant, at: Date(), on: connection, logger: quietLogger)
        }
        if commitDelay > 0 { try await connection.execute("SELECT pg_sleep(\(commitDelay))", logger: quietLogger) }
    }
}

func appliedCount(_ database: Database, group: String) async throws -> (rows: Int, distinct: Int) {
    try await database.withSystemScope { connection in
        try await connection.firstRow("SELECT count(*), count(DISTINCT number) FROM applied WHERE applied_by = \(group)", logger: quietLogger)!
            .decode((Int, Int).self)
    }
}

/// Polls until `condition` holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

/// Runs long-lived parts (relays, consumers) while `body` runs, then cancels them.
func whileRunning(_ services: [any BillingEventsRedisRunnable], _ body: () async throws -> Void) async throws {
    try await withThrowingDiscardingTaskGroup { group in
        for service in services { group.addTask { try await service.run() } }
        try await body()
        group.cancelAll()
    }
}

protocol BillingEventsRedisRunnable: Sendable { func run() async throws }
extension OutboxRelay: BillingEventsRedisRunnable {}
extension EventConsumer: BillingEventsRedisRunnable {}

func uniqueStream() -> String { "test.events." + UUIDv7.generate().uuidString.suffix(12).lowercased() }

@Suite("Event bus on real PostgreSQL and Redis", .serialized, .timeLimit(.minutes(5)))
struct EventBusTests {
    @Test("100 writers with random commit delays publish 10,000 events: all delivered, none skipped, none twice")
    func lateCommitsAreNotSkipped() async throws {
        try await TestEnvironment.withFreshSchema("bus", migrations: EventMigrations.all + [appliedTable], maximumConnections: 60) { database in
            let stream = uniqueStream()
            let relay = OutboxRelay(context: "test", database: database, configuration: busConfiguration(), logger: quietLogger, stream: stream)
            let consumer = EventConsumer(
                subscription: recordingSubscription(group: "counter"), database: database, configuration: busConfiguration(),
                logger: quietLogger, streams: [stream])
            try await whileRunning([relay, consumer]) {
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for writer in 0..<100 {
                        writers.addTask {
                            // Each writer commits 10 transactions of 10 events, holding each open for a random time.
                            for batch in 0..<10 {
                                let first = writer * 100 + batch * 10
                                try await appendEvents(
                                    first..<(first + 10), tenant: "tenant-\(writer % 7)", database: database,
                                    commitDelay: Double.random(in: 0...0.05))
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                #expect(try await eventually { try await appliedCount(database, group: "counter").rows >= 10_000 })
            }
            let (rows, distinct) = try await appliedCount(database, group: "counter")
            #expect(rows == 10_000)
            #expect(distinct == 10_000)
            let unpublished = try await database.withSystemScope { connection in
                try await connection.firstRow("SELECT count(*) FROM outbox WHERE published_at IS NULL", logger: quietLogger)!.decode(Int.self)
            }
            #expect(unpublished == 0)
        }
    }

    @Test("two relay replicas never publish one row twice")
    func twoRelays() async throws {
        try await TestEnvironment.withFreshSchema("bus", migrations: EventMigrations.all + [appliedTable], maximumConnections: 40) { database in
            let stream = uniqueStream()
            let first = OutboxRelay(context: "test", database: database, configuration: busConfiguration(), logger: quietLogger, stream: stream)
            let second = OutboxRelay(context: "test", database: database, configuration: busConfiguration(), logger: quietLogger, stream: stream)
            let redis = RedisConnection(configuration: busConfiguration().redis)
            try await whileRunning([first, second]) {
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for writer in 0..<20 {
                        writers.addTask { try await appendEvents((writer * 100)..<(writer * 100 + 100), tenant: "t", database: database) }
                    }
                    try await writers.waitForAll()
                }
                #expect(try await eventually { try await redis.command(["XLEN", stream]).integer ?? 0 >= 2000 })
                try await Task.sleep(for: .milliseconds(500))
            }
            let entries = try await redis.command(["XRANGE", stream, "-", "+"]).array ?? []
            let ids = try entries.map { entry -> String in
                let fields = entry.array![1].array!
                return try EventEnvelope.parse(fields[1].string!).id
            }
            #expect(ids.count == 2000)
            #expect(Set(ids).count == 2000)
            await redis.close()
        }
    }

    @Test("a poison event goes to the dead-letter stream after N deliveries; later events keep flowing")
    func poisonEvent() async throws {
        try await TestEnvironment.withFreshSchema("bus", migrations: EventMigrations.all + [appliedTable]) { database in
            let stream = uniqueStream()
            let configuration = busConfiguration(maximumDeliveries: 3, retryIdleMilliseconds: 100)
            let relay = OutboxRelay(context: "test", database: database, configuration: configuration, logger: quietLogger, stream: stream)
            let consumer = EventConsumer(
                subscription: recordingSubscription(group: "picky", failing: [13]), database: database,
                configuration: configuration, logger: quietLogger, streams: [stream])
            let redis = RedisConnection(configuration: configuration.redis)
            let deadLetters = EventStreams.deadLetterStream(for: stream, group: "picky")
            try await whileRunning([relay, consumer]) {
                try await appendEvents(0..<30, tenant: "t", database: database)
                #expect(try await eventually { try await appliedCount(database, group: "picky").rows == 29 })
                #expect(try await eventually { try await redis.command(["XLEN", deadLetters]).integer == 1 })
                try await appendEvents(30..<40, tenant: "t", database: database)
                #expect(try await eventually { try await appliedCount(database, group: "picky").rows == 39 })
            }
            let dead = try await redis.command(["XRANGE", deadLetters, "-", "+"]).array ?? []
            let fields = try #require(dead.first?.array?[1].array)
            let envelope = try EventEnvelope.parse(try #require(fields[1].string))
            #expect(try envelope.decode(NumberedEvent.self).number == 13)
            #expect(fields.contains(.string("deliveries")))
            let pending = try await redis.command(["XPENDING", stream, "picky"]).array?.first?.integer
            #expect(pending == 0)
            await redis.close()
        }
    }

    @Test("an event failing for a transient cause (a dependency down) is retried past the delivery limit and never dead-lettered")
    func transientFailuresNeverDeadLetter() async throws {
        try await TestEnvironment.withFreshSchema("bus", migrations: EventMigrations.all + [appliedTable]) { database in
            let stream = uniqueStream()
            var configuration = busConfiguration(maximumDeliveries: 2, retryIdleMilliseconds: 100)
            configuration.isTransient = { $0 is DependencyDown }
            configuration.transientBackoffCeilingMilliseconds = 200
            let failuresLeft = Atomic<Int>(8)
            let subscription = EventSubscription(
                group: "patient", contexts: [],
                handlers: [
                    NumberedEvent.eventType: { envelope, connection in
                        // Down for the first 8 deliveries (4 times the dead-letter limit), then back.
                        if failuresLeft.subtract(1, ordering: .relaxed).newValue >= 0 { throw DependencyDown() }
                        try await recordingSubscription(group: "patient").handlers[NumberedEvent.eventType]!(envelope, connection)
                    }
                ])
            let relay = OutboxRelay(context: "test", database: database, configuration: configuration, logger: quietLogger, stream: stream)
            let consumer = EventConsumer(
                subscription: subscription, database: database, configuration: configuration, logger: quietLogger, streams: [stream])
            let redis = RedisConnection(configuration: configuration.redis)
            try await whileRunning([relay, consumer]) {
                try await appendEvents(0..<1, tenant: "t", database: database)
                #expect(try await eventually { try await appliedCount(database, group: "patient").rows == 1 }, "applied once the cause passed")
            }
            #expect(failuresLeft.load(ordering: .relaxed) < 0, "it failed past the limit before it was applied")
            let deadLetters = try await redis.command(["XLEN", EventStreams.deadLetterStream(for: stream, group: "patient")]).integer
            #expect(deadLetters == 0, "nothing set aside for a transient cause")
            await redis.close()
        }
    }

    @Test("a dead letter replayed once its cause is fixed is applied once, however often it is replayed; retention trims dead letters and the inbox")
    func replayDeadLetters() async throws {
        try await TestEnvironment.withFreshSchema("bus", migrations: EventMigrations.all + [appliedTable]) { database in
            let stream = uniqueStream()
            var configuration = busConfiguration(maximumDeliveries: 2, retryIdleMilliseconds: 100)
            let broken = Atomic<Bool>(true)
            let subscription = EventSubscription(
                group: "fixable", contexts: [],
                handlers: [
                    NumberedEvent.eventType: { envelope, connection in
                        if broken.load(ordering: .relaxed), try envelope.decode(NumberedEvent.self).number == 7 { throw PoisonError(number: 7) }
                        try await recordingSubscription(group: "fixable").handlers[NumberedEvent.eventType]!(envelope, connection)
                    }
                ])
            let relay = OutboxRelay(context: "test", database: database, configuration: configuration, logger: quietLogger, stream: stream)
            let consumer = EventConsumer(
                subscription: subscription, database: database, configuration: configuration, logger: quietLogger, streams: [stream])
            let redis = RedisConnection(configuration: configuration.redis)
            let letters = DeadLetters(redis: redis)
            let deadLetterStream = EventStreams.deadLetterStream(for: stream, group: "fixable")
            try await whileRunning([relay, consumer]) {
                try await appendEvents(0..<10, tenant: "t", database: database)
                #expect(try await eventually { try await letters.entries(in: deadLetterStream).count == 1 })
                #expect(try await appliedCount(database, group: "fixable").rows == 9)
                let entry = try #require(try await letters.entries(in: deadLetterStream).first)
                #expect(
                    entry.type == NumberedEvent.eventType && entry.stream == stream && entry.deliveries >= 2 && entry.error.contains("PoisonError"))
                #expect(try await letters.streams().contains(deadLetterStream))
                broken.store(false, ordering: .relaxed)
                #expect(try await letters.replay(entry.id, in: deadLetterStream) != nil)
                #expect(try await letters.replay(entry.id, in: deadLetterStream) == nil, "gone from the dead letters once replayed")
                #expect(try await eventually { try await appliedCount(database, group: "fixable").rows == 10 })
                // The same event published again (a second replay by hand) is found in the inbox and skipped.
                _ = try await redis.command(["XADD", stream, "*", "envelope", entry.envelope])
                try await Task.sleep(for: .milliseconds(500))
                let counts = try await appliedCount(database, group: "fixable")
                #expect(counts.rows == 10 && counts.distinct == 10, "applied once")
            }
            // Retention: with none left, the next pass trims every dead letter and the group's inbox.
            _ = try await redis.command(["XADD", deadLetterStream, "*", "envelope", "{}", "error", "old", "stream", stream])
            configuration.deadLetterRetentionSeconds = 0
            configuration.inboxRetentionSeconds = 0
            let trimming = EventConsumer(
                subscription: subscription, database: database, configuration: configuration, logger: quietLogger, streams: [stream])
            try await Task.sleep(for: .milliseconds(20))
            await trimming.applyRetention()
            #expect(try await letters.entries(in: deadLetterStream).isEmpty)
            #expect(try await database.count("SELECT count(*) FROM inbox WHERE consumer = 'fixable'") == 0)
            await redis.close()
        }
    }

    @Test("a group lagging 10× the trim threshold loses nothing")
    func laggingGroupLosesNothing() async throws {
        try await TestEnvironment.withFreshSchema("bus", migrations: EventMigrations.all + [appliedTable]) { database in
            let stream = uniqueStream()
            let configuration = busConfiguration(trimThreshold: 100)
            let relay = OutboxRelay(context: "test", database: database, configuration: configuration, logger: quietLogger, stream: stream)
            let fast = EventConsumer(
                subscription: recordingSubscription(group: "fast"), database: database, configuration: configuration,
                logger: quietLogger, streams: [stream])
            let redis = RedisConnection(configuration: configuration.redis)
            try await redis.command(["XGROUP", "CREATE", stream, "laggard", "0", "MKSTREAM"])
            try await whileRunning([relay, fast]) {
                try await appendEvents(0..<1000, tenant: "t", database: database)
                #expect(try await eventually { try await appliedCount(database, group: "fast").rows == 1000 })
            }
            try await relay.trimStream()
            #expect(try await redis.command(["XLEN", stream]).integer == 1000)  // the laggard has read nothing: nothing trimmed
            let laggard = EventConsumer(
                subscription: recordingSubscription(group: "laggard"), database: database, configuration: configuration,
                logger: quietLogger, streams: [stream])
            try await whileRunning([laggard]) {
                #expect(try await eventually { try await appliedCount(database, group: "laggard").rows == 1000 })
                try await Task.sleep(for: .milliseconds(300))
            }
            try await relay.trimStream()
            #expect((try await redis.command(["XLEN", stream]).integer ?? 0) <= 1)  // both acknowledged everything: trimmed
            await redis.close()
        }
    }

    @Test("with Redis unreachable writes still succeed; the backlog drains when it is back")
    func redisDown() async throws {
        try await TestEnvironment.withFreshSchema("bus", migrations: EventMigrations.all + [appliedTable]) { database in
            let stream = uniqueStream()
            let dead = OutboxRelay(
                context: "test", database: database, configuration: busConfiguration(port: FreePort.allocate()),
                logger: quietLogger, stream: stream)
            try await whileRunning([dead]) {
                try await appendEvents(0..<300, tenant: "t", database: database)
                try await Task.sleep(for: .milliseconds(500))
            }
            let backlog = try await database.withSystemScope { connection in
                try await connection.firstRow("SELECT count(*) FROM outbox WHERE published_at IS NULL", logger: quietLogger)!.decode(Int.self)
            }
            #expect(backlog == 300)
            let live = OutboxRelay(context: "test", database: database, configuration: busConfiguration(), logger: quietLogger, stream: stream)
            let consumer = EventConsumer(
                subscription: recordingSubscription(group: "late"), database: database, configuration: busConfiguration(),
                logger: quietLogger, streams: [stream])
            try await whileRunning([live, consumer]) { () async throws in
                #expect(try await eventually { try await appliedCount(database, group: "late").rows == 300 })
            }
        }
    }

    @Test("when Redis loses the stream, the retention window is re-sent and nothing is applied twice")
    func redisLossIsRepaired() async throws {
        try await TestEnvironment.withFreshSchema("bus", migrations: EventMigrations.all + [appliedTable]) { database in
            let stream = uniqueStream()
            let relay = OutboxRelay(context: "test", database: database, configuration: busConfiguration(), logger: quietLogger, stream: stream)
            let consumer = EventConsumer(
                subscription: recordingSubscription(group: "keeper"), database: database, configuration: busConfiguration(),
                logger: quietLogger, streams: [stream])
            let redis = RedisConnection(configuration: busConfiguration().redis)
            try await whileRunning([relay, consumer]) {
                try await appendEvents(0..<50, tenant: "t", database: database)
                #expect(try await eventually { try await appliedCount(database, group: "keeper").rows == 50 })
                // Redis comes back without this stream's data (as after a restart without persistence).
                try await redis.command(["DEL", stream, EventStreams.publishedCountKey(for: stream)])
                try await appendEvents(50..<60, tenant: "t", database: database)
                #expect(try await eventually { try await appliedCount(database, group: "keeper").rows == 60 })
                // Everything was sent again: the recreated stream holds the window plus the new events.
                #expect(try await eventually { try await redis.command(["XLEN", stream]).integer ?? 0 >= 60 })
            }
            let inboxRows = try await database.withSystemScope { connection in
                try await connection.firstRow("SELECT count(*) FROM inbox WHERE consumer = 'keeper'", logger: quietLogger)!.decode(Int.self)
            }
            #expect(inboxRows == 60)
            #expect(try await appliedCount(database, group: "keeper").distinct == 60)
            await redis.close()
        }
    }
}
