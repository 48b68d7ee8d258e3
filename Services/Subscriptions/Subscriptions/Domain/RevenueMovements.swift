import BillingCore
import Foundation
import SubscriptionsContract

/// MRR movements month by month, classified per account (as Stripe's, Lago's and ChartMogul's are: a customer switching one
/// subscription for another of the same price moved nothing), each currency on its own. Pure: the store reads each account's MRR
/// at every month boundary, this compares consecutive ones.
///
/// For an account whose MRR goes from `s` at the start of a month to `e` at its end: `s = 0 < e` is new (its first MRR ever) or a
/// reactivation (it had MRR before the month); `0 < s < e` expansion `e − s`; `0 < e < s` contraction `s − e`; `s > 0 = e`
/// churned `s`. Logo churn = churned accounts ÷ accounts with MRR at the start; revenue churn (gross) = (churned + contraction) ÷
/// starting MRR; net revenue churn = (churned + contraction − expansion) ÷ starting MRR.
enum RevenueMovements {
    struct AccountKey: Hashable, Sendable {
        let account: UUID
        let currency: String
    }

    /// An account's MRR at one instant, in annual terms (exact): the sum of its counting subscriptions, and how many they are.
    struct Standing: Equatable, Sendable {
        var annual: DecimalNumber
        var subscriptions: Int
    }

    /// Each account's standing at every boundary: `boundaries[0]` is the start of the first month, `boundaries[i]` the end of month
    /// `i` (its label `months[i - 1]`); accounts without MRR are absent. `firstPaid`: when each account first had MRR.
    static func report(
        months: [String], monthStarts: [Date], boundaries: [[AccountKey: Standing]], firstPaid: [AccountKey: Date]
    ) -> [RevenueMonth] {
        precondition(boundaries.count == months.count + 1 && monthStarts.count == months.count)
        let currencies = Set(boundaries.flatMap { $0.keys.map(\.currency) }).sorted()
        var rows: [RevenueMonth] = []
        for (index, label) in months.enumerated() {
            let start = boundaries[index]
            let end = boundaries[index + 1]
            for code in currencies {
                guard let currency = Currency(code: code) else { continue }
                var tally = Tally()
                for key in Set(start.keys).union(end.keys) where key.currency == code {
                    tally.add(
                        from: start[key]?.annual ?? .zero, to: end[key]?.annual ?? .zero, subscriptions: end[key]?.subscriptions ?? 0,
                        paidBefore: firstPaid[key].map { $0 < monthStarts[index] } ?? false)
                }
                if let row = tally.row(month: label, currency: currency) { rows.append(row) }
            }
        }
        return rows
    }

    /// One month of one currency, summed exactly in annual terms.
    private struct Tally {
        var starting = DecimalNumber.zero
        var ending = DecimalNumber.zero
        var new = DecimalNumber.zero
        var reactivation = DecimalNumber.zero
        var expansion = DecimalNumber.zero
        var contraction = DecimalNumber.zero
        var churned = DecimalNumber.zero
        var subscriptions = 0
        var accounts = 0
        var accountsAtStart = 0
        var newAccounts = 0
        var reactivatedAccounts = 0
        var churnedAccounts = 0

        mutating func add(from start: DecimalNumber, to end: DecimalNumber, subscriptions count: Int, paidBefore: Bool) {
            starting = starting.adding(start) ?? starting
            ending = ending.adding(end) ?? ending
            if start > .zero { accountsAtStart += 1 }
            if end > .zero {
                accounts += 1
                subscriptions += count
            }
            let change = end.adding(start.negated) ?? .zero
            if start.isZero && end > .zero {
                if paidBefore {
                    reactivation = reactivation.adding(end) ?? reactivation
                    reactivatedAccounts += 1
                } else {
                    new = new.adding(end) ?? new
                    newAccounts += 1
                }
            } else if start > .zero && end.isZero {
                churned = churned.adding(start) ?? churned
                churnedAccounts += 1
            } else if change > .zero {
                expansion = expansion.adding(change) ?? expansion
            } else if change < .zero {
                contraction = contraction.adding(change.negated) ?? contraction
            }
        }

        func row(month: String, currency: Currency) -> RevenueMonth? {
            let monthly = { (annual: DecimalNumber) in RecurringRevenue.monthly(fromAnnual: annual, currency: currency) }
            let gains = new.adding(reactivation).flatMap { $0.adding(expansion) }
            let losses = contraction.adding(churned)
            guard let startingMrr = monthly(starting), let mrr = monthly(ending), let newMrr = monthly(new),
                let reactivationMrr = monthly(reactivation), let expansionMrr = monthly(expansion),
                let contractionMrr = monthly(contraction), let churnedMrr = monthly(churned), let gains, let losses,
                let net = gains.adding(losses.negated), let netNewMrr = monthly(net)
            else { return nil }
            let arpa = accounts > 0 ? RecurringRevenue.divided(ending, by: 12 * Int64(accounts), currency: currency) : nil
            return RevenueMonth(
                month: month, currency: currency.code, startingMrr: startingMrr, mrr: mrr, newMrr: newMrr, reactivationMrr: reactivationMrr,
                expansionMrr: expansionMrr, contractionMrr: contractionMrr, churnedMrr: churnedMrr, netNewMrr: netNewMrr,
                activeSubscriptions: subscriptions, activeAccounts: accounts, accountsAtStart: accountsAtStart, newAccounts: newAccounts,
                reactivatedAccounts: reactivatedAccounts, churnedAccounts: churnedAccounts, arpa: arpa,
                logoChurnRate: RecurringRevenue.percent(DecimalNumber(Int64(churnedAccounts)), of: DecimalNumber(Int64(accountsAtStart))),
                revenueChurnRate: RecurringRevenue.percent(losses, of: starting),
                netRevenueChurnRate: losses.adding(expansion.negated).flatMap { RecurringRevenue.percent($0, of: starting) })
        }
    }
}
