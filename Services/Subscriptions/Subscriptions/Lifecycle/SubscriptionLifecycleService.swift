import AccountsContract
import BillingCore
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import CatalogContract
import Foundation
import PostgresNIO
import SubscriptionsContract

/// The lifecycle of a subscription: create, cancel, reactivate, pause, resume, quantity and plan changes, add-ons (seeds 000, 001).
struct SubscriptionLifecycleService: SubscriptionTransactions {
    let database: Database
    let clock: any BillingClock
    let store: SubscriptionStore
    let timeline: SubscriptionTimeline
    let outbox: Outbox
    let accounts: AccountsClient
    let catalog: CatalogClient

    func register(on router: inout RPCRouter) {
        router.register(SubscriptionsAPI.create) { request, context in try await create(request, context: context) }
        router.register(SubscriptionsAPI.get) { request, context in try await get(request.id, tenant: context.tenant) }
        router.register(SubscriptionsAPI.list) { request, context in try await list(request, tenant: context.tenant) }
        router.register(SubscriptionsAPI.cancel) { request, context in try await cancel(request, context: context) }
        router.register(SubscriptionsAPI.reactivate) { request, context in try await reactivate(request.id, context: context) }
        router.register(SubscriptionsAPI.pause) { request, context in try await pause(request.id, context: context) }
        router.register(SubscriptionsAPI.resume) { request, context in try await resume(request.id, context: context) }
        router.register(SubscriptionsAPI.changeQuantity) { request, context in try await changeQuantity(request, context: context) }
        router.register(SubscriptionsAPI.changePlan) { request, context in try await changePlan(request, context: context) }
        router.register(SubscriptionsAPI.activateAddon) { request, context in try await activateAddon(request, context: context) }
        router.register(SubscriptionsAPI.cancelAddon) { request, context in try await cancelAddon(request, context: context) }
        router.register(SubscriptionsAPI.applyDiscount) { request, context in try await applyDiscount(request, context: context) }
        router.register(SubscriptionsAPI.removeDiscount) { request, context in try await removeDiscount(request.id, context: context) }
        router.register(SubscriptionsAPI.entitlements) { request, context in try await entitlements(request, context: context) }
    }

    /// Options for asking other contexts on behalf of a call.
    static func outgoing(_ context: RPCServerContext) -> RPCCallOptions { context.outgoing(timeout: .seconds(5)) }
}

extension SubscriptionLifecycleService {
    static let maximumQuantity = 100_000

    func create(_ request: CreateSubscriptionRequest, context: RPCServerContext) async throws -> Subscription {
        let quantity = request.quantity ?? 1
        guard (1...Self.maximumQuantity).contains(quantity) else {
            throw SubscriptionsError.invalid("quantity", "quantity must be between 1 and 100000")
        }
        if let days = request.trialDays, !(0...730).contains(days) {
            throw SubscriptionsError.invalid("trialDays", "trialDays must be between 0 and 730")
        }
        let plan = try await subscribedPlan(request.planId, context: context).subscribed(at: request.billingInterval)
        let options = Self.outgoing(context)
        guard
            let account = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await accounts.get(request.billingAccountId, options: options)
            })
        else {
            throw SubscriptionsError.invalid("billingAccountId", "billing account \(request.billingAccountId) not found", reason: "ACCOUNT_NOT_FOUND")
        }
        guard account.status == .active else {
            throw SubscriptionsError.conflict(
                "billing account is \(account.status.rawValue); only an ACTIVE account can subscribe", reason: "ACCOUNT_NOT_ACTIVE",
                field: "billingAccountId")
        }
        guard account.currency == plan.currency else {
            throw SubscriptionsError.invalid(
                "planId", "the plan is priced in \(plan.currency) and the account pays in \(account.currency)", reason: "CURRENCY_MISMATCH")
        }
        // Stripe's rule: a test clock drives only the test accounts created on it, whose subscriptions all run on it.
        let testClockId = request.testClockId ?? account.testClockId
        guard testClockId == account.testClockId else {
            throw SubscriptionsError.invalid(
                "testClockId",
                account.testClockId.map { "the account lives on test clock \($0); its subscriptions run on it" }
                    ?? "only a test account (created with this testClockId) can subscribe on a test clock", reason: "TEST_CLOCK_MISMATCH")
        }
        // Redeemed before the transaction (no row locked while the catalog is asked), once per call key.
        let redemption = try await redeem(
            couponId: request.couponId, promotionCode: request.promotionCode, account: account.id, currency: plan.currency,
            reference: Self.redemptionReference("subscription-create", context: context), excluding: nil, context: context)
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: SubscriptionsAPI.create.name, key: context.metadata.idempotencyKey,
            request: request
        ) { connection in
            let now = try await now(clockID: testClockId, tenant: tenant, on: connection)
            let start = request.startDate.map(RFC3339.truncatedToMicroseconds) ?? now
            guard start >= now.addingTimeInterval(-86_400), start <= now.addingTimeInterval(366 * 86_400) else {
                throw SubscriptionsError.invalid("startDate", "startDate must be between one day ago and one year from now")
            }
            func make(trialDays: Int) -> Subscription {
                SubscriptionFactory.make(
                    id: .generate(at: now), account: account, plan: plan, quantity: quantity, trialDays: trialDays, start: start,
                    testClockId: testClockId, now: now)
            }
            var subscription = make(trialDays: request.trialDays ?? plan.trialDays)
            // The plan's own trial (and its included credits) once per account and plan; a trial an operator sets is always given.
            if subscription.trialEnd != nil {
                let first = try await store.recordTrial(of: subscription, tenant: tenant, on: connection)
                if !first && request.trialDays == nil { subscription = make(trialDays: 0) }
            }
            if let redemption { subscription.discount = Self.discount(redemption, for: subscription, atCreation: true, at: now) }
            var events = [TimedEvent(at: now, event: SubscriptionCreated(subscription: subscription.summary))]
            if subscription.status == .active { events.append(TimedEvent(at: now, event: SubscriptionActivated(subscription: subscription.summary))) }
            events += timeline.advance(&subscription, until: now)
            try await store.insert(subscription, nextAction: timeline.nextAction(subscription), tenant: tenant, on: connection)
            try await publish(events, tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
            return subscription
        }
    }

    func get(_ id: SubscriptionID, tenant: String) async throws -> Subscription {
        try await database.withTenant(tenant) { connection in
            guard let subscription = try await store.find(id, tenant: tenant, on: connection) else { throw SubscriptionsError.notFound(id) }
            return subscription
        }
    }

    func list(_ request: ListSubscriptionsRequest, tenant: String) async throws -> SubscriptionPage {
        guard (1...100).contains(request.pageSize) else {
            throw SubscriptionsError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        let account = request.billingAccountId?.rawValue
        return try await database.withTenant(tenant) { connection in
            try await store.list(request, account: account, tenant: tenant, on: connection)
        }
    }

    func cancel(_ request: CancelSubscriptionRequest, context: RPCServerContext) async throws -> Subscription {
        if let reason = request.reason, reason.count > 500 { throw SubscriptionsError.invalid("reason", "reason must have at most 500 characters") }
        return try await mutate(request.id, request: request, context: context) { subscription, now, _ in
            if request.atPeriodEnd {
                _ = try SubscriptionLifecycle.next(from: subscription.status, .scheduleCancel)
                guard !subscription.cancelAtPeriodEnd else { return (subscription, []) }
                subscription.cancelAtPeriodEnd = true
                subscription.canceledAt = now
                subscription.cancelReason = request.reason
                subscription.updatedAt = now
                return (
                    subscription,
                    [TimedEvent(at: now, event: SubscriptionCanceled(subscription: subscription.summary, atPeriodEnd: true, reason: request.reason))]
                )
            }
            let events = try cancelNow(&subscription, at: now, reason: request.reason)
            return (subscription, events)
        }
    }

    /// Ends the subscription now (CANCELED) with its add-ons.
    func cancelNow(_ subscription: inout Subscription, at now: Date, reason: String?) throws -> [TimedEvent] {
        subscription.status = try SubscriptionLifecycle.next(from: subscription.status, .cancelNow)
        subscription.cancelAtPeriodEnd = false
        subscription.canceledAt = now
        subscription.endedAt = now
        subscription.cancelReason = reason
        subscription.pauseReason = nil
        subscription.updatedAt = now
        let addons = timeline.endAddons(&subscription, at: now)
        return [TimedEvent(at: now, event: SubscriptionCanceled(subscription: subscription.summary, atPeriodEnd: false, reason: reason))] + addons
    }

    func reactivate(_ id: SubscriptionID, context: RPCServerContext) async throws -> Subscription {
        try await mutate(id, request: id, context: context) { subscription, now, _ in
            let next = try SubscriptionLifecycle.next(from: subscription.status, .reactivate)
            var reactivated: [SubscriptionAddon] = []
            if subscription.status == .canceled {
                // Only a cancellation asked for, inside the period it was made in; one for non-payment needs the payment.
                guard subscription.pastDueSince == nil, now < subscription.currentPeriodEnd, let ended = subscription.endedAt else {
                    throw SubscriptionsError.conflict(
                        "the period this subscription was canceled in is over (or it was canceled for non-payment); create a new subscription",
                        reason: "REACTIVATION_WINDOW_CLOSED")
                }
                for index in subscription.addons.indices
                where subscription.addons[index].canceledAt == ended && subscription.addons[index].activatedAt != nil {
                    subscription.addons[index].status = .active
                    subscription.addons[index].canceledAt = nil
                    reactivated.append(subscription.addons[index])
                }
                subscription.endedAt = nil
            } else if !subscription.cancelAtPeriodEnd {
                throw SubscriptionsError.conflict(
                    "subscription is \(subscription.status.rawValue) and not canceled; nothing to reactivate", reason: "NOT_CANCELED")
            }
            subscription.status = next
            subscription.cancelAtPeriodEnd = false
            subscription.canceledAt = nil
            subscription.cancelReason = nil
            subscription.updatedAt = now
            // Announced with the subscription as it is now: live again, its add-ons' limits back.
            let summary = subscription.summary
            return (
                subscription,
                [TimedEvent(at: now, event: SubscriptionReactivated(subscription: summary))]
                    + reactivated.map { addon in
                        TimedEvent(
                            at: now,
                            event: AddonActivated(
                                subscriptionId: subscription.id, billingAccountId: subscription.billingAccountId, addonId: addon.addonId,
                                addonCode: addon.code, featureFlag: addon.featureFlag, subscription: summary))
                    }
            )
        }
    }

    func pause(_ id: SubscriptionID, context: RPCServerContext) async throws -> Subscription {
        try await mutate(id, request: id, context: context) { subscription, now, _ in
            let events = try Self.pause(&subscription, at: now, reason: .requested)
            return (subscription, events)
        }
    }

    /// TRIAL or ACTIVE → PAUSED: no renewals, invoices or allowance until resumed.
    static func pause(_ subscription: inout Subscription, at now: Date, reason: PauseReason) throws -> [TimedEvent] {
        subscription.status = try SubscriptionLifecycle.next(from: subscription.status, .pause)
        subscription.pausedAt = now
        subscription.pauseReason = reason
        subscription.updatedAt = now
        return [TimedEvent(at: now, event: SubscriptionPaused(subscription: subscription.summary))]
    }

    func resume(_ id: SubscriptionID, context: RPCServerContext) async throws -> Subscription {
        try await mutate(id, request: id, context: context) { subscription, now, _ in
            let events = try Self.resume(&subscription, at: now)
            return (subscription, events)
        }
    }

    /// PAUSED → ACTIVE: a new period starts now.
    static func resume(_ subscription: inout Subscription, at now: Date) throws -> [TimedEvent] {
        subscription.status = try SubscriptionLifecycle.next(from: subscription.status, .resume)
        subscription.pausedAt = nil
        subscription.pauseReason = nil
        subscription.trialEnd = subscription.trialEnd.map { min($0, now) }
        subscription.billingAnchor = now
        let period = PeriodMath.calculator(for: subscription).period(0)
        subscription.currentPeriodStart = period.start
        subscription.currentPeriodEnd = period.end
        subscription.updatedAt = now
        return [TimedEvent(at: now, event: SubscriptionResumed(subscription: subscription.summary))]
    }

    func changeQuantity(_ request: ChangeQuantityRequest, context: RPCServerContext) async throws -> SubscriptionChange {
        guard (1...Self.maximumQuantity).contains(request.quantity) else {
            throw SubscriptionsError.invalid("quantity", "quantity must be between 1 and 100000")
        }
        return try await mutate(request.id, request: request, context: context) { subscription, now, _ in
            _ = try SubscriptionLifecycle.next(from: subscription.status, .change)
            let previous = subscription.quantity
            let plan = subscription.plan
            let terms = { (quantity: Int) in Proration.Terms(description: "\(quantity) × \(plan.name)", unitPrice: plan.unitPrice, quantity: quantity)
            }
            if request.quantity < previous && subscription.status != .trial {
                subscription.scheduledChange = ScheduledChange(
                    plan: subscription.scheduledChange?.plan, quantity: request.quantity,
                    effectiveAt: subscription.currentPeriodEnd)
                subscription.updatedAt = now
                return (
                    SubscriptionChange(
                        subscription: subscription, effective: "PERIOD_END", effectiveAt: subscription.currentPeriodEnd, prorationLines: [],
                        prorationTotal: nil, preview: false), []
                )
            }
            if var scheduled = subscription.scheduledChange {
                scheduled.quantity = nil
                subscription.scheduledChange = scheduled.plan == nil ? nil : scheduled
            }
            guard request.quantity != previous else {
                return (
                    SubscriptionChange(
                        subscription: subscription, effective: "NOW", effectiveAt: now, prorationLines: [], prorationTotal: nil, preview: false), []
                )
            }
            let lines =
                subscription.status == .trial
                ? []
                : try Proration.lines(
                    from: terms(previous), to: terms(request.quantity), currency: subscription.plan.currency,
                    period: TimeSpan(start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd), at: now)
            subscription.quantity = request.quantity
            subscription.updatedAt = now
            let change = SubscriptionChange(
                subscription: subscription, effective: "NOW", effectiveAt: now, prorationLines: lines,
                prorationTotal: Proration.total(lines, currency: subscription.plan.currency), preview: false)
            return (
                change,
                [
                    TimedEvent(
                        at: now,
                        event: SubscriptionQuantityChanged(subscription: subscription.summary, previousQuantity: previous, prorationLines: lines))
                ]
            )
        }
    }

    func changePlan(_ request: ChangePlanRequest, context: RPCServerContext) async throws -> SubscriptionChange {
        let offer = try await subscribedPlan(request.planId, context: context)
        let tenant = context.tenant
        let apply = { (subscription: inout Subscription, now: Date) throws(SubscriptionsError) -> (SubscriptionChange, [TimedEvent]) in
            _ = try SubscriptionLifecycle.next(from: subscription.status, .change)
            let current = subscription.plan
            let plan = try offer.subscribed(at: request.billingInterval, preferring: current.billingInterval)
            guard plan.planId != current.planId || plan.planVersion != current.planVersion || plan.billingInterval != current.billingInterval
            else {
                throw .invalid("planId", "the subscription is already on this plan version", reason: "SAME_PLAN")
            }
            if IntervalSwitch.restartsCycle(from: current, to: plan) {
                return try Self.switchToYearly(&subscription, plan: plan, preview: request.preview, at: now)
            }
            guard plan.currency == current.currency, plan.billingInterval == current.billingInterval,
                plan.billingCycleType == current.billingCycleType
            else {
                throw .invalid(
                    "planId",
                    """
                    a plan change keeps the currency (\(current.currency)), billing interval (\(current.billingInterval.rawValue)) and cycle \
                    type (\(current.billingCycleType.rawValue)); cancel and subscribe again to change them
                    """,
                    reason: "INCOMPATIBLE_PLAN")
            }
            let upgrade = plan.unitPrice >= current.unitPrice
            if !upgrade && subscription.status != .trial {
                subscription.scheduledChange = ScheduledChange(
                    plan: plan, quantity: subscription.scheduledChange?.quantity, effectiveAt: subscription.currentPeriodEnd)
                subscription.updatedAt = now
                return (
                    SubscriptionChange(
                        subscription: subscription, effective: "PERIOD_END", effectiveAt: subscription.currentPeriodEnd, prorationLines: [],
                        prorationTotal: nil, preview: request.preview), []
                )
            }
            let lines =
                subscription.status == .trial
                ? []
                : try Proration.lines(
                    from: .init(description: current.name, unitPrice: current.unitPrice, quantity: subscription.quantity),
                    to: .init(description: plan.name, unitPrice: plan.unitPrice, quantity: subscription.quantity), currency: plan.currency,
                    period: TimeSpan(start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd), at: now)
            subscription.plan = plan
            subscription.planId = plan.planId
            subscription.planVersion = plan.planVersion
            if var scheduled = subscription.scheduledChange {
                scheduled.plan = nil
                subscription.scheduledChange = scheduled.quantity == nil ? nil : scheduled
            }
            subscription.updatedAt = now
            let change = SubscriptionChange(
                subscription: subscription, effective: "NOW", effectiveAt: now, prorationLines: lines,
                prorationTotal: Proration.total(lines, currency: plan.currency), preview: request.preview)
            return (
                change,
                [
                    TimedEvent(
                        at: now,
                        event: SubscriptionPlanChanged(
                            subscription: subscription.summary, previousPlanId: current.planId,
                            previousPlanVersion: current.planVersion, prorationLines: lines))
                ]
            )
        }
        guard request.preview else {
            return try await mutate(request.id, request: request, context: context) { subscription, now, _ in try apply(&subscription, now) }
        }
        return try await database.withTenant(tenant) { connection in
            guard var subscription = try await store.find(request.id, tenant: tenant, on: connection) else {
                throw SubscriptionsError.notFound(request.id)
            }
            let now = try await now(clockID: subscription.testClockId, tenant: tenant, on: connection)
            _ = timeline.advance(&subscription, until: now)
            return try apply(&subscription, now).0
        }
    }

    func activateAddon(_ request: AddonRequest, context: RPCServerContext) async throws -> Subscription {
        let options = Self.outgoing(context)
        guard
            let item = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await catalog.call(CatalogAPI.addons.get, GetItemRequest(id: request.addonId), options: options)
            })
        else {
            throw SubscriptionsError.invalid("addonId", "add-on \(request.addonId) not found", reason: "ADDON_NOT_FOUND")
        }
        guard item.status == .active else {
            throw SubscriptionsError.conflict("add-on \(request.addonId) is archived", reason: "ADDON_ARCHIVED", field: "addonId")
        }
        return try await mutate(request.id, request: request, context: context) { subscription, now, _ in
            _ = try SubscriptionLifecycle.next(from: subscription.status, .change)
            guard item.attributes.currency == subscription.plan.currency else {
                throw SubscriptionsError.invalid(
                    "addonId", "the add-on is priced in \(item.attributes.currency), the subscription in \(subscription.plan.currency)",
                    reason: "CURRENCY_MISMATCH")
            }
            let id = item.id
            if let existing = subscription.addons.first(where: { $0.addonId == id && $0.status != .canceled }) {
                throw SubscriptionsError.conflict(
                    "add-on \(existing.code) is already \(existing.status.rawValue) on this subscription", reason: "ADDON_ALREADY_ACTIVE",
                    field: "addonId")
            }
            let free = item.attributes.price.isZero
            let addon = SubscriptionAddon(
                addonId: id, addonVersion: item.version, code: item.attributes.code, name: item.attributes.name,
                featureFlag: item.attributes.featureFlag, price: item.attributes.price, status: free ? .active : .pending,
                cancelAtPeriodEnd: false, activatedAt: free ? now : nil, canceledAt: nil, createdAt: now,
                limits: item.attributes.limits.map { $0.map(SubscriptionLimit.init) }, taxCode: item.attributes.taxCode)
            subscription.addons.removeAll { $0.addonId == id }
            subscription.addons.append(addon)
            subscription.updatedAt = now
            guard free else { return (subscription, []) }
            return (
                subscription,
                [
                    TimedEvent(
                        at: now,
                        event: AddonActivated(
                            subscriptionId: subscription.id, billingAccountId: subscription.billingAccountId,
                            addonId: id, addonCode: addon.code, featureFlag: addon.featureFlag, subscription: subscription.summary))
                ]
            )
        }
    }

    func cancelAddon(_ request: AddonRequest, context: RPCServerContext) async throws -> Subscription {
        try await mutate(request.id, request: request, context: context) { subscription, now, _ in
            guard let index = subscription.addons.firstIndex(where: { $0.addonId == request.addonId && $0.status != .canceled }) else {
                throw SubscriptionsError.addonNotOnSubscription(request.addonId)
            }
            let addon = subscription.addons[index]
            if request.atPeriodEnd ?? true, addon.status == .active {
                subscription.addons[index].cancelAtPeriodEnd = true
                subscription.updatedAt = now
                return (subscription, [])
            }
            let events = Self.cancelNow(index, of: &subscription, at: now)
            return (subscription, events)
        }
    }

    /// Cancels the subscription's add-on at `index` now; one that was ACTIVE announces it (`AddonCanceled`).
    static func cancelNow(_ index: Int, of subscription: inout Subscription, at now: Date) -> [TimedEvent] {
        let addon = subscription.addons[index]
        subscription.addons[index].status = .canceled
        subscription.addons[index].canceledAt = now
        subscription.updatedAt = now
        guard addon.status == .active else { return [] }
        return [
            TimedEvent(
                at: now,
                event: AddonCanceled(
                    subscriptionId: subscription.id, billingAccountId: subscription.billingAccountId, addonId: addon.addonId,
                    addonCode: addon.code, featureFlag: addon.featureFlag, atPeriodEnd: false, subscription: subscription.summary))
        ]
    }

    /// Monthly to yearly (annual contract): the cycle starts again now with a yearly period, whose invoice bills the yearly price
    /// and takes the credit for the unused monthly time (`IntervalSwitch`). The change and its preview list both lines.
    static func switchToYearly(
        _ subscription: inout Subscription, plan: SubscribedPlan, preview: Bool, at now: Date
    ) throws(SubscriptionsError) -> (SubscriptionChange, [TimedEvent]) {
        let current = subscription.plan
        guard plan.currency == current.currency, plan.billingCycleType == current.billingCycleType else {
            throw .invalid(
                "planId",
                """
                a plan change keeps the currency (\(current.currency)) and cycle type (\(current.billingCycleType.rawValue)); cancel and \
                subscribe again to change them
                """, reason: "INCOMPATIBLE_PLAN")
        }
        guard current.usageCharges == nil, current.creditOveragePrice == nil else {
            throw .conflict(
                """
                the subscription's plan bills usage or credit overage in arrears each period; move it to yearly billing at the end of \
                its period (cancel at period end and subscribe YEARLY)
                """, reason: "INTERVAL_CHANGE_WITH_USAGE", field: "billingInterval")
        }
        let trial = subscription.status == .trial
        let credit =
            trial
            ? []
            : try IntervalSwitch.credit(
                for: current, quantity: subscription.quantity,
                period: TimeSpan(start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd), at: now)
        subscription.plan = plan
        subscription.planId = plan.planId
        subscription.planVersion = plan.planVersion
        subscription.scheduledChange = nil
        subscription.updatedAt = now
        var lines = credit
        if !trial {
            subscription.billingAnchor = now
            let period = PeriodMath.calculator(for: subscription).period(0)
            subscription.currentPeriodStart = period.start
            subscription.currentPeriodEnd = period.end
            lines.append(try IntervalSwitch.yearlyCharge(plan, quantity: subscription.quantity, period: period))
        }
        let change = SubscriptionChange(
            subscription: subscription, effective: "NOW", effectiveAt: now, prorationLines: lines,
            prorationTotal: Proration.total(lines, currency: plan.currency), preview: preview)
        var events = [
            TimedEvent(
                at: now,
                event: SubscriptionPlanChanged(
                    subscription: subscription.summary, previousPlanId: current.planId, previousPlanVersion: current.planVersion,
                    prorationLines: credit))
        ]
        // The yearly period starts now: invoiced (and its included credits granted) as any period start.
        if !trial { events.append(TimedEvent(at: now, event: SubscriptionRenewed(subscription: subscription.summary))) }
        return (change, events)
    }

    /// The plan's current version, as a subscription keeps it, with its yearly offer.
    func subscribedPlan(_ planId: CatalogItemID, context: RPCServerContext) async throws -> PlanOffer {
        let options = Self.outgoing(context)
        guard
            let item = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await catalog.plan(planId, options: options)
            })
        else {
            throw SubscriptionsError.invalid("planId", "plan \(planId) not found", reason: "PLAN_NOT_FOUND")
        }
        guard item.status == .active else {
            throw SubscriptionsError.conflict("plan \(planId) is archived", reason: "PLAN_ARCHIVED", field: "planId")
        }
        let attributes = item.attributes
        var usageCharges: [SubscribedUsageCharge] = []
        for charge in attributes.usageCharges ?? [] {
            // The ledger summarises usage by meter code: resolved once here, kept with the subscription.
            let meter = try await catalog.call(CatalogAPI.meters.get, GetItemRequest(id: charge.meterId), options: options)
            usageCharges.append(
                SubscribedUsageCharge(
                    meterId: charge.meterId, meterCode: meter.attributes.code,
                    productId: charge.productId, productVersion: charge.productVersion))
        }
        let plan = SubscribedPlan(
            planId: item.id, planVersion: item.version, name: attributes.name, billingInterval: attributes.billingInterval,
            billingCycleType: attributes.billingCycleType, unitPrice: attributes.basePrice, currency: attributes.currency,
            trialDays: attributes.trialDays ?? 0,
            includedCredits: attributes.includedCredits ?? .zero, features: attributes.features ?? [],
            limits: (attributes.limits ?? []).map(SubscriptionLimit.init),
            usageCharges: usageCharges.isEmpty ? nil : usageCharges, creditOveragePrice: attributes.creditOveragePrice,
            creditRollover: attributes.creditRollover, minimumAmount: attributes.minimumAmount,
            taxCode: attributes.taxCode)
        return PlanOffer(plan: plan, yearlyPrice: attributes.yearlyPrice, yearlyDiscountPercent: attributes.yearlyDiscountPercent)
    }
}

/// A new subscription's first state.
enum SubscriptionFactory {
    static func make(
        id: SubscriptionID, account: BillingAccount, plan: SubscribedPlan, quantity: Int, trialDays: Int, start: Date,
        testClockId: TestClockID?, now: Date
    ) -> Subscription {
        let zone = PeriodMath.timeZone(account.timezone)
        var subscription = Subscription(
            id: id, billingAccountId: account.id, plan: plan, status: trialDays > 0 ? .trial : .active, quantity: quantity,
            timezone: account.timezone, startDate: start, trialStart: nil, trialEnd: nil, billingAnchor: start, currentPeriodStart: start,
            currentPeriodEnd: start, cancelAtPeriodEnd: false, canceledAt: nil, cancelReason: nil, endedAt: nil, pausedAt: nil, pastDueSince: nil,
            scheduledChange: nil, addons: [], testClockId: testClockId, createdAt: now, updatedAt: now)
        if trialDays > 0 {
            let end = PeriodMath.trialEnd(start: start, days: trialDays, timeZone: zone)
            subscription.trialStart = start
            subscription.trialEnd = end
            subscription.billingAnchor = end
            subscription.currentPeriodEnd = end
        } else {
            let first = PeriodMath.calculator(for: subscription).period(0)
            subscription.currentPeriodStart = first.start
            subscription.currentPeriodEnd = first.end
        }
        return subscription
    }
}

extension SubscriptionLimit {
    /// A catalog limit (a plan's or an add-on's) as a subscription keeps it.
    init(_ limit: PlanLimit) {
        self.init(resource: limit.resource, limit: limit.limit, enforcement: limit.enforcement.rawValue, reset: limit.reset?.rawValue)
    }
}
