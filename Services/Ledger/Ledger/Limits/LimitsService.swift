import BillingCore
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import CatalogContract
import Foundation
import LedgerContract
import PostgresNIO
import SubscriptionsContract

/// The ledger's `Limits` service (`billing.ledger.v1.Limits`): an account's usage limits, checked and consumed atomically,
/// with the 80/90/100 % events once per period.
struct LimitsService: Sendable {
    let database: Database
    let clock: any BillingClock
    let references: ReferenceResolver
    /// Counts usage against limits and announces thresholds (shared with ingestion); its store is this service's.
    let counter: LimitCounter
    var limits: LimitStore { counter.limits }

    func register(on router: inout RPCRouter) {
        router.register(LedgerAPI.setLimits) { request, context in try await setLimits(request, context: context) }
        router.register(LedgerAPI.checkLimit) { request, context in try await checkLimit(request, context: context) }
        router.register(LedgerAPI.accountLimits) { request, context in try await accountLimits(request, context: context) }
    }

    static let maximumCheckQuantity: Int64 = 1_000_000_000

    func setLimits(_ request: SetUsageLimitsRequest, context: RPCServerContext) async throws -> AccountUsageLimits {
        do { try PlanLimit.validate(request.limits) } catch { throw LedgerError.invalid(error.field, error.message) }
        let tenant = context.tenant
        let account = try await references.account(request.billingAccountId, tenant: tenant, options: context.peerCallOptions)
        guard account.status != .closed else { throw LedgerError.accountClosed(request.billingAccountId) }
        let now = clock.now()
        return try await database.withTenant(tenant) { connection in
            try await limits.replace(account: account.id, with: request.limits, at: now, tenant: tenant, on: connection)
            return try await usageView(account, now: now, tenant: tenant, on: connection)
        }
    }

    func accountLimits(_ request: AccountUsageLimitsRequest, context: RPCServerContext) async throws -> AccountUsageLimits {
        let tenant = context.tenant
        let account = try await references.account(request.billingAccountId, tenant: tenant, options: context.peerCallOptions)
        let now = clock.now()
        return try await database.withTenant(tenant) { try await usageView(account, now: now, tenant: tenant, on: $0) }
    }

    private func usageView(_ account: LedgerAccount, now: Date, tenant: String, on connection: PostgresConnection) async throws -> AccountUsageLimits
    {
        let period = CalendarMonth(containing: now, in: account.timeZone).span(in: account.timeZone)
        let defined = try await limits.limits(account: account.id, tenant: tenant, on: connection)
        let used = try await limits.used(
            account: account.id, periodStarts: [period.start, LimitStore.runningPeriodStart], tenant: tenant, on: connection)
        return AccountUsageLimits(
            billingAccountId: AccountID(rawValue: account.id), periodStart: period.start, periodEnd: period.end,
            timezone: account.timezone,
            limits: defined.map { limit, source in
                let reset = limit.reset ?? .period
                let count = used[limit.resource]?[reset == .never ? LimitStore.runningPeriodStart : period.start] ?? 0
                return ResourceUsage(
                    resource: limit.resource, limit: limit.limit, used: count, enforcement: limit.enforcement, reset: reset,
                    percentUsed: LimitPolicy.percentUsed(limit: limit.limit, used: count), source: source)
            })
    }

    /// Check and consume in one transaction; a HARD refusal commits only its `limit_reached` notice, then fails the call (and a
    /// resent call with the same key fails the same way).
    func checkLimit(_ request: UsageLimitCheckRequest, context: RPCServerContext) async throws -> UsageLimitCheck {
        let quantity = request.quantity ?? 1
        guard quantity != 0, abs(quantity) <= Self.maximumCheckQuantity else {
            throw LedgerError.invalid("quantity", "quantity must be a whole number from 1 to \(Self.maximumCheckQuantity) (negative to release)")
        }
        guard isIdentifier(request.resource) else {
            throw LedgerError.invalid("resource", "resource must be 1 to 64 lower-case letters, digits, '_', '.' or '-'")
        }
        let tenant = context.tenant
        let account = try await references.account(request.billingAccountId, tenant: tenant, options: context.peerCallOptions)
        guard account.status != .closed else { throw LedgerError.accountClosed(request.billingAccountId) }
        let now = clock.now()
        let traceparent = context.metadata.traceparent
        // Once per idempotency key: a resent check answers the first one's outcome and consumes nothing more.
        let check = try await database.idempotent(
            tenant: tenant, operation: LedgerAPI.checkLimit.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            let limit = try await limits.limit(account: account.id, resource: request.resource, tenant: tenant, on: connection)
            // Giving back (a negative quantity) is for limits that never reset: a monthly counter is not lowered by a release.
            if quantity < 0, (limit?.reset ?? .period) != .never {
                throw LedgerError.invalid(
                    "quantity", "a negative quantity releases only a limit that never resets; \(request.resource) resets each period")
            }
            let period: TimeSpan? =
                (limit?.reset ?? .period) == .never
                ? nil
                : CalendarMonth(containing: now, in: account.timeZone).span(in: account.timeZone)
            let periodStart = period?.start ?? LimitStore.runningPeriodStart
            let hardLimit = limit?.enforcement == .hard ? limit?.limit : nil
            let consumed = try await limits.consume(
                account: account.id, resource: request.resource, periodStart: periodStart, quantity: quantity,
                hardLimit: hardLimit, at: now, tenant: tenant, on: connection)
            let used: Int64
            if let consumed {
                used = consumed
            } else {
                used = try await limits.used(
                    account: account.id, resource: request.resource, periodStart: periodStart, tenant: tenant, on: connection)
            }
            if let limit {
                let crossed = consumed == nil ? [100] : LimitPolicy.crossed(limit: limit.limit, before: max(used - quantity, 0), after: used)
                for threshold in crossed {
                    try await counter.announce(
                        threshold, limit: limit, used: used, account: account.id, periodStart: period?.start, now: now, tenant: tenant,
                        traceparent: traceparent, on: connection)
                }
            }
            return UsageLimitCheck(
                billingAccountId: request.billingAccountId, resource: request.resource, allowed: consumed != nil,
                limit: limit?.limit, used: used, remaining: limit.map { max($0.limit - used, 0) }, enforcement: limit?.enforcement,
                overLimit: limit.map { used > $0.limit } ?? false, periodStart: period?.start, periodEnd: period?.end)
        }
        guard check.allowed else {
            throw LedgerError.limitReached(resource: request.resource, limit: check.limit ?? 0, used: check.used, quantity: quantity)
        }
        return check
    }

    /// The subscription events (and add-on events, which carry their subscription) keep each subscription's limits: its plan's with
    /// its active add-ons' on top, applying while it is TRIAL, ACTIVE or PAST_DUE.
    var subscriptionHandlers: [String: EventHandler] {
        let limits = limits
        let handler: EventHandler = { envelope, connection in
            guard
                let subscription = try JSONValueDecoder(rejectUnknownKeys: false).decode(SubscriptionCarrier.self, from: envelope.data).subscription,
                let subscribed = subscription.limits
            else { return }
            try await limits.recordSubscription(
                subscription.id.rawValue, account: subscription.billingAccountId.rawValue,
                live: ["TRIAL", "ACTIVE", "PAST_DUE"].contains(subscription.status),
                limits: subscribed.map {
                    PlanLimit(
                        resource: $0.resource, limit: $0.limit, enforcement: LimitEnforcement(rawValue: $0.enforcement) ?? .hard,
                        reset: $0.reset.flatMap(LimitReset.init(rawValue:)))
                },
                changedAt: subscription.updatedAt ?? envelope.time, tenant: envelope.tenantid, on: connection)
        }
        return Dictionary(uniqueKeysWithValues: SubscriptionsAPI.events.map { ($0.type, handler) })
    }
}

/// Any subscription or add-on event, read for the subscription it carries.
private struct SubscriptionCarrier: Decodable {
    let subscription: SubscriptionSummary?
}
