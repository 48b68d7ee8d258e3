import BillingCore
import Foundation
import SubscriptionsContract

/// Proration of a change made inside a period (Stripe's rule): a credit for the unused rest of the old terms and a charge for the
/// same rest under the new ones, both `amount × remaining / period length` measured in microseconds, each rounded half-even
/// to the currency's minor unit on its own (so the two lines are what the invoice shows, and their sum is the net).
/// Example: 100.00/month from April 1, switched to 200.00 on April 16 00:00 (half of a 30-day April left) → −50.00 and +100.00;
/// the May 1 invoice then bills 200.00 + 50.00 = 250.00.
enum Proration {
    struct Terms {
        let description: String
        let unitPrice: DecimalNumber
        let quantity: Int
    }

    static func lines(
        from old: Terms, to new: Terms, currency code: String, period: TimeSpan, at instant: Date
    ) throws(SubscriptionsError) -> [ProrationLine] {
        guard let currency = Currency(code: code) else { throw .invalid("currency", "unknown currency \(code)") }
        let total = microseconds(period.end) - microseconds(period.start)
        let remaining = microseconds(period.end) - microseconds(max(instant, period.start))
        guard total > 0, remaining > 0 else { return [] }
        func prorated(_ terms: Terms) throws(SubscriptionsError) -> Money {
            do {
                let full = try Money(exactly: terms.unitPrice, currency: currency).multiplied(by: Int64(terms.quantity))
                return try full.scaled(numerator: remaining, denominator: total, rounding: .halfEven)
            } catch {
                throw .invalid("planId", "the price cannot be prorated: \(error)")
            }
        }
        return [
            ProrationLine(
                description: "Unused time on \(old.description)", amount: try prorated(old).negated, periodStart: instant, periodEnd: period.end),
            ProrationLine(
                description: "Remaining time on \(new.description)", amount: try prorated(new), periodStart: instant, periodEnd: period.end),
        ]
    }

    static func total(_ lines: [ProrationLine], currency code: String) -> Money? {
        guard let currency = Currency(code: code) else { return nil }
        return Money(minorUnits: lines.reduce(0) { $0 + $1.amount.minorUnits }, currency: currency)
    }

    private static func microseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
}
