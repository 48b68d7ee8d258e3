import BillingCore
import CatalogContract
import Foundation
import SubscriptionsContract
import Testing

@testable import Subscriptions

@Suite("Annual contracts: yearly price and the monthly → yearly switch (pure)")
struct AnnualContractTests {
    let brl = Currency(code: "BRL")!

    func yearly(_ monthly: String, _ percent: String, _ currency: String = "BRL") throws -> String {
        try PlanAttributes.yearlyPrice(
            monthly: DecimalNumber(monthly)!, discountPercent: DecimalNumber(percent)!, currency: Currency(code: currency)!
        ).amountText
    }

    @Test("12 × monthly × (1 − discount), exact, rounded half-even once at the end")
    func yearlyPrice() throws {
        // Seed 003: 10 % off the year.
        #expect(try yearly("99.90", "10") == "1078.92")
        #expect(try PlanAttributes.yearlyPrice(monthly: DecimalNumber("100")!, discountPercent: .zero, currency: brl).amountText == "1200.00")
        // 12 × 9.99 = 119.88; × 0.8333 = 99.896… → 99.90 (no intermediate rounding of the monthly part).
        #expect(
            try PlanAttributes.yearlyPrice(monthly: DecimalNumber("9.99")!, discountPercent: DecimalNumber("16.67")!, currency: brl).amountText
                == "99.90")
        // 12 × 0.05 × 0.875 = 0.525 → 0.52 (half-even), 12 × 0.15 × 0.875 = 1.575 → 1.58.
        #expect(try yearly("0.05", "12.5") == "0.52")
        #expect(try yearly("0.15", "12.5") == "1.58")
        // JPY has no minor unit.
        #expect(try yearly("1001", "10", "JPY") == "10811")
        for bad in ["100", "-1", "10.001", "150"] {
            #expect(throws: YearlyPriceProblem.self) {
                try PlanAttributes.yearlyPrice(monthly: DecimalNumber(100), discountPercent: DecimalNumber(bad)!, currency: brl)
            }
        }
    }

    @Test("A plan's yearly offer: chosen explicitly or kept on a plan change, refused where not offered")
    func offer() throws {
        let monthly = plan("99.90", credits: 300)
        let offer = PlanOffer(plan: monthly, yearlyPrice: DecimalNumber("1078.92")!, yearlyDiscountPercent: DecimalNumber(10))
        #expect(try offer.subscribed(at: nil) == monthly)
        #expect(try offer.subscribed(at: .monthly) == monthly)
        let yearly = try offer.subscribed(at: .yearly)
        #expect(yearly.billingInterval == .yearly)
        #expect(yearly.unitPrice == DecimalNumber("1078.92")!)
        #expect(yearly.yearlyDiscountPercent == DecimalNumber(10))
        #expect(yearly.includedCredits == (try Credits(whole: 3600)))
        #expect(yearly.limits == monthly.limits)
        // A yearly subscriber changing plan stays yearly when the new plan offers it, and moves to its interval when not.
        #expect(try offer.subscribed(at: nil, preferring: .yearly).billingInterval == .yearly)
        let plain = PlanOffer(plan: monthly, yearlyPrice: nil, yearlyDiscountPercent: nil)
        #expect(try plain.subscribed(at: nil, preferring: .yearly) == monthly)
        #expect(throws: SubscriptionsError.self) { try plain.subscribed(at: .yearly) }
        #expect(throws: SubscriptionsError.self) { try offer.subscribed(at: .weekly) }
    }

    @Test("Monthly → yearly mid-period: the cycle restarts now, the unused month credited as every upgrade prorates")
    func switchToYearly() throws {
        let monthly = plan("100.00")
        var running = subscription(monthly, start: instant("2026-04-01T00:00:00Z"))
        running.quantity = 2
        #expect(running.currentPeriodEnd == instant("2026-05-01T00:00:00Z"))
        let yearly = try PlanOffer(plan: monthly, yearlyPrice: DecimalNumber("1080.00")!, yearlyDiscountPercent: DecimalNumber(10))
            .subscribed(at: .yearly)
        let now = instant("2026-04-16T00:00:00Z")
        let (change, events) = try SubscriptionLifecycleService.switchToYearly(&running, plan: yearly, preview: true, at: now)
        // Half of April unused: −100.00 (2 × 100.00 × 15/30); the year billed at 2 × 1080.00.
        #expect(change.prorationLines.map(\.amount.amountText) == ["-100.00", "2160.00"])
        #expect(change.prorationTotal?.amountText == "2060.00")
        #expect(change.effective == "NOW")
        #expect(change.prorationLines[1].description.contains("10 % off"))
        #expect(running.billingAnchor == now)
        #expect(running.currentPeriodStart == now)
        #expect(running.currentPeriodEnd == instant("2027-04-16T00:00:00Z"))
        #expect(running.plan.billingInterval == .yearly)
        // The credit rides on the yearly period's invoice (dated at the change); that period starts as a renewal does.
        #expect(types(events) == ["billing.subscription.plan_changed", "billing.subscription.renewed"])
        let changed = try #require(events.first?.event as? SubscriptionPlanChanged)
        #expect(changed.prorationLines.map(\.amount.amountText) == ["-100.00"])
        #expect(changed.prorationLines[0].periodEnd == now)
        // The same credit as the general proration's "unused time" line.
        let general = try Proration.lines(
            from: .init(description: "a", unitPrice: DecimalNumber(100), quantity: 2), to: .init(description: "b", unitPrice: .zero, quantity: 2),
            currency: "BRL", period: TimeSpan(start: instant("2026-04-01T00:00:00Z"), end: instant("2026-05-01T00:00:00Z")), at: now)
        #expect(general[0].amount == changed.prorationLines[0].amount)
    }

    @Test("During a trial the switch moves no money; a plan billing usage in arrears is refused")
    func trialAndUsage() throws {
        let monthly = plan("100.00", trialDays: 14)
        var trialing = subscription(monthly, start: instant("2026-04-01T00:00:00Z"))
        let yearly = try PlanOffer(plan: monthly, yearlyPrice: DecimalNumber(1080), yearlyDiscountPercent: DecimalNumber(10)).subscribed(at: .yearly)
        let (change, events) = try SubscriptionLifecycleService.switchToYearly(
            &trialing, plan: yearly, preview: false, at: instant("2026-04-05T00:00:00Z"))
        #expect(change.prorationLines.isEmpty)
        #expect(types(events) == ["billing.subscription.plan_changed"])
        #expect(trialing.currentPeriodEnd == instant("2026-04-15T00:00:00Z"))

        var metered = plan("100.00")
        metered.usageCharges = [
            SubscribedUsageCharge(
                meterId: CatalogItemID("0190f0c0-0000-7000-8000-0000000000aa")!, meterCode: "tokens",
                productId: CatalogItemID("0190f0c0-0000-7000-8000-0000000000bb")!, productVersion: 1)
        ]
        var running = subscription(metered, start: instant("2026-04-01T00:00:00Z"))
        var target = metered
        target.billingInterval = .yearly
        #expect(throws: SubscriptionsError.self) {
            try SubscriptionLifecycleService.switchToYearly(&running, plan: target, preview: false, at: instant("2026-04-10T00:00:00Z"))
        }
    }
}
