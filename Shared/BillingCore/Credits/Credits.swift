/// An exact quantity of AI credits: an integer count of 10⁻⁸ credits (`NUMERIC(20,8)` in SQL).
public struct Credits: Sendable, Hashable, Comparable {
    /// Fractional digits of a credit.
    public static let scale = 8
    /// 10⁻⁸-credit units in one credit.
    public static let unitsPerCredit: Int64 = 100_000_000

    /// The quantity in 10⁻⁸-credit units.
    public let units: Int64

    public init(units: Int64) { self.units = units }

    public static let zero = Credits(units: 0)

    /// Whole credits; throws on overflow.
    public init(whole: Int64) throws(CreditsError) {
        let (units, overflow) = whole.multipliedReportingOverflow(by: Credits.unitsPerCredit)
        guard !overflow else { throw .outOfRange(String(whole)) }
        self.units = units
    }

    /// Exactly `value`, or ``CreditsError/tooManyDecimals(_:)`` when it has digits below 10⁻⁸.
    public init(exactly value: DecimalNumber) throws(CreditsError) {
        guard value.scale <= Credits.scale else { throw .tooManyDecimals(value.text) }
        guard let units = value.exactSignificand(atScale: Credits.scale), let exact = Int64(exactly: units) else {
            throw .outOfRange(value.text)
        }
        self.units = exact
    }

    /// `value` rounded to 10⁻⁸ by `rule`.
    public init(_ value: DecimalNumber, rounding rule: RoundingRule) throws(CreditsError) {
        guard let units = value.significand(atScale: Credits.scale, rounding: rule), let exact = Int64(exactly: units) else {
            throw .outOfRange(value.text)
        }
        self.units = exact
    }

    /// Parses decimal text (`"0.084"`) exactly.
    public static func parse(_ text: String) throws(CreditsError) -> Credits {
        let value: DecimalNumber
        do { value = try DecimalNumber(parsing: text) } catch { throw .malformed(text) }
        return try Credits(exactly: value)
    }

    public var decimal: DecimalNumber { DecimalNumber(significand: Int128(units), scale: Credits.scale) }
    /// Shortest exact text (`0.084`, `2`).
    public var text: String { decimal.text }
    /// Text with all eight decimals, as PostgreSQL `NUMERIC(20,8)` prints it.
    public var fixedText: String { decimal.formatted(minimumFractionDigits: Credits.scale) }

    public var isZero: Bool { units == 0 }
    public var isNegative: Bool { units < 0 }

    public static func < (lhs: Credits, rhs: Credits) -> Bool { lhs.units < rhs.units }

    public func adding(_ other: Credits) throws(CreditsError) -> Credits {
        let (sum, overflow) = units.addingReportingOverflow(other.units)
        guard !overflow else { throw .outOfRange("\(text) + \(other.text)") }
        return Credits(units: sum)
    }

    public func subtracting(_ other: Credits) throws(CreditsError) -> Credits {
        let (difference, overflow) = units.subtractingReportingOverflow(other.units)
        guard !overflow else { throw .outOfRange("\(text) - \(other.text)") }
        return Credits(units: difference)
    }

    /// `self × quantity` (a package bought several times).
    public func multiplied(by quantity: Int64) throws(CreditsError) -> Credits {
        let (product, overflow) = units.multipliedReportingOverflow(by: quantity)
        guard !overflow else { throw .outOfRange("\(text) × \(quantity)") }
        return Credits(units: product)
    }

    public var negated: Credits { Credits(units: -units) }
}

extension Credits: CustomStringConvertible {
    public var description: String { text }
}

extension Credits: Codable {
    /// Wire form: the digits as a JSON string (`"0.084"`), never a float.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Credits.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// Why a credits value could not be formed.
public enum CreditsError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case tooManyDecimals(String)
    case outOfRange(String)

    public var description: String {
        switch self {
        case .malformed(let text): return "'\(text.prefix(40))' is not a decimal number of credits"
        case .tooManyDecimals(let text): return "\(text) has more than 8 decimal places"
        case .outOfRange(let text): return "\(text.prefix(60)) credits is out of the representable range"
        }
    }
}
