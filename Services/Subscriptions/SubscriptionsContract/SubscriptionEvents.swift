import BillingCore
import BillingEvents
import Foundation

/// What subscription events say about the subscription (seeds 000 and 001).
public struct SubscriptionSummary: Codable, Sendable, Equatable {
    public var id: SubscriptionID
    /// The billing account (accounts context) it belongs to.
    public var billingAccountId: AccountID
    public var planId: CatalogItemID
    public var planVersion: Int
    /// TRIAL, ACTIVE, PAST_DUE, PAUSED, CANCELED or EXPIRED.
    public var status: String
    public var quantity: Int
    public var currentPeriodStart: Date
    public var currentPeriodEnd: Date
    /// The plan's AI credits for the current period; the ledger grants them when a period starts.
    public var includedCredits: Credits
    /// The plan's price per period and unit.
    public var unitPrice: Money?
    public var trialEnd: Date?
    public var cancelAtPeriodEnd: Bool
    public var testClockId: TestClockID?
    /// The plan's price of one credit of overdraft: when set, a period's start bills the overdraft owed (the ledger and
    /// invoicing agree on it through `Credits/BillOverage`) before the new allowance is granted.
    public var creditOveragePrice: DecimalNumber?
    /// The limits it gives its account now (the plan's with its active add-ons' on top); the ledger enforces them while the
    /// subscription is TRIAL, ACTIVE or PAST_DUE.
    public var limits: [SubscriptionLimit]?
    /// When the subscription last changed: an older summary arriving late never overwrites a newer one.
    public var updatedAt: Date?
    /// The plan's rollover of unused allowance into the next period.
    public var creditRollover: CreditRollover?
    /// The coupon applied to the subscription, if any: invoicing discounts the periods it covers.
    public var discount: SubscriptionDiscount?

    public init(
        id: SubscriptionID, billingAccountId: AccountID, planId: CatalogItemID, planVersion: Int, status: String, quantity: Int,
        currentPeriodStart: Date, currentPeriodEnd: Date, includedCredits: Credits = .zero, unitPrice: Money? = nil, trialEnd: Date? = nil,
        cancelAtPeriodEnd: Bool = false, testClockId: TestClockID? = nil, creditOveragePrice: DecimalNumber? = nil,
        limits: [SubscriptionLimit]? = nil, updatedAt: Date? = nil, creditRollover: CreditRollover? = nil,
        discount: SubscriptionDiscount? = nil
    ) {
        self.discount = discount
        self.creditRollover = creditRollover
        self.limits = limits
        self.updatedAt = updatedAt
        self.creditOveragePrice = creditOveragePrice
        self.id = id
        self.billingAccountId = billingAccountId
        self.planId = planId
        self.planVersion = planVersion
        self.status = status
        self.quantity = quantity
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.includedCredits = includedCredits
        self.unitPrice = unitPrice
        self.trialEnd = trialEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.testClockId = testClockId
    }
}

/// Events whose payload is the subscription as it is after the change.
public protocol SubscriptionEvent: IntegrationEvent {
    var subscription: SubscriptionSummary { get }
    init(subscription: SubscriptionSummary)
}

extension SubscriptionEvent {
    public var subject: String { subscription.id.description }
}

/// `billing.subscription.created` (seed 001); its first period (the trial, when there is one) starts at `currentPeriodStart`.
public struct SubscriptionCreated: SubscriptionEvent {
    public static let eventType = "billing.subscription.created"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.activated` (seed 001): it became ACTIVE (created without a trial, after a trial, or paid again).
public struct SubscriptionActivated: SubscriptionEvent {
    public static let eventType = "billing.subscription.activated"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.trial_will_end` (Stripe's `customer.subscription.trial_will_end`): a TRIAL subscription's trial ends in three
/// days, at `trialEnd` (sooner when the whole trial is shorter: then announced when it starts). Once per subscription; not announced
/// when the subscription stopped being TRIAL first.
public struct SubscriptionTrialWillEnd: SubscriptionEvent {
    public static let eventType = "billing.subscription.trial_will_end"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.trial_ended`: the trial is over and the first paid period starts at `currentPeriodStart`.
public struct SubscriptionTrialEnded: SubscriptionEvent {
    public static let eventType = "billing.subscription.trial_ended"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.renewed`: one period ended and the next began (invoicing drafts its invoice; the ledger grants its credits and
/// lets the previous allowance expire).
public struct SubscriptionRenewed: SubscriptionEvent {
    public static let eventType = "billing.subscription.renewed"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.paused` (seed 001): no renewals until resumed.
public struct SubscriptionPaused: SubscriptionEvent {
    public static let eventType = "billing.subscription.paused"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.resumed`: ACTIVE again; a new period starts at the resume.
public struct SubscriptionResumed: SubscriptionEvent {
    public static let eventType = "billing.subscription.resumed"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.canceled` (seed 001), with the reason given (seed 000: reasons are recorded).
public struct SubscriptionCanceled: IntegrationEvent {
    public static let eventType = "billing.subscription.canceled"
    public var subscription: SubscriptionSummary
    /// Whether it ends at the end of the current period (it keeps working until then) or ended now.
    public var atPeriodEnd: Bool
    public var reason: String?
    public var subject: String { subscription.id.description }

    public init(subscription: SubscriptionSummary, atPeriodEnd: Bool, reason: String?) {
        self.subscription = subscription
        self.atPeriodEnd = atPeriodEnd
        self.reason = reason
    }
}

/// `billing.subscription.reactivated` (seed 000): a cancellation undone before the period ended.
public struct SubscriptionReactivated: SubscriptionEvent {
    public static let eventType = "billing.subscription.reactivated"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.expired`: canceled at period end, and that end came.
public struct SubscriptionExpired: SubscriptionEvent {
    public static let eventType = "billing.subscription.expired"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.past_due`: an invoice of it is overdue (seed 000 "Atrasada": access may be restricted).
public struct SubscriptionPastDue: SubscriptionEvent {
    public static let eventType = "billing.subscription.past_due"
    public var subscription: SubscriptionSummary
    public init(subscription: SubscriptionSummary) { self.subscription = subscription }
}

/// `billing.subscription.plan_changed`: effective now (with proration lines for the next invoice) or at a period end.
public struct SubscriptionPlanChanged: IntegrationEvent {
    public static let eventType = "billing.subscription.plan_changed"
    public var subscription: SubscriptionSummary
    public var previousPlanId: CatalogItemID
    public var previousPlanVersion: Int
    public var prorationLines: [ProrationLine]
    public var subject: String { subscription.id.description }

    public init(subscription: SubscriptionSummary, previousPlanId: CatalogItemID, previousPlanVersion: Int, prorationLines: [ProrationLine]) {
        self.subscription = subscription
        self.previousPlanId = previousPlanId
        self.previousPlanVersion = previousPlanVersion
        self.prorationLines = prorationLines
    }
}

/// `billing.subscription.quantity_changed`: effective now (with proration lines) or at a period end.
public struct SubscriptionQuantityChanged: IntegrationEvent {
    public static let eventType = "billing.subscription.quantity_changed"
    public var subscription: SubscriptionSummary
    public var previousQuantity: Int
    public var prorationLines: [ProrationLine]
    public var subject: String { subscription.id.description }

    public init(subscription: SubscriptionSummary, previousQuantity: Int, prorationLines: [ProrationLine]) {
        self.subscription = subscription
        self.previousQuantity = previousQuantity
        self.prorationLines = prorationLines
    }
}

/// `billing.addon.activated` (seed 000): the add-on's feature flag is on.
public struct AddonActivated: IntegrationEvent {
    public static let eventType = "billing.addon.activated"
    public var subscriptionId: SubscriptionID
    public var billingAccountId: AccountID
    public var addonId: CatalogItemID
    public var addonCode: String
    public var featureFlag: String
    /// The subscription after the activation (its limits include the add-on's).
    public var subscription: SubscriptionSummary?
    public var subject: String { subscriptionId.description }

    public init(
        subscriptionId: SubscriptionID, billingAccountId: AccountID, addonId: CatalogItemID, addonCode: String, featureFlag: String,
        subscription: SubscriptionSummary? = nil
    ) {
        self.subscription = subscription
        self.subscriptionId = subscriptionId
        self.billingAccountId = billingAccountId
        self.addonId = addonId
        self.addonCode = addonCode
        self.featureFlag = featureFlag
    }
}

/// `billing.addon.canceled` (seed 000): the add-on's feature flag is off (now), or will be at period end.
public struct AddonCanceled: IntegrationEvent {
    public static let eventType = "billing.addon.canceled"
    public var subscriptionId: SubscriptionID
    public var billingAccountId: AccountID
    public var addonId: CatalogItemID
    public var addonCode: String
    public var featureFlag: String
    public var atPeriodEnd: Bool
    /// The subscription after the change (its limits lose the add-on's once it is canceled).
    public var subscription: SubscriptionSummary?
    public var subject: String { subscriptionId.description }

    public init(
        subscriptionId: SubscriptionID, billingAccountId: AccountID, addonId: CatalogItemID, addonCode: String, featureFlag: String,
        atPeriodEnd: Bool,
        subscription: SubscriptionSummary? = nil
    ) {
        self.subscription = subscription
        self.subscriptionId = subscriptionId
        self.billingAccountId = billingAccountId
        self.addonId = addonId
        self.addonCode = addonCode
        self.featureFlag = featureFlag
        self.atPeriodEnd = atPeriodEnd
    }
}
