import BillingCore
import BillingPostgres
import BillingRPC
import CatalogContract
import Foundation
import PostgresNIO

/// Redeeming coupons: the limits of the coupon and of the promotion code checked and counted in one transaction, with the code's
/// and then the coupon's item row locked (always in that order), once per reference.
extension CatalogService {
    func redeem(_ request: RedeemCouponRequest, context: RPCServerContext) async throws -> CouponRedemption {
        guard (request.couponId == nil) != (request.promotionCode == nil) else {
            throw CatalogError.invalid("couponId", "name exactly one of a coupon and a promotion code")
        }
        guard (1...200).contains(request.reference.count) else { throw CatalogError.invalid("reference", "reference must have 1 to 200 characters") }
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: CatalogAPI.redeemCoupon.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            if let earlier = try await store.redemption(reference: request.reference, tenant: tenant, on: connection) {
                return try await answer(earlier, tenant: tenant, on: connection)
            }
            let now = clock.now()
            var promotionCode: CatalogItem<PromotionCodeAttributes>?
            var couponID = request.couponId
            if let text = request.promotionCode {
                let code = PromotionCodeKind.lookupCode(text)
                guard let found = try await store.find(kind: PromotionCodeKind.kind, code: code, tenant: tenant, on: connection),
                    let locked = try await store.find(kind: PromotionCodeKind.kind, id: found.id, tenant: tenant, forUpdate: true, on: connection)
                else {
                    throw CatalogError.invalid(
                        "promotionCode", "promotion code '\(text.prefix(64))' does not exist", reason: "PROMOTION_CODE_NOT_FOUND")
                }
                let item = try Self.item(PromotionCodeKind.self, locked)
                try await Self.check(
                    "promotionCode", "promotion code \(item.attributes.code)", status: item.status, until: item.attributes.expiresAt,
                    maximum: item.attributes.maxRedemptions,
                    redeemed: { try await store.redemptionCount(promotionCode: item.id, tenant: tenant, on: connection) }, at: now)
                if item.attributes.firstTimeTransaction == true && !request.firstTimeCustomer {
                    throw CatalogError.invalid(
                        "promotionCode", "promotion code \(item.attributes.code) is for a first subscription only", reason: "FIRST_TIME_ONLY")
                }
                promotionCode = item
                couponID = item.attributes.couponId
            }
            let field = promotionCode == nil ? "couponId" : "promotionCode"
            guard let couponID,
                let stored = try await store.find(kind: CouponKind.kind, id: couponID, tenant: tenant, forUpdate: true, on: connection)
            else {
                throw CatalogError.invalid(field, "coupon \(request.couponId?.description ?? "") does not exist", reason: "COUPON_NOT_FOUND")
            }
            let coupon = try Self.item(CouponKind.self, stored)
            try await Self.check(
                field, "coupon \(coupon.attributes.code)", status: coupon.status, until: coupon.attributes.redeemBy,
                maximum: coupon.attributes.maxRedemptions,
                redeemed: { try await store.redemptionCount(coupon: coupon.id, tenant: tenant, on: connection) }, at: now)
            let applied = try Self.applied(coupon)
            if let amount = applied.amountOff, amount.currency.code != request.currency {
                throw CatalogError.invalid(
                    field, "coupon \(coupon.attributes.code) takes \(amount) off; the subscription is in \(request.currency)",
                    reason: "CURRENCY_MISMATCH")
            }
            let redemption = StoredRedemption(
                reference: request.reference, couponID: coupon.id, couponVersion: coupon.version, promotionCodeID: promotionCode?.id,
                billingAccountID: request.billingAccountId.rawValue, redeemedAt: now)
            try await store.insert(redemption, tenant: tenant, on: connection)
            return CouponRedemption(coupon: applied, promotionCodeId: promotionCode?.id, redeemedAt: now)
        }
    }

    /// The redemption recorded earlier for the same reference, answered as it was.
    private func answer(_ earlier: StoredRedemption, tenant: String, on connection: PostgresConnection) async throws -> CouponRedemption {
        guard
            let stored = try await store.find(
                kind: CouponKind.kind, id: earlier.couponID, version: earlier.couponVersion, tenant: tenant, on: connection)
        else { throw CatalogError.notFound(CouponKind.kind, earlier.couponID.description) }
        return CouponRedemption(
            coupon: try Self.applied(try Self.item(CouponKind.self, stored)), promotionCodeId: earlier.promotionCodeID,
            redeemedAt: earlier.redeemedAt)
    }

    /// ACTIVE, not past its date, under its limit.
    private static func check(
        _ field: String, _ noun: String, status: CatalogItemStatus, until: Date?, maximum: Int?, redeemed: () async throws -> Int, at now: Date
    ) async throws {
        guard status == .active else { throw CatalogError.invalid(field, "\(noun) is ARCHIVED", reason: "COUPON_INACTIVE") }
        if let until, now >= until {
            throw CatalogError.invalid(field, "\(noun) expired at \(RFC3339.format(until))", reason: "COUPON_EXPIRED")
        }
        if let maximum, try await redeemed() >= maximum {
            throw CatalogError.invalid(field, "\(noun) was redeemed its maximum of \(maximum) times", reason: "MAX_REDEMPTIONS_REACHED")
        }
    }

    static func applied(_ coupon: CatalogItem<CouponAttributes>) throws -> AppliedCoupon {
        let attributes = coupon.attributes
        var amountOff: Money?
        if let amount = attributes.amountOff, let code = attributes.currency {
            guard let currency = Currency(code: code) else { throw CatalogError.invalid("currency", "unknown currency \(code)") }
            amountOff = try Money(exactly: amount, currency: currency)
        }
        return AppliedCoupon(
            couponId: coupon.id, code: attributes.code, name: attributes.name, percentOff: attributes.percentOff, amountOff: amountOff,
            duration: attributes.duration, durationInPeriods: attributes.durationInPeriods, appliesTo: attributes.appliesTo)
    }
}

/// One row of `coupon_redemptions`.
struct StoredRedemption: Sendable {
    let reference: String
    let couponID: CatalogItemID
    let couponVersion: Int
    let promotionCodeID: CatalogItemID?
    let billingAccountID: UUID
    let redeemedAt: Date
}

extension CatalogStore {
    func redemption(reference: String, tenant: String, on connection: PostgresConnection) async throws -> StoredRedemption? {
        guard
            let row = try await connection.firstRow(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT coupon_id, coupon_version, promotion_code_id, billing_account_id, redeemed_at FROM coupon_redemptions
                        WHERE tenant_id = $1 AND reference = $2
                        """, binds: try .of(tenant, reference)), logger: logger)
        else { return nil }
        let (coupon, version, code, account, at) = try row.decode((UUID, Int, UUID?, UUID, Date).self)
        return StoredRedemption(
            reference: reference, couponID: CatalogItemID(rawValue: coupon), couponVersion: version,
            promotionCodeID: code.map(CatalogItemID.init(rawValue:)), billingAccountID: account, redeemedAt: at)
    }

    func insert(_ redemption: StoredRedemption, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO coupon_redemptions (tenant_id, reference, coupon_id, coupon_version, promotion_code_id, billing_account_id, redeemed_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    """,
                binds: try .of(
                    tenant, redemption.reference, redemption.couponID.rawValue, redemption.couponVersion, redemption.promotionCodeID?.rawValue,
                    redemption.billingAccountID, redemption.redeemedAt)), logger: logger)
    }

    func redemptionCount(coupon: CatalogItemID, tenant: String, on connection: PostgresConnection) async throws -> Int {
        try await count("coupon_id", coupon, tenant: tenant, on: connection)
    }

    func redemptionCount(promotionCode: CatalogItemID, tenant: String, on connection: PostgresConnection) async throws -> Int {
        try await count("promotion_code_id", promotionCode, tenant: tenant, on: connection)
    }

    private func count(_ column: String, _ id: CatalogItemID, tenant: String, on connection: PostgresConnection) async throws -> Int {
        let row = try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: "SELECT count(*) FROM coupon_redemptions WHERE tenant_id = $1 AND \(column) = $2",
                binds: try .of(tenant, id.rawValue)), logger: logger)
        return try row?.decode(Int.self) ?? 0
    }
}
