import BillingCore
import BillingEvents
import CatalogContract
import Foundation

/// `billing.usage.threshold_reached`: an account used 80 % or 90 % of a limit (once per account, resource and period).
public struct UsageThresholdReached: IntegrationEvent {
    public static let eventType = "billing.usage.threshold_reached"
    public var billingAccountId: AccountID
    public var resource: String
    /// 80 or 90.
    public var thresholdPercent: Int
    public var limit: Int64
    public var used: Int64
    public var enforcement: LimitEnforcement
    /// Nil for a limit that never resets.
    public var periodStart: Date?
    public var subject: String { billingAccountId.description }

    public init(
        billingAccountId: AccountID, resource: String, thresholdPercent: Int, limit: Int64, used: Int64, enforcement: LimitEnforcement,
        periodStart: Date?
    ) {
        self.billingAccountId = billingAccountId
        self.resource = resource
        self.thresholdPercent = thresholdPercent
        self.limit = limit
        self.used = used
        self.enforcement = enforcement
        self.periodStart = periodStart
    }
}

/// `billing.usage.limit_reached`: an account reached a limit, or a HARD limit blocked it (once per account, resource and period).
public struct UsageLimitReached: IntegrationEvent {
    public static let eventType = "billing.usage.limit_reached"
    public var billingAccountId: AccountID
    public var resource: String
    public var limit: Int64
    public var used: Int64
    public var enforcement: LimitEnforcement
    /// Nil for a limit that never resets.
    public var periodStart: Date?
    public var subject: String { billingAccountId.description }

    public init(billingAccountId: AccountID, resource: String, limit: Int64, used: Int64, enforcement: LimitEnforcement, periodStart: Date?) {
        self.billingAccountId = billingAccountId
        self.resource = resource
        self.limit = limit
        self.used = used
        self.enforcement = enforcement
        self.periodStart = periodStart
    }
}
