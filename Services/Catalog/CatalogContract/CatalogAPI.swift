import BillingEvents
import BillingRPC

/// The published RPC API of the catalog context (`billing.catalog.v1`).
public enum CatalogAPI: RPCServiceDescription {
    public static let contextName = "catalog"
    public static let package = "billing.catalog.v1"

    public static let products = CatalogResource<ProductAttributes>(kind: "product", serviceName: "Products", noun: "a billing product")
    public static let plans = CatalogResource<PlanAttributes>(kind: "plan", serviceName: "Plans", noun: "a subscription plan")
    public static let addons = CatalogResource<AddonAttributes>(kind: "addon", serviceName: "Addons", noun: "an add-on")
    public static let meters = CatalogResource<MeterAttributes>(kind: "meter", serviceName: "Meters", noun: "a usage meter")
    public static let aiModels = CatalogResource<AIModelAttributes>(kind: "ai_model", serviceName: "AIModels", noun: "an AI model rate")
    public static let creditPackages = CatalogResource<CreditPackageAttributes>(
        kind: "credit_package", serviceName: "CreditPackages",
        noun: "a credit package")
    public static let coupons = CatalogResource<CouponAttributes>(kind: "coupon", serviceName: "Coupons", noun: "a coupon")
    public static let promotionCodes = CatalogResource<PromotionCodeAttributes>(
        kind: "promotion_code", serviceName: "PromotionCodes", noun: "a promotion code")
    public static let redeemCoupon = UnaryMethod<RedeemCouponRequest, CouponRedemption>(
        service: package + ".Coupons", method: "Redeem", retry: .withKey, callers: .only(["subscriptions", "invoicing"]),
        summary:
            """
            Redeems a coupon, by id or through a promotion code (any case), for `reference`: checks it is ACTIVE, not past `redeemBy` \
            or `expiresAt`, under `maxRedemptions` (the coupon's and the code's), first-time-only codes, and an amount off in \
            `currency`; answers its terms. The same `reference` answers the first redemption and counts once.
            """)

    public static let pricePreview = UnaryMethod<PricePreviewRequest, PricePreview>(
        service: package + ".Products", method: "PricePreview", retry: .always,
        callers: .gateway, summary: "What `quantity` units of a product cost, with one line per tier touched.")
    public static let pricePreviews = UnaryMethod<PricePreviewsRequest, PricePreviews>(
        service: package + ".Products", method: "PricePreviews", retry: .always,
        callers: .only(["invoicing"]),
        summary: "Several price previews in one call (1 to 100, answered in the request's order): an invoice pricing each of its usage charges.")
    public static let costPreview = UnaryMethod<CostPreviewRequest, CostPreview>(
        service: package + ".AIModels", method: "CostPreview", retry: .always,
        callers: .gateway, summary: "The credits an AI call with these token counts costs under a model's rate.")

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
            EventDescriptor(
                CatalogItemPublished.self, producer: contextName, summary: "A catalog item was created, or a new version of it was made."),
            EventDescriptor(CatalogItemArchived.self, producer: contextName, summary: "A catalog item was archived."),
        ]
    }

    /// Event types this context consumes, and why.
    public static var consumedEvents: [(type: String, purpose: String)] { [] }

    public static var methods: [any RPCMethodDescriptor] {
        products.methods + plans.methods + addons.methods + meters.methods + aiModels.methods + creditPackages.methods
            + coupons.methods + promotionCodes.methods + [
                pricePreview, pricePreviews, costPreview, redeemCoupon,
            ]
    }
}
