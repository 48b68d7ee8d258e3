import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Publishes a schema's outbox rows to its Redis stream, in order of commit discovery, at least once.
///
/// - Selects *unpublished rows* (never a position cursor), so a transaction that commits late is
///   still published; `FOR UPDATE SKIP LOCKED` gives concurrent replicas disjoint batches.
/// - `XADD`s the batch in one pipeline with `INCRBY` of the stream's published count, then marks the
///   rows and adds to PostgreSQL's count in the same transaction. A failure leaves rows unpublished
///   (the business write path never depends on Redis) and the next round retries with backoff.
/// - Before each batch it compares Redis's count with PostgreSQL's: lower means Redis lost entries
///   (restarted empty, or failed over to a lagging replica), and the rows published within the
///   retention window are marked unpublished to be sent again; consumers' inboxes absorb duplicates.
/// - Trims the stream only below the oldest entry some consumer group has not acknowledged.
public final class OutboxRelay: Service, Sendable {
    public let stream: String
    private let database: Database
    private let configuration: EventBusConfiguration
    private let redis: RedisConnection
    private let logger: Logger
    private let metrics: EventBusMetrics?
    private let wake = WakeSignal()

    public init(
        context: String, database: Database, configuration: EventBusConfiguration, logger: Logger, metrics: EventBusMetrics? = nil,
        stream: String? = nil
    ) {
        self.stream = stream ?? EventStreams.stream(for: context)
        self.database = database
        self.configuration = configuration
        self.redis = RedisConnection(configuration: configuration.redis, label: "relay.\(context)")
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.listenForCommits() }
            await publishLoop()
            group.cancelAll()
        }
        await redis.close()
    }

    /// Publishes until graceful shutdown, finishing the batch in hand.
    private func publishLoop() async {
        var failures = 0
        var lastMaintenance = ContinuousClock.now - .seconds(60)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let published = try await publishBatch()
                failures = 0
                if ContinuousClock.now - lastMaintenance > .seconds(5) {
                    lastMaintenance = .now
                    try await maintain()
                }
                if published == configuration.batchSize { continue }
                await wake.wait(timeout: .milliseconds(configuration.pollIntervalMilliseconds))
            } catch {
                failures += 1
                let delay = min(5_000, 100 * (1 << min(failures, 6)))
                if failures == 1 || failures % 20 == 0 {
                    logger.warning(
                        "outbox relay cannot publish; will retry", metadata: ["stream": "\(stream)", "error": "\(error)", "retry_ms": "\(delay)"])
                }
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
    }

    /// Publishes one batch; returns how many rows it published.
    @discardableResult
    public func publishBatch() async throws -> Int {
        let logger = logger, stream = stream, redis = redis
        let batchSize = configuration.batchSize
        return try await database.withSystemScope { connection in
            try await self.recoverLostEntries(on: connection)
            let rows = try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT position, envelope::text FROM outbox WHERE published_at IS NULL
                        ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED
                        """, binds: try .of(batchSize)), logger: logger)
            guard !rows.isEmpty else { return 0 }
            var positions: [Int64] = []
            var commands: [[String]] = []
            positions.reserveCapacity(rows.count)
            for row in rows {
                let (position, envelope) = try row.decode((Int64, String).self)
                positions.append(position)
                commands.append(["XADD", stream, "*", "envelope", envelope])
            }
            commands.append(["INCRBY", EventStreams.publishedCountKey(for: stream), String(rows.count)])
            let replies = try await redis.pipeline(commands)
            if let failure = replies.compactMap(\.errorMessage).first { throw RedisError.reply(failure) }
            let entryIDs = replies.dropLast().map { $0.string ?? "" }
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE outbox SET published_at = now(), stream_entry_id = ids.entry
                        FROM unnest($1::bigint[], $2::text[]) AS ids(position, entry)
                        WHERE outbox.position = ids.position
                        """, binds: try .of(positions, entryIDs)), logger: logger)
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO relay_state (stream, published_total) VALUES ($1, $2)
                        ON CONFLICT (stream) DO UPDATE SET published_total = relay_state.published_total + EXCLUDED.published_total,
                            updated_at = now()
                        """, binds: try .of(stream, Int64(rows.count))), logger: logger)
            return rows.count
        }
    }

    /// Re-sends the retention window when Redis holds fewer entries than were published into it.
    private func recoverLostEntries(on connection: PostgresConnection) async throws {
        let recorded =
            try await connection.firstRow(
                PostgresQuery(unsafeSQL: "SELECT published_total FROM relay_state WHERE stream = $1 FOR UPDATE", binds: try .of(stream)),
                logger: logger
            )
            .map { try $0.decode(Int64.self) } ?? 0
        guard recorded > 0 else { return }
        let countKey = EventStreams.publishedCountKey(for: stream)
        let inRedis = try await redis.command(["GET", countKey]).integer ?? 0
        guard inRedis < recorded else { return }
        let resent = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE outbox SET published_at = NULL, stream_entry_id = NULL
                    WHERE published_at > now() - make_interval(secs => $1)
                    RETURNING 1
                    """, binds: try .of(Double(configuration.outboxRetentionSeconds))), logger: logger
        ).count
        // Both counts restart from what Redis still has; the re-sent rows add to both as they go out.
        try await connection.execute(
            "UPDATE relay_state SET published_total = \(inRedis), updated_at = now() WHERE stream = \(stream)", logger: logger)
        logger.error(
            "Redis lost published events; re-sending the retention window from the outbox",
            metadata: ["stream": "\(stream)", "published": "\(recorded)", "in_redis": "\(inRedis)", "resent": "\(resent)"])
        metrics?.redisLossDetected(stream: stream)
    }

    /// Trims, purges old published rows, samples backlog metrics.
    private func maintain() async throws {
        try await trimStream()
        let logger = logger
        let retention = Double(configuration.outboxRetentionSeconds)
        let (backlog, oldest) = try await database.withSystemScope { connection in
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: """
                        DELETE FROM outbox WHERE position IN (
                            SELECT position FROM outbox WHERE published_at < now() - make_interval(secs => $1) LIMIT 10000)
                        """, binds: try .of(retention)), logger: logger)
            return try await connection.firstRow(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(occurred_at)), 0)::float8 FROM outbox WHERE published_at IS NULL
                        """), logger: logger)!.decode((Int64, Double).self)
        }
        metrics?.outboxSampled(stream: stream, backlog: backlog, oldestAgeSeconds: oldest)
    }

    /// Removes entries every consumer group has acknowledged, once the stream is longer than the threshold.
    public func trimStream() async throws {
        let length = try await redis.command(["XLEN", stream]).integer ?? 0
        guard length > configuration.trimThreshold else { return }
        guard let groups = try? await redis.command(["XINFO", "GROUPS", stream]).array, !groups.isEmpty else { return }
        var safePoint: StreamEntryID?
        for group in groups {
            let fields = RedisFields(group)
            guard let name = fields["name"]?.string, let lastDelivered = fields["last-delivered-id"]?.string.flatMap(StreamEntryID.init) else {
                return
            }
            var keepFrom = lastDelivered
            if (fields["pending"]?.integer ?? 0) > 0,
                let summary = try await redis.command(["XPENDING", stream, name]).array, summary.count >= 2,
                let oldestPending = summary[1].string.flatMap(StreamEntryID.init)
            {
                keepFrom = min(keepFrom, oldestPending)
            }
            safePoint = safePoint.map { min($0, keepFrom) } ?? keepFrom
        }
        guard let safePoint else { return }
        let removed = try await redis.command(["XTRIM", stream, "MINID", safePoint.description]).integer ?? 0
        if removed > 0 { logger.debug("trimmed stream", metadata: ["stream": "\(stream)", "removed": "\(removed)", "kept_from": "\(safePoint)"]) }
    }

    /// Listens for `outbox_<schema>` notifications on a dedicated connection, reconnecting as needed.
    private func listenForCommits() async {
        let channel = "outbox_\(database.schema)"
        while !Task.isCancelled {
            do {
                try await database.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        for try await _ in notifications { self.wake.signal() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("outbox listener reconnecting", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// A Redis stream entry id (`1700000000000-3`), ordered as Redis orders them.
public struct StreamEntryID: Comparable, Sendable, CustomStringConvertible {
    public let milliseconds: UInt64
    public let sequence: UInt64

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let milliseconds = UInt64(parts[0]), let sequence = UInt64(parts[1]) else { return nil }
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    public var description: String { "\(milliseconds)-\(sequence)" }

    public static func < (lhs: StreamEntryID, rhs: StreamEntryID) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}

/// A flat `[key, value, key, value…]` Redis reply read as a map.
struct RedisFields {
    private var values: [String: RedisReply] = [:]

    init(_ reply: RedisReply) {
        let elements = reply.array ?? []
        var index = 0
        while index + 1 < elements.count {
            if let key = elements[index].string { values[key] = elements[index + 1] }
            index += 2
        }
    }

    subscript(_ key: String) -> RedisReply? { values[key] }
}
