import BillingCore
import Foundation
import LedgerContract

/// Where a wallet is heading (seed 003's dashboards; pure): the credits consumed per day over the last `windowDays`, the instant
/// the available credits run out at that pace, and how much of the allowance will be used when it ends. Rounded half-even, in
/// whole 10⁻⁸-credit units and seconds.
enum WalletProjection {
    static let windowDays: Int64 = 7

    static func of(
        consumedInWindow consumed: Credits, available: Credits, allowance: Credits?, allowanceRemaining: Credits?, allowanceExpiresAt: Date?,
        at now: Date
    ) -> CreditProjection {
        let burn = Credits(units: Int64(RoundingRule.halfEven.divide(Int128(consumed.units), by: Int128(windowDays))))
        var runOut: Date?
        if burn > .zero {
            let seconds = available > .zero ? RoundingRule.halfEven.divide(Int128(available.units) * 86_400, by: Int128(burn.units)) : 0
            runOut = now.addingTimeInterval(TimeInterval(Int64(clamping: seconds)))
        }
        var allowanceAtEnd: DecimalNumber?
        if let allowance, allowance > .zero, let remaining = allowanceRemaining, let end = allowanceExpiresAt {
            let secondsLeft = Int128(max(0, Int64(end.timeIntervalSince(now))))
            let projected = Int128((allowance - remaining).units) + RoundingRule.halfEven.divide(Int128(burn.units) * secondsLeft, by: 86_400)
            allowanceAtEnd = DecimalNumber(
                significand: RoundingRule.halfEven.divide(projected * 10_000, by: Int128(allowance.units)), scale: 2)
        }
        return CreditProjection(
            windowDays: Int(windowDays), burnRatePerDay: burn, projectedRunOutAt: runOut, projectedAllowanceUsedPercent: allowanceAtEnd)
    }
}
