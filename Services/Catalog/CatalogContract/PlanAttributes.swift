import BillingCore

/// HARD limits block the action (HTTP 402, seed 004); SOFT ones allow it and flag it.
public enum LimitEnforcement: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case hard = "HARD", soft = "SOFT"
}

/// Whether a limit's usage starts again each period (`messages`) or is a running count (`users`, `whatsapp_sessions`),
/// released by consuming a negative quantity.
public enum LimitReset: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case period = "PERIOD", never = "NEVER"
}

/// A plan's allowance of one metered resource per period (seed 004: messages, storage, users, WhatsApp sessions).
public struct PlanLimit: Codable, Sendable, Equatable {
    /// Resource code (`messages`, `storage_mb`, `users`, `whatsapp_sessions`, or any other).
    public var resource: String
    public var limit: Int64
    public var enforcement: LimitEnforcement
    /// Default PERIOD.
    public var reset: LimitReset?

    public init(resource: String, limit: Int64, enforcement: LimitEnforcement, reset: LimitReset? = nil) {
        self.resource = resource
        self.limit = limit
        self.enforcement = enforcement
        self.reset = reset
    }
}

/// Whether `value` is a lower-case identifier (resource codes, feature flags): 1 to 64 of `a-z 0-9 _ . -`.
public func isIdentifier(_ value: String) -> Bool {
    (1...64).contains(value.count)
        && value.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0) }
}

/// What is wrong with a list of limits: the field (`limits[1].limit`) and why.
public struct PlanLimitProblem: Error, Sendable, Equatable {
    public let field: String
    public let message: String
}

extension PlanLimit {
    /// The rules any list of limits follows (a plan's, or one an admin sets on an account): lower-case resource codes, each once,
    /// limits not negative.
    public static func validate(_ limits: [PlanLimit], field: String = "limits") throws(PlanLimitProblem) {
        guard limits.count <= 100 else { throw PlanLimitProblem(field: field, message: "at most 100 limits") }
        var resources = Set<String>()
        for (index, limit) in limits.enumerated() {
            let resource = limit.resource
            guard isIdentifier(resource) else {
                throw PlanLimitProblem(
                    field: "\(field)[\(index)].resource",
                    message: "resource must be 1 to 64 lower-case letters, digits, '_', '.' or '-' ('\(resource.prefix(70))')")
            }
            guard resources.insert(resource).inserted else {
                throw PlanLimitProblem(field: "\(field)[\(index)].resource", message: "'\(resource)' has two limits")
            }
            guard limit.limit >= 0 else { throw PlanLimitProblem(field: "\(field)[\(index)].limit", message: "a limit must not be negative") }
        }
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
    /// Postpaid credit overage (seed 003 "Cliente B", its "overage rate"): the price, in the plan's currency, of one credit spent
    /// beyond the wallet's credits (the account's overdraft). What the overdraft owes when a period ends is billed on that
    /// period's invoice at this price, instead of being repaid from the next grant. Up to 8 decimal places; absent: not billed.
    public var creditOveragePrice: DecimalNumber?
    /// Partial rollover (seed 003): `percent` (1 to 100) of the allowance a period leaves unused carries into the next period, at
    /// most `maximumCredits`, as a ROLLOVER grant that expires when that period ends. Needs `includedCredits`.
    public var creditRollover: CreditRollover?
    /// Minimum commitment per period (Orb, Metronome): when the period's usage charges total less, its invoice gets a
    /// `MINIMUM_TRUE_UP` line for the difference. Exact in the plan's currency; absent: none.
    public var minimumAmount: DecimalNumber?
    /// The tax code tax rates match (`TaxRate.taxCodes`): 1 to 32 letters, digits, '.', '_' or '-' (the Brazilian service item
    /// `01.07`, `SAAS`); absent: the tenant's default tax code.
    public var taxCode: String?
    /// Annual contracts (seed 003: "10% anual"): a MONTHLY plan may also be subscribed YEARLY, at 12 × `basePrice` less this
    /// percentage (0 to 99.99, at most 2 decimal places). Absent: the plan is offered at its own interval only.
    public var yearlyDiscountPercent: DecimalNumber?
    /// The yearly price per unit, set by the catalog from `yearlyDiscountPercent`: 12 × `basePrice` × (1 − percent / 100),
    /// rounded half-even to the currency's minor unit (any value sent is replaced).
    public var yearlyPrice: DecimalNumber?

    public init(
        code: String? = nil, name: String, description: String? = nil, billingInterval: BillingInterval, billingCycleType: BillingCycleType,
        basePrice: DecimalNumber, currency: String, trialDays: Int? = nil, includedCredits: Credits? = nil, limits: [PlanLimit]? = nil,
        features: [String]? = nil, usageCharges: [UsageCharge]? = nil, creditOveragePrice: DecimalNumber? = nil,
        creditRollover: CreditRollover? = nil, minimumAmount: DecimalNumber? = nil, taxCode: String? = nil,
        yearlyDiscountPercent: DecimalNumber? = nil, yearlyPrice: DecimalNumber? = nil
    ) {
        self.yearlyDiscountPercent = yearlyDiscountPercent
        self.yearlyPrice = yearlyPrice
        self.taxCode = taxCode
        self.minimumAmount = minimumAmount
        self.creditRollover = creditRollover
        self.creditOveragePrice = creditOveragePrice
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

/// Why a yearly price cannot be computed: the field and the reason.
public struct YearlyPriceProblem: Error, Sendable, Equatable {
    public let field: String
    public let message: String
}

extension PlanAttributes {
    /// The yearly price of a MONTHLY plan: 12 × `monthly` × (1 − `discountPercent` / 100), exact, rounded half-even to the
    /// currency's minor unit once, at the end. Example: 99.90 BRL at 10 % → 1078.92 BRL.
    public static func yearlyPrice(
        monthly: DecimalNumber, discountPercent: DecimalNumber, currency: Currency
    ) throws(YearlyPriceProblem) -> Money {
        guard !discountPercent.isNegative, discountPercent < DecimalNumber(100),
            let hundredths = discountPercent.exactSignificand(atScale: 2)
        else {
            throw YearlyPriceProblem(
                field: "yearlyDiscountPercent", message: "yearlyDiscountPercent must be from 0 to 99.99 with at most 2 decimal places")
        }
        do {
            let twelve = try Money(exactly: monthly, currency: currency).multiplied(by: 12)
            return try twelve.multiplied(by: DecimalNumber(significand: 10_000 - hundredths, scale: 4), rounding: .halfEven)
        } catch {
            throw YearlyPriceProblem(field: "basePrice", message: "the yearly price cannot be computed: \(error)")
        }
    }
}
