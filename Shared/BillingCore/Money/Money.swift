/// An exact amount of money: an integer count of the currency's minor units.
public struct Money: Sendable, Hashable {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// The value exactly, or ``MoneyError/tooManyDecimals(_:_:)`` when it has digits below the minor unit.
    public init(exactly amount: DecimalNumber, currency: Currency) throws(MoneyError) {
        guard amount.scale <= currency.minorUnitExponent else {
            throw .tooManyDecimals(amount.text, currency)
        }
        guard let units = amount.exactSignificand(atScale: currency.minorUnitExponent),
            let minor = Int64(exactly: units)
        else { throw .outOfRange(amount.text) }
        self.init(minorUnits: minor, currency: currency)
    }

    /// The value rounded to the minor unit by `rule`.
    public init(_ amount: DecimalNumber, currency: Currency, rounding rule: RoundingRule) throws(MoneyError) {
        guard let units = amount.significand(atScale: currency.minorUnitExponent, rounding: rule),
            let minor = Int64(exactly: units)
        else { throw .outOfRange(amount.text) }
        self.init(minorUnits: minor, currency: currency)
    }

    /// Parses decimal text (`"299.90"`) exactly in `currency`.
    public static func parse(_ text: String, currency: Currency) throws(MoneyError) -> Money {
        let amount: DecimalNumber
        do { amount = try DecimalNumber(parsing: text) } catch { throw .malformed(text) }
        return try Money(exactly: amount, currency: currency)
    }

    /// The amount in major units as an exact decimal (`299.9`).
    public var amount: DecimalNumber { DecimalNumber(significand: Int128(minorUnits), scale: currency.minorUnitExponent) }

    /// The amount with exactly the currency's digits (`"299.90"`).
    public var amountText: String { amount.formatted(minimumFractionDigits: currency.minorUnitExponent) }

    public var isZero: Bool { minorUnits == 0 }
    public var isNegative: Bool { minorUnits < 0 }
    public var isPositive: Bool { minorUnits > 0 }
}

extension Money {
    public func adding(_ other: Money) throws(MoneyError) -> Money {
        guard other.currency == currency else { throw .currencyMismatch(currency, other.currency) }
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .outOfRange("\(amountText) + \(other.amountText)") }
        return Money(minorUnits: sum, currency: currency)
    }

    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        guard other.currency == currency else { throw .currencyMismatch(currency, other.currency) }
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .outOfRange("\(amountText) - \(other.amountText)") }
        return Money(minorUnits: difference, currency: currency)
    }

    public func multiplied(by quantity: Int64) throws(MoneyError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: quantity)
        guard !overflow else { throw .outOfRange("\(amountText) × \(quantity)") }
        return Money(minorUnits: product, currency: currency)
    }

    /// `self × factor`, rounded to the minor unit once, at the end.
    public func multiplied(by factor: DecimalNumber, rounding rule: RoundingRule) throws(MoneyError) -> Money {
        guard let product = amount.multiplied(by: factor) else { throw .outOfRange("\(amountText) × \(factor)") }
        return try Money(product, currency: currency, rounding: rule)
    }

    /// `self × numerator / denominator`, computed exactly and rounded once (proration).
    public func scaled(numerator: Int64, denominator: Int64, rounding rule: RoundingRule) throws(MoneyError) -> Money {
        guard denominator != 0 else { throw .outOfRange("division by zero") }
        let (product, overflow) = Int128(minorUnits).multipliedReportingOverflow(by: Int128(numerator))
        guard !overflow, let result = Int64(exactly: rule.divide(product, by: Int128(denominator))) else {
            throw .outOfRange("\(amountText) × \(numerator)/\(denominator)")
        }
        return Money(minorUnits: result, currency: currency)
    }

    public var negated: Money { Money(minorUnits: -minorUnits, currency: currency) }
}

extension Money: Comparable {
    /// Orders amounts of one currency; amounts of different currencies order by code (never mixed in practice).
    public static func < (lhs: Money, rhs: Money) -> Bool {
        if lhs.currency != rhs.currency { return lhs.currency.code < rhs.currency.code }
        return lhs.minorUnits < rhs.minorUnits
    }
}

extension Money: CustomStringConvertible {
    public var description: String { "\(amountText) \(currency.code)" }
}

extension Money: Codable {
    private enum CodingKeys: String, CodingKey { case amount, currency }

    /// Wire form `{"amount":"299.90","currency":"BRL"}`: digits as text, never a float.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let currency = try container.decode(Currency.self, forKey: .currency)
        let amount = try container.decode(DecimalNumber.self, forKey: .amount)
        do {
            self = try Money(exactly: amount, currency: currency)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .amount, in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(amountText, forKey: .amount)
        try container.encode(currency, forKey: .currency)
    }
}

/// Why a money value could not be formed.
public enum MoneyError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case tooManyDecimals(String, Currency)
    case outOfRange(String)
    case currencyMismatch(Currency, Currency)

    public var description: String {
        switch self {
        case .malformed(let text): return "'\(text.prefix(40))' is not a decimal amount"
        case .tooManyDecimals(let text, let currency):
            return "\(text) has more decimal places than \(currency.code) allows (\(currency.minorUnitExponent))"
        case .outOfRange(let text): return "\(text.prefix(60)) is out of the representable range"
        case .currencyMismatch(let left, let right): return "cannot combine \(left.code) with \(right.code)"
        }
    }
}
