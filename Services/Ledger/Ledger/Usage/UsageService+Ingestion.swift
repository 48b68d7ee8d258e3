import BillingCore
import BillingPostgres
import BillingRPC
import CatalogContract
import Foundation
import LedgerContract
import PostgresNIO

extension UsageService {
    /// Validates each event, stores the new ones with their hourly aggregates in one transaction, and answers per event.
    func ingest(_ request: IngestUsageRequest, context: RPCServerContext) async throws -> IngestUsageResponse {
        let events = request.events
        guard (1...UsageEventRules.maximumBatch).contains(events.count) else {
            throw LedgerError.invalid(
                "events", "a batch holds 1 to \(UsageEventRules.maximumBatch) events, not \(events.count)", reason: "INVALID_BATCH_SIZE")
        }
        let tenant = context.tenant
        let now = clock.now()
        var batch = IngestionBatch(events: events)
        batch.checkRules(now: now)
        let meters = try await references.meters(
            codes: Set(batch.pending.map { events[$0.index].meterCode }), tenant: tenant,
            options: context.peerCallOptions)
        batch.applyMeters(meters)

        let limited = Dictionary(
            meters.values.compactMap { meter in meter.limitResource.map { (meter.id, (resource: $0, aggregation: meter.aggregation)) } },
            uniquingKeysWith: { first, _ in first })
        let traceparent = context.metadata.traceparent
        var learned = false
        while true {
            let outcome = try await database.retryingConflicts {
                try await database.withTenant(tenant) { connection in
                    try await store(batch, learned: learned, limited: limited, now: now, tenant: tenant, traceparent: traceparent, on: connection)
                }
            }
            switch outcome {
            case .unknownAccounts(let ids):
                try await references.learnAccounts(ids, tenant: tenant, options: context.peerCallOptions)
                learned = true
            case .stored(let results):
                return IngestUsageResponse(results: results)
            }
        }
    }

    private enum StoreOutcome: Sendable {
        /// Accounts the read model does not hold yet: learn them, then store.
        case unknownAccounts(Set<UUID>)
        case stored([UsageEventResult])
    }

    /// Stores the batch's new events. Those of a meter that names a limit resource count against the account's limit of it, in batch
    /// order: past a HARD limit an event is refused (`LIMIT_REACHED`) and not recorded, past a SOFT one it is accepted and flagged.
    private func store(
        _ batch: IngestionBatch, learned: Bool, limited: [UUID: (resource: String, aggregation: MeterAggregation)], now: Date, tenant: String,
        traceparent: String?, on connection: PostgresConnection
    ) async throws -> StoreOutcome {
        var batch = batch
        let accountIds = Set(batch.prepared.map(\.event.accountId))
        let accounts = try await directory.accounts(Array(accountIds), tenant: tenant, lockShared: true, on: connection)
        let unknown = accountIds.subtracting(accounts.keys)
        if !unknown.isEmpty && !learned { return .unknownAccounts(unknown) }
        let storable = batch.applyAccounts(accounts)
        var accepted = try await usage.insert(storable, receivedAt: now, tenant: tenant, on: connection)
        var overLimit: Set<String> = []
        let uses = storable.compactMap { event -> LimitCounter.Use? in
            guard accepted.contains(event.eventId), let limit = limited[event.meterId], let account = accounts[event.accountId] else { return nil }
            return LimitCounter.Use(
                eventId: event.eventId, account: account, resource: limit.resource, occurredAt: event.occurredAt,
                quantity: LimitCounter.quantity(of: event.contribution, aggregation: limit.aggregation))
        }
        if !uses.isEmpty {
            let counted = try await counter.count(uses, at: now, tenant: tenant, traceparent: traceparent, on: connection)
            if !counted.refused.isEmpty {
                try await usage.delete(Array(counted.refused.keys), tenant: tenant, on: connection)
                accepted.subtract(counted.refused.keys)
                batch.refuse(
                    counted.refused.mapValues { refusal in
                        UsageRefusal(
                            .limitReached, field: "meterCode",
                            LedgerError.limitReachedMessage(resource: refusal.resource) + " (\(refusal.used) of \(refusal.limit) used)")
                    })
            }
            overLimit = counted.overLimit
        }
        let (hours, keys) = try Self.aggregate(storable.filter { accepted.contains($0.eventId) })
        try await usage.add(hours, slot: Int.random(in: 0..<UsageStore.slots), tenant: tenant, on: connection)
        try await usage.addDistinctKeys(keys, tenant: tenant, on: connection)
        let recorded = try await usage.recorded(batch.refusedIds, tenant: tenant, on: connection)
        return .stored(batch.results(accepted: accepted, recordedBefore: recorded, overLimit: overLimit))
    }

    /// The accepted events folded per account, meter and hour, and the COUNT_DISTINCT keys per hour.
    static func aggregate(
        _ events: [RecordedUsageEvent]
    ) throws
        -> ([HourlyAggregate], [(accountId: UUID, meterId: UUID, bucketStart: Date, key: String)])
    {
        struct Key: Hashable { let account: UUID, meter: UUID, bucket: Date }
        var hours: [Key: UsageAggregate] = [:]
        var keys = Set<[String]>()
        var distinct: [(accountId: UUID, meterId: UUID, bucketStart: Date, key: String)] = []
        for event in events where event.contribution.counted {
            let key = Key(account: event.accountId, meter: event.meterId, bucket: UsageStore.bucket(of: event.occurredAt))
            try hours[key, default: UsageAggregate()].add(event.contribution, at: event.occurredAt, eventId: event.eventId)
            if let distinctKey = event.contribution.distinctKey,
                keys.insert([key.account.uuidString, key.meter.uuidString, "\(key.bucket.timeIntervalSince1970)", distinctKey]).inserted
            {
                distinct.append((key.account, key.meter, key.bucket, distinctKey))
            }
        }
        return (
            hours.map { HourlyAggregate(accountId: $0.key.account, meterId: $0.key.meter, bucketStart: $0.key.bucket, aggregate: $0.value) }, distinct
        )
    }
}

/// One ingestion request on its way through the checks: what is decided per event, and what is still to store.
struct IngestionBatch: Sendable {
    struct Pending: Sendable {
        let index: Int
        let occurredAt: Date
        let properties: String?
        let costCenter: String?
    }

    struct Prepared: Sendable {
        let index: Int
        let event: RecordedUsageEvent
    }

    let events: [UsageEventInput]
    /// Decided answers by position.
    private(set) var decided: [Int: UsageEventResult] = [:]
    /// Positions repeating an earlier position's id in this batch.
    private(set) var repeats: [Int: Int] = [:]
    private(set) var pending: [Pending] = []
    private(set) var prepared: [Prepared] = []

    init(events: [UsageEventInput]) { self.events = events }

    /// Event ids, in-batch repeats, timestamps and properties.
    mutating func checkRules(now: Date) {
        var first: [String: Int] = [:]
        for (index, event) in events.enumerated() {
            do {
                try UsageEventRules.eventId(event.eventId)
                if let earlier = first[event.eventId] {
                    repeats[index] = earlier
                    continue
                }
                first[event.eventId] = index
                pending.append(
                    Pending(
                        index: index, occurredAt: try UsageEventRules.occurredAt(event.timestamp, now: now),
                        properties: try UsageEventRules.properties(event.properties), costCenter: try UsageEventRules.costCenter(event.costCenter)))
            } catch {
                decided[index] = error.result(eventId: event.eventId)
            }
        }
    }

    /// Each event's meter and what it contributes to it.
    mutating func applyMeters(_ meters: [String: MeterDefinition]) {
        for item in pending {
            let event = events[item.index]
            do throws(UsageRefusal) {
                let accountId = event.billingAccountId.rawValue
                guard let meter = meters[event.meterCode] else {
                    throw UsageRefusal(.unknownMeter, field: "meterCode", "usage meter '\(event.meterCode.prefix(64))' not found")
                }
                let contribution = try MeterEvaluator.contribution(of: event, to: meter)
                prepared.append(
                    Prepared(
                        index: item.index,
                        event: RecordedUsageEvent(
                            eventId: event.eventId, accountId: accountId, meterId: meter.id, occurredAt: item.occurredAt, contribution: contribution,
                            properties: item.properties, costCenter: item.costCenter)))
            } catch {
                decided[item.index] = error.result(eventId: event.eventId)
            }
        }
        pending = []
    }

    /// Refuses events of unknown or closed accounts and of closed periods; returns the rest.
    mutating func applyAccounts(_ accounts: [UUID: LedgerAccount]) -> [RecordedUsageEvent] {
        var storable: [RecordedUsageEvent] = []
        for item in prepared {
            let event = item.event
            guard let account = accounts[event.accountId] else {
                decided[item.index] = UsageRefusal(.unknownAccount, field: "billingAccountId", "billing account \(event.accountId) not found")
                    .result(eventId: event.eventId)
                continue
            }
            if account.status == .closed {
                decided[item.index] = UsageRefusal(
                    .accountClosed, field: "billingAccountId",
                    "billing account \(event.accountId) is CLOSED and accepts no new usage"
                ).result(eventId: event.eventId)
            } else if let closedUntil = account.closedUntil, event.occurredAt < closedUntil {
                decided[item.index] = UsageRefusal(
                    .periodClosed, field: "timestamp",
                    "the period of \(RFC3339.format(event.occurredAt)) is closed: usage before \(RFC3339.format(closedUntil)) was already invoiced"
                )
                .result(eventId: event.eventId)
            } else {
                storable.append(event)
            }
        }
        prepared = []
        return storable
    }

    /// Refuses events already stored in this transaction (by id): a limit they would pass.
    mutating func refuse(_ refusals: [String: UsageRefusal]) {
        for (index, event) in events.enumerated() where repeats[index] == nil {
            if let refusal = refusals[event.eventId] { decided[index] = refusal.result(eventId: event.eventId) }
        }
    }

    /// Valid ids of refused events (a replay of a recorded event is a duplicate, whatever else is wrong with it now).
    var refusedIds: [String] {
        decided.values.filter { $0.status == .refused && $0.reason != .invalidEventID }.map(\.eventId)
    }

    /// The answer for every position.
    func results(accepted: Set<String>, recordedBefore: Set<String>, overLimit: Set<String> = []) -> [UsageEventResult] {
        let duplicate = { (id: String) in
            UsageEventResult(eventId: id, status: .duplicate, message: "already recorded; acknowledged and not counted again")
        }
        var results: [UsageEventResult] = []
        results.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            if let earlier = repeats[index] {
                let first = results[earlier]
                results.append(first.status == .refused ? first : duplicate(event.eventId))
            } else if let result = decided[index] {
                results.append(result.status == .refused && recordedBefore.contains(event.eventId) ? duplicate(event.eventId) : result)
            } else if accepted.contains(event.eventId) {
                results.append(
                    UsageEventResult(eventId: event.eventId, status: .accepted, overLimit: overLimit.contains(event.eventId) ? true : nil))
            } else {
                results.append(duplicate(event.eventId))
            }
        }
        return results
    }
}
