import BillingCore

/// `POST /billing-products/{id}/price-preview`: price `quantity` units.
public struct PricePreviewRequest: Codable, Sendable, Equatable {
    public var productId: CatalogItemID
    public var version: Int?
    public var quantity: DecimalNumber
    public init(productId: CatalogItemID, version: Int? = nil, quantity: DecimalNumber) {
        self.productId = productId
        self.version = version
        self.quantity = quantity
    }
}

public struct PricePreviewsRequest: Codable, Sendable, Equatable {
    public var items: [PricePreviewRequest]
    public init(items: [PricePreviewRequest]) { self.items = items }
}

public struct PricePreviews: Codable, Sendable, Equatable {
    public var items: [PricePreview]
    public init(items: [PricePreview]) { self.items = items }
}

/// The public body of a price preview.
public struct PricePreviewAttributes: Codable, Sendable, Equatable {
    public var quantity: DecimalNumber
    public var version: Int?
}

/// One line of a preview: units, exact unit amount, rounded amount.
public struct PreviewLine: Codable, Sendable, Equatable {
    public var description: String
    public var quantity: DecimalNumber
    public var unitAmount: DecimalNumber
    public var amount: DecimalNumber
    public var tier: Int?
}

public struct PricePreview: Codable, Sendable, Equatable {
    public var productId: CatalogItemID
    public var version: Int
    public var pricingModel: PricingModel
    public var currency: String
    public var quantity: DecimalNumber
    public var total: DecimalNumber
    public var lines: [PreviewLine]

    public init(productId: CatalogItemID, version: Int, pricingModel: PricingModel, breakdown: PriceBreakdown, quantity: DecimalNumber) {
        self.productId = productId
        self.version = version
        self.pricingModel = pricingModel
        self.currency = breakdown.total.currency.code
        self.quantity = quantity
        self.total = breakdown.total.amount
        self.lines = breakdown.lines.map {
            PreviewLine(description: $0.description, quantity: $0.quantity, unitAmount: $0.unitAmount, amount: $0.amount.amount, tier: $0.tier)
        }
    }
}

/// `POST /ai-models/{id}/cost-preview`: the credits for these token counts.
public struct CostPreviewRequest: Codable, Sendable, Equatable {
    public var modelId: CatalogItemID
    public var version: Int?
    public var usage: TokenUsageAttributes
    public init(modelId: CatalogItemID, version: Int? = nil, usage: TokenUsageAttributes) {
        self.modelId = modelId
        self.version = version
        self.usage = usage
    }
}

/// Token counts of one AI call (public attributes).
public struct TokenUsageAttributes: Codable, Sendable, Equatable {
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var cachedInputTokens: Int64?
    public init(inputTokens: Int64, outputTokens: Int64, cachedInputTokens: Int64? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
    }

    public var usage: TokenUsage { TokenUsage(inputTokens: inputTokens, outputTokens: outputTokens, cachedInputTokens: cachedInputTokens ?? 0) }
}

public struct CostPreview: Codable, Sendable, Equatable {
    public var modelId: CatalogItemID
    public var version: Int
    public var credits: Credits
    public var inputCredits: Credits
    public var outputCredits: Credits
    public var cachedInputCredits: Credits
    /// Blocks charged, for PER_BLOCK rounding.
    public var blocks: Int64?
    public var markup: DecimalNumber

    public init(modelId: CatalogItemID, version: Int, cost: TokenCost, markup: DecimalNumber) {
        self.modelId = modelId
        self.version = version
        self.credits = cost.credits
        self.inputCredits = cost.inputCredits
        self.outputCredits = cost.outputCredits
        self.cachedInputCredits = cost.cachedInputCredits
        self.blocks = cost.blocks
        self.markup = markup
    }
}
