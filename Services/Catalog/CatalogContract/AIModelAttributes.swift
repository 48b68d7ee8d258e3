import BillingCore

/// Exact credits, or whole credits per block of tokens (seed 002).
public enum TokenRoundingMode: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case exact = "EXACT"
    case perBlock = "PER_BLOCK"
}

/// How token counts round to credits.
public struct TokenRoundingAttributes: Codable, Sendable, Equatable {
    public var mode: TokenRoundingMode
    /// PER_BLOCK: tokens per block (seed 002: 1000).
    public var blockSize: Int64?
    /// PER_BLOCK: credits per block (default 1).
    public var creditsPerBlock: Credits?

    public init(mode: TokenRoundingMode, blockSize: Int64? = nil, creditsPerBlock: Credits? = nil) {
        self.mode = mode
        self.blockSize = blockSize
        self.creditsPerBlock = creditsPerBlock
    }
}

/// Tokens an AI call is expected to use.
public struct TokenEstimateAttributes: Codable, Sendable, Equatable {
    public var inputTokens: Int64
    public var outputTokens: Int64

    public init(inputTokens: Int64, outputTokens: Int64) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// An AI model's token rates in credits (seeds 002 and 003).
public struct AIModelAttributes: Codable, Sendable, Equatable {
    /// The model id callers send (`claude-sonnet-4.5`); unique per tenant and fixed once created.
    public var modelId: String
    public var name: String
    public var provider: String?
    /// Credits per input token (8 decimals).
    public var inputRate: Credits
    public var outputRate: Credits
    /// Credits per cached input token; absent: charged as input.
    public var cachedInputRate: Credits?
    /// Multiplies the cost (default 1).
    public var markup: DecimalNumber?
    /// Default EXACT.
    public var rounding: TokenRoundingAttributes?
    /// The estimate an authorization holds when it sends none and its feature has no settled history with this model yet.
    public var defaultEstimate: TokenEstimateAttributes?

    public init(
        modelId: String, name: String, provider: String? = nil, inputRate: Credits, outputRate: Credits, cachedInputRate: Credits? = nil,
        markup: DecimalNumber? = nil, rounding: TokenRoundingAttributes? = nil
    ) {
        self.modelId = modelId
        self.name = name
        self.provider = provider
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.cachedInputRate = cachedInputRate
        self.markup = markup
        self.rounding = rounding
    }

    /// The pricing engine's view of this rate.
    public var modelRate: ModelRate {
        let tokenRounding: TokenRounding
        switch rounding?.mode ?? .exact {
        case .exact: tokenRounding = .exact
        case .perBlock:
            tokenRounding = .perBlock(blockSize: rounding?.blockSize ?? 1000, creditsPerBlock: rounding?.creditsPerBlock ?? (try! Credits(whole: 1)))
        }
        return ModelRate(
            inputRate: inputRate, outputRate: outputRate, cachedInputRate: cachedInputRate, markup: markup ?? DecimalNumber(1),
            rounding: tokenRounding)
    }
}
