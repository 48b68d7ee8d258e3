import Foundation

/// Partial rollover of a plan's monthly allowance (seed 003): `percent` of what a period leaves unused is carried into the next
/// period as a grant that expires at its end, at most `maximumCredits`; the rest expires as usual.
public struct CreditRollover: Codable, Sendable, Hashable {
    /// 1 to 100.
    public var percent: Int
    /// The most credits one period carries over; absent: no cap.
    public var maximumCredits: Credits?

    public init(percent: Int, maximumCredits: Credits? = nil) {
        self.percent = percent
        self.maximumCredits = maximumCredits
    }

    /// What `unused` credits carry over: `percent` of them, rounded down to the 10⁻⁸ credit, capped.
    public func carried(from unused: Credits) -> Credits {
        guard unused.units > 0 else { return Credits(units: 0) }
        let share = Credits(units: Int64(RoundingRule.towardZero.divide(Int128(unused.units) * Int128(percent), by: 100)))
        guard let cap = maximumCredits, cap < share else { return share }
        return cap
    }
}
