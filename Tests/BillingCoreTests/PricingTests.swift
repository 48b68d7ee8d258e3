import Testing

@testable import BillingCore

func d(_ text: String) -> DecimalNumber { try! DecimalNumber(parsing: text) }

/// Stripe's tiers: 1–5 at $7, 6–10 at $6.50, 11+ at $6.
func stripeTiers(_ model: PricingModel, currency: Currency = .usd) -> PriceSpecification {
    PriceSpecification(
        model: model, currency: currency,
        tiers: [
            PriceTier(upTo: d("5"), unitAmount: d("7")), PriceTier(upTo: d("10"), unitAmount: d("6.50")), PriceTier(upTo: nil, unitAmount: d("6")),
        ])
}

@Suite("Pricing engine")
struct PricingTests {
    @Test("Stripe's example: volume for 6 units is $39, graduated is $41.50")
    func stripeExample() throws {
        #expect(try PriceCalculator.price(stripeTiers(.volume), quantity: d("6")).total == Money(minorUnits: 3900, currency: .usd))
        let graduated = try PriceCalculator.price(stripeTiers(.tiered), quantity: d("6"))
        #expect(graduated.total == Money(minorUnits: 4150, currency: .usd))
        #expect(graduated.lines.map(\.tier) == [1, 2])  // a line per tier touched
        #expect(graduated.lines.map(\.amount.minorUnits) == [3500, 650])
    }

    @Test("Lago's package: $5 per 100 units, first 100 free; 201 units cost $10")
    func lagoPackage() throws {
        let spec = PriceSpecification(model: .package, currency: .usd, unitAmount: d("5"), packageSize: d("100"), freeUnits: d("100"))
        #expect(try PriceCalculator.price(spec, quantity: d("201")).total == Money(minorUnits: 1000, currency: .usd))
    }

    // (model, quantity, expected minor units) for Stripe's tiers in USD.
    @Test(
        "tier boundaries: exactly at upTo and one above",
        arguments: [
            (PricingModel.tiered, "5", Int64(3500)), (.tiered, "6", 4150), (.tiered, "10", 6750), (.tiered, "11", 7350),
            (.volume, "5", 3500), (.volume, "6", 3900), (.volume, "10", 6500), (.volume, "11", 6600),
            (.tiered, "0", 0), (.volume, "0", 0),
            (.tiered, "5.5", 3825), (.volume, "5.5", 3575),  // fractional quantities
        ] as [(PricingModel, String, Int64)])
    func boundaries(model: PricingModel, quantity: String, expected: Int64) throws {
        #expect(try PriceCalculator.price(stripeTiers(model), quantity: d(quantity)).total.minorUnits == expected)
    }

    @Test("tier flat fees are added once when the tier is used")
    func tierFlatFees() throws {
        let spec = PriceSpecification(
            model: .tiered, currency: .brl,
            tiers: [
                PriceTier(upTo: d("100"), unitAmount: d("0"), flatAmount: d("49.90")),
                PriceTier(upTo: nil, unitAmount: d("0.10"), flatAmount: d("10")),
            ])
        #expect(try PriceCalculator.price(spec, quantity: d("50")).total.minorUnits == 4990)
        #expect(try PriceCalculator.price(spec, quantity: d("150")).total.minorUnits == 4990 + 500 + 1000)
        let volume = PriceSpecification(model: .volume, currency: .brl, tiers: spec.tiers)
        #expect(try PriceCalculator.price(volume, quantity: d("150")).total.minorUnits == 1500 + 1000)
    }

    @Test(
        "flat fee, per unit and packages without free units",
        arguments: [
            (PriceSpecification(model: .flatFee, currency: .brl, flatAmount: d("299.90")), "0", Int64(29990)),
            (PriceSpecification(model: .flatFee, currency: .brl, flatAmount: d("299.90")), "1000", 29990),
            (PriceSpecification(model: .perUnit, currency: .brl, unitAmount: d("0.0025")), "1000", 250),
            (PriceSpecification(model: .perUnit, currency: .brl, unitAmount: d("0.0025")), "1", 0),  // half-even rounds 0.0025 to 0.00
            (PriceSpecification(model: .perUnit, currency: .brl, unitAmount: d("0.0025"), rounding: .ceiling), "1", 1),
            (PriceSpecification(model: .package, currency: .usd, unitAmount: d("5"), packageSize: d("100")), "0", 0),
            (PriceSpecification(model: .package, currency: .usd, unitAmount: d("5"), packageSize: d("100")), "100", 500),
            (PriceSpecification(model: .package, currency: .usd, unitAmount: d("5"), packageSize: d("100")), "101", 1000),
            (PriceSpecification(model: .package, currency: .usd, unitAmount: d("5"), packageSize: d("100"), freeUnits: d("100")), "100", 0),
            (PriceSpecification(model: .package, currency: .usd, unitAmount: d("5"), packageSize: d("100"), freeUnits: d("100")), "100.5", 500),
            (PriceSpecification(model: .perUnit, currency: .jpy, unitAmount: d("12.5")), "3", 38),  // 0-decimal currency: 37.5 → 38 (half-even)
            (PriceSpecification(model: .perUnit, currency: Currency(code: "KWD")!, unitAmount: d("0.1235")), "2", 247),  // 3 decimals: 0.247
            (PriceSpecification(model: .perUnit, currency: .brl, flatAmount: d("10"), unitAmount: d("1")), "5", 1500),  // with a fixed fee
        ])
    func otherModels(spec: PriceSpecification, quantity: String, expected: Int64) throws {
        #expect(try PriceCalculator.price(spec, quantity: d(quantity)).total.minorUnits == expected)
    }

    @Test("huge quantities are priced exactly, or refused when they overflow")
    func hugeQuantities() throws {
        let perUnit = PriceSpecification(model: .perUnit, currency: .brl, unitAmount: d("0.01"))
        #expect(try PriceCalculator.price(perUnit, quantity: d("9000000000000000")).total.minorUnits == 9_000_000_000_000_000)
        #expect(throws: PricingError.self) { try PriceCalculator.price(perUnit, quantity: d("1e30")) }
        #expect(throws: PricingError.self) { try PriceCalculator.price(perUnit, quantity: d("-1")) }
    }

    @Test(
        "bad tier tables are refused, naming the tier",
        arguments: [
            (
                [
                    PriceTier(upTo: d("10"), unitAmount: d("1")), PriceTier(upTo: d("5"), unitAmount: d("1")),
                    PriceTier(upTo: nil, unitAmount: d("1")),
                ], "tiers[1].upTo"
            ),
            ([PriceTier(upTo: d("10"), unitAmount: d("1")), PriceTier(upTo: d("20"), unitAmount: d("1"))], "tiers[1].upTo"),
            ([PriceTier(upTo: nil, unitAmount: d("1")), PriceTier(upTo: nil, unitAmount: d("1"))], "tiers[0].upTo"),
            ([PriceTier(upTo: d("0"), unitAmount: d("1")), PriceTier(upTo: nil, unitAmount: d("1"))], "tiers[0].upTo"),
            ([PriceTier(upTo: d("10"), unitAmount: d("-1")), PriceTier(upTo: nil, unitAmount: d("1"))], "tiers[0].unitAmount"),
            ([], "tiers"),
        ])
    func badTiers(tiers: [PriceTier], field: String) {
        do {
            try PriceCalculator.validate(PriceSpecification(model: .tiered, currency: .brl, tiers: tiers))
            Issue.record("expected \(field) to be refused")
        } catch {
            #expect(error.field == field)
        }
    }

    @Test("property: graduated totals never decrease as the quantity grows")
    func graduatedMonotonic() throws {
        var random = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let spec = randomTiers(.tiered, using: &random)
            var previous = Int64.min
            for step in 0...60 {
                let total = try PriceCalculator.price(spec, quantity: DecimalNumber(significand: Int128(step * 5), scale: 1)).total.minorUnits
                #expect(total >= previous)
                previous = total
            }
        }
    }

    @Test("property: a volume total equals quantity × the selected tier's rate + its flat fee")
    func volumeFormula() throws {
        var random = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let spec = randomTiers(.volume, using: &random)
            let quantity = DecimalNumber(Int64(random.next() % 300) + 1)
            let tier = spec.tiers.first { $0.upTo.map { quantity <= $0 } ?? true }!
            let expected =
                try Money(quantity.multiplied(by: tier.unitAmount)!, currency: .brl, rounding: .halfEven).minorUnits
                + (try Money(tier.flatAmount ?? .zero, currency: .brl, rounding: .halfEven).minorUnits)
            #expect(try PriceCalculator.price(spec, quantity: quantity).total.minorUnits == expected)
        }
    }

    @Test("property: graduated and volume agree inside the first tier")
    func agreeInFirstTier() throws {
        var random = SplitMix64(seed: 99)
        for _ in 0..<200 {
            let graduated = randomTiers(.tiered, using: &random)
            var volume = graduated
            volume.model = .volume
            let bound = graduated.tiers[0].upTo ?? DecimalNumber(1000)
            let quantity = DecimalNumber(Int64(random.next() % UInt64(bound.significand(atScale: 0, rounding: .floor)!)) + 1)
            #expect(try PriceCalculator.price(graduated, quantity: quantity).total == (try PriceCalculator.price(volume, quantity: quantity).total))
        }
    }

    func randomTiers(_ model: PricingModel, using random: inout SplitMix64) -> PriceSpecification {
        var tiers: [PriceTier] = []
        var bound: Int64 = 0
        for _ in 0..<Int(random.next() % 4) {
            bound += Int64(random.next() % 50) + 1
            tiers.append(
                PriceTier(
                    upTo: DecimalNumber(bound), unitAmount: DecimalNumber(significand: Int128(random.next() % 1000), scale: 2),
                    flatAmount: random.next() % 3 == 0 ? DecimalNumber(significand: Int128(random.next() % 5000), scale: 2) : nil))
        }
        tiers.append(PriceTier(upTo: nil, unitAmount: DecimalNumber(significand: Int128(random.next() % 1000), scale: 2)))
        return PriceSpecification(model: model, currency: .brl, tiers: tiers)
    }
}

/// A small deterministic generator, so property tests fail the same way every time.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

@Suite("Token cost")
struct TokenCostTests {
    @Test("seed 002: 1,300 tokens at 1 credit per 1,000 tokens, rounded up, cost 2 credits")
    func seed002() throws {
        let rate = ModelRate(inputRate: .zero, outputRate: .zero, rounding: .perBlock(blockSize: 1000, creditsPerBlock: try Credits(whole: 1)))
        let cost = try TokenCostCalculator.cost(rate, usage: TokenUsage(inputTokens: 500, outputTokens: 800))
        #expect(cost.credits == (try Credits(whole: 2)))
        #expect(cost.blocks == 2)
        #expect(try TokenCostCalculator.cost(rate, usage: TokenUsage(inputTokens: 1000, outputTokens: 0)).credits == (try Credits(whole: 1)))
    }

    @Test("seed 003: 3,000 input + 5,000 output tokens at $3 and $15 per million (1 credit = 1 USD) cost 0.084 credits")
    func seed003() throws {
        let rate = ModelRate(inputRate: try Credits.parse("0.000003"), outputRate: try Credits.parse("0.000015"))
        #expect(try TokenCostCalculator.cost(rate, usage: TokenUsage(inputTokens: 3000, outputTokens: 5000)).credits == (try Credits.parse("0.084")))
    }

    @Test("cached input, markup and rounding up at the 8th decimal")
    func cachedAndMarkup() throws {
        let rate = ModelRate(
            inputRate: try Credits.parse("0.000003"), outputRate: try Credits.parse("0.000015"),
            cachedInputRate: try Credits.parse("0.0000003"), markup: d("1.5"))
        let cost = try TokenCostCalculator.cost(rate, usage: TokenUsage(inputTokens: 1, outputTokens: 1, cachedInputTokens: 1))
        // (0.000003 + 0.000015 + 0.0000003) × 1.5 = 0.00002745
        #expect(cost.credits == (try Credits.parse("0.00002745")))
        let tiny = ModelRate(inputRate: try Credits.parse("0.00000001"), outputRate: .zero, markup: d("1.1"))
        #expect(try TokenCostCalculator.cost(tiny, usage: TokenUsage(inputTokens: 1, outputTokens: 0)).credits.units == 2)  // 1.1e-8 rounds up
        #expect(throws: PricingError.self) { try TokenCostCalculator.cost(rate, usage: TokenUsage(inputTokens: -1, outputTokens: 0)) }
    }
}
