import BillingCore

/// An add-on: an extra feature billed separately (seed 000 "Addons pagos").
public struct AddonAttributes: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var description: String?
    /// Price per interval; 0 means free (activation is then instant).
    public var price: DecimalNumber
    public var currency: String
    /// Defaults to MONTHLY.
    public var billingInterval: BillingInterval?
    /// The feature flag the add-on turns on.
    public var featureFlag: String
    /// What the add-on adds to the plan's limits while active (`messages` +5000): each `limit` is added to the plan's limit of
    /// that resource, or is the limit when the plan has none (with its enforcement and reset).
    public var limits: [PlanLimit]?
    /// The tax code tax rates match (`TaxRate.taxCodes`): 1 to 32 letters, digits, '.', '_' or '-' (the Brazilian service item
    /// `01.07`, `SAAS`); absent: the tenant's default tax code.
    public var taxCode: String?

    public init(
        code: String, name: String, description: String? = nil, price: DecimalNumber, currency: String,
        billingInterval: BillingInterval? = nil, featureFlag: String, limits: [PlanLimit]? = nil, taxCode: String? = nil
    ) {
        self.taxCode = taxCode
        self.code = code
        self.name = name
        self.description = description
        self.price = price
        self.currency = currency
        self.billingInterval = billingInterval
        self.featureFlag = featureFlag
        self.limits = limits
    }
}
