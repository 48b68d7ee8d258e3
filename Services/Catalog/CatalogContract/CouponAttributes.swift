import BillingCore
import Foundation

/// How long a coupon keeps discounting a subscription once applied (Stripe's `duration`).
public enum CouponDuration: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// The first invoice the discount reaches.
    case once = "ONCE"
    /// The invoices of `durationInPeriods` billing periods.
    case repeating = "REPEATING"
    /// Every invoice while the subscription keeps the discount.
    case forever = "FOREVER"
}

/// A coupon (Stripe's model): a percent or an amount off, for a duration, redeemable until `redeemBy`, at most `maxRedemptions` times.
public struct CouponAttributes: Codable, Sendable, Equatable {
    /// The coupon's own code (1 to 64 letters, digits, `-_.:`), as operators name it; customers type promotion codes.
    public var code: String
    public var name: String
    /// Percent off each discounted line, above 0 and at most 100, up to 4 decimal places. Exactly one of `percentOff` and `amountOff`.
    public var percentOff: DecimalNumber?
    /// An amount off each discounted invoice, exact in `currency`, spread over its discounted lines.
    public var amountOff: DecimalNumber?
    /// The currency of `amountOff` (required with it, absent with `percentOff`).
    public var currency: String?
    public var duration: CouponDuration
    /// REPEATING only: the number of billing periods discounted, 1 to 120.
    public var durationInPeriods: Int?
    /// No redemption after this instant.
    public var redeemBy: Date?
    /// The most redemptions of the coupon, through any of its promotion codes too.
    public var maxRedemptions: Int?
    /// Plans and add-ons whose lines it discounts (a plan: its fee, usage, minimum true-up and proration lines; an add-on: its
    /// line); absent: every line of the subscription, or of the invoice.
    public var appliesTo: [CatalogItemID]?

    public init(
        code: String, name: String, percentOff: DecimalNumber? = nil, amountOff: DecimalNumber? = nil, currency: String? = nil,
        duration: CouponDuration, durationInPeriods: Int? = nil, redeemBy: Date? = nil, maxRedemptions: Int? = nil,
        appliesTo: [CatalogItemID]? = nil
    ) {
        self.code = code
        self.name = name
        self.percentOff = percentOff
        self.amountOff = amountOff
        self.currency = currency
        self.duration = duration
        self.durationInPeriods = durationInPeriods
        self.redeemBy = redeemBy
        self.maxRedemptions = maxRedemptions
        self.appliesTo = appliesTo
    }
}

/// A customer-facing code for a coupon (Stripe's promotion code), matched without regard to case.
public struct PromotionCodeAttributes: Codable, Sendable, Equatable {
    /// What the customer types: 3 to 64 letters, digits, `-` or `_`; stored upper-case, matched case-insensitively.
    public var code: String
    public var couponId: CatalogItemID
    /// The most redemptions through this code (the coupon's own limit still applies).
    public var maxRedemptions: Int?
    /// No redemption after this instant.
    public var expiresAt: Date?
    /// Only for a billing account's first subscription.
    public var firstTimeTransaction: Bool?

    public init(
        code: String, couponId: CatalogItemID, maxRedemptions: Int? = nil, expiresAt: Date? = nil, firstTimeTransaction: Bool? = nil
    ) {
        self.code = code
        self.couponId = couponId
        self.maxRedemptions = maxRedemptions
        self.expiresAt = expiresAt
        self.firstTimeTransaction = firstTimeTransaction
    }
}

/// The terms of a coupon as redeemed: what a discount keeps whatever becomes of the coupon later.
public struct AppliedCoupon: Codable, Sendable, Equatable {
    public var couponId: CatalogItemID
    public var code: String
    public var name: String
    public var percentOff: DecimalNumber?
    public var amountOff: Money?
    public var duration: CouponDuration
    public var durationInPeriods: Int?
    public var appliesTo: [CatalogItemID]?

    public init(
        couponId: CatalogItemID, code: String, name: String, percentOff: DecimalNumber?, amountOff: Money?, duration: CouponDuration,
        durationInPeriods: Int?, appliesTo: [CatalogItemID]?
    ) {
        self.couponId = couponId
        self.code = code
        self.name = name
        self.percentOff = percentOff
        self.amountOff = amountOff
        self.duration = duration
        self.durationInPeriods = durationInPeriods
        self.appliesTo = appliesTo
    }

    /// The billing periods it discounts: 1 for ONCE, `durationInPeriods` for REPEATING, nil (all) for FOREVER.
    public var periods: Int? {
        switch duration {
        case .once: 1
        case .repeating: durationInPeriods ?? 1
        case .forever: nil
        }
    }

    /// `20% off`, `R$ 10,00 off`: how lines and invoices name it.
    public var label: String {
        if let percentOff { return "\(name) (\(percentOff)% off)" }
        return "\(name) (\(amountOff.map { "\($0.amount) \($0.currency.code)" } ?? "") off)"
    }
}

/// Redeem a coupon, by its id or through a promotion code, once per `reference`.
public struct RedeemCouponRequest: Codable, Sendable, Equatable {
    /// Exactly one of `couponId` and `promotionCode`.
    public var couponId: CatalogItemID?
    public var promotionCode: String?
    public var billingAccountId: AccountID
    /// Whether the account has never subscribed before (a first-time-only promotion code needs it).
    public var firstTimeCustomer: Bool
    /// What the redemption is for (`subscription-create:<key>`): redeeming again with it answers the first redemption.
    public var reference: String
    /// The currency the discount will be in (an amount-off coupon must be in it).
    public var currency: String

    public init(
        couponId: CatalogItemID? = nil, promotionCode: String? = nil, billingAccountId: AccountID, firstTimeCustomer: Bool, reference: String,
        currency: String
    ) {
        self.couponId = couponId
        self.promotionCode = promotionCode
        self.billingAccountId = billingAccountId
        self.firstTimeCustomer = firstTimeCustomer
        self.reference = reference
        self.currency = currency
    }
}

public struct CouponRedemption: Codable, Sendable, Equatable {
    public var coupon: AppliedCoupon
    public var promotionCodeId: CatalogItemID?
    public var redeemedAt: Date

    public init(coupon: AppliedCoupon, promotionCodeId: CatalogItemID?, redeemedAt: Date) {
        self.coupon = coupon
        self.promotionCodeId = promotionCodeId
        self.redeemedAt = redeemedAt
    }
}

/// A coupon named by id (operators) or through a promotion code (any case): what applying a discount takes.
public struct CouponChoice: Codable, Sendable, Equatable {
    public var couponId: CatalogItemID?
    public var promotionCode: String?

    public init(couponId: CatalogItemID? = nil, promotionCode: String? = nil) {
        self.couponId = couponId
        self.promotionCode = promotionCode
    }
}
