import BillingCore

/// A billing product: what one unit of something costs under a pricing model (seed 001 "Produtos de cobrança").
public struct ProductAttributes: Codable, Sendable, Equatable {
    /// Unique per tenant; fixed once created.
    public var code: String
    public var name: String
    public var description: String?
    public var pricingModel: PricingModel
    public var currency: String
    /// PER_UNIT: price of one unit; PACKAGE: price of one package.
    public var unitAmount: DecimalNumber?
    /// FLAT_FEE: the fee; others: a fixed amount added once.
    public var flatAmount: DecimalNumber?
    /// TIERED and VOLUME: ascending `upTo` bounds, the last one null (open-ended).
    public var tiers: [PriceTier]?
    /// PACKAGE: units per package.
    public var packageSize: DecimalNumber?
    /// PACKAGE: units free before packages count.
    public var freeUnits: DecimalNumber?
    /// How line amounts are rounded to the minor unit (default HALF_EVEN).
    public var rounding: RoundingRule?
    /// The tax code tax rates match (`TaxRate.taxCodes`): 1 to 32 letters, digits, '.', '_' or '-' (the Brazilian service item
    /// `01.07`, `SAAS`); absent: the tenant's default tax code.
    public var taxCode: String?

    public init(
        code: String, name: String, description: String? = nil, pricingModel: PricingModel, currency: String,
        unitAmount: DecimalNumber? = nil, flatAmount: DecimalNumber? = nil, tiers: [PriceTier]? = nil, packageSize: DecimalNumber? = nil,
        freeUnits: DecimalNumber? = nil, rounding: RoundingRule? = nil, taxCode: String? = nil
    ) {
        self.taxCode = taxCode
        self.code = code
        self.name = name
        self.description = description
        self.pricingModel = pricingModel
        self.currency = currency
        self.unitAmount = unitAmount
        self.flatAmount = flatAmount
        self.tiers = tiers
        self.packageSize = packageSize
        self.freeUnits = freeUnits
        self.rounding = rounding
    }

    /// The pricing engine's view of this product (nil when the currency is unknown).
    public var priceSpecification: PriceSpecification? {
        Currency(code: currency).map {
            PriceSpecification(
                model: pricingModel, currency: $0, flatAmount: flatAmount, unitAmount: unitAmount, tiers: tiers ?? [],
                packageSize: packageSize, freeUnits: freeUnits, rounding: rounding ?? .halfEven)
        }
    }
}
