import BillingCore
import Foundation
import SubscriptionsContract

/// What a subscription brings in per month (MRR), as Stripe Billing normalizes it: the recurring price of a period (plan price ×
/// quantity + ACTIVE add-ons − a recurring discount) brought to a month — yearly ÷ 12, quarterly ÷ 3, monthly × 1, weekly × 52 ÷ 12,
/// daily × 365 ÷ 12. Only ACTIVE and PAST_DUE subscriptions count (canceled at period end too, until it ends); TRIAL, PAUSED,
/// CANCELED and EXPIRED count 0. Usage charges, one-off items and taxes never count.
///
/// Kept exact as the annual run rate (period amount × periods a year, an exact decimal); a month is that ÷ 12, rounded half-even to
/// the currency's minor unit only when shown (``monthly(fromAnnual:currency:)``), so sums of weekly or daily plans stay exact.
enum RecurringRevenue {
    /// How many periods of `interval` a year holds.
    static func periodsPerYear(_ interval: BillingInterval) -> Int64 {
        switch interval {
        case .daily: return 365
        case .weekly: return 52
        case .monthly: return 12
        case .quarterly: return 4
        case .yearly: return 1
        }
    }

    /// Whether the subscription counts towards MRR in its status.
    static func counts(_ subscription: Subscription) -> Bool {
        switch subscription.status {
        case .active, .pastDue: return true
        case .trial, .paused, .canceled, .expired: return false
        }
    }

    /// The recurring amount of one period at the subscription's current terms, whatever its status: plan price × quantity, plus the
    /// ACTIVE add-ons (a PENDING one is not paid for yet), minus the recurring discount; never below 0. Nil on overflow.
    static func periodAmount(of subscription: Subscription) -> DecimalNumber? {
        guard var amount = subscription.plan.unitPrice.multiplied(by: DecimalNumber(Int64(subscription.quantity))) else { return nil }
        for addon in subscription.addons where addon.status == .active {
            guard let sum = amount.adding(addon.price) else { return nil }
            amount = sum
        }
        guard let discounted = amount.adding(recurringDiscount(of: subscription, on: amount).negated) else { return nil }
        return discounted.isNegative ? .zero : discounted
    }

    /// The discount of a recurring coupon (FOREVER, or REPEATING while it covers the current period) taken off a period's recurring
    /// `amount`, as Stripe counts discounts in MRR; a ONCE coupon does not change MRR. A percent off takes that share of what it
    /// covers (the plan's part and the ACTIVE add-ons `appliesTo` names, or all), an amount off at most what it covers. Exact.
    static func recurringDiscount(of subscription: Subscription, on amount: DecimalNumber) -> DecimalNumber {
        guard let discount = subscription.discount, discount.coupon.duration != .once,
            discount.covers(periodStart: subscription.currentPeriodStart)
        else { return .zero }
        var covered = amount
        if let targets = discount.coupon.appliesTo {
            covered =
                targets.contains(subscription.plan.planId)
                ? subscription.plan.unitPrice.multiplied(by: DecimalNumber(Int64(subscription.quantity))) ?? .zero : .zero
            for addon in subscription.addons where addon.status == .active && targets.contains(addon.addonId) {
                covered = covered.adding(addon.price) ?? covered
            }
        }
        if let percent = discount.coupon.percentOff {
            return covered.multiplied(by: DecimalNumber(significand: percent.significand, scale: percent.scale + 2)) ?? .zero
        }
        guard let off = discount.coupon.amountOff?.amount else { return .zero }
        return off < covered ? off : covered
    }

    /// The annual run rate (MRR × 12) the subscription counts for now: 0 when its status does not count. Nil on overflow.
    static func annualAmount(of subscription: Subscription) -> DecimalNumber? {
        guard counts(subscription) else { return .zero }
        return periodAmount(of: subscription)?.multiplied(by: DecimalNumber(periodsPerYear(subscription.plan.billingInterval)))
    }

    /// The subscription's MRR, rounded half-even to its currency's minor unit (for display); nil for an unknown currency or overflow.
    static func monthlyAmount(of subscription: Subscription) -> Money? {
        guard let currency = Currency(code: subscription.plan.currency), let annual = annualAmount(of: subscription) else { return nil }
        return monthly(fromAnnual: annual, currency: currency)
    }

    /// `annual` ÷ 12, rounded half-even to the currency's minor unit: the one place an MRR figure is rounded.
    static func monthly(fromAnnual annual: DecimalNumber, currency: Currency) -> Money? {
        divided(annual, by: 12, currency: currency)
    }

    /// `amount` ÷ `divisor`, rounded half-even to the currency's minor unit.
    static func divided(_ amount: DecimalNumber, by divisor: Int64, currency: Currency) -> Money? {
        let exponent = currency.minorUnitExponent
        let scale = max(amount.scale, exponent)
        guard divisor != 0, let numerator = amount.exactSignificand(atScale: scale),
            let unit = DecimalNumber.powerOfTen(scale - exponent)
        else { return nil }
        let (denominator, overflow) = Int128(divisor).multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        let minor = RoundingRule.halfEven.divide(numerator, by: denominator)
        guard let units = Int64(exactly: minor) else { return nil }
        return Money(minorUnits: units, currency: currency)
    }

    /// `part` ÷ `whole` in percent with two decimals, half-even; nil when `whole` is not positive.
    static func percent(_ part: DecimalNumber, of whole: DecimalNumber) -> DecimalNumber? {
        guard whole > .zero else { return nil }
        let scale = max(part.scale, whole.scale)
        guard let numerator = part.exactSignificand(atScale: scale), let denominator = whole.exactSignificand(atScale: scale) else { return nil }
        let (scaled, overflow) = numerator.multipliedReportingOverflow(by: 10_000)  // × 100 for percent, × 100 for two decimals
        guard !overflow else { return nil }
        return DecimalNumber(significand: RoundingRule.halfEven.divide(scaled, by: denominator), scale: 2)
    }

    /// When the subscription's current MRR took effect: its end (CANCELED, EXPIRED), its pause, else its last change — but not
    /// before it starts (a future start date counts from that date).
    static func effectiveAt(of subscription: Subscription) -> Date {
        switch subscription.status {
        case .canceled, .expired: return subscription.endedAt ?? subscription.updatedAt
        case .paused: return subscription.pausedAt ?? subscription.updatedAt
        case .trial, .active, .pastDue: return max(subscription.updatedAt, subscription.startDate)
        }
    }
}
