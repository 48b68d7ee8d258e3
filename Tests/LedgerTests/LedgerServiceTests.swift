import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import LedgerContract
import Logging
import NIOCore
import Testing

@testable import Ledger

private func withLedger(_ body: (LedgerService) async throws -> Void) async throws {
    try await TestEnvironment.withFreshSchema("ledger", migrations: try LedgerService.migrations) { database in
        let client = RPCClient(transport: NoPeersTransport())
        try await body(
            LedgerService(database: database, clock: SystemClock(), accounts: AccountsClient(rpc: client), catalog: CatalogClient(rpc: client)))
    }
}

/// A fresh ledger with one new tenant and account, seeded with `LedgerServiceTests.meters`.
private func withSeededLedger(_ body: (LedgerService, String, UUID) async throws -> Void) async throws {
    try await withLedger { service in
        let tenant = "lg-" + UUIDv7.generate().uuidString.suffix(12).lowercased()
        let account = UUID()
        try await seed(service, tenant: tenant, account: account, meters: LedgerServiceTests.meters)
        try await body(service, tenant, account)
    }
}

private func context(_ tenant: String) -> RPCServerContext {
    RPCServerContext(method: "test", metadata: RPCMetadata(tenant: tenant), deadline: nil, logger: Logger(label: "test"))
}

/// Seeds the read models the way the account events and catalog lookups would.
private func seed(_ service: LedgerService, tenant: String, account: UUID, timezone: String = "UTC", meters: [MeterDefinition]) async throws {
    try await service.database.withTenant(tenant) { connection in
        try await service.directory.upsert(
            LedgerAccount(id: account, status: .active, timezone: timezone, updatedAt: Date()), tenant: tenant, on: connection)
        for meter in meters { try await service.directory.insert(meter, tenant: tenant, on: connection) }
    }
}

struct GeneratedEvent {
    let input: UsageEventInput
    let at: Date
}

@Suite("Ledger usage on PostgreSQL", .serialized)
struct LedgerServiceTests {
    static let meters: [MeterDefinition] = [
        MeterDefinition(id: UUID(), code: "calls", aggregation: .count, property: nil, filters: [:]),
        MeterDefinition(id: UUID(), code: "tokens", aggregation: .sum, property: "tokens", filters: [:]),
        MeterDefinition(id: UUID(), code: "peak", aggregation: .max, property: "tokens", filters: [:]),
        MeterDefinition(id: UUID(), code: "latest", aggregation: .last, property: "tokens", filters: [:]),
        MeterDefinition(id: UUID(), code: "mean", aggregation: .average, property: "tokens", filters: [:]),
        MeterDefinition(id: UUID(), code: "users", aggregation: .countDistinct, property: "user", filters: [:]),
        MeterDefinition(id: UUID(), code: "gpt-tokens", aggregation: .sum, property: "tokens", filters: ["model": ["gpt-4o", "o1"]]),
    ]

    @Test("a summary equals a recomputation from the raw events, for any period (edges inside hours included)")
    func summaryEqualsRecomputation() async throws {
        try await withSeededLedger { service, tenant, account in
            let base = UsageStore.bucket(of: Date()).addingTimeInterval(-8 * 3600)
            var events: [GeneratedEvent] = []
            for index in 0..<1500 {
                let meter = Self.meters.randomElement()!
                // Millisecond instants over 6 hours; a few share an instant, to exercise LAST's tie-break.
                let at = base.addingTimeInterval(index % 50 == 0 ? 7200 : Double(Int.random(in: 0..<(6 * 3_600_000))) / 1000)
                let tokens = DecimalNumber(significand: Int128(Int.random(in: -2_000...2_000_000)), scale: Int.random(in: 0...3))
                let properties: JSONValue = [
                    "tokens": .number(tokens), "user": .string("u\(Int.random(in: 1...9))"),
                    "model": .string(["gpt-4o", "o1", "claude"].randomElement()!),
                ]
                events.append(
                    GeneratedEvent(
                        input: UsageEventInput(
                            eventId: "e-\(index)", billingAccountId: AccountID(rawValue: account), meterCode: meter.code,
                            timestamp: at, properties: properties), at: at))
            }
            for batch in stride(from: 0, to: events.count, by: 250).map({ Array(events[$0..<min($0 + 250, events.count)]) }) {
                let response = try await service.usage.ingest(IngestUsageRequest(events: batch.map(\.input)), context: context(tenant))
                #expect(response.accepted == batch.count, "\(response.results.filter { $0.status != .accepted }.prefix(3))")
            }
            // Replays change nothing.
            let replay = try await service.usage.ingest(IngestUsageRequest(events: events.prefix(300).map(\.input)), context: context(tenant))
            #expect(replay.duplicates == 300)

            var spans = [
                TimeSpan(start: base, end: base.addingTimeInterval(6 * 3600)),
                TimeSpan(start: base.addingTimeInterval(7200), end: base.addingTimeInterval(7201)),
            ]
            for _ in 0..<25 {
                let start = base.addingTimeInterval(Double(Int.random(in: -600...(6 * 3600))))
                spans.append(TimeSpan(start: start, end: start.addingTimeInterval(Double(Int.random(in: 1...(5 * 3600))))))
            }
            for span in spans {
                let summaries = try await service.usage.summary(
                    UsageSummaryRequest(billingAccountId: AccountID(rawValue: account), periodStart: span.start, periodEnd: span.end),
                    context: context(tenant))
                for meter in Self.meters {
                    let expected = try Self.recompute(meter, events.filter { $0.input.meterCode == meter.code && span.contains($0.at) })
                    let summary = summaries.summaries.first { $0.meterCode == meter.code }
                    #expect((summary?.value ?? .zero) == expected.value, "\(meter.code) over \(span)")
                    #expect((summary?.eventCount ?? 0) == expected.count, "\(meter.code) over \(span)")
                }
            }
        }
    }

    /// The oracle: the meter applied to the raw inputs directly, without pre-aggregation.
    static func recompute(_ meter: MeterDefinition, _ events: [GeneratedEvent]) throws -> (value: DecimalNumber, count: Int64) {
        let counted = events.filter { event in
            meter.filters.allSatisfy { property, allowed in allowed.contains(event.input.properties?[property]?.stringValue ?? "") }
        }
        let values = counted.map { $0.input.properties!["tokens"]!.decimalValue! }
        let count = Int64(counted.count)
        switch meter.aggregation {
        case .count: return (DecimalNumber(count), count)
        case .sum: return (values.reduce(.zero) { $0.adding($1)! }, count)
        case .max: return (values.max() ?? .zero, count)
        case .average: return (UsageAggregate.average(sum: values.reduce(.zero) { $0.adding($1)! }, count: count)!, count)
        case .countDistinct: return (DecimalNumber(Int64(Set(counted.map { $0.input.properties!["user"]!.stringValue! }).count)), count)
        case .last:
            let last = counted.max { a, b in a.at != b.at ? a.at < b.at : a.input.eventId.utf8.lexicographicallyPrecedes(b.input.eventId.utf8) }
            return (last.map { $0.input.properties!["tokens"]!.decimalValue! } ?? .zero, count)
        }
    }

    @Test("the same event id from 20 concurrent batches is counted once")
    func concurrentReplays() async throws {
        try await withSeededLedger { service, tenant, account in
            let event = UsageEventInput(eventId: "same", billingAccountId: AccountID(rawValue: account), meterCode: "tokens", value: DecimalNumber(5))
            let statuses = try await withThrowingTaskGroup(of: UsageEventStatus.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await service.usage.ingest(IngestUsageRequest(events: [event]), context: context(tenant)).results[0].status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count { $0 == .accepted } == 1)
            #expect(statuses.count { $0 == .duplicate } == 19)
            let summary = try await service.usage.summary(
                UsageSummaryRequest(billingAccountId: AccountID(rawValue: account), meterCode: "tokens"), context: context(tenant))
            #expect(summary.summaries.first?.value == DecimalNumber(5))
        }
    }

    @Test("a closed period refuses late events; replays of recorded ones are still acknowledged")
    func closedPeriod() async throws {
        try await withSeededLedger { service, tenant, account in
            let now = Date()
            let early = UsageEventInput(
                eventId: "early", billingAccountId: AccountID(rawValue: account), meterCode: "calls", timestamp: now.addingTimeInterval(-7200))
            #expect(try await service.usage.ingest(IngestUsageRequest(events: [early]), context: context(tenant)).accepted == 1)
            let closed = try await service.usage.closePeriod(
                ClosePeriodRequest(billingAccountId: AccountID(rawValue: account), closedUntil: now.addingTimeInterval(-3600)),
                context: context(tenant))
            #expect(RFC3339.format(closed.closedUntil) == RFC3339.format(RFC3339.truncatedToMicroseconds(now.addingTimeInterval(-3600))))
            // Closing never moves back.
            let again = try await service.usage.closePeriod(
                ClosePeriodRequest(billingAccountId: AccountID(rawValue: account), closedUntil: now.addingTimeInterval(-86_400)),
                context: context(tenant))
            #expect(again.closedUntil == closed.closedUntil)
            var late = early
            late.eventId = "late"
            let lateResult = try await service.usage.ingest(IngestUsageRequest(events: [late, early]), context: context(tenant)).results
            #expect(lateResult[0].status == .refused && lateResult[0].reason == .periodClosed && lateResult[0].field == "timestamp")
            #expect(lateResult[1].status == .duplicate)
            let current = UsageEventInput(
                eventId: "current", billingAccountId: AccountID(rawValue: account), meterCode: "calls", timestamp: now.addingTimeInterval(-60))
            #expect(try await service.usage.ingest(IngestUsageRequest(events: [current]), context: context(tenant)).accepted == 1)
        }
    }

    @Test("a summary with closeUntil closes the period first and reads it in the same call: late events are refused afterwards")
    func summaryClosingThePeriod() async throws {
        try await withSeededLedger { service, tenant, account in
            let now = Date()
            let end = now.addingTimeInterval(-3600)
            let inside = UsageEventInput(
                eventId: "inside", billingAccountId: AccountID(rawValue: account), meterCode: "calls", timestamp: end.addingTimeInterval(-600))
            #expect(try await service.usage.ingest(IngestUsageRequest(events: [inside]), context: context(tenant)).accepted == 1)
            let read = try await service.usage.summary(
                UsageSummaryRequest(
                    billingAccountId: AccountID(rawValue: account), meterCode: "calls",
                    periodStart: end.addingTimeInterval(-86_400), periodEnd: end, closeUntil: end),
                context: context(tenant))
            #expect(read.summaries.first?.value == DecimalNumber(1))
            var late = inside
            late.eventId = "late"
            let refused = try await service.usage.ingest(IngestUsageRequest(events: [late]), context: context(tenant)).results
            #expect(refused[0].status == .refused && refused[0].reason == .periodClosed)
            let open = try await service.usage.summary(
                UsageSummaryRequest(
                    billingAccountId: AccountID(rawValue: account), meterCode: "calls",
                    periodStart: end.addingTimeInterval(-86_400), periodEnd: end), context: context(tenant))
            #expect(open.summaries.first?.value == DecimalNumber(1), "the closed period's figure did not change")
        }
    }

    @Test("200 concurrent checks of 1 against a remaining limit of 100 allow exactly 100; thresholds are announced once")
    func concurrentLimitChecks() async throws {
        try await withLedger { service in
            let tenant = "lg-" + UUIDv7.generate().uuidString.suffix(12).lowercased()
            let account = UUID()
            try await seed(service, tenant: tenant, account: account, timezone: "America/Sao_Paulo", meters: [])
            _ = try await service.limits.setLimits(
                SetUsageLimitsRequest(
                    billingAccountId: AccountID(rawValue: account),
                    limits: [PlanLimit(resource: "messages", limit: 150, enforcement: .hard)]),
                context: context(tenant))
            _ = try await service.limits.checkLimit(
                UsageLimitCheckRequest(billingAccountId: AccountID(rawValue: account), resource: "messages", quantity: 50),
                context: context(tenant))
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        do {
                            return try await service.limits.checkLimit(
                                UsageLimitCheckRequest(billingAccountId: AccountID(rawValue: account), resource: "messages"),
                                context: context(tenant)
                            ).allowed
                        } catch let error as LedgerError where error.rpcError.reason == "LIMIT_REACHED" {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count { $0 } == 100)
            let usage = try await service.limits.accountLimits(
                AccountUsageLimitsRequest(billingAccountId: AccountID(rawValue: account)), context: context(tenant))
            #expect(usage.limits.first?.used == 150)
            #expect(usage.limits.first?.percentUsed == DecimalNumber(100))
            let types = try await service.database.withTenant(tenant) { connection in
                try await connection.rows(
                    "SELECT type, envelope->'data'->>'thresholdPercent' FROM outbox WHERE tenant_id = \(tenant) ORDER BY position",
                    logger: service.database.logger
                ).map { try $0.decode((String, String?).self) }
            }
            #expect(types.map(\.0) == ["billing.usage.threshold_reached", "billing.usage.threshold_reached", "billing.usage.limit_reached"])
            #expect(types.map(\.1) == ["80", "90", nil])
        }
    }

    @Test("resent with one idempotency key, a limit check consumes once and a grant grants once; a monthly limit refuses a release")
    func deduplicatedOnTheKey() async throws {
        try await withSeededLedger { service, tenant, account in
            func keyed(_ key: String) -> RPCServerContext {
                RPCServerContext(
                    method: "test", metadata: RPCMetadata(tenant: tenant, idempotencyKey: key), deadline: nil, logger: Logger(label: "test"))
            }
            _ = try await service.limits.setLimits(
                SetUsageLimitsRequest(
                    billingAccountId: AccountID(rawValue: account), limits: [PlanLimit(resource: "messages", limit: 10, enforcement: .hard)]),
                context: context(tenant))
            let check = UsageLimitCheckRequest(billingAccountId: AccountID(rawValue: account), resource: "messages", quantity: 3)
            let first = try await service.limits.checkLimit(check, context: keyed("check-1"))
            let resent = try await service.limits.checkLimit(check, context: keyed("check-1"))
            #expect(first.used == 3 && resent == first, "the resent check answers the first and consumes nothing more")
            #expect(try await service.limits.checkLimit(check, context: keyed("check-2")).used == 6, "another key is another check")
            await #expect(throws: IdempotencyKeyReusedError.self, "one key, another request") {
                _ = try await service.limits.checkLimit(
                    UsageLimitCheckRequest(billingAccountId: AccountID(rawValue: account), resource: "messages", quantity: 4),
                    context: keyed("check-1"))
            }
            await #expect(throws: LedgerError.self, "a monthly counter is not lowered by a release") {
                _ = try await service.limits.checkLimit(
                    UsageLimitCheckRequest(billingAccountId: AccountID(rawValue: account), resource: "messages", quantity: -1),
                    context: context(tenant))
            }

            let grant = GrantCreditsRequest(billingAccountId: AccountID(rawValue: account), credits: try Credits(whole: 100))
            let granted = try await service.credits.grantCredits(grant, context: keyed("grant-1"))
            let again = try await service.credits.grantCredits(grant, context: keyed("grant-1"))
            #expect(again.id == granted.id && granted.reference == "grant-1", "the key is the reference of a grant without one")
            let wallet = try await service.credits.wallet(WalletRequest(billingAccountId: AccountID(rawValue: account)), context: context(tenant))
            #expect(wallet.balance == (try Credits(whole: 100)), "granted once")
        }
    }

    @Test("limits that never reset are released by negative quantities; SOFT limits flag instead of blocking")
    func runningAndSoftLimits() async throws {
        try await withLedger { service in
            let tenant = "lg-" + UUIDv7.generate().uuidString.suffix(12).lowercased()
            let account = UUID()
            try await seed(service, tenant: tenant, account: account, meters: [])
            _ = try await service.limits.setLimits(
                SetUsageLimitsRequest(
                    billingAccountId: AccountID(rawValue: account),
                    limits: [
                        PlanLimit(resource: "users", limit: 2, enforcement: .hard, reset: .never),
                        PlanLimit(resource: "storage", limit: 10, enforcement: .soft),
                    ]), context: context(tenant))
            func check(_ resource: String, _ quantity: Int64 = 1) async throws -> UsageLimitCheck {
                try await service.limits.checkLimit(
                    UsageLimitCheckRequest(billingAccountId: AccountID(rawValue: account), resource: resource, quantity: quantity),
                    context: context(tenant))
            }
            _ = try await check("users")
            let second = try await check("users")
            #expect(second.used == 2 && second.remaining == 0 && second.periodStart == nil)
            await #expect(throws: LedgerError.limitReached(resource: "users", limit: 2, used: 2, quantity: 1)) { _ = try await check("users") }
            #expect(try await check("users", -1).used == 1)
            #expect(try await check("users").allowed)
            let soft = try await check("storage", 12)
            #expect(soft.allowed && soft.overLimit && soft.used == 12)
            // A resource without a limit is counted, never blocked.
            let free = try await check("exports", 1000)
            #expect(free.allowed && free.limit == nil && free.used == 1000)
            await #expect(throws: LedgerError.self) { _ = try await check("users", 0) }
            await #expect(throws: LedgerError.self) { _ = try await check("Bad Name") }
        }
    }
}
