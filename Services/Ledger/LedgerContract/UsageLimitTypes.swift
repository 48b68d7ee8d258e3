import BillingCore
import CatalogContract
import Foundation

/// Replace an account's limits (the admin path, until the account's subscription provides them).
public struct SetUsageLimitsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var limits: [PlanLimit]

    public init(billingAccountId: AccountID, limits: [PlanLimit]) {
        self.billingAccountId = billingAccountId
        self.limits = limits
    }
}

/// The public body of `PUT /billing-accounts/{id}/usage-limits`.
public struct UsageLimitsAttributes: Codable, Sendable, Equatable {
    public var limits: [PlanLimit]
    public init(limits: [PlanLimit]) { self.limits = limits }
}

/// Check a resource against the account's limit and consume `quantity` of it in one step.
public struct UsageLimitCheckRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var resource: String
    /// Default 1; a negative quantity releases usage of a limit that never resets (a user or session removed).
    public var quantity: Int64?

    public init(billingAccountId: AccountID, resource: String, quantity: Int64? = nil) {
        self.billingAccountId = billingAccountId
        self.resource = resource
        self.quantity = quantity
    }
}

/// An allowed (and consumed) check; a check refused by a HARD limit is an error (`resource_exhausted`, LIMIT_REACHED) instead.
public struct UsageLimitCheck: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var resource: String
    public var allowed: Bool
    /// Nil when the account has no limit on the resource (it is counted, never blocked).
    public var limit: Int64?
    public var used: Int64
    public var remaining: Int64?
    public var enforcement: LimitEnforcement?
    /// True when usage is now above a SOFT limit (allowed, but flagged).
    public var overLimit: Bool
    /// The period the usage counts in; nil for limits that never reset.
    public var periodStart: Date?
    public var periodEnd: Date?

    public init(
        billingAccountId: AccountID, resource: String, allowed: Bool, limit: Int64?, used: Int64, remaining: Int64?,
        enforcement: LimitEnforcement?, overLimit: Bool, periodStart: Date?, periodEnd: Date?
    ) {
        self.billingAccountId = billingAccountId
        self.resource = resource
        self.allowed = allowed
        self.limit = limit
        self.used = used
        self.remaining = remaining
        self.enforcement = enforcement
        self.overLimit = overLimit
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }
}

public struct AccountUsageLimitsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public init(billingAccountId: AccountID) { self.billingAccountId = billingAccountId }
}

/// Usage against one limit (seed 004 `UsageMetrics`).
/// Where an account's limit of a resource comes from.
public enum LimitSource: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// The account's live subscriptions (plan and active add-ons).
    case plan = "PLAN"
    /// Set on the account by an operator; wins over the plan's.
    case account = "ACCOUNT"
}

public struct ResourceUsage: Codable, Sendable, Equatable {
    public var resource: String
    public var limit: Int64
    public var used: Int64
    public var enforcement: LimitEnforcement
    public var reset: LimitReset
    /// `used / limit` in percent, rounded half-even to 2 decimal places (0 when the limit is 0 and nothing was used).
    public var percentUsed: DecimalNumber
    /// Where the limit comes from: `PLAN` (the account's live subscriptions: the largest plan limit with its add-ons' on top) or
    /// `ACCOUNT` (set on the account with `PUT …/usage-limits`, which wins over the plan's for that resource).
    public var source: LimitSource?

    public init(
        resource: String, limit: Int64, used: Int64, enforcement: LimitEnforcement, reset: LimitReset, percentUsed: DecimalNumber,
        source: LimitSource? = nil
    ) {
        self.source = source
        self.resource = resource
        self.limit = limit
        self.used = used
        self.enforcement = enforcement
        self.reset = reset
        self.percentUsed = percentUsed
    }
}

/// Usage against each of an account's limits; PERIOD limits count in the current calendar month of the account's time zone.
public struct AccountUsageLimits: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var periodStart: Date
    public var periodEnd: Date
    public var timezone: String
    public var limits: [ResourceUsage]

    public init(billingAccountId: AccountID, periodStart: Date, periodEnd: Date, timezone: String, limits: [ResourceUsage]) {
        self.billingAccountId = billingAccountId
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.timezone = timezone
        self.limits = limits
    }
}
