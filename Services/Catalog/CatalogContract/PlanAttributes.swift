import BillingCore

/// How often a plan bills (seed 001).
public enum BillingInterval: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case daily = "DAILY", weekly = "WEEKLY", monthly = "MONTHLY", quarterly = "QUARTERLY", yearly = "YEARLY"
}

/// Whether periods start on the subscription's start date or on the calendar (seed 001).
public enum BillingCycleType: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case calendarAligned = "CALENDAR_ALIGNED"
    case anniversary = "ANNIVERSARY"
}

/// HARD limits block the action (HTTP 402, seed 004); SOFT ones allow it and flag it.
public enum LimitEnforcement: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case hard = "HARD", soft = "SOFT"
}

/// A plan's allowance of one metered resource per period (seed 004: messages, storage, users, WhatsApp sessions).
public struct PlanLimit: Codable, Sendable, Equatable {
    /// Resource code (`messages`, `storage_mb`, `users`, `whatsapp_sessions`, or any other).
    public var resource: String
    public var limit: Int64
    public var enforcement: LimitEnforcement

    public init(resource: String, limit: Int64, enforcement: LimitEnforcement) {
        self.resource = resource
        self.limit = limit
        self.enforcement = enforcement
    }
}

/// Usage billed with a plan: a meter's aggregate priced by a product.
public struct UsageCharge: Codable, Sendable, Equatable {
    public var meterId: CatalogItemID
    public var productId: CatalogItemID
    /// The product version this plan version prices with (set by the catalog).
    public var productVersion: Int?

    public init(meterId: CatalogItemID, productId: CatalogItemID, productVersion: Int? = nil) {
        self.meterId = meterId
        self.productId = productId
        self.productVersion = productVersion
    }
}

/// A subscription plan (seed 001 "Planos de assinatura"; its example body is valid as printed).
public struct PlanAttributes: Codable, Sendable, Equatable {
    /// Optional lookup code, unique per tenant when given.
    public var code: String?
    public var name: String
    public var description: String?
    public var billingInterval: BillingInterval
    public var billingCycleType: BillingCycleType
    /// Price per period and unit of quantity.
    public var basePrice: DecimalNumber
    public var currency: String
    public var trialDays: Int?
    /// AI credits granted each period (seed 003: 300 monthly credits); unused ones expire at period end.
    public var includedCredits: Credits?
    public var limits: [PlanLimit]?
    /// Feature flags the plan turns on.
    public var features: [String]?
    public var usageCharges: [UsageCharge]?

    public init(code: String? = nil, name: String, description: String? = nil, billingInterval: BillingInterval, billingCycleType: BillingCycleType,
                basePrice: DecimalNumber, currency: String, trialDays: Int? = nil, includedCredits: Credits? = nil, limits: [PlanLimit]? = nil,
                features: [String]? = nil, usageCharges: [UsageCharge]? = nil) {
        self.code = code
        self.name = name
        self.description = description
        self.billingInterval = billingInterval
        self.billingCycleType = billingCycleType
        self.basePrice = basePrice
        self.currency = currency
        self.trialDays = trialDays
        self.includedCredits = includedCredits
        self.limits = limits
        self.features = features
        self.usageCharges = usageCharges
    }
}
