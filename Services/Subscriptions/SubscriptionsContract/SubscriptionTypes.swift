import BillingCore
import CatalogContract
import Foundation

/// A subscription's status (seeds 000 and 001); `SubscriptionLifecycle` holds the one transition table.
public enum SubscriptionStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case trial = "TRIAL"
    case active = "ACTIVE"
    /// An invoice is overdue (seed 000 "Atrasada": access may be restricted).
    case pastDue = "PAST_DUE"
    case paused = "PAUSED"
    /// Ended early: canceled now, or unpaid past the grace period.
    case canceled = "CANCELED"
    /// Ran to the end of its last period (canceled at period end).
    case expired = "EXPIRED"
}

/// Why a subscription is PAUSED.
public enum PauseReason: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case requested = "REQUESTED"
    /// Its account was suspended (seed 001: SUSPENDED = "assinaturas pausadas"); reactivating the account resumes it.
    case accountSuspended = "ACCOUNT_SUSPENDED"
}

/// An add-on's state on a subscription (seed 000).
public enum AddonStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// Paid add-on waiting for its invoice to be paid; its feature flag is off.
    case pending = "PENDING"
    case active = "ACTIVE"
    case canceled = "CANCELED"
}

/// An add-on attached to a subscription.
public struct SubscriptionAddon: Codable, Sendable, Equatable {
    public var addonId: CatalogItemID
    public var addonVersion: Int
    public var code: String
    public var name: String
    public var featureFlag: String
    /// Price per period; 0 for free add-ons.
    public var price: DecimalNumber
    public var status: AddonStatus
    public var cancelAtPeriodEnd: Bool
    public var activatedAt: Date?
    public var canceledAt: Date?
    public var createdAt: Date
    /// What it adds to the plan's limits while ACTIVE (the add-on version's, kept at subscription).
    public var limits: [SubscriptionLimit]?
    /// The add-on version's tax code, kept at subscription (absent: the tenant's default tax code).
    public var taxCode: String?

    public init(
        addonId: CatalogItemID, addonVersion: Int, code: String, name: String, featureFlag: String, price: DecimalNumber, status: AddonStatus,
        cancelAtPeriodEnd: Bool, activatedAt: Date?, canceledAt: Date?, createdAt: Date, limits: [SubscriptionLimit]? = nil,
        taxCode: String? = nil
    ) {
        self.taxCode = taxCode
        self.addonId = addonId
        self.addonVersion = addonVersion
        self.code = code
        self.name = name
        self.featureFlag = featureFlag
        self.price = price
        self.status = status
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.activatedAt = activatedAt
        self.canceledAt = canceledAt
        self.createdAt = createdAt
        self.limits = limits
    }
}

/// What a subscription keeps of its plan version, so later catalog edits do not change a running subscription.
public struct SubscribedPlan: Codable, Sendable, Equatable {
    public var planId: CatalogItemID
    public var planVersion: Int
    public var name: String
    public var billingInterval: BillingInterval
    public var billingCycleType: BillingCycleType
    /// Price per period and unit of quantity.
    public var unitPrice: DecimalNumber
    public var currency: String
    /// The plan's trial, used when the request names none.
    public var trialDays: Int
    public var includedCredits: Credits
    public var features: [String]
    public var limits: [SubscriptionLimit]
    /// Usage billed in arrears each period: a meter's aggregate priced by a product (absent on plans without any).
    public var usageCharges: [SubscribedUsageCharge]?
    /// The plan's price of one credit of overdraft, billed when a period ends (absent: overdraft is repaid by the next grant).
    public var creditOveragePrice: DecimalNumber?
    /// The share of an unused allowance carried into the next period (absent: none).
    public var creditRollover: CreditRollover?
    /// The plan's minimum commitment per period: usage charges below it are trued up (absent: none).
    public var minimumAmount: DecimalNumber?
    /// The plan version's tax code, the one tax rates match (absent: the tenant's default tax code).
    public var taxCode: String?
    /// Set when the subscription bills a MONTHLY plan's yearly offer (annual contract): the discount against 12 × the monthly
    /// price that `unitPrice` carries; the period's included credits and minimum are 12 × the monthly ones.
    public var yearlyDiscountPercent: DecimalNumber?

    public init(
        planId: CatalogItemID, planVersion: Int, name: String, billingInterval: BillingInterval, billingCycleType: BillingCycleType,
        unitPrice: DecimalNumber,
        currency: String, trialDays: Int, includedCredits: Credits, features: [String], limits: [SubscriptionLimit],
        usageCharges: [SubscribedUsageCharge]? = nil, creditOveragePrice: DecimalNumber? = nil, creditRollover: CreditRollover? = nil,
        minimumAmount: DecimalNumber? = nil, taxCode: String? = nil, yearlyDiscountPercent: DecimalNumber? = nil
    ) {
        self.yearlyDiscountPercent = yearlyDiscountPercent
        self.taxCode = taxCode
        self.minimumAmount = minimumAmount
        self.creditRollover = creditRollover
        self.creditOveragePrice = creditOveragePrice
        self.usageCharges = usageCharges
        self.trialDays = trialDays
        self.planId = planId
        self.planVersion = planVersion
        self.name = name
        self.billingInterval = billingInterval
        self.billingCycleType = billingCycleType
        self.unitPrice = unitPrice
        self.currency = currency
        self.includedCredits = includedCredits
        self.features = features
        self.limits = limits
    }
}

/// A plan's usage charge as a subscription keeps it: the meter (its code, which the ledger summarises by) and the product version
/// that prices its aggregate.
public struct SubscribedUsageCharge: Codable, Sendable, Equatable {
    public var meterId: CatalogItemID
    public var meterCode: String
    public var productId: CatalogItemID
    public var productVersion: Int?

    public init(meterId: CatalogItemID, meterCode: String, productId: CatalogItemID, productVersion: Int?) {
        self.meterId = meterId
        self.meterCode = meterCode
        self.productId = productId
        self.productVersion = productVersion
    }
}

/// A plan limit as entitlements report it (seed 004).
public struct SubscriptionLimit: Codable, Sendable, Equatable {
    public var resource: String
    public var limit: Int64
    /// HARD or SOFT.
    public var enforcement: String
    /// PERIOD (usage starts again each calendar month; the default) or NEVER (a running count).
    public var reset: String?

    public init(resource: String, limit: Int64, enforcement: String, reset: String? = nil) {
        self.resource = resource
        self.limit = limit
        self.enforcement = enforcement
        self.reset = reset
    }

    /// The limits of a plan with its active add-ons' on top: an add-on's limit is added to the plan's limit of the same resource
    /// (which keeps its enforcement and reset), or stands alone when the plan has none. By resource.
    public static func combining(plan: [SubscriptionLimit], addons: [[SubscriptionLimit]]) -> [SubscriptionLimit] {
        var byResource = Dictionary(plan.map { ($0.resource, $0) }, uniquingKeysWith: { first, _ in first })
        for raise in addons.joined() {
            if var limit = byResource[raise.resource] {
                limit.limit = limit.limit.addingReportingOverflow(raise.limit).overflow ? .max : limit.limit + raise.limit
                byResource[raise.resource] = limit
            } else {
                byResource[raise.resource] = raise
            }
        }
        return byResource.values.sorted { $0.resource < $1.resource }
    }
}

/// A plan or quantity change waiting for the end of the current period (downgrades, quantity decreases).
public struct ScheduledChange: Codable, Sendable, Equatable {
    public var plan: SubscribedPlan?
    public var quantity: Int?
    public var effectiveAt: Date

    public init(plan: SubscribedPlan?, quantity: Int?, effectiveAt: Date) {
        self.plan = plan
        self.quantity = quantity
        self.effectiveAt = effectiveAt
    }
}

/// One proration line for invoicing: a credit for the unused rest of the old terms, a charge for the rest under the new ones.
public struct ProrationLine: Codable, Sendable, Equatable {
    public var description: String
    /// Negative for a credit.
    public var amount: Money
    public var periodStart: Date
    public var periodEnd: Date

    public init(description: String, amount: Money, periodStart: Date, periodEnd: Date) {
        self.description = description
        self.amount = amount
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }
}

/// A subscription (seed 001 "Assinaturas").
public struct Subscription: Codable, Sendable, Equatable {
    public var id: SubscriptionID
    public var billingAccountId: AccountID
    public var planId: CatalogItemID
    public var planVersion: Int
    public var plan: SubscribedPlan
    public var status: SubscriptionStatus
    public var quantity: Int
    /// The account's time zone: calendar-aligned periods start at its local midnight.
    public var timezone: String
    public var startDate: Date
    public var trialStart: Date?
    public var trialEnd: Date?
    /// Where paid periods are counted from (the start, or the trial end, or the last resume).
    public var billingAnchor: Date
    public var currentPeriodStart: Date
    public var currentPeriodEnd: Date
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Date?
    public var cancelReason: String?
    public var endedAt: Date?
    public var pausedAt: Date?
    public var pastDueSince: Date?
    public var scheduledChange: ScheduledChange?
    public var addons: [SubscriptionAddon]
    public var testClockId: TestClockID?
    public var createdAt: Date
    public var updatedAt: Date
    /// Why a PAUSED subscription is paused: asked for (`REQUESTED`), or its account was suspended (`ACCOUNT_SUSPENDED`, resumed when
    /// the account is reactivated).
    public var pauseReason: PauseReason?
    /// When the subscriptions service announced that the trial ends soon (`billing.subscription.trial_will_end`); nil while it has
    /// not. The service's own bookkeeping, stored with the subscription: not part of the wire form (see `CodingKeys`).
    package var trialReminderAt: Date?
    /// The coupon applied to it, and the periods it discounts.
    public var discount: SubscriptionDiscount?

    /// Every property but `trialReminderAt`, in declaration order: the wire form (RPC, the API's attributes, the documented schema).
    /// A property added above must be added here too (`SubscriptionsTests` checks it).
    private enum CodingKeys: String, CodingKey {
        case id, billingAccountId, planId, planVersion, plan, status, quantity, timezone, startDate, trialStart, trialEnd, billingAnchor
        case currentPeriodStart, currentPeriodEnd, cancelAtPeriodEnd, canceledAt, cancelReason, endedAt, pausedAt, pastDueSince
        case scheduledChange, addons, testClockId, createdAt, updatedAt, pauseReason, discount
    }

    public init(
        id: SubscriptionID, billingAccountId: AccountID, plan: SubscribedPlan, status: SubscriptionStatus, quantity: Int, timezone: String,
        startDate: Date, trialStart: Date?, trialEnd: Date?, billingAnchor: Date, currentPeriodStart: Date, currentPeriodEnd: Date,
        cancelAtPeriodEnd: Bool, canceledAt: Date?, cancelReason: String?, endedAt: Date?, pausedAt: Date?, pastDueSince: Date?,
        scheduledChange: ScheduledChange?, addons: [SubscriptionAddon], testClockId: TestClockID?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.billingAccountId = billingAccountId
        self.planId = plan.planId
        self.planVersion = plan.planVersion
        self.plan = plan
        self.status = status
        self.quantity = quantity
        self.timezone = timezone
        self.startDate = startDate
        self.trialStart = trialStart
        self.trialEnd = trialEnd
        self.billingAnchor = billingAnchor
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.canceledAt = canceledAt
        self.cancelReason = cancelReason
        self.endedAt = endedAt
        self.pausedAt = pausedAt
        self.pastDueSince = pastDueSince
        self.scheduledChange = scheduledChange
        self.addons = addons
        self.testClockId = testClockId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// What events say about it.
    public var summary: SubscriptionSummary {
        SubscriptionSummary(
            id: id, billingAccountId: billingAccountId, planId: plan.planId, planVersion: plan.planVersion, status: status.rawValue,
            quantity: quantity, currentPeriodStart: currentPeriodStart, currentPeriodEnd: currentPeriodEnd,
            includedCredits: plan.includedCredits, unitPrice: Money.exactly(plan.unitPrice, currency: plan.currency),
            trialEnd: trialEnd, cancelAtPeriodEnd: cancelAtPeriodEnd, testClockId: testClockId,
            creditOveragePrice: plan.creditOveragePrice, limits: limits, updatedAt: updatedAt, creditRollover: plan.creditRollover,
            discount: discount)
    }

    /// The plan's limits with those of its ACTIVE add-ons on top (``SubscriptionLimit/combining(plan:addons:)``).
    public var limits: [SubscriptionLimit] {
        SubscriptionLimit.combining(plan: plan.limits, addons: addons.filter { $0.status == .active }.map { $0.limits ?? [] })
    }
}

extension Money {
    /// The amount in `currency` when it is exact in minor units (catalog prices are validated so).
    static func exactly(_ amount: DecimalNumber, currency code: String) -> Money? {
        guard let currency = Currency(code: code) else { return nil }
        return try? Money(exactly: amount, currency: currency)
    }
}

/// What an account or a subscription may use now: feature flags, plan limits and included credits.
public struct Entitlements: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    /// The subscriptions that grant something now (TRIAL, ACTIVE or PAST_DUE, started).
    public var subscriptionIds: [SubscriptionID]
    public var active: Bool
    /// Whether access may be restricted (a PAST_DUE subscription, seed 000).
    public var restricted: Bool
    public var features: [String]
    public var limits: [SubscriptionLimit]
    public var includedCredits: Credits

    public init(
        billingAccountId: AccountID, subscriptionIds: [SubscriptionID], active: Bool, restricted: Bool, features: [String],
        limits: [SubscriptionLimit],
        includedCredits: Credits
    ) {
        self.billingAccountId = billingAccountId
        self.subscriptionIds = subscriptionIds
        self.active = active
        self.restricted = restricted
        self.features = features
        self.limits = limits
        self.includedCredits = includedCredits
    }
}

/// A test clock (as Stripe's): subscriptions attached at creation live on its time, which only moves when advanced.
public struct TestClock: Codable, Sendable, Equatable {
    public var id: TestClockID
    public var name: String
    public var frozenTime: Date
    public var subscriptionCount: Int
    public var createdAt: Date

    public init(id: TestClockID, name: String, frozenTime: Date, subscriptionCount: Int, createdAt: Date) {
        self.id = id
        self.name = name
        self.frozenTime = frozenTime
        self.subscriptionCount = subscriptionCount
        self.createdAt = createdAt
    }
}

/// A coupon applied to a subscription (Stripe's discount): it discounts the invoices of the billing periods that start from `start`
/// and before `end` (nil: forever). A ONCE coupon covers one period, a REPEATING one `durationInPeriods`, counted from `start`: the
/// first paid period when applied at creation (after the trial), the next period when applied later.
public struct SubscriptionDiscount: Codable, Sendable, Equatable {
    public var coupon: AppliedCoupon
    public var promotionCodeId: CatalogItemID?
    public var start: Date
    public var end: Date?
    public var appliedAt: Date

    public init(coupon: AppliedCoupon, promotionCodeId: CatalogItemID?, start: Date, end: Date?, appliedAt: Date) {
        self.coupon = coupon
        self.promotionCodeId = promotionCodeId
        self.start = start
        self.end = end
        self.appliedAt = appliedAt
    }

    /// Whether the invoice of the period starting at `periodStart` is discounted.
    public func covers(periodStart: Date) -> Bool { start <= periodStart && end.map { periodStart < $0 } ?? true }
}
