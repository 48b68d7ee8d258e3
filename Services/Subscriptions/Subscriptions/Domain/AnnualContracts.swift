import BillingCore
import Foundation
import SubscriptionsContract

/// A plan version as the catalog offers it: at its own interval, and for a MONTHLY plan with `yearlyDiscountPercent` also
/// YEARLY (annual contract, seed 003 "10% anual") at the catalog's `yearlyPrice`.
struct PlanOffer: Sendable {
    /// The plan at its own interval.
    let plan: SubscribedPlan
    let yearlyPrice: DecimalNumber?
    let yearlyDiscountPercent: DecimalNumber?

    /// The plan as subscribed at `interval` (absent: `preferred` when offered, else the plan's own interval).
    func subscribed(at interval: BillingInterval?, preferring preferred: BillingInterval? = nil) throws(SubscriptionsError) -> SubscribedPlan {
        let offered = [plan.billingInterval] + (yearlyPrice == nil ? [] : [.yearly])
        let chosen = interval ?? preferred.flatMap { offered.contains($0) ? $0 : nil } ?? plan.billingInterval
        if chosen == plan.billingInterval { return plan }
        guard chosen == .yearly, let yearlyPrice else {
            throw .invalid(
                "billingInterval",
                "plan \(plan.planId) bills \(offered.map(\.rawValue).joined(separator: " or ")), not \(chosen.rawValue)",
                reason: "INTERVAL_NOT_OFFERED")
        }
        return try Self.yearly(plan, price: yearlyPrice, discountPercent: yearlyDiscountPercent ?? .zero)
    }

    /// A MONTHLY plan's snapshot turned into its annual contract: the yearly price, and the period's allowances that scale
    /// with its length (included credits, minimum commitment) twelve times the monthly ones. Limits reset each calendar month
    /// whatever the period, so they stay as they are.
    static func yearly(_ monthly: SubscribedPlan, price: DecimalNumber, discountPercent: DecimalNumber) throws(SubscriptionsError) -> SubscribedPlan {
        var plan = monthly
        plan.billingInterval = .yearly
        plan.unitPrice = price
        plan.yearlyDiscountPercent = discountPercent
        do { plan.includedCredits = try monthly.includedCredits.multiplied(by: 12) } catch {
            throw .invalid("planId", "the plan's included credits are too large for a yearly period")
        }
        if let minimum = monthly.minimumAmount {
            guard let yearly = minimum.multiplied(by: DecimalNumber(12)) else { throw .invalid("planId", "the plan's minimum is too large") }
            plan.minimumAmount = yearly
        }
        return plan
    }
}

/// Moving a running subscription from monthly to yearly billing (annual contract). As Stripe does when the interval changes, the
/// billing cycle starts again now: a yearly period from the change, billed at once by its own invoice, and the unused rest of the
/// monthly period credited on it, computed as every upgrade's proration (`Proration`: amount × remaining / period length,
/// rounded half-even to the minor unit).
enum IntervalSwitch {
    /// Whether a plan change from `current` to `next` restarts the cycle: monthly to yearly only.
    static func restartsCycle(from current: SubscribedPlan, to next: SubscribedPlan) -> Bool {
        current.billingInterval == .monthly && next.billingInterval == .yearly
    }

    /// The credit for the unused monthly time, dated at the change (`periodStart` = `periodEnd` = `instant`) so that the new
    /// yearly period's invoice, which starts then, takes it; its description names the time it covers.
    static func credit(
        for current: SubscribedPlan, quantity: Int, period: TimeSpan, at instant: Date
    ) throws(SubscriptionsError) -> [ProrationLine] {
        let terms = Proration.Terms(description: current.name, unitPrice: current.unitPrice, quantity: quantity)
        let lines = try Proration.lines(from: terms, to: terms, currency: current.currency, period: period, at: instant)
        guard let unused = lines.first, !unused.amount.isZero else { return [] }
        let until = RFC3339.format(period.end)
        return [
            ProrationLine(
                description: "Unused time on \(current.name) (monthly, until \(until))", amount: unused.amount, periodStart: instant,
                periodEnd: instant)
        ]
    }

    /// What the yearly period's invoice charges for the plan, shown in the change (and its preview) beside the credit.
    static func yearlyCharge(_ plan: SubscribedPlan, quantity: Int, period: TimeSpan) throws(SubscriptionsError) -> ProrationLine {
        guard let currency = Currency(code: plan.currency) else { throw .invalid("planId", "unknown currency \(plan.currency)") }
        do {
            let amount = try Money(exactly: plan.unitPrice, currency: currency).multiplied(by: Int64(quantity))
            let discount = plan.yearlyDiscountPercent.map { " at \($0.text) % off 12 months" } ?? ""
            return ProrationLine(
                description: "\(quantity) × \(plan.name) (yearly\(discount))", amount: amount, periodStart: period.start, periodEnd: period.end)
        } catch {
            throw .invalid("planId", "the yearly price cannot be billed: \(error)")
        }
    }
}
