import BillingCore
import BillingEventsPostgres
import CatalogContract
import Foundation
import LedgerContract
import Logging
import PostgresNIO

/// Usage of limited resources as it is consumed: by a check (``LimitsService``) or by the accepted events of a meter that names the
/// resource (ingestion); each threshold of a period announced once.
struct LimitCounter: Sendable {
    let limits: LimitStore
    let outbox: Outbox
    let logger: Logger

    /// One accepted event of a meter that counts against `resource`.
    struct Use: Sendable {
        let eventId: String
        let account: LedgerAccount
        let resource: String
        let occurredAt: Date
        let quantity: Int64
    }

    /// What counting a batch's events decided: those refused by a HARD limit (not recorded), and those accepted past a SOFT one.
    struct Outcome: Sendable {
        var refused: [String: (limit: Int64, used: Int64, resource: String)] = [:]
        var overLimit: Set<String> = []
    }

    /// What an accepted event adds to its resource's usage: 1 for a COUNT meter, the value rounded up for a SUM one (nothing when negative).
    static func quantity(of contribution: MeterContribution, aggregation: MeterAggregation) -> Int64 {
        guard contribution.counted else { return 0 }
        guard aggregation == .sum else { return 1 }
        guard let value = contribution.value, !value.isNegative, let units = value.significand(atScale: 0, rounding: .ceiling) else { return 0 }
        return Int64(clamping: units)
    }

    /// Counts `uses` in batch order against their accounts' limits in force: per account, resource and period (the calendar month of the
    /// event in the account's zone, or one running count for limits that never reset) the counter row is locked once, events are admitted
    /// while a HARD limit holds, the rest refused; the counter is written once and thresholds crossed are announced.
    func count(_ uses: [Use], at now: Date, tenant: String, traceparent: String?, on connection: PostgresConnection) async throws -> Outcome {
        struct Group: Hashable {
            let account: UUID
            let resource: String
            let periodStart: Date
        }
        var outcome = Outcome()
        var limitsInForce: [String: PlanLimit?] = [:]
        var groups: [Group: [Use]] = [:]
        var order: [Group] = []
        for use in uses where use.quantity > 0 {
            let key = use.account.id.text + "/" + use.resource
            if limitsInForce[key] == nil {
                limitsInForce[key] = .some(try await limits.limit(account: use.account.id, resource: use.resource, tenant: tenant, on: connection))
            }
            let limit = limitsInForce[key]!
            let periodStart =
                (limit?.reset ?? .period) == .never
                ? LimitStore.runningPeriodStart
                : CalendarMonth(containing: use.occurredAt, in: use.account.timeZone).span(in: use.account.timeZone).start
            let group = Group(account: use.account.id, resource: use.resource, periodStart: periodStart)
            if groups[group] == nil { order.append(group) }
            groups[group, default: []].append(use)
        }
        // In one order (account, resource, period): two batches locking the same counters never wait on each other in a circle.
        for group in order.sorted(by: { ($0.account.text, $0.resource, $0.periodStart) < ($1.account.text, $1.resource, $1.periodStart) }) {
            let limit = limitsInForce[group.account.text + "/" + group.resource]!
            let before = try await limits.lockCounter(
                account: group.account, resource: group.resource, periodStart: group.periodStart, at: now, tenant: tenant, on: connection)
            var used = before
            var refusedAny = false
            for use in groups[group]! {
                let (after, overflow) = used.addingReportingOverflow(use.quantity)
                if let limit, limit.enforcement == .hard, overflow || after > limit.limit {
                    outcome.refused[use.eventId] = (limit.limit, used, group.resource)
                    refusedAny = true
                    continue
                }
                used = overflow ? .max : after
                if let limit, used > limit.limit { outcome.overLimit.insert(use.eventId) }
            }
            if used != before {
                try await limits.setCounter(
                    account: group.account, resource: group.resource, periodStart: group.periodStart, used: used, at: now, tenant: tenant,
                    on: connection)
            }
            guard let limit else { continue }
            let crossed = LimitPolicy.crossed(limit: limit.limit, before: before, after: used) + (refusedAny && used < limit.limit ? [100] : [])
            for threshold in Set(crossed).sorted() {
                try await announce(
                    threshold, limit: limit, used: used, account: group.account,
                    periodStart: group.periodStart == LimitStore.runningPeriodStart ? nil : group.periodStart, now: now, tenant: tenant,
                    traceparent: traceparent, on: connection)
            }
        }
        return outcome
    }

    /// Publishes a threshold once per account, resource and period.
    func announce(
        _ threshold: Int, limit: PlanLimit, used: Int64, account: UUID, periodStart: Date?, now: Date, tenant: String,
        traceparent: String?, on connection: PostgresConnection
    ) async throws {
        guard
            try await limits.announce(
                account: account, resource: limit.resource, periodStart: periodStart ?? LimitStore.runningPeriodStart,
                threshold: threshold, at: now, tenant: tenant, on: connection)
        else { return }
        let id = AccountID(rawValue: account)
        if threshold >= 100 {
            try await outbox.append(
                UsageLimitReached(
                    billingAccountId: id, resource: limit.resource, limit: limit.limit, used: used,
                    enforcement: limit.enforcement, periodStart: periodStart),
                tenant: tenant, at: now, traceparent: traceparent, on: connection, logger: logger)
        } else {
            try await outbox.append(
                UsageThresholdReached(
                    billingAccountId: id, resource: limit.resource, thresholdPercent: threshold, limit: limit.limit,
                    used: used, enforcement: limit.enforcement, periodStart: periodStart),
                tenant: tenant, at: now, traceparent: traceparent, on: connection, logger: logger)
        }
    }
}
