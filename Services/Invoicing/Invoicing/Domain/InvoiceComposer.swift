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
                period: TimeSpan(start: start, end: end), subscriptionId: id,
                proration: firstPeriodProration(subscription, periodStart: start))
        }
        return lines
    }

    /// A paid period's lines: the plan at `unit` × `quantity`, then each ACTIVE paid add-on. With `proration` (a first CALENDAR_ALIGNED
    /// period that starts off a boundary) each line bills its share of the calendar period's days, `amount × days / periodDays` rounded
    /// half-even on its own, and says so.
    static func periodLines(
        plan name: String, unit: Money, quantity: Int, addons: [SubscriptionAddon], period: TimeSpan,
        subscriptionId: SubscriptionID, proration: PeriodProration? = nil
    ) throws(InvoicingError) -> [InvoiceLine] {
        let share = proration.map { " — \($0.days) of \($0.periodDays) days" } ?? ""
        var lines = [
            InvoiceLine(
                kind: "SUBSCRIPTION", description: name + share, quantity: quantity, unitAmount: unit,
                amount: try prorated(try times(unit, quantity), proration), periodStart: period.start, periodEnd: period.end,
                subscriptionId: subscriptionId)
        ]
        for addon in addons where addon.status == .active && !addon.price.isZero {
            let price = try money(addon.price, unit.currency)
            lines.append(
                InvoiceLine(
                    kind: "ADDON", description: addon.name + share, quantity: 1, unitAmount: price, amount: try prorated(price, proration),
                    periodStart: period.start, periodEnd: period.end, subscriptionId: subscriptionId))
        }
        return lines
    }

    /// The share of its calendar period that the subscription's period starting at `periodStart` covers, when it is a first
    /// CALENDAR_ALIGNED period starting off a boundary (Dec 15 → Jan 1 of a monthly plan: 17 of 31 days, the start's day counted whole,
    /// in the account's time zone); nil for a full period and for ANNIVERSARY plans.
    static func firstPeriodProration(_ subscription: Subscription, periodStart: Date) -> PeriodProration? {
        guard subscription.plan.billingCycleType == .calendarAligned else { return nil }
        let calculator = SubscriptionPeriodCalculator(
            interval: subscription.plan.billingInterval, cycleType: .calendarAligned, anchor: subscription.billingAnchor,
            timeZone: TimeZone(identifier: subscription.timezone) ?? .gmt)
        guard let index = calculator.index(containing: periodStart) else { return nil }
        let proration = calculator.proration(index)
        return proration.days < proration.periodDays ? proration : nil
    }

    private static func prorated(_ amount: Money, _ proration: PeriodProration?) throws(InvoicingError) -> Money {
        guard let proration else { return amount }
        do {
            return try amount.scaled(numerator: Int64(proration.days), denominator: Int64(proration.periodDays), rounding: .halfEven)
        } catch { throw .invalid("billingAccountId", "a line amount is out of range") }
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
