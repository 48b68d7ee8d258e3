import BillingCore
import BillingEvents
import Foundation

/// Identifies a subscription.
public struct SubscriptionID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// What subscription events say about the subscription (seeds 000 and 001).
public struct SubscriptionSummary: Codable, Sendable, Equatable {
    public var id: SubscriptionID
    /// The billing account (accounts context) it belongs to.
    public var billingAccountId: String
    public var planId: String
    public var planVersion: Int
    /// TRIAL, ACTIVE, PAST_DUE, PAUSED, CANCELED or EXPIRED.
    public var status: String
    public var quantity: Int
    public var currentPeriodStart: Date
    public var currentPeriodEnd: Date

    public init(id: SubscriptionID, billingAccountId: String, planId: String, planVersion: Int, status: String, quantity: Int,
                currentPeriodStart: Date, currentPeriodEnd: Date) {
        self.id = id
        self.billingAccountId = billingAccountId
        self.planId = planId
        self.planVersion = planVersion
        self.status = status
        self.quantity = quantity
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
    }
}

/// `billing.subscription.created` (seed 001).
public struct SubscriptionCreated: IntegrationEvent {
    public static let eventType = "billing.subscription.created"
    public var subscription: SubscriptionSummary
    public var subject: String { subscription.id.description }
}

/// `billing.subscription.activated` (seed 001): it became ACTIVE (after a trial, or paid again).
public struct SubscriptionActivated: IntegrationEvent {
    public static let eventType = "billing.subscription.activated"
    public var subscription: SubscriptionSummary
    public var subject: String { subscription.id.description }
}

/// `billing.subscription.paused` (seed 001).
public struct SubscriptionPaused: IntegrationEvent {
    public static let eventType = "billing.subscription.paused"
    public var subscription: SubscriptionSummary
    public var subject: String { subscription.id.description }
}

/// `billing.subscription.canceled` (seed 001), with the reason given (seed 000: reasons are recorded).
public struct SubscriptionCanceled: IntegrationEvent {
    public static let eventType = "billing.subscription.canceled"
    public var subscription: SubscriptionSummary
    /// Whether it ends now or at the end of the current period.
    public var atPeriodEnd: Bool
    public var reason: String?
    public var subject: String { subscription.id.description }
}

/// `billing.subscription.reactivated` (seed 000): a cancellation undone before the period ended.
public struct SubscriptionReactivated: IntegrationEvent {
    public static let eventType = "billing.subscription.reactivated"
    public var subscription: SubscriptionSummary
    public var subject: String { subscription.id.description }
}

/// `billing.addon.activated` (seed 000): the add-on's feature flag is on.
public struct AddonActivated: IntegrationEvent {
    public static let eventType = "billing.addon.activated"
    public var subscriptionId: SubscriptionID
    public var billingAccountId: String
    public var addonId: String
    public var addonCode: String
    public var featureFlag: String
    public var subject: String { subscriptionId.description }
}

/// `billing.addon.canceled` (seed 000): the add-on's feature flag is off (now or at period end).
public struct AddonCanceled: IntegrationEvent {
    public static let eventType = "billing.addon.canceled"
    public var subscriptionId: SubscriptionID
    public var billingAccountId: String
    public var addonId: String
    public var addonCode: String
    public var featureFlag: String
    public var atPeriodEnd: Bool
    public var subject: String { subscriptionId.description }
}

/// `billing.subscription.renewed`: a billing period began (the first one included); the ledger grants the plan's monthly
/// credits for it and lets the previous period's allowance expire (seeds 000, 003).
public struct SubscriptionRenewed: IntegrationEvent {
    public static let eventType = "billing.subscription.renewed"
    public var subscription: SubscriptionSummary
    /// The plan's included AI credits for this period (times quantity where the plan says so).
    public var includedCredits: Credits
    public var subject: String { subscription.id.description }

    public init(subscription: SubscriptionSummary, includedCredits: Credits) {
        self.subscription = subscription
        self.includedCredits = includedCredits
    }
}
