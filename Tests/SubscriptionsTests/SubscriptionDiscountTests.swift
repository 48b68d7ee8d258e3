import BillingCore
import CatalogContract
import Foundation
import SubscriptionsContract
import Testing

@testable import Subscriptions

/// Which periods a coupon covers once applied to a subscription (pure).
@Suite("Coupons on subscriptions: the periods a discount covers (pure)")
struct SubscriptionDiscountTests {
    static func redemption(_ duration: CouponDuration, periods: Int? = nil) -> CouponRedemption {
        CouponRedemption(
            coupon: AppliedCoupon(
                couponId: .generate(), code: "C", name: "Promo", percentOff: DecimalNumber(10), amountOff: nil, duration: duration,
                durationInPeriods: periods, appliesTo: nil),
            promotionCodeId: nil, redeemedAt: instant("2026-01-15T10:00:00Z"))
    }

    @Test("at creation: ONCE covers the first period, REPEATING 3 the first three (monthly, Jan 15 → Apr 15), FOREVER every one")
    func atCreation() {
        let start = instant("2026-01-15T10:00:00Z")
        let active = subscription(plan(), start: start)
        let once = SubscriptionLifecycleService.discount(Self.redemption(.once), for: active, atCreation: true, at: start)
        #expect(once.start == start && once.end == instant("2026-02-15T10:00:00Z"))
        #expect(once.covers(periodStart: start) && !once.covers(periodStart: instant("2026-02-15T10:00:00Z")))
        let three = SubscriptionLifecycleService.discount(Self.redemption(.repeating, periods: 3), for: active, atCreation: true, at: start)
        #expect(three.end == instant("2026-04-15T10:00:00Z"))
        #expect(three.covers(periodStart: instant("2026-03-15T10:00:00Z")) && !three.covers(periodStart: instant("2026-04-15T10:00:00Z")))
        let forever = SubscriptionLifecycleService.discount(Self.redemption(.forever), for: active, atCreation: true, at: start)
        #expect(forever.end == nil && forever.covers(periodStart: instant("2036-01-15T10:00:00Z")))
    }

    @Test("during a trial the discount starts with the first paid period; applied later, with the next period")
    func trialAndLater() {
        let start = instant("2026-01-15T10:00:00Z")
        let trialing = subscription(plan(trialDays: 14), start: start)
        let onTrial = SubscriptionLifecycleService.discount(Self.redemption(.once), for: trialing, atCreation: true, at: start)
        #expect(onTrial.start == instant("2026-01-29T10:00:00Z") && onTrial.end == instant("2026-02-28T10:00:00Z"))
        let active = subscription(plan(), start: start)
        let later = SubscriptionLifecycleService.discount(
            Self.redemption(.repeating, periods: 2), for: active, atCreation: false, at: instant("2026-01-20T00:00:00Z"))
        #expect(later.start == instant("2026-02-15T10:00:00Z") && later.end == instant("2026-04-15T10:00:00Z"))
        #expect(!later.covers(periodStart: start))
    }

    @Test(
        """
        MRR counts a recurring discount: 20% forever on 100.00/month → 80.00, 10% on 1,200.00/year → 90.00; a REPEATING one while it \
        covers the period, not after; a ONCE one never; an amount off at most the price
        """
    )
    func recurringRevenue() {
        let start = instant("2026-01-15T10:00:00Z")
        func mrr(_ plan: SubscribedPlan, _ redemption: CouponRedemption?, periodStart: Date? = nil) -> String? {
            var active = subscription(plan, start: start)
            active.discount = redemption.map { SubscriptionLifecycleService.discount($0, for: active, atCreation: true, at: start) }
            if let periodStart { active.currentPeriodStart = periodStart }
            return RecurringRevenue.monthlyAmount(of: active)?.amountText
        }
        func percent(_ duration: CouponDuration, _ value: Int64, periods: Int? = nil) -> CouponRedemption {
            var redemption = Self.redemption(duration, periods: periods)
            redemption.coupon.percentOff = DecimalNumber(value)
            return redemption
        }
        #expect(mrr(plan(), percent(.forever, 20)) == "80.00")
        #expect(mrr(plan("1200.00", interval: .yearly), percent(.forever, 10)) == "90.00")
        #expect(mrr(plan(), percent(.repeating, 20, periods: 3)) == "80.00")
        #expect(mrr(plan(), percent(.repeating, 20, periods: 3), periodStart: instant("2026-04-15T10:00:00Z")) == "100.00")
        #expect(mrr(plan(), percent(.once, 20)) == "100.00")
        var amount = Self.redemption(.forever)
        amount.coupon.percentOff = nil
        amount.coupon.amountOff = Money(minorUnits: 15_000, currency: .brl)
        #expect(mrr(plan(), amount) == "0.00")
        #expect(mrr(plan(), nil) == "100.00")
    }
}
