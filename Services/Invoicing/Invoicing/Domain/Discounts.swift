import BillingCore
import CatalogContract
import Foundation
import InvoicingContract
import SubscriptionsContract

/// DISCOUNT lines (issue 26, pure): a coupon in force on a subscription discounts its lines on the invoice of a period it covers,
/// each discounted line followed by its DISCOUNT line (a negative amount).
///
/// - Percent off: each line's discount is `amount × percent / 100` rounded half-even to the minor unit, on its own. A negative line
///   (credit for unused time) is discounted too: its DISCOUNT line is positive, the credit shrinks by the same percent.
/// - Amount off: at most the discounted lines' positive total, and at most the invoice's total (it never goes below zero; what is
///   left of the coupon is not carried to a later invoice, Stripe's rule); spread over the positive discounted lines in proportion
///   to their amounts, in minor units, each line's share rounded down and the minor units left given one each to the lines with
///   the largest remainders (the earlier line on a tie), so the DISCOUNT lines add up to the amount exactly.
/// - What it discounts: the subscription's SUBSCRIPTION, ADDON, PRORATION, USAGE, CREDIT_OVERAGE and MINIMUM_TRUE_UP lines; a
///   coupon restricted by `appliesTo` only the lines of the plans (fee, usage, overage, true-up, proration) and add-ons it names.
enum Discounts {
    static let discountedKinds: Set<String> = ["SUBSCRIPTION", "ADDON", "PRORATION", "USAGE", "CREDIT_OVERAGE", "MINIMUM_TRUE_UP"]

    /// `lines` with the DISCOUNT lines of `subscription`'s coupon, when it covers the period starting at `periodStart`.
    static func apply(_ subscription: Subscription, periodStart: Date, to lines: [InvoiceLine]) throws(InvoicingError) -> [InvoiceLine] {
        interleave(lines, try discountLines(subscription, periodStart: periodStart, lines: lines, invoiceTotal: try total(lines)))
    }

    /// The DISCOUNT line of each discounted line, by its index in `lines`.
    static func discountLines(
        _ subscription: Subscription, periodStart: Date, lines: [InvoiceLine], invoiceTotal: Money
    ) throws(InvoicingError) -> [Int: InvoiceLine] {
        guard let discount = subscription.discount, discount.covers(periodStart: periodStart) else { return [:] }
        let coupon = discount.coupon
        let addons = addonIDs(of: lines, subscription: subscription)
        let covered = lines.indices.filter { index in
            let line = lines[index]
            guard line.subscriptionId == subscription.id, discountedKinds.contains(line.kind), !line.amount.isZero else { return false }
            guard let targets = coupon.appliesTo else { return true }
            if line.kind == "ADDON" { return addons[index].map(targets.contains) ?? false }
            return targets.contains(subscription.plan.planId)
        }
        return try discountLines(coupon, covered: covered, lines: lines, invoiceTotal: invoiceTotal)
    }

    /// Proration lines reaching a draft drafted before them (a plan or quantity change after the period's draft), with the
    /// DISCOUNT lines of a percent-off coupon covering the draft's period. An amount off was spent on the draft already.
    static func lateProration(
        _ lines: [InvoiceLine], discount: SubscriptionDiscount?, planId: CatalogItemID, periodStart: Date
    ) throws(InvoicingError) -> [InvoiceLine] {
        guard let discount, discount.covers(periodStart: periodStart), discount.coupon.percentOff != nil,
            discount.coupon.appliesTo.map({ $0.contains(planId) }) ?? true, let currency = lines.first?.amount.currency
        else { return lines }
        let covered = lines.indices.filter { !lines[$0].amount.isZero }
        return interleave(lines, try discountLines(discount.coupon, covered: covered, lines: lines, invoiceTotal: .zero(currency)))
    }

    /// A coupon applied to one DRAFT (not restricted by `appliesTo`): every line it can discount — those of subscriptions, and
    /// one-off lines and items — gets its DISCOUNT line; the account credit line stays where it is (taken again afterwards).
    static func apply(_ coupon: AppliedCoupon, toDraft lines: [InvoiceLine]) throws(InvoicingError) -> [InvoiceLine] {
        let kinds = discountedKinds.union(["ONE_OFF", "INVOICE_ITEM"])
        let others = lines.filter { $0.kind != "ACCOUNT_CREDIT" }
        let covered = others.indices.filter { kinds.contains(others[$0].kind) && !others[$0].amount.isZero }
        let discounted = interleave(others, try discountLines(coupon, covered: covered, lines: others, invoiceTotal: try total(others)))
        return discounted + lines.filter { $0.kind == "ACCOUNT_CREDIT" }
    }

    /// The DISCOUNT lines `coupon` gives the `covered` lines of an invoice whose lines total `invoiceTotal`, by index.
    static func discountLines(
        _ coupon: AppliedCoupon, covered: [Int], lines: [InvoiceLine], invoiceTotal: Money
    ) throws(InvoicingError) -> [Int: InvoiceLine] {
        var amounts: [Int: Money] = [:]
        if let percent = coupon.percentOff {
            let factor = DecimalNumber(significand: percent.significand, scale: percent.scale + 2)
            for index in covered {
                do { amounts[index] = try lines[index].amount.multiplied(by: factor, rounding: .halfEven) } catch {
                    throw .invalid("billingAccountId", "a discount is out of range")
                }
            }
        } else if let amountOff = coupon.amountOff, amountOff.currency == invoiceTotal.currency {
            let positive = covered.filter { lines[$0].amount.isPositive }
            let base = positive.reduce(Int64(0)) { $0 + lines[$1].amount.minorUnits }
            let cap = min(amountOff.minorUnits, base, max(0, invoiceTotal.minorUnits))
            for (index, share) in allocate(cap, over: positive.map { lines[$0].amount.minorUnits }).enumerated() where share > 0 {
                amounts[positive[index]] = Money(minorUnits: share, currency: invoiceTotal.currency)
            }
        }
        var result: [Int: InvoiceLine] = [:]
        for (index, amount) in amounts where !amount.isZero {
            let line = lines[index]
            var discount = InvoiceLine(
                kind: "DISCOUNT", description: "\(coupon.label) — \(line.description)", quantity: 1, unitAmount: amount.negated,
                amount: amount.negated, periodStart: line.periodStart, periodEnd: line.periodEnd, subscriptionId: line.subscriptionId)
            discount.taxCode = line.taxCode  // taxed with the line it discounts
            result[index] = discount
        }
        return result
    }

    /// `amount` minor units spread over `weights` in proportion: each share rounded down, the rest one unit each to the largest
    /// remainders (earlier first on a tie). The shares add up to `amount`; none exceeds its weight when `amount` ≤ their sum.
    static func allocate(_ amount: Int64, over weights: [Int64]) -> [Int64] {
        let sum = weights.reduce(Int128(0)) { $0 + Int128($1) }
        guard sum > 0, amount > 0 else { return weights.map { _ in 0 } }
        var shares = weights.map { Int64(Int128(amount) * Int128($0) / sum) }
        let remainders = weights.enumerated().map { ($0.offset, Int128(amount) * Int128($0.element) % sum) }
        var left = amount - shares.reduce(0, +)
        for (index, _) in remainders.sorted(by: { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }) where left > 0 {
            shares[index] += 1
            left -= 1
        }
        return shares
    }

    /// The add-on each ADDON line of the subscription bills: they follow its ACTIVE paid add-ons in order (``InvoiceComposer/periodLines``).
    static func addonIDs(of lines: [InvoiceLine], subscription: Subscription) -> [Int: CatalogItemID] {
        let paid = subscription.addons.filter { $0.status == .active && !$0.price.isZero }
        let indices = lines.indices.filter { lines[$0].kind == "ADDON" && lines[$0].subscriptionId == subscription.id }
        return Dictionary(uniqueKeysWithValues: zip(indices, paid.map(\.addonId)).map { ($0, $1) })
    }

    /// `lines` with each DISCOUNT line right after the line it discounts.
    static func interleave(_ lines: [InvoiceLine], _ discounts: [Int: InvoiceLine]) -> [InvoiceLine] {
        lines.enumerated().flatMap { index, line in [line] + (discounts[index].map { [$0] } ?? []) }
    }

    private static func total(_ lines: [InvoiceLine]) throws(InvoicingError) -> Money {
        guard let currency = lines.first?.amount.currency else { return .zero(.brl) }
        return try InvoiceComposer.total(lines, currency: currency)
    }
}
