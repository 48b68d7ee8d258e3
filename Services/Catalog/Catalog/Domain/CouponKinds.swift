import BillingCore
import CatalogContract
import Foundation

/// Coupons (Stripe's model): percent or amount off, for once, some periods or forever.
enum CouponKind: CatalogKind {
    typealias Attributes = CouponAttributes
    static let kind = "coupon"
    static func code(of attributes: CouponAttributes) -> String? { attributes.code }

    static func validate(_ attributes: CouponAttributes, references: any CatalogReferences) async throws -> CouponAttributes {
        var result = attributes
        result.code = try CatalogRules.code(attributes.code)
        result.name = try CatalogRules.name(attributes.name)
        switch (attributes.percentOff, attributes.amountOff) {
        case (let percent?, nil):
            guard !percent.isNegative, !percent.isZero, !(DecimalNumber(100) < percent), percent.scale <= 4 else {
                throw CatalogError.invalid("percentOff", "percentOff must be above 0 and at most 100, with at most 4 decimal places")
            }
            if attributes.currency != nil { throw CatalogError.invalid("currency", "currency goes with amountOff, not percentOff") }
        case (nil, let amount?):
            guard let code = attributes.currency else { throw CatalogError.invalid("currency", "amountOff needs the currency it is in") }
            try CatalogRules.price(amount, field: "amountOff", currency: try CatalogRules.currency(code))
            guard !amount.isZero else { throw CatalogError.invalid("amountOff", "amountOff must be above 0") }
        default:
            throw CatalogError.invalid("percentOff", "a coupon takes exactly one of percentOff and amountOff")
        }
        switch attributes.duration {
        case .repeating:
            guard let periods = attributes.durationInPeriods, (1...120).contains(periods) else {
                throw CatalogError.invalid("durationInPeriods", "a REPEATING coupon needs durationInPeriods from 1 to 120")
            }
        case .once, .forever:
            guard attributes.durationInPeriods == nil else {
                throw CatalogError.invalid("durationInPeriods", "durationInPeriods applies to REPEATING coupons only")
            }
        }
        if let maximum = attributes.maxRedemptions, maximum < 1 {
            throw CatalogError.invalid("maxRedemptions", "maxRedemptions must be at least 1 (omit it for no limit)")
        }
        if let targets = attributes.appliesTo {
            guard (1...50).contains(targets.count), Set(targets).count == targets.count else {
                throw CatalogError.invalid("appliesTo", "appliesTo lists 1 to 50 different plans or add-ons (omit it for every line)")
            }
            for (index, id) in targets.enumerated() {
                var found = try await references.item(kind: PlanKind.kind, id: id, version: nil)
                if found == nil { found = try await references.item(kind: AddonKind.kind, id: id, version: nil) }
                guard found != nil else {
                    throw CatalogError.invalid("appliesTo[\(index)]", "\(id) is neither a subscription plan nor an add-on", reason: "ITEM_NOT_FOUND")
                }
            }
        }
        return result
    }

    /// What a coupon takes off is fixed once created (Stripe's rule): redemptions made keep what they were promised.
    static func checkChange(from previous: CouponAttributes, to next: CouponAttributes) throws {
        try CatalogRules.unchanged(
            [
                ("percentOff", previous.percentOff != next.percentOff), ("amountOff", previous.amountOff != next.amountOff),
                ("currency", previous.currency != next.currency), ("duration", previous.duration != next.duration),
                ("durationInPeriods", previous.durationInPeriods != next.durationInPeriods),
                ("appliesTo", previous.appliesTo != next.appliesTo),
            ], "what a coupon takes off, for how long and on what is fixed once created; create a new coupon instead",
            reason: "COUPON_TERMS_IMMUTABLE")
    }
}

/// Customer-facing codes of a coupon, stored upper-case so that `summer20` and `SUMMER20` are one code.
enum PromotionCodeKind: CatalogKind {
    typealias Attributes = PromotionCodeAttributes
    static let kind = "promotion_code"
    static func code(of attributes: PromotionCodeAttributes) -> String? { attributes.code }

    static func lookupCode(_ code: String) -> String { code.trimmingCharacters(in: .whitespaces).uppercased() }

    static func validate(_ attributes: PromotionCodeAttributes, references: any CatalogReferences) async throws -> PromotionCodeAttributes {
        var result = attributes
        let code = lookupCode(attributes.code)
        guard (3...64).contains(code.count),
            code.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") })
        else {
            throw CatalogError.invalid("code", "code must be 3 to 64 letters, digits, '-' or '_'", reason: "INVALID_CODE")
        }
        result.code = code
        guard let coupon = try await references.item(kind: CouponKind.kind, id: attributes.couponId, version: nil) else {
            throw CatalogError.invalid("couponId", "coupon \(attributes.couponId) does not exist", reason: "COUPON_NOT_FOUND")
        }
        guard coupon.status == .active else { throw CatalogError.archivedReference(CouponKind.kind, attributes.couponId) }
        if let maximum = attributes.maxRedemptions, maximum < 1 {
            throw CatalogError.invalid("maxRedemptions", "maxRedemptions must be at least 1 (omit it for no limit)")
        }
        return result
    }

    static func checkChange(from previous: PromotionCodeAttributes, to next: PromotionCodeAttributes) throws {
        try CatalogRules.unchanged(
            [("couponId", previous.couponId != next.couponId)], "a promotion code's coupon is fixed once created", reason: "COUPON_TERMS_IMMUTABLE")
    }
}
