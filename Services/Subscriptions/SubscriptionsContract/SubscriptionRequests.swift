import BillingCore
import Foundation

/// `POST /subscriptions` (seed 001 step 3: `billingAccountId`, `planId`, `quantity`).
public struct CreateSubscriptionRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var planId: CatalogItemID
    /// Default 1; 1 to 100,000.
    public var quantity: Int?
    /// Overrides the plan's trialDays (0 = no trial); 0 to 730.
    public var trialDays: Int?
    /// Now when absent; may be in the future (the first period starts then), not more than 1 day in the past.
    public var startDate: Date?
    /// Puts the subscription on a test clock: its time is the clock's.
    public var testClockId: TestClockID?
    /// A coupon to apply (operators), or a customer-facing promotion code (any case); not both.
    public var couponId: CatalogItemID?
    public var promotionCode: String?
    /// The plan's own interval when absent; YEARLY on a MONTHLY plan with a yearly price (`yearlyDiscountPercent`) is an
    /// annual contract at that price.
    public var billingInterval: BillingInterval?

    public init(
        billingAccountId: AccountID, planId: CatalogItemID, quantity: Int? = nil, trialDays: Int? = nil, startDate: Date? = nil,
        testClockId: TestClockID? = nil, couponId: CatalogItemID? = nil, promotionCode: String? = nil, billingInterval: BillingInterval? = nil
    ) {
        self.billingInterval = billingInterval
        self.couponId = couponId
        self.promotionCode = promotionCode
        self.billingAccountId = billingAccountId
        self.planId = planId
        self.quantity = quantity
        self.trialDays = trialDays
        self.startDate = startDate
        self.testClockId = testClockId
    }
}

public struct SubscriptionRequest: Codable, Sendable, Equatable {
    public var id: SubscriptionID
    public init(id: SubscriptionID) { self.id = id }
}

/// One page of subscriptions, oldest first.
public struct ListSubscriptionsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID?
    public var status: SubscriptionStatus?
    public var pageSize: Int
    public var after: SubscriptionID?

    public init(billingAccountId: AccountID? = nil, status: SubscriptionStatus? = nil, pageSize: Int = 20, after: SubscriptionID? = nil) {
        self.billingAccountId = billingAccountId
        self.status = status
        self.pageSize = pageSize
        self.after = after
    }
}

public struct SubscriptionPage: Codable, Sendable, Equatable {
    public var items: [Subscription]
    public var nextCursor: SubscriptionID?
    public init(items: [Subscription], nextCursor: SubscriptionID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// Cancel now or at the end of the current period, with the reason (seed 000: reasons are recorded).
public struct CancelSubscriptionAttributes: Codable, Sendable, Equatable {
    /// Default true: the subscription keeps working until the renewal date.
    public var atPeriodEnd: Bool?
    /// Up to 500 characters.
    public var reason: String?
    public init(atPeriodEnd: Bool? = nil, reason: String? = nil) {
        self.atPeriodEnd = atPeriodEnd
        self.reason = reason
    }
}

public struct CancelSubscriptionRequest: Codable, Sendable, Equatable {
    public var id: SubscriptionID
    public var atPeriodEnd: Bool
    public var reason: String?
    public init(id: SubscriptionID, atPeriodEnd: Bool, reason: String?) {
        self.id = id
        self.atPeriodEnd = atPeriodEnd
        self.reason = reason
    }
}

/// A new quantity (`PATCH`-like action): an increase is effective now with proration, a decrease at period end.
public struct ChangeQuantityAttributes: Codable, Sendable, Equatable {
    public var quantity: Int
    public init(quantity: Int) { self.quantity = quantity }
}

public struct ChangeQuantityRequest: Codable, Sendable, Equatable {
    public var id: SubscriptionID
    public var quantity: Int
    public init(id: SubscriptionID, quantity: Int) {
        self.id = id
        self.quantity = quantity
    }
}

/// A plan change: to a dearer plan now with proration lines, to a cheaper one at period end. `preview` answers without changing anything.
/// `billingInterval` YEARLY moves a monthly subscription to the plan's yearly price (annual contract): a new yearly period
/// starts now, billed at once, with a credit for the unused monthly time.
public struct ChangePlanAttributes: Codable, Sendable, Equatable {
    public var planId: CatalogItemID
    public var preview: Bool?
    /// Absent: the subscription's current interval when the plan offers it, else the plan's own.
    public var billingInterval: BillingInterval?
    public init(planId: CatalogItemID, preview: Bool? = nil, billingInterval: BillingInterval? = nil) {
        self.planId = planId
        self.preview = preview
        self.billingInterval = billingInterval
    }
}

public struct ChangePlanRequest: Codable, Sendable, Equatable {
    public var id: SubscriptionID
    public var planId: CatalogItemID
    public var preview: Bool
    public var billingInterval: BillingInterval?
    public init(id: SubscriptionID, planId: CatalogItemID, preview: Bool, billingInterval: BillingInterval? = nil) {
        self.id = id
        self.planId = planId
        self.preview = preview
        self.billingInterval = billingInterval
    }
}

/// The outcome of a plan or quantity change.
public struct SubscriptionChange: Codable, Sendable, Equatable {
    public var subscription: Subscription
    /// NOW or PERIOD_END.
    public var effective: String
    public var effectiveAt: Date
    /// Lines invoicing adds to the next invoice (empty for changes at period end).
    public var prorationLines: [ProrationLine]
    public var prorationTotal: Money?
    public var preview: Bool

    public init(
        subscription: Subscription, effective: String, effectiveAt: Date, prorationLines: [ProrationLine], prorationTotal: Money?, preview: Bool
    ) {
        self.subscription = subscription
        self.effective = effective
        self.effectiveAt = effectiveAt
        self.prorationLines = prorationLines
        self.prorationTotal = prorationTotal
        self.preview = preview
    }
}

public struct ActivateAddonAttributes: Codable, Sendable, Equatable {
    public var addonId: CatalogItemID
    public init(addonId: CatalogItemID) { self.addonId = addonId }
}

public struct AddonRequest: Codable, Sendable, Equatable {
    public var id: SubscriptionID
    public var addonId: CatalogItemID
    /// Only for cancellation: at period end (default) or now.
    public var atPeriodEnd: Bool?
    public init(id: SubscriptionID, addonId: CatalogItemID, atPeriodEnd: Bool? = nil) {
        self.id = id
        self.addonId = addonId
        self.atPeriodEnd = atPeriodEnd
    }
}

public struct CancelAddonAttributes: Codable, Sendable, Equatable {
    public var atPeriodEnd: Bool?
    public init(atPeriodEnd: Bool? = nil) { self.atPeriodEnd = atPeriodEnd }
}

/// Either a subscription, or every live subscription of an account.
public struct EntitlementsRequest: Codable, Sendable, Equatable {
    public var subscriptionId: SubscriptionID?
    public var billingAccountId: AccountID?
    public init(subscriptionId: SubscriptionID? = nil, billingAccountId: AccountID? = nil) {
        self.subscriptionId = subscriptionId
        self.billingAccountId = billingAccountId
    }
}

public struct CreateTestClockRequest: Codable, Sendable, Equatable {
    public var name: String?
    /// Where the clock starts; now when absent.
    public var frozenTime: Date?
    public init(name: String? = nil, frozenTime: Date? = nil) {
        self.name = name
        self.frozenTime = frozenTime
    }
}

public struct TestClockRequest: Codable, Sendable, Equatable {
    public var id: TestClockID
    public init(id: TestClockID) { self.id = id }
}

public struct AdvanceTestClockAttributes: Codable, Sendable, Equatable {
    /// Later than the clock's time, at most 5 years ahead of it.
    public var frozenTime: Date
    public init(frozenTime: Date) { self.frozenTime = frozenTime }
}

public struct AdvanceTestClockRequest: Codable, Sendable, Equatable {
    public var id: TestClockID
    public var frozenTime: Date
    public init(id: TestClockID, frozenTime: Date) {
        self.id = id
        self.frozenTime = frozenTime
    }
}

/// Runs the renewal scheduler once (operators and tests); answers how many subscriptions it moved.
public struct RunDueRequest: Codable, Sendable, Equatable {
    public var limit: Int?
    public init(limit: Int? = nil) { self.limit = limit }
}

public struct RunDueResult: Codable, Sendable, Equatable {
    public var advanced: Int
    public init(advanced: Int) { self.advanced = advanced }
}

/// Apply a coupon to a subscription (replacing the one it has): by id, or through a promotion code.
public struct ApplyDiscountRequest: Codable, Sendable, Equatable {
    public var id: SubscriptionID
    public var couponId: CatalogItemID?
    public var promotionCode: String?

    public init(id: SubscriptionID, couponId: CatalogItemID? = nil, promotionCode: String? = nil) {
        self.id = id
        self.couponId = couponId
        self.promotionCode = promotionCode
    }
}
