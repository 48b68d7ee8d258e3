import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads a consumer group's streams and applies each event exactly once in effect.
///
/// For each entry: handler and inbox row in one tenant transaction (a redelivered event finds its
/// inbox row and is skipped), `XACK` only after that transaction commits. Entries left pending by a
/// consumer that died, or by a failed attempt, are claimed with `XAUTOCLAIM` once idle for
/// `retryIdleMilliseconds`. A failure with a transient cause (the database or a peer service down, slow
/// or in a lost race) never sets an event aside: it is retried without limit, the consumer backing off
/// exponentially with jitter while the cause lasts. Only after `maximumDeliveries` attempts that failed
/// for a permanent cause (undecodable, refused by the handler) is an entry copied to the group's
/// dead-letter stream and acknowledged, so it never holds back the entries after it.
public final class EventConsumer: Service, Sendable {
    public let subscription: EventSubscription
    public let consumerName: String
    private let streams: [String]
    private let database: Database
    private let configuration: EventBusConfiguration
    private let redis: RedisConnection
    private let logger: Logger
    private let metrics: EventBusMetrics?
    private let inbox: EventInbox
    /// Transient failures in a row (reset by a round without one): the consumer's backoff.
    private let transientStreak = Atomic<Int>(0)
    private let transientThisRound = Atomic<Bool>(false)
    /// The group's lag last sampled (`XINFO GROUPS`), for the log lines of a retried event.
    private let lastLag = Atomic<Int64>(0)

    public init(
        subscription: EventSubscription, database: Database, configuration: EventBusConfiguration, logger: Logger,
        metrics: EventBusMetrics? = nil, streams: [String]? = nil
    ) {
        self.subscription = subscription
        self.streams = streams ?? subscription.contexts.map(EventStreams.stream(for:))
        self.consumerName = "\(subscription.group)-\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUIDv7.generate().uuidString.suffix(6))"
        self.database = database
        self.inbox = EventInbox(subscription: subscription, database: database, logger: logger)
        self.configuration = configuration
        self.redis = RedisConnection(configuration: configuration.redis, label: "consumer.\(subscription.group)")
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        var failures = 0
        var groupsReady = false
        var lastClaim = ContinuousClock.now
        var lastRetention = ContinuousClock.now - .seconds(3600)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if !groupsReady {
                    try await createGroups()
                    try await processOwnPending()
                    groupsReady = true
                }
                if ContinuousClock.now - lastClaim > .milliseconds(max(100, configuration.retryIdleMilliseconds / 2)) {
                    lastClaim = .now
                    try await claimIdleEntries()
                }
                if ContinuousClock.now - lastRetention > .seconds(600) {
                    lastRetention = .now
                    await applyRetention()
                }
                transientThisRound.store(false, ordering: .relaxed)
                try await readNewEntries()
                failures = 0
                try await backOffAfterTransientFailures()
            } catch let error as RedisError where error.isMissingGroup {
                logger.warning("consumer group vanished (Redis lost its data?); recreating it", metadata: ["group": "\(subscription.group)"])
                groupsReady = false
            } catch {
                failures += 1
                groupsReady = false
                let delay = min(5_000, 100 * (1 << min(failures, 6)))
                if failures == 1 || failures % 20 == 0 {
                    logger.warning(
                        "event consumer cannot read; will retry",
                        metadata: ["group": "\(subscription.group)", "error": "\(error)", "retry_ms": "\(delay)"])
                }
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
        await redis.close()
    }

    /// After a round in which an event failed for a transient cause, waits 100 ms × 2^streak (at most 30 s by default), with jitter, before
    /// the next round: a dependency that is down is not hammered, and the events wait for it rather than being set aside.
    private func backOffAfterTransientFailures() async throws {
        guard transientThisRound.load(ordering: .relaxed) else {
            transientStreak.store(0, ordering: .relaxed)
            return
        }
        let streak = transientStreak.wrappingAdd(1, ordering: .relaxed).newValue
        let ceiling = max(2, min(configuration.transientBackoffCeilingMilliseconds, 100 * (1 << min(streak, 9))))
        try await Task.sleep(for: .milliseconds(Int.random(in: ceiling / 2...ceiling)))
    }

    /// Trims the group's dead letters and inbox rows past their retention (every ten minutes, on every replica: both are
    /// idempotent); a failure is logged and tried at the next turn.
    public func applyRetention() async {
        let now = Date()
        do {
            let deadLetters = DeadLetters(redis: redis)
            for stream in streams {
                try await deadLetters.purge(
                    before: now.addingTimeInterval(-Double(configuration.deadLetterRetentionSeconds)),
                    in: EventStreams.deadLetterStream(for: stream, group: subscription.group))
            }
            let cutoff = now.addingTimeInterval(-Double(configuration.inboxRetentionSeconds))
            while try await inbox.purge(before: cutoff, limit: 10_000) == 10_000 {}
        } catch {
            logger.warning("event retention could not run; tried again later", metadata: ["group": "\(subscription.group)", "error": "\(error)"])
        }
    }

    /// Whether a failure may pass by itself: the database unreachable, slow, or in a lost race (its own classification), Redis, a
    /// cancelled call, or what the service declares transient (a peer unavailable or past its deadline).
    func isTransient(_ error: any Error) -> Bool {
        switch DatabaseErrors.classify(error) {
        case is DatabaseUnavailableError, is DatabaseConflictError, is DatabaseTimeoutError, is RedisError, is CancellationError: true
        case let classified: configuration.isTransient(classified) || configuration.isTransient(error)
        }
    }

    /// `XGROUP CREATE … 0 MKSTREAM` for every stream (an existing group is fine).
    private func createGroups() async throws {
        for stream in streams {
            let replies = try await redis.pipeline([["XGROUP", "CREATE", stream, subscription.group, "0", "MKSTREAM"]])
            if let message = replies[0].errorMessage, !message.hasPrefix("BUSYGROUP") { throw RedisError.reply(message) }
        }
    }

    /// Entries this consumer name already holds (none for a fresh name, kept for symmetry with restarts).
    private func processOwnPending() async throws {
        let reply = try await redis.command(
            [
                "XREADGROUP", "GROUP", subscription.group, consumerName, "COUNT", String(configuration.batchSize),
                "STREAMS",
            ] + streams + streams.map { _ in "0" })
        try await process(reply)
    }

    private func readNewEntries() async throws {
        let reply = try await redis.command(
            [
                "XREADGROUP", "GROUP", subscription.group, consumerName, "COUNT", String(configuration.batchSize), "BLOCK",
                String(configuration.blockMilliseconds),
                "STREAMS",
            ] + streams + streams.map { _ in ">" },
            timeoutMilliseconds: configuration.blockMilliseconds + configuration.redis.commandTimeoutMilliseconds)
        try await process(reply)
    }

    /// Takes over entries idle too long on any consumer (a dead one, or a failed attempt of ours),
    /// and samples the group's lag and pending count.
    private func claimIdleEntries() async throws {
        for stream in streams {
            if let metrics, let groups = try? await redis.command(["XINFO", "GROUPS", stream]).array {
                for group in groups.map(RedisFields.init) where group["name"]?.string == subscription.group {
                    lastLag.store(group["lag"]?.integer ?? 0, ordering: .relaxed)
                    metrics.consumerSampled(
                        group: subscription.group, stream: stream, lag: group["lag"]?.integer ?? 0,
                        pending: group["pending"]?.integer ?? 0)
                }
            }
            let reply = try await redis.command([
                "XAUTOCLAIM", stream, subscription.group, consumerName,
                String(configuration.retryIdleMilliseconds), "0-0", "COUNT", String(configuration.batchSize),
            ])
            guard let parts = reply.array, parts.count >= 2, let entries = parts[1].array, !entries.isEmpty else { continue }
            try await process(stream: stream, entries: entries)
        }
    }

    private func process(_ reply: RedisReply) async throws {
        for streamReply in reply.array ?? [] {
            guard let parts = streamReply.array, parts.count == 2, let stream = parts[0].string, let entries = parts[1].array else { continue }
            try await process(stream: stream, entries: entries)
        }
    }

    /// Applies a read batch unit by unit (`EventOrdering`: a tenant, or a subject): one transaction per unit (its events in
    /// stream order; units are independent, so their relative order does not matter), then one `XACK` for all.
    /// A unit whose transaction fails is retried entry by entry, so one poison entry is isolated.
    private func process(stream: String, entries: [RedisReply]) async throws {
        var byUnit: [String: [(id: String, text: String?, envelope: EventEnvelope)]] = [:]
        var unitOrder: [String] = []
        for entry in entries {
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { continue }
            let text = RedisFields(parts[1])["envelope"]?.string
            do {
                let envelope = try Self.decodeEnvelope(text)
                try subscription.checkProvenance(envelope, stream: stream)
                let unit = subscription.ordering.key(of: envelope)
                if byUnit[unit] == nil { unitOrder.append(unit) }
                byUnit[unit, default: []].append((id, text, envelope))
            } catch {
                try await handleFailure(stream: stream, id: id, envelope: text, error: error)
            }
        }
        // Units are applied concurrently (a few transactions at a time), each in its own order.
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { units in
            var running = 0
            var acknowledged: [String] = []
            for unit in unitOrder {
                if running == concurrentTransactions, let done = try await units.next() {
                    acknowledged += done
                    running -= 1
                }
                let group = byUnit[unit]!
                units.addTask {
                    do {
                        let applied = Set(try await self.apply(group.map(\.envelope)).map(\.id))
                        for envelope in group.map(\.envelope) {
                            self.metrics?.eventApplied(group: self.subscription.group, duplicate: !applied.contains(envelope.id))
                        }
                        return group.map(\.id)
                    } catch let error as RedisError {
                        throw error
                    } catch {
                        for entry in group { try await self.processOne(stream: stream, id: entry.id, text: entry.text, envelope: entry.envelope) }
                        return []
                    }
                }
                running += 1
            }
            for try await done in units { acknowledged += done }
            return acknowledged
        }
        if !acknowledged.isEmpty { try await redis.command(["XACK", stream, subscription.group] + acknowledged) }
    }

    /// Transactions a consumer keeps open at once: up to 8, and at most a quarter of the pool, so the service's own calls
    /// always find a connection while the consumer's transactions hold row locks those calls may wait for (a pool of 10
    /// with 8 consumer transactions once starved usage ingestion into gateway timeouts).
    var concurrentTransactions: Int { max(1, min(8, database.configuration.maximumConnections / 4)) }

    private func processOne(stream: String, id: String, text: String?, envelope: EventEnvelope) async throws {
        do {
            let applied = try await apply([envelope])
            try await redis.command(["XACK", stream, subscription.group, id])
            metrics?.eventApplied(group: subscription.group, duplicate: applied.isEmpty)
        } catch let error as RedisError {
            throw error
        } catch {
            try await handleFailure(stream: stream, id: id, envelope: text, error: error)
        }
    }

    /// Test-only fault injection: die between the commit and `XACK`, as a crash would.
    private func crashIfInjected(applied: [EventEnvelope]) {
        guard let target = configuration.crashAfterApplying, applied.contains(where: { "\(subscription.group):\($0.type)" == target }) else { return }
        logger.critical("fault injection: killing the process after applying \(target), before XACK")
        kill(getpid(), SIGKILL)
    }

    static func decodeEnvelope(_ text: String?) throws -> EventEnvelope {
        guard let text else { throw EventConsumerError.malformedEnvelope }
        do {
            return try EventEnvelope.parse(text)
        } catch {
            throw EventConsumerError.malformedEnvelope
        }
    }

    /// Applies one tenant's events through the inbox (``EventInbox``), then the test-only fault injection.
    private func apply(_ envelopes: [EventEnvelope]) async throws -> [EventEnvelope] {
        try await subscription.prepare?(envelopes)
        let appliedNow = try await inbox.apply(envelopes)
        crashIfInjected(applied: appliedNow)
        return appliedNow
    }

    private func handleFailure(stream: String, id: String, envelope: String?, error: any Error) async throws {
        if isTransient(error) {
            // Left pending: claimed again once idle, after the consumer's backoff; however long the outage, never dead-lettered.
            transientThisRound.store(true, ordering: .relaxed)
            metrics?.transientFailure(group: subscription.group)
            logger.warning(
                "event handling failed for a transient cause; it waits and is retried",
                metadata: [
                    "group": "\(subscription.group)", "entry": "\(id)", "error": "\(error)", "lag": "\(lastLag.load(ordering: .relaxed))",
                ])
            return
        }
        let pending = try await redis.command(["XPENDING", stream, subscription.group, id, id, "1"])
        let deliveries = pending.array?.first?.array?[3].integer ?? 1
        // A forged entry is set aside at once: delivering it again cannot make it genuine.
        let forged = error is EventProvenanceError
        guard deliveries >= Int64(configuration.maximumDeliveries) || forged else {
            logger.warning(
                "event handling failed; it will be retried",
                metadata: [
                    "group": "\(subscription.group)", "entry": "\(id)", "deliveries": "\(deliveries)", "error": "\(error)",
                ])
            return
        }
        let deadLetter = EventStreams.deadLetterStream(for: stream, group: subscription.group)
        let replies = try await redis.pipeline([
            [
                "XADD", deadLetter, "*", "envelope", envelope ?? "", "error", "\(error)", "stream", stream, "entry", id, "deliveries",
                String(deliveries),
            ],
            ["XACK", stream, subscription.group, id],
        ])
        if let failure = replies.compactMap(\.errorMessage).first { throw RedisError.reply(failure) }
        logger.error(
            "event moved to the dead-letter stream",
            metadata: [
                "group": "\(subscription.group)", "entry": "\(id)", "dead_letter_stream": "\(deadLetter)", "error": "\(error)",
            ])
        metrics?.deadLettered(group: subscription.group)
    }
}

enum EventConsumerError: Error, CustomStringConvertible {
    case malformedEnvelope
    var description: String { "the entry holds no valid CloudEvents envelope" }
}

extension RedisError {
    /// Redis no longer knows the group (it restarted without its data).
    var isMissingGroup: Bool {
        if case .reply(let message) = self { return message.hasPrefix("NOGROUP") }
        return false
    }
}
