/// How a billing product turns a quantity into money (seed 001's pricing models).
public enum PricingModel: String, Sendable, Hashable, Codable, CaseIterable, SchemaDescribing {
    /// One fixed amount, whatever the quantity.
    case flatFee = "FLAT_FEE"
    /// `quantity × unitAmount`.
    case perUnit = "PER_UNIT"
    /// Graduated: each unit is priced at the rate of the tier it falls in.
    case tiered = "TIERED"
    /// Every unit at the rate of the tier the total falls in.
    case volume = "VOLUME"
    /// A price per block of `packageSize` units, partial blocks billed in full, after `freeUnits`.
    case package = "PACKAGE"
}

/// One tier: units up to `upTo` (inclusive; nil = no upper bound) at `unitAmount`, plus `flatAmount`
/// once when the tier is used.
public struct PriceTier: Sendable, Hashable, Codable {
    public var upTo: DecimalNumber?
    public var unitAmount: DecimalNumber
    public var flatAmount: DecimalNumber?

    public init(upTo: DecimalNumber?, unitAmount: DecimalNumber, flatAmount: DecimalNumber? = nil) {
        self.upTo = upTo
        self.unitAmount = unitAmount
        self.flatAmount = flatAmount
    }
}

/// Everything the calculator needs to price a quantity. Amounts are decimals in major units of
/// `currency`; unit amounts may be finer than the minor unit (`0.0025`), line amounts are rounded.
public struct PriceSpecification: Sendable, Hashable {
    public var model: PricingModel
    public var currency: Currency
    /// FLAT_FEE: the fee. Others: an extra fixed amount added once (nil = none).
    public var flatAmount: DecimalNumber?
    /// PER_UNIT: price of one unit. PACKAGE: price of one package.
    public var unitAmount: DecimalNumber?
    public var tiers: [PriceTier]
    /// PACKAGE: units per package.
    public var packageSize: DecimalNumber?
    /// PACKAGE: units given away before packages count.
    public var freeUnits: DecimalNumber?
    /// How each line is rounded to the currency's minor unit.
    public var rounding: RoundingRule

    public init(
        model: PricingModel, currency: Currency, flatAmount: DecimalNumber? = nil, unitAmount: DecimalNumber? = nil, tiers: [PriceTier] = [],
        packageSize: DecimalNumber? = nil, freeUnits: DecimalNumber? = nil, rounding: RoundingRule = .halfEven
    ) {
        self.model = model
        self.currency = currency
        self.flatAmount = flatAmount
        self.unitAmount = unitAmount
        self.tiers = tiers
        self.packageSize = packageSize
        self.freeUnits = freeUnits
        self.rounding = rounding
    }
}

/// Why a price specification or quantity cannot be priced; `field` names the attribute at fault.
public struct PricingError: Error, Sendable, Hashable, CustomStringConvertible {
    public let field: String
    public let message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
