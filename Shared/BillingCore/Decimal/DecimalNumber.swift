/// An exact decimal number: `significand × 10^-scale`.
///
/// Parsed from the digits of its text (JSON numbers, strings), never through `Double`.
/// Stored normalised (no trailing fractional zeros), so `1.50 == 1.5` and `-0 == 0`.
public struct DecimalNumber: Sendable, Hashable {
    /// The digits of the value as an integer.
    public let significand: Int128
    /// How many of those digits are fractional (never negative).
    public let scale: Int

    /// The largest scale kept; more fractional digits than this is a parse error.
    public static let maximumScale = 30

    public static let zero = DecimalNumber(normalizing: 0, scale: 0)

    /// Creates `significand × 10^-scale`, normalising trailing zeros away.
    public init(significand: Int128, scale: Int) {
        self.init(normalizing: significand, scale: scale)
    }

    public init(_ integer: Int64) {
        self.init(normalizing: Int128(integer), scale: 0)
    }

    private init(normalizing significand: Int128, scale: Int) {
        precondition(scale >= 0, "negative scale")
        var digits = significand
        var fractional = scale
        while fractional > 0 && digits != 0 && digits % 10 == 0 {
            digits /= 10
            fractional -= 1
        }
        if digits == 0 { fractional = 0 }
        self.significand = digits
        self.scale = fractional
    }

    public var isZero: Bool { significand == 0 }
    public var isNegative: Bool { significand < 0 }
    public var isInteger: Bool { scale == 0 }

    /// The significand at `targetScale` fractional digits, rounded by `rule`; nil when it overflows.
    public func significand(atScale targetScale: Int, rounding rule: RoundingRule) -> Int128? {
        precondition(targetScale >= 0)
        if targetScale >= scale {
            return DecimalNumber.multiply(significand, byPowerOfTen: targetScale - scale)
        }
        guard let divisor = DecimalNumber.powerOfTen(scale - targetScale) else {
            // More than 38 digits to drop: |value| < 0.2 of a unit, so it rounds to 0 or to ±1.
            return roundTinyValue(rule)
        }
        return rule.divide(significand, by: divisor)
    }

    /// The significand at `targetScale` when no rounding is needed; nil if digits would be lost or it overflows.
    public func exactSignificand(atScale targetScale: Int) -> Int128? {
        guard scale <= targetScale else { return nil }
        return DecimalNumber.multiply(significand, byPowerOfTen: targetScale - scale)
    }

    /// This value rounded to `targetScale` fractional digits.
    public func rounded(toScale targetScale: Int, rule: RoundingRule) -> DecimalNumber? {
        significand(atScale: targetScale, rounding: rule).map { DecimalNumber(significand: $0, scale: targetScale) }
    }

    private func roundTinyValue(_ rule: RoundingRule) -> Int128 {
        switch rule {
        case .ceiling: return significand > 0 ? 1 : 0
        case .floor: return significand < 0 ? -1 : 0
        default: return 0
        }
    }

    /// `10^exponent` as an `Int128`, nil beyond 10^38.
    public static func powerOfTen(_ exponent: Int) -> Int128? {
        guard exponent >= 0, exponent <= 38 else { return nil }
        var result: Int128 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    static func multiply(_ value: Int128, byPowerOfTen exponent: Int) -> Int128? {
        if value == 0 { return 0 }
        guard let factor = powerOfTen(exponent) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }
}

extension DecimalNumber: Comparable {
    public static func < (lhs: DecimalNumber, rhs: DecimalNumber) -> Bool {
        let common = max(lhs.scale, rhs.scale)
        if let left = lhs.exactSignificand(atScale: common), let right = rhs.exactSignificand(atScale: common) {
            return left < right
        }
        // Only reachable with extreme magnitudes; compare signs then integer parts.
        if lhs.significand.signum() != rhs.significand.signum() { return lhs.significand.signum() < rhs.significand.signum() }
        let left = lhs.significand(atScale: 0, rounding: .floor) ?? 0
        let right = rhs.significand(atScale: 0, rounding: .floor) ?? 0
        return left < right
    }
}

extension DecimalNumber {
    /// Exact sum; nil on overflow.
    public func adding(_ other: DecimalNumber) -> DecimalNumber? {
        let common = max(scale, other.scale)
        guard let left = exactSignificand(atScale: common), let right = other.exactSignificand(atScale: common) else { return nil }
        let (sum, overflow) = left.addingReportingOverflow(right)
        return overflow ? nil : DecimalNumber(significand: sum, scale: common)
    }

    /// Exact product; nil on overflow or when the product needs more than `maximumScale` digits.
    public func multiplied(by other: DecimalNumber) -> DecimalNumber? {
        let (product, overflow) = significand.multipliedReportingOverflow(by: other.significand)
        guard !overflow else { return nil }
        let productScale = scale + other.scale
        if productScale <= DecimalNumber.maximumScale * 2 {
            let value = DecimalNumber(significand: product, scale: productScale)
            return value.scale <= DecimalNumber.maximumScale ? value : value.rounded(toScale: DecimalNumber.maximumScale, rule: .halfEven)
        }
        return nil
    }

    public var negated: DecimalNumber { DecimalNumber(significand: -significand, scale: scale) }
}
