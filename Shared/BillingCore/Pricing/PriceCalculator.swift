/// One line of a priced quantity (one per tier touched, plus flat fees).
public struct PriceLine: Sendable, Hashable, Codable {
    public var description: String
    /// Units this line covers (packages for PACKAGE; 1 for a flat fee).
    public var quantity: DecimalNumber
    /// Price of one of those units, exact (may be finer than the minor unit).
    public var unitAmount: DecimalNumber
    /// The line's amount, rounded to the minor unit.
    public var amount: Money
    /// The tier (1-based) the line belongs to, for tiered and volume prices.
    public var tier: Int?
}

/// The price of a quantity: its lines and their sum.
public struct PriceBreakdown: Sendable, Hashable {
    public var lines: [PriceLine]
    /// The sum of the (rounded) lines.
    public var total: Money
}

/// The pure pricing engine every context uses (catalog previews, invoice lines).
///
/// Rounding order: each line's exact amount (`quantity × unitAmount`, or a flat amount) is rounded once
/// to the minor unit by the specification's rule; the total is the sum of the rounded lines, so an
/// invoice's lines always add up to its total.
public enum PriceCalculator {
    /// Checks a specification: amounts non-negative and within the currency's range, tiers strictly
    /// ascending with only the last one open-ended (so no gaps or overlaps), package size positive.
    public static func validate(_ specification: PriceSpecification) throws(PricingError) {
        func nonNegative(_ value: DecimalNumber?, _ field: String) throws(PricingError) {
            if let value, value.isNegative { throw PricingError(field: field, "must not be negative") }
        }
        try nonNegative(specification.flatAmount, "flatAmount")
        try nonNegative(specification.unitAmount, "unitAmount")
        switch specification.model {
        case .flatFee:
            guard specification.flatAmount != nil else { throw PricingError(field: "flatAmount", "a FLAT_FEE price needs flatAmount") }
        case .perUnit:
            guard specification.unitAmount != nil else { throw PricingError(field: "unitAmount", "a PER_UNIT price needs unitAmount") }
        case .package:
            guard specification.unitAmount != nil else {
                throw PricingError(field: "unitAmount", "a PACKAGE price needs unitAmount (the price of one package)")
            }
            guard let size = specification.packageSize, size > .zero else { throw PricingError(field: "packageSize", "must be greater than 0") }
            try nonNegative(specification.freeUnits, "freeUnits")
        case .tiered, .volume:
            let tiers = specification.tiers
            guard !tiers.isEmpty else { throw PricingError(field: "tiers", "a \(specification.model.rawValue) price needs at least one tier") }
            var previous: DecimalNumber = .zero
            for (index, tier) in tiers.enumerated() {
                try nonNegative(tier.unitAmount, "tiers[\(index)].unitAmount")
                try nonNegative(tier.flatAmount, "tiers[\(index)].flatAmount")
                let isLast = index == tiers.count - 1
                guard let upTo = tier.upTo else {
                    guard isLast else { throw PricingError(field: "tiers[\(index)].upTo", "only the last tier may be open-ended (upTo null)") }
                    continue
                }
                guard !isLast else { throw PricingError(field: "tiers[\(index)].upTo", "the last tier must be open-ended (upTo null)") }
                guard upTo > previous else {
                    throw PricingError(
                        field: "tiers[\(index)].upTo", "tier bounds must be strictly ascending and positive (\(upTo) after \(previous))")
                }
                previous = upTo
            }
        }
    }

    /// Prices `quantity` (non-negative; fractions allowed) under `specification`.
    public static func price(_ specification: PriceSpecification, quantity: DecimalNumber) throws(PricingError) -> PriceBreakdown {
        try validate(specification)
        guard !quantity.isNegative else { throw PricingError(field: "quantity", "must not be negative") }
        let currency = specification.currency
        var lines: [PriceLine] = []

        func line(_ description: String, _ units: DecimalNumber, _ unitAmount: DecimalNumber, tier: Int? = nil) throws(PricingError) {
            guard let exact = units.multiplied(by: unitAmount) else { throw PricingError(field: "quantity", "the amount is too large") }
            lines.append(
                PriceLine(
                    description: description, quantity: units, unitAmount: unitAmount,
                    amount: try money(exact, currency, specification.rounding), tier: tier))
        }

        switch specification.model {
        case .flatFee:
            try line("Flat fee", DecimalNumber(1), specification.flatAmount!)
        case .perUnit:
            try line("\(quantity) × \(specification.unitAmount!)", quantity, specification.unitAmount!)
        case .package:
            let billable = max(.zero, subtract(quantity, specification.freeUnits ?? .zero))
            let packages = try ceilingDivision(billable, by: specification.packageSize!)
            if let free = specification.freeUnits, free > .zero {
                try line("First \(free) units free", min(quantity, free), .zero)
            }
            if packages > .zero || specification.freeUnits == nil {
                try line("\(packages) package(s) of \(specification.packageSize!) units", packages, specification.unitAmount!)
            }
        case .tiered:
            var lower: DecimalNumber = .zero
            for (index, tier) in specification.tiers.enumerated() where quantity > lower {
                let upper = tier.upTo.map { min($0, quantity) } ?? quantity
                let units = subtract(upper, lower)
                try line("Tier \(index + 1): \(units) × \(tier.unitAmount)", units, tier.unitAmount, tier: index + 1)
                if let flat = tier.flatAmount, !flat.isZero { try line("Tier \(index + 1) flat fee", DecimalNumber(1), flat, tier: index + 1) }
                guard let upTo = tier.upTo else { break }
                lower = upTo
            }
        case .volume:
            if quantity > .zero {
                let index = specification.tiers.firstIndex { tier in tier.upTo.map { quantity <= $0 } ?? true }!
                let tier = specification.tiers[index]
                try line("Tier \(index + 1): \(quantity) × \(tier.unitAmount)", quantity, tier.unitAmount, tier: index + 1)
                if let flat = tier.flatAmount, !flat.isZero { try line("Tier \(index + 1) flat fee", DecimalNumber(1), flat, tier: index + 1) }
            }
        }
        if specification.model != .flatFee, let flat = specification.flatAmount, !flat.isZero {
            try line("Fixed fee", DecimalNumber(1), flat)
        }
        var total = Money.zero(currency)
        for entry in lines {
            do { total = try total.adding(entry.amount) } catch { throw PricingError(field: "quantity", "the total is too large") }
        }
        return PriceBreakdown(lines: lines, total: total)
    }

    static func money(_ amount: DecimalNumber, _ currency: Currency, _ rule: RoundingRule) throws(PricingError) -> Money {
        do { return try Money(amount, currency: currency, rounding: rule) } catch { throw PricingError(field: "quantity", "the amount is too large") }
    }

    static func subtract(_ left: DecimalNumber, _ right: DecimalNumber) -> DecimalNumber {
        left.adding(right.negated) ?? .zero
    }

    /// ⌈value / divisor⌉ as a whole number.
    static func ceilingDivision(_ value: DecimalNumber, by divisor: DecimalNumber) throws(PricingError) -> DecimalNumber {
        let scale = max(value.scale, divisor.scale)
        guard let numerator = value.exactSignificand(atScale: scale), let denominator = divisor.exactSignificand(atScale: scale), denominator != 0
        else {
            throw PricingError(field: "quantity", "the quantity is too large")
        }
        return DecimalNumber(significand: RoundingRule.ceiling.divide(numerator, by: denominator), scale: 0)
    }
}
