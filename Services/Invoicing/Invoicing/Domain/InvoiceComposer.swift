import BillingCore
import Foundation
import InvoicingContract
import SubscriptionsContract

/// The lines of an invoice from the subscriptions it bills (pure).
///
/// Each live subscription (TRIAL, ACTIVE, PAST_DUE) whose current period overlaps the requested one is billed for that current
/// period: its plan price × quantity, and its ACTIVE paid add-ons. A trial period is billed at zero (as Stripe does): one TRIAL
/// line of amount 0.00, so the invoice of seed 001's example totals 0.00, is PAID at finalize and accepts its zero payment.
enum InvoiceComposer {
    static func lines(for subscriptions: [Subscription], period: TimeSpan?, currency: Currency) throws(InvoicingError) -> [InvoiceLine] {
        var lines: [InvoiceLine] = []
        for subscription in subscriptions where [.trial, .active, .pastDue].contains(subscription.status) {
            let start = subscription.currentPeriodStart, end = subscription.currentPeriodEnd
            if let period, !(start < period.end && period.start < end) { continue }
            guard subscription.plan.currency == currency.code else {
                throw .invalid(
                    "billingAccountId", "subscription \(subscription.id) is in \(subscription.plan.currency), the account in \(currency.code)")
            }
            let unit = try money(subscription.plan.unitPrice, currency)
            let id = subscription.id
            if subscription.status == .trial {
                lines.append(
                    InvoiceLine(
                        kind: "TRIAL", description: "\(subscription.plan.name) — trial until \(RFC3339.format(end).prefix(10))",
                        quantity: subscription.quantity, unitAmount: .zero(currency), amount: .zero(currency), periodStart: start,
                        periodEnd: end, subscriptionId: id))
                continue
            }
            lines += try periodLines(
                plan: subscription.plan.name, unit: unit, quantity: subscription.quantity, addons: subscription.addons,
                period: TimeSpan(start: start, end: end), subscriptionId: id)
        }
        return lines
    }

    /// A paid period's lines: the plan at `unit` × `quantity`, then each ACTIVE paid add-on.
    static func periodLines(
        plan name: String, unit: Money, quantity: Int, addons: [SubscriptionAddon], period: TimeSpan,
        subscriptionId: SubscriptionID
    ) throws(InvoicingError) -> [InvoiceLine] {
        var lines = [
            InvoiceLine(
                kind: "SUBSCRIPTION", description: name, quantity: quantity, unitAmount: unit, amount: try times(unit, quantity),
                periodStart: period.start, periodEnd: period.end, subscriptionId: subscriptionId)
        ]
        for addon in addons where addon.status == .active && !addon.price.isZero {
            let price = try money(addon.price, unit.currency)
            lines.append(
                InvoiceLine(
                    kind: "ADDON", description: addon.name, quantity: 1, unitAmount: price, amount: price, periodStart: period.start,
                    periodEnd: period.end, subscriptionId: subscriptionId))
        }
        return lines
    }

    static func total(_ lines: [InvoiceLine], currency: Currency) throws(InvoicingError) -> Money {
        var total = Money.zero(currency)
        for line in lines {
            do { total = try total.adding(line.amount) } catch { throw .invalid("billingAccountId", "the invoice total is out of range") }
        }
        return total
    }

    private static func money(_ amount: DecimalNumber, _ currency: Currency) throws(InvoicingError) -> Money {
        do { return try Money(exactly: amount, currency: currency) } catch {
            throw .invalid("billingAccountId", "a price is not exact in \(currency.code)")
        }
    }

    private static func times(_ unit: Money, _ quantity: Int) throws(InvoicingError) -> Money {
        do { return try unit.multiplied(by: Int64(quantity)) } catch { throw .invalid("billingAccountId", "a line amount is out of range") }
    }
}
