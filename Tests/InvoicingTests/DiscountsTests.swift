import BillingCore
import CatalogContract
import Foundation
import InvoicingContract
import SubscriptionsContract
import Testing

@testable import Invoicing

/// Coupons on invoices (pure): Stripe's and Lago's worked examples, the rounding per line, amounts spread over lines.
@Suite("Coupons: DISCOUNT lines (pure)")
struct DiscountsTests {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)
    static let month = 30 * 86_400.0
    static let planID = CatalogItemID.generate()
    static let addonID = CatalogItemID.generate()

    static func coupon(
        percent: String? = nil, amount: String? = nil, duration: CouponDuration = .forever, periods: Int? = nil, appliesTo: [CatalogItemID]? = nil
    )
        -> AppliedCoupon
    {
        AppliedCoupon(
            couponId: .generate(), code: "C", name: "Promo", percentOff: percent.flatMap { DecimalNumber($0) },
            amountOff: amount.map { try! Money.parse($0, currency: .brl) }, duration: duration, durationInPeriods: periods, appliesTo: appliesTo)
    }

    /// A subscription to a plan of `price` (and an add-on of `addon`), its discount covering `covered` periods from the first (nil: all).
    static func subscription(price: String, addon: String? = nil, coupon: AppliedCoupon?, covered: Int? = nil) -> Subscription {
        let plan = SubscribedPlan(
            planId: planID, planVersion: 1, name: "Pro", billingInterval: .monthly, billingCycleType: .anniversary,
            unitPrice: DecimalNumber(price)!, currency: "BRL", trialDays: 0, includedCredits: .zero, features: [], limits: [])
        let addons = addon.map {
            [
                SubscriptionAddon(
                    addonId: addonID, addonVersion: 1, code: "extra", name: "Extra", featureFlag: "extra", price: DecimalNumber($0)!,
                    status: .active, cancelAtPeriodEnd: false, activatedAt: start, canceledAt: nil, createdAt: start)
            ]
        }
        var subscription = Subscription(
            id: .generate(), billingAccountId: .generate(), plan: plan, status: .active, quantity: 1, timezone: "UTC", startDate: start,
            trialStart: nil, trialEnd: nil, billingAnchor: start, currentPeriodStart: start, currentPeriodEnd: start.addingTimeInterval(month),
            cancelAtPeriodEnd: false, canceledAt: nil, cancelReason: nil, endedAt: nil, pausedAt: nil, pastDueSince: nil, scheduledChange: nil,
            addons: addons ?? [], testClockId: nil, createdAt: start, updatedAt: start)
        subscription.discount = coupon.map {
            SubscriptionDiscount(
                coupon: $0, promotionCodeId: nil, start: start, end: covered.map { start.addingTimeInterval(Double($0) * month) }, appliedAt: start)
        }
        return subscription
    }

    /// The invoice of period `index` (0 = the first): the plan and add-on lines, plus `extra` lines of the subscription.
    static func invoice(_ subscription: Subscription, period index: Int = 0, extra: [(String, String)] = []) throws -> [InvoiceLine] {
        let periodStart = start.addingTimeInterval(Double(index) * month)
        var lines = try InvoiceComposer.periodLines(
            plan: subscription.plan.name, unit: try Money.parse(subscription.plan.unitPrice.description, currency: .brl), quantity: 1,
            addons: subscription.addons, period: TimeSpan(start: periodStart, end: periodStart.addingTimeInterval(month)),
            subscriptionId: subscription.id)
        lines += try extra.map { kind, amount in
            let money = try Money.parse(amount, currency: .brl)
            return InvoiceLine(
                kind: kind, description: kind, quantity: 1, unitAmount: money, amount: money, periodStart: periodStart,
                periodEnd: periodStart.addingTimeInterval(month), subscriptionId: subscription.id)
        }
        return try Discounts.apply(subscription, periodStart: periodStart, to: lines)
    }

    static func total(_ lines: [InvoiceLine]) throws -> String { try InvoiceComposer.total(lines, currency: .brl).amountText }
    static func discounts(_ lines: [InvoiceLine]) -> [String] { lines.filter { $0.kind == "DISCOUNT" }.map(\.amount.amountText) }

    @Test("Stripe: 20% off forever on 100.00 → 80.00 every period, one DISCOUNT line right after the plan's line")
    func percentForever() throws {
        let subscription = Self.subscription(price: "100.00", coupon: Self.coupon(percent: "20"))
        for period in 0..<3 {
            let lines = try Self.invoice(subscription, period: period)
            #expect(try Self.total(lines) == "80.00")
            #expect(lines.map(\.kind) == ["SUBSCRIPTION", "DISCOUNT"])
            #expect(lines[1].description.hasPrefix("Promo (20% off)") && lines[1].subscriptionId == subscription.id)
        }
    }

    @Test("Stripe: 10.00 off once on a 25.00 plan → 15.00, then 25.00")
    func amountOnce() throws {
        let subscription = Self.subscription(price: "25.00", coupon: Self.coupon(amount: "10.00", duration: .once), covered: 1)
        #expect(try Self.total(try Self.invoice(subscription, period: 0)) == "15.00")
        #expect(try Self.total(try Self.invoice(subscription, period: 1)) == "25.00")
    }

    @Test("a coupon worth more than the invoice takes it to 0.00; the rest is not carried to the next invoice")
    func amountLargerThanInvoice() throws {
        let subscription = Self.subscription(price: "25.00", coupon: Self.coupon(amount: "50.00", duration: .repeating, periods: 2), covered: 2)
        let first = try Self.invoice(subscription, period: 0)
        #expect(try Self.total(first) == "0.00" && Self.discounts(first) == ["-25.00"])
        #expect(try Self.total(try Self.invoice(subscription, period: 1)) == "0.00")
        #expect(try Self.total(try Self.invoice(subscription, period: 2)) == "25.00")
    }

    @Test("percent off is rounded half-even on each line on its own (10% of 10.05, 20.05 and 0.15: 1.00, 2.00, 0.02)")
    func halfEvenPerLine() throws {
        let subscription = Self.subscription(price: "10.05", coupon: Self.coupon(percent: "10"))
        let lines = try Self.invoice(subscription, extra: [("USAGE", "20.05"), ("USAGE", "0.15")])
        #expect(Self.discounts(lines) == ["-1.00", "-2.00", "-0.02"])
        #expect(try Self.total(lines) == "27.23")
    }

    @Test("an amount off is spread over the lines in proportion, in cents, the last cent to the largest remainder: 10.00 over 33.33 + 66.67")
    func amountSpread() throws {
        let subscription = Self.subscription(price: "33.33", addon: "66.67", coupon: Self.coupon(amount: "10.00"))
        let lines = try Self.invoice(subscription)
        #expect(Self.discounts(lines) == ["-3.33", "-6.67"])
        #expect(try Self.total(lines) == "90.00")
        #expect(Discounts.allocate(100, over: [1, 1, 1]) == [34, 33, 33])
        #expect(Discounts.allocate(0, over: [5, 5]) == [0, 0])
    }

    @Test("appliesTo: a coupon for the add-on leaves the plan's line alone, one for the plan leaves the add-on's")
    func restricted() throws {
        let onAddon = Self.subscription(price: "100.00", addon: "50.00", coupon: Self.coupon(percent: "50", appliesTo: [Self.addonID]))
        #expect(try Self.total(try Self.invoice(onAddon)) == "125.00")
        let onPlan = Self.subscription(
            price: "100.00", addon: "50.00", coupon: Self.coupon(percent: "50", appliesTo: [Self.planID]))
        let lines = try Self.invoice(onPlan, extra: [("USAGE", "10.00")])
        #expect(Self.discounts(lines) == ["-50.00", "-5.00"], "the plan's fee and its usage, not the add-on")
    }

    @Test("a credit for unused time is discounted by the coupon in force (its DISCOUNT line is positive); the total never goes below zero")
    func prorationCredit() throws {
        let percent = Self.subscription(price: "100.00", coupon: Self.coupon(percent: "20"))
        let lines = try Self.invoice(percent, extra: [("PRORATION", "-40.00")])
        #expect(Self.discounts(lines) == ["-20.00", "8.00"])
        #expect(try Self.total(lines) == "48.00")
        let amount = Self.subscription(price: "30.00", coupon: Self.coupon(amount: "50.00"))
        let capped = try Self.invoice(amount, extra: [("PRORATION", "-10.00")])
        #expect(Self.discounts(capped) == ["-20.00"], "at most the invoice's 20.00")
        #expect(try Self.total(capped) == "0.00")
    }

    @Test("proration reaching a draft later: a percent off covering it discounts it; an amount off, another plan's coupon or none do not")
    func lateProration() throws {
        let percent = Self.subscription(price: "100.00", coupon: Self.coupon(percent: "25"))
        let credit = try Money.parse("-40.00", currency: .brl), charge = try Money.parse("60.00", currency: .brl)
        let lines = [credit, charge].map {
            InvoiceLine(
                kind: "PRORATION", description: "change", quantity: 1, unitAmount: $0, amount: $0, periodStart: Self.start, periodEnd: nil,
                subscriptionId: percent.id)
        }
        let discounted = try Discounts.lateProration(lines, discount: percent.discount, planId: Self.planID, periodStart: Self.start)
        #expect(Self.discounts(discounted) == ["10.00", "-15.00"])
        let amount = Self.subscription(price: "100.00", coupon: Self.coupon(amount: "5.00"))
        #expect(try Discounts.lateProration(lines, discount: amount.discount, planId: Self.planID, periodStart: Self.start).count == 2)
        let other = Self.subscription(price: "100.00", coupon: Self.coupon(percent: "25", appliesTo: [Self.addonID]))
        #expect(try Discounts.lateProration(lines, discount: other.discount, planId: Self.planID, periodStart: Self.start).count == 2)
        #expect(try Discounts.lateProration(lines, discount: nil, planId: Self.planID, periodStart: Self.start).count == 2)
    }

    @Test("no discount outside the periods it covers, nor on other subscriptions' lines, trials or one-off items")
    func notCovered() throws {
        let subscription = Self.subscription(price: "100.00", coupon: Self.coupon(percent: "20", duration: .repeating, periods: 3), covered: 3)
        #expect(try (0..<5).map { try Self.total(try Self.invoice(subscription, period: $0)) } == ["80.00", "80.00", "80.00", "100.00", "100.00"])
        let lines = try Self.invoice(subscription, extra: [("INVOICE_ITEM", "10.00"), ("TRIAL", "0.00")])
        #expect(Self.discounts(lines) == ["-20.00"])
    }
}
