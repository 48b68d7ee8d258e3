/// How a value that falls between two representable values is resolved.
///
/// Every place that rounds money or credits names one of these; nothing rounds implicitly.
public enum RoundingRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// Nearest neighbour; ties go to the even neighbour (banker's rounding). Default for money lines.
    case halfEven = "HALF_EVEN"
    /// Nearest neighbour; ties go away from zero (the rounding taught at school).
    case halfUp = "HALF_UP"
    /// Toward positive infinity.
    case ceiling = "CEILING"
    /// Toward negative infinity.
    case floor = "FLOOR"
    /// Toward zero (truncation).
    case towardZero = "TOWARD_ZERO"

    /// Divides `dividend` by `divisor` (non-zero) and rounds the quotient by this rule.
    ///
    /// Exact for every `Int128` input; the caller checks that the quotient fits its target type.
    public func divide(_ dividend: Int128, by divisor: Int128) -> Int128 {
        precondition(divisor != 0, "division by zero")
        let quotient = dividend / divisor  // truncates toward zero
        let remainder = dividend % divisor  // same sign as dividend
        if remainder == 0 { return quotient }
        let negative = (dividend < 0) != (divisor < 0)
        let awayFromZero: Int128 = negative ? quotient - 1 : quotient + 1
        switch self {
        case .towardZero:
            return quotient
        case .ceiling:
            return negative ? quotient : awayFromZero
        case .floor:
            return negative ? awayFromZero : quotient
        case .halfUp, .halfEven:
            let twiceRemainder = remainder.magnitude * 2
            let divisorMagnitude = divisor.magnitude
            if twiceRemainder > divisorMagnitude { return awayFromZero }
            if twiceRemainder < divisorMagnitude { return quotient }
            if self == .halfUp { return awayFromZero }
            return quotient.isMultiple(of: 2) ? quotient : awayFromZero
        }
    }
}

extension RoundingRule: SchemaDescribing {}
