import BillingCore
import CatalogContract
import Foundation
import SubscriptionsContract

/// A subscription's discount as the `discount` column holds it: the store's own type (field names fixed whatever the contract's
/// `SubscriptionDiscount` becomes).
struct DiscountSnapshot: Codable {
    var couponId: String
    var code: String
    var name: String
    var percentOff: DecimalNumber?
    var amountOff: DecimalNumber?
    var currency: String?
    var duration: String
    var durationInPeriods: Int?
    var appliesTo: [String]?
    var promotionCodeId: String?
    var start: Date
    var end: Date?
    var appliedAt: Date

    init(_ discount: SubscriptionDiscount) {
        let coupon = discount.coupon
        couponId = coupon.couponId.description
        code = coupon.code
        name = coupon.name
        percentOff = coupon.percentOff
        amountOff = coupon.amountOff?.amount
        currency = coupon.amountOff?.currency.code
        duration = coupon.duration.rawValue
        durationInPeriods = coupon.durationInPeriods
        appliesTo = coupon.appliesTo?.map(\.description)
        promotionCodeId = discount.promotionCodeId?.description
        start = discount.start
        end = discount.end
        appliedAt = discount.appliedAt
    }

    func discount(of subscription: UUID) throws -> SubscriptionDiscount {
        let id = { (text: String) throws -> CatalogItemID in
            try SubscriptionRowError.catalogID(text) { .unreadable(subscription, "discount catalog id \($0)") }
        }
        guard let duration = CouponDuration(rawValue: duration) else { throw SubscriptionRowError.unreadable(subscription, "discount duration") }
        var amount: Money?
        if let amountOff, let currency {
            guard let currency = Currency(code: currency), let money = try? Money(exactly: amountOff, currency: currency) else {
                throw SubscriptionRowError.unreadable(subscription, "discount amount")
            }
            amount = money
        }
        return SubscriptionDiscount(
            coupon: AppliedCoupon(
                couponId: try id(couponId), code: code, name: name, percentOff: percentOff, amountOff: amount, duration: duration,
                durationInPeriods: durationInPeriods, appliesTo: try appliesTo?.map(id)),
            promotionCodeId: try promotionCodeId.map(id), start: start, end: end, appliedAt: appliedAt)
    }
}
