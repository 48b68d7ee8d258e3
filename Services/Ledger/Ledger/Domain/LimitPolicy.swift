import BillingCore
import CatalogContract

/// Seed 004's alert thresholds and percentages (pure; the atomic check itself is one conditional SQL update).
enum LimitPolicy {
    /// 80 % and 90 % warn (`threshold_reached`), 100 % is `limit_reached`.
    static let thresholds = [80, 90, 100]

    /// Thresholds that usage moved past, from `before` to `after`.
    static func crossed(limit: Int64, before: Int64, after: Int64) -> [Int] {
        thresholds.filter { reached(limit: limit, used: after, percent: $0) && !reached(limit: limit, used: before, percent: $0) }
    }

    static func reached(limit: Int64, used: Int64, percent: Int) -> Bool {
        used > 0 && Int128(used) * 100 >= Int128(limit) * Int128(percent)
    }

    /// `used / limit` in percent, half-even at 2 decimal places; a zero limit with usage reads 100.
    static func percentUsed(limit: Int64, used: Int64) -> DecimalNumber {
        guard used > 0 else { return .zero }
        guard limit > 0 else { return DecimalNumber(100) }
        return DecimalNumber(significand: RoundingRule.halfEven.divide(Int128(used) * 10_000, by: Int128(limit)), scale: 2)
    }
}
