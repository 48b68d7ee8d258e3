/// How an AI model's token counts become credits (seeds 002 and 003).
public struct ModelRate: Sendable, Hashable, Codable {
    /// Credits per input token (8 decimals, e.g. 0.000003 for $3 per million at 1 credit = 1 USD).
    public var inputRate: Credits
    public var outputRate: Credits
    /// Credits per cached input token (prompt caching); nil charges them as input tokens.
    public var cachedInputRate: Credits?
    /// Applied to the cost (1.5 = 50 % margin).
    public var markup: DecimalNumber
    public var rounding: TokenRounding

    public init(
        inputRate: Credits, outputRate: Credits, cachedInputRate: Credits? = nil, markup: DecimalNumber = DecimalNumber(1),
        rounding: TokenRounding = .exact
    ) {
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.cachedInputRate = cachedInputRate
        self.markup = markup
        self.rounding = rounding
    }
}

/// Exact credits (rounded up at 8 decimals), or whole credits per block of tokens rounded up.
public enum TokenRounding: Sendable, Hashable, Codable {
    /// `input × inputRate + output × outputRate + cached × cachedRate`, times markup, rounded up to 10⁻⁸.
    case exact
    /// `⌈(input + output + cached) / blockSize⌉ × creditsPerBlock`, times markup (seed 002: 1 credit per 1,000 tokens).
    case perBlock(blockSize: Int64, creditsPerBlock: Credits)
}

/// Token counts of one AI call.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var cachedInputTokens: Int64

    public init(inputTokens: Int64, outputTokens: Int64, cachedInputTokens: Int64 = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
    }

    public var totalTokens: Int64 { inputTokens + outputTokens + cachedInputTokens }
}

/// The credits an AI call costs, and how they were computed.
public struct TokenCost: Sendable, Hashable, Codable {
    public var credits: Credits
    /// Before markup and rounding.
    public var inputCredits: Credits
    public var outputCredits: Credits
    public var cachedInputCredits: Credits
    /// Blocks charged (per-block rounding only).
    public var blocks: Int64?
}

/// Converts token counts to credits; pure.
///
/// Credits are never under-charged: the exact cost is rounded *up* to the 8th decimal, and partial
/// blocks count as whole blocks.
public enum TokenCostCalculator {
    public static func validate(_ rate: ModelRate) throws(PricingError) {
        if rate.inputRate.isNegative { throw PricingError(field: "inputRate", "must not be negative") }
        if rate.outputRate.isNegative { throw PricingError(field: "outputRate", "must not be negative") }
        if rate.cachedInputRate?.isNegative == true { throw PricingError(field: "cachedInputRate", "must not be negative") }
        guard rate.markup > .zero else { throw PricingError(field: "markup", "must be greater than 0") }
        if case .perBlock(let size, let credits) = rate.rounding {
            guard size > 0 else { throw PricingError(field: "rounding.blockSize", "must be greater than 0") }
            guard credits > .zero else { throw PricingError(field: "rounding.creditsPerBlock", "must be greater than 0") }
        }
    }

    public static func cost(_ rate: ModelRate, usage: TokenUsage) throws(PricingError) -> TokenCost {
        try validate(rate)
        for (field, count) in [
            ("inputTokens", usage.inputTokens), ("outputTokens", usage.outputTokens), ("cachedInputTokens", usage.cachedInputTokens),
        ]
        where count < 0 {
            throw PricingError(field: field, "must not be negative")
        }
        let input = try times(rate.inputRate, usage.inputTokens)
        let output = try times(rate.outputRate, usage.outputTokens)
        let cached = try times(rate.cachedInputRate ?? rate.inputRate, usage.cachedInputTokens)
        let base: DecimalNumber
        var blocks: Int64?
        switch rate.rounding {
        case .exact:
            guard let sum = input.decimal.adding(output.decimal)?.adding(cached.decimal) else {
                throw PricingError(field: "tokens", "too many tokens")
            }
            base = sum
        case .perBlock(let size, let perBlock):
            let (total, overflow) = usage.inputTokens.addingReportingOverflow(usage.outputTokens)
            guard !overflow, case (let all, false) = total.addingReportingOverflow(usage.cachedInputTokens) else {
                throw PricingError(field: "tokens", "too many tokens")
            }
            let count = Int64(RoundingRule.ceiling.divide(Int128(all), by: Int128(size)))
            blocks = count
            guard let product = DecimalNumber(count).multiplied(by: perBlock.decimal) else { throw PricingError(field: "tokens", "too many tokens") }
            base = product
        }
        guard let marked = base.multiplied(by: rate.markup) else { throw PricingError(field: "tokens", "too many tokens") }
        let credits: Credits
        do { credits = try Credits(marked, rounding: .ceiling) } catch { throw PricingError(field: "tokens", "too many tokens") }
        return TokenCost(credits: credits, inputCredits: input, outputCredits: output, cachedInputCredits: cached, blocks: blocks)
    }

    static func times(_ rate: Credits, _ tokens: Int64) throws(PricingError) -> Credits {
        let (product, overflow) = rate.units.multipliedReportingOverflow(by: tokens)
        guard !overflow else { throw PricingError(field: "tokens", "too many tokens") }
        return Credits(units: product)
    }
}
