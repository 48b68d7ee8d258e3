import BillingCore
import BillingPostgres
import BillingRPC
import CatalogContract
import Foundation
import PostgresNIO
import SubscriptionsContract

/// Coupons on subscriptions (issue 26): redeemed with the catalog before any row is locked, kept as the subscription's discount.
extension SubscriptionLifecycleService {
    /// Redeems the coupon or promotion code a request names (nil when it names none), once per `reference`.
    func redeem(
        couponId: CatalogItemID?, promotionCode: String?, account: AccountID, currency: String, reference: String, excluding: SubscriptionID?,
        context: RPCServerContext
    ) async throws -> CouponRedemption? {
        guard couponId != nil || promotionCode != nil else { return nil }
        guard couponId == nil || promotionCode == nil else {
            throw SubscriptionsError.invalid("promotionCode", "name a coupon (couponId) or a promotion code, not both")
        }
        let tenant = context.tenant
        let earlier = try await database.withTenant(tenant) { connection in
            try await store.subscriptionCount(account: account.rawValue, excluding: excluding?.rawValue, tenant: tenant, on: connection)
        }
        return try await catalog.call(
            CatalogAPI.redeemCoupon,
            RedeemCouponRequest(
                couponId: couponId, promotionCode: promotionCode, billingAccountId: account, firstTimeCustomer: earlier == 0,
                reference: reference, currency: currency),
            options: Self.outgoing(context))
    }

    /// The reference a redemption is counted under: the call's idempotency key when it has one (its retries redeem once).
    static func redemptionReference(_ prefix: String, context: RPCServerContext) -> String {
        "\(prefix):\(context.metadata.idempotencyKey ?? UUID().uuidString)"
    }

    /// The discount a redemption gives `subscription`: from its first paid period when applied at creation (the trial's end, or its
    /// first period), from the next period otherwise; ONCE and REPEATING coupons end after their number of periods.
    static func discount(_ redemption: CouponRedemption, for subscription: Subscription, atCreation: Bool, at now: Date) -> SubscriptionDiscount {
        let start =
            atCreation && subscription.status != .trial ? subscription.currentPeriodStart : subscription.currentPeriodEnd
        var end: Date?
        if let periods = redemption.coupon.periods {
            let calculator = PeriodMath.calculator(for: subscription)
            let first = calculator.index(containing: start) ?? 0
            end = calculator.period(first + periods).start
        }
        return SubscriptionDiscount(
            coupon: redemption.coupon, promotionCodeId: redemption.promotionCodeId, start: start, end: end, appliedAt: now)
    }

    func applyDiscount(_ request: ApplyDiscountRequest, context: RPCServerContext) async throws -> Subscription {
        guard request.couponId != nil || request.promotionCode != nil else {
            throw SubscriptionsError.invalid("couponId", "name a coupon (couponId) or a promotion code")
        }
        let current = try await get(request.id, tenant: context.tenant)
        guard [.trial, .active, .pastDue].contains(current.status), !current.cancelAtPeriodEnd else {
            throw SubscriptionsError.conflict(
                "subscription is \(current.status.rawValue)\(current.cancelAtPeriodEnd ? " and ends at period end" : ""); only a live one takes a coupon",
                reason: "INVALID_STATUS_TRANSITION")
        }
        guard
            let redemption = try await redeem(
                couponId: request.couponId, promotionCode: request.promotionCode, account: current.billingAccountId,
                currency: current.plan.currency, reference: Self.redemptionReference("subscription-discount:\(request.id)", context: context),
                excluding: request.id, context: context)
        else { throw SubscriptionsError.invalid("couponId", "name a coupon (couponId) or a promotion code") }
        return try await mutate(request.id, request: request, context: context) { subscription, now, _ in
            subscription.discount = Self.discount(redemption, for: subscription, atCreation: false, at: now)
            subscription.updatedAt = now
            return (subscription, [])
        }
    }

    func removeDiscount(_ id: SubscriptionID, context: RPCServerContext) async throws -> Subscription {
        try await mutate(id, request: id, context: context) { subscription, now, _ in
            guard subscription.discount != nil else { return (subscription, []) }
            subscription.discount = nil
            subscription.updatedAt = now
            return (subscription, [])
        }
    }
}

extension SubscriptionStore {
    /// How many subscriptions (of any status) the account has, but `excluding`.
    func subscriptionCount(account: UUID, excluding: UUID?, tenant: String, on connection: PostgresConnection) async throws -> Int {
        let row = try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT count(*) FROM subscriptions WHERE tenant_id = $1 AND billing_account_id = $2 AND ($3::uuid IS NULL OR id <> $3)
                    """, binds: try .of(tenant, account, excluding)), logger: logger)
        return try row?.decode(Int.self) ?? 0
    }
}
