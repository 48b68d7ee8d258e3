import BillingCore
import CatalogContract
import Foundation

/// Looks up other catalog items while validating (a plan's meters and products).
protocol CatalogReferences: Sendable {
    func item(kind: String, id: CatalogItemID, version: Int?) async throws -> StoredItem?
}

/// What the generic handlers need to know about one kind of catalog item.
protocol CatalogKind: Sendable {
    associatedtype Attributes: Codable & Sendable & Equatable
    static var kind: String { get }
    /// The item's code (unique per tenant and kind), if it has one.
    static func code(of attributes: Attributes) -> String?
    /// The attributes checked and normalised, or the first problem found.
    static func validate(_ attributes: Attributes, references: any CatalogReferences) async throws -> Attributes
    /// Refuses an update that changes what must stay fixed once created (beyond the code).
    static func checkChange(from previous: Attributes, to next: Attributes) throws
    /// A code as looked up: stored codes are matched exactly, except where the kind says otherwise (promotion codes, any case).
    static func lookupCode(_ code: String) -> String
}

extension CatalogKind {
    static func checkChange(from previous: Attributes, to next: Attributes) throws {}
    static func lookupCode(_ code: String) -> String { code }
}

/// Shared attribute rules.
enum CatalogRules {
    static func code(_ value: String, field: String = "code", allowSlash: Bool = false) throws(CatalogError) -> String {
        let allowed = allowSlash ? "-_.:/" : "-_.:"
        guard (1...64).contains(value.count),
            value.unicodeScalars.allSatisfy({ ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || allowed.unicodeScalars.contains($0) })
        else {
            throw .invalid(
                field, "\(field) must be 1 to 64 letters, digits or \(allowed.map { "'\($0)'" }.joined(separator: " "))", reason: "INVALID_CODE")
        }
        return value
    }

    /// The checks every coded item shares: code, name, description.
    static func common(code: String, name: String, description: String?) throws(CatalogError) -> (String, String, String?) {
        (try self.code(code), try self.name(name), try self.description(description))
    }

    static func name(_ value: String) throws(CatalogError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { throw .invalid("name", "name must have 1 to 200 characters") }
        return trimmed
    }

    static func description(_ value: String?) throws(CatalogError) -> String? {
        guard let value else { return nil }
        guard value.count <= 2000 else { throw .invalid("description", "description must have at most 2000 characters") }
        return value
    }

    static func currency(_ value: String) throws(CatalogError) -> Currency {
        guard let currency = Currency(code: value) else {
            throw .invalid("currency", "'\(value.prefix(10))' is not an ISO 4217 currency code (e.g. BRL, USD)", reason: "INVALID_CURRENCY")
        }
        return currency
    }

    /// A price in the currency's exact minor units, not negative.
    static func price(_ value: DecimalNumber, field: String, currency: Currency) throws(CatalogError) {
        guard !value.isNegative else { throw .invalid(field, "\(field) must not be negative") }
        do { _ = try Money(exactly: value, currency: currency) } catch {
            throw .invalid(
                field, "\(field) \(value) has more decimal places than \(currency.code) allows (\(currency.minorUnitExponent))",
                reason: "INVALID_AMOUNT")
        }
    }

    /// Refuses an update that changed one of `fields` (each named with whether it changed), naming the first.
    static func unchanged(_ fields: [(String, Bool)], _ message: String, reason: String) throws(CatalogError) {
        if let field = fields.first(where: { $0.1 })?.0 { throw .invalid(field, message, reason: reason) }
    }

    /// A tax code as tax rates match it (`TaxRate.taxCodes`): 1 to 32 ASCII letters, digits, '.', '_' or '-' (`01.07`, `SAAS`).
    static func taxCode(_ value: String?) throws(CatalogError) -> String? {
        guard let value else { return nil }
        guard (1...32).contains(value.unicodeScalars.count),
            value.unicodeScalars.allSatisfy({ ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || "._-".unicodeScalars.contains($0) })
        else {
            throw .invalid(
                "taxCode", "taxCode must be 1 to 32 letters, digits, '.', '_' or '-' (e.g. 01.07 or SAAS), not '\(value.prefix(40))'",
                reason: "INVALID_TAX_CODE")
        }
        return value
    }

    /// Lower-case identifiers: feature flags and resource codes.
    static func identifier(_ value: String, field: String) throws(CatalogError) -> String {
        guard isIdentifier(value) else {
            throw .invalid(field, "\(field) must be 1 to 64 lower-case letters, digits, '_', '.' or '-' ('\(value.prefix(70))')")
        }
        return value
    }
}

enum ProductKind: CatalogKind {
    typealias Attributes = ProductAttributes
    static let kind = "product"
    static func code(of attributes: ProductAttributes) -> String? { attributes.code }

    static func validate(_ attributes: ProductAttributes, references: any CatalogReferences) async throws -> ProductAttributes {
        var result = attributes
        (result.code, result.name, result.description) = try CatalogRules.common(
            code: attributes.code, name: attributes.name,
            description: attributes.description)
        let currency = try CatalogRules.currency(attributes.currency)
        result.taxCode = try CatalogRules.taxCode(attributes.taxCode)
        let model = attributes.pricingModel
        if attributes.tiers != nil && model != .tiered && model != .volume {
            throw CatalogError.invalid("tiers", "tiers apply to TIERED and VOLUME prices only, not \(model.rawValue)")
        }
        if (attributes.packageSize != nil || attributes.freeUnits != nil) && model != .package {
            throw CatalogError.invalid(
                attributes.packageSize != nil ? "packageSize" : "freeUnits", "packageSize and freeUnits apply to PACKAGE prices only")
        }
        if attributes.unitAmount != nil && (model == .tiered || model == .volume || model == .flatFee) {
            throw CatalogError.invalid(
                "unitAmount", "\(model.rawValue) prices take no unitAmount (use \(model == .flatFee ? "flatAmount" : "tiers"))")
        }
        for (field, value) in [
            ("unitAmount", attributes.unitAmount), ("flatAmount", attributes.flatAmount), ("packageSize", attributes.packageSize),
            ("freeUnits", attributes.freeUnits),
        ] {
            if let value, value.scale > 12 { throw CatalogError.invalid(field, "\(field) has more than 12 decimal places") }
        }
        if let flat = attributes.flatAmount { try CatalogRules.price(flat, field: "flatAmount", currency: currency) }
        do {
            try PriceCalculator.validate(
                PriceSpecification(
                    model: model, currency: currency, flatAmount: attributes.flatAmount,
                    unitAmount: attributes.unitAmount, tiers: attributes.tiers ?? [],
                    packageSize: attributes.packageSize, freeUnits: attributes.freeUnits))
        } catch {
            throw CatalogError.invalid(error.field, error.message, reason: "INVALID_PRICE")
        }
        return result
    }
}

enum PlanKind: CatalogKind {
    typealias Attributes = PlanAttributes
    static let kind = "plan"
    static func code(of attributes: PlanAttributes) -> String? { attributes.code }

    static func validate(_ attributes: PlanAttributes, references: any CatalogReferences) async throws -> PlanAttributes {
        var result = attributes
        if let code = attributes.code { result.code = try CatalogRules.code(code) }
        result.name = try CatalogRules.name(attributes.name)
        result.description = try CatalogRules.description(attributes.description)
        let currency = try CatalogRules.currency(attributes.currency)
        try CatalogRules.price(attributes.basePrice, field: "basePrice", currency: currency)
        if let days = attributes.trialDays, !(0...730).contains(days) {
            throw CatalogError.invalid("trialDays", "trialDays must be between 0 and 730")
        }
        if let credits = attributes.includedCredits, credits.isNegative {
            throw CatalogError.invalid("includedCredits", "includedCredits must not be negative")
        }
        if let minimum = attributes.minimumAmount { try CatalogRules.price(minimum, field: "minimumAmount", currency: currency) }
        result.taxCode = try CatalogRules.taxCode(attributes.taxCode)
        if let price = attributes.creditOveragePrice {
            guard !price.isNegative, !(DecimalNumber(1000) < price), price.exactSignificand(atScale: 8) != nil else {
                throw CatalogError.invalid("creditOveragePrice", "creditOveragePrice must be from 0 to 1000 with at most 8 decimal places")
            }
        }
        if let rollover = attributes.creditRollover {
            guard (1...100).contains(rollover.percent) else {
                throw CatalogError.invalid("creditRollover.percent", "creditRollover.percent must be from 1 to 100")
            }
            if let cap = rollover.maximumCredits, cap.units <= 0 {
                throw CatalogError.invalid("creditRollover.maximumCredits", "creditRollover.maximumCredits must be above 0")
            }
            guard (attributes.includedCredits?.units ?? 0) > 0 else {
                throw CatalogError.invalid("creditRollover", "a rollover needs includedCredits to roll over")
            }
        }
        do { try PlanLimit.validate(attributes.limits ?? []) } catch { throw CatalogError.invalid(error.field, error.message) }
        var features = Set<String>()
        for (index, feature) in (attributes.features ?? []).enumerated() {
            guard features.insert(try CatalogRules.identifier(feature, field: "features[\(index)]")).inserted else {
                throw CatalogError.invalid("features[\(index)]", "feature '\(feature)' is listed twice")
            }
        }
        var charges: [UsageCharge] = []
        var meters = Set<CatalogItemID>()
        for (index, charge) in (attributes.usageCharges ?? []).enumerated() {
            guard meters.insert(charge.meterId).inserted else {
                throw CatalogError.invalid("usageCharges[\(index)].meterId", "a meter is charged only once per plan")
            }
            guard let meter = try await references.item(kind: MeterKind.kind, id: charge.meterId, version: nil) else {
                throw CatalogError.invalid(
                    "usageCharges[\(index)].meterId", "usage meter \(charge.meterId) does not exist", reason: "METER_NOT_FOUND")
            }
            guard meter.status == .active else { throw CatalogError.archivedReference(MeterKind.kind, charge.meterId) }
            guard let product = try await references.item(kind: ProductKind.kind, id: charge.productId, version: charge.productVersion) else {
                throw CatalogError.invalid(
                    "usageCharges[\(index)].productId", "billing product \(charge.productId) does not exist", reason: "PRODUCT_NOT_FOUND")
            }
            guard product.status == .active else { throw CatalogError.archivedReference(ProductKind.kind, charge.productId) }
            if case .string(let productCurrency)? = product.definition["currency"], productCurrency != currency.code {
                throw CatalogError.invalid(
                    "usageCharges[\(index)].productId", "the product is priced in \(productCurrency), the plan in \(currency.code)",
                    reason: "CURRENCY_MISMATCH")
            }
            charges.append(UsageCharge(meterId: charge.meterId, productId: charge.productId, productVersion: product.version))
        }
        result.usageCharges = attributes.usageCharges == nil ? nil : charges
        result.yearlyPrice = nil
        if let percent = attributes.yearlyDiscountPercent {
            guard attributes.billingInterval == .monthly else {
                throw CatalogError.invalid(
                    "yearlyDiscountPercent", "a yearly price is offered on MONTHLY plans only, not \(attributes.billingInterval.rawValue)")
            }
            do {
                result.yearlyPrice = try PlanAttributes.yearlyPrice(monthly: attributes.basePrice, discountPercent: percent, currency: currency)
                    .amount
            } catch { throw CatalogError.invalid(error.field, error.message) }
        }
        return result
    }
}

enum AddonKind: CatalogKind {
    typealias Attributes = AddonAttributes
    static let kind = "addon"
    static func code(of attributes: AddonAttributes) -> String? { attributes.code }

    static func validate(_ attributes: AddonAttributes, references: any CatalogReferences) async throws -> AddonAttributes {
        var result = attributes
        (result.code, result.name, result.description) = try CatalogRules.common(
            code: attributes.code, name: attributes.name,
            description: attributes.description)
        try CatalogRules.price(attributes.price, field: "price", currency: try CatalogRules.currency(attributes.currency))
        result.featureFlag = try CatalogRules.identifier(attributes.featureFlag, field: "featureFlag")
        result.taxCode = try CatalogRules.taxCode(attributes.taxCode)
        result.billingInterval = attributes.billingInterval ?? .monthly
        do { try PlanLimit.validate(attributes.limits ?? []) } catch { throw CatalogError.invalid(error.field, error.message) }
        return result
    }
}

enum MeterKind: CatalogKind {
    typealias Attributes = MeterAttributes
    static let kind = "meter"
    static func code(of attributes: MeterAttributes) -> String? { attributes.code }

    static func validate(_ attributes: MeterAttributes, references: any CatalogReferences) async throws -> MeterAttributes {
        var result = attributes
        (result.code, result.name, result.description) = try CatalogRules.common(
            code: attributes.code, name: attributes.name,
            description: attributes.description)
        if let property = attributes.property {
            guard (1...64).contains(property.count) else { throw CatalogError.invalid("property", "property must have 1 to 64 characters") }
        } else if attributes.aggregation != .count {
            throw CatalogError.invalid("property", "\(attributes.aggregation.rawValue) needs the event property it aggregates")
        }
        if let resource = attributes.limitResource {
            result.limitResource = try CatalogRules.identifier(resource, field: "limitResource")
            guard attributes.aggregation == .count || attributes.aggregation == .sum else {
                throw CatalogError.invalid("limitResource", "only COUNT and SUM meters count against a limit")
            }
        }
        if let filters = attributes.filters {
            guard filters.count <= 20 else { throw CatalogError.invalid("filters", "at most 20 filtered properties") }
            for (property, values) in filters {
                guard (1...64).contains(property.count), !values.isEmpty, values.count <= 100, values.allSatisfy({ (1...200).contains($0.count) })
                else {
                    throw CatalogError.invalid("filters", "filter '\(property.prefix(64))' needs 1 to 100 values of 1 to 200 characters")
                }
            }
        }
        return result
    }

    /// Usage already recorded was aggregated the way the meter counts; changing that would silently re-price it
    /// (create a new meter instead, as Stripe asks).
    static func checkChange(from previous: MeterAttributes, to next: MeterAttributes) throws {
        try CatalogRules.unchanged(
            [
                ("aggregation", previous.aggregation != next.aggregation), ("property", previous.property != next.property),
                ("filters", previous.filters != next.filters), ("limitResource", previous.limitResource != next.limitResource),
            ], "how a meter counts (aggregation, property, filters, limitResource) is fixed once created; create a new meter instead",
            reason: "METER_DEFINITION_IMMUTABLE")
    }
}

enum AIModelKind: CatalogKind {
    typealias Attributes = AIModelAttributes
    static let kind = "ai_model"
    static func code(of attributes: AIModelAttributes) -> String? { attributes.modelId }

    static func validate(_ attributes: AIModelAttributes, references: any CatalogReferences) async throws -> AIModelAttributes {
        var result = attributes
        result.modelId = try CatalogRules.code(attributes.modelId, field: "modelId", allowSlash: true)
        result.name = try CatalogRules.name(attributes.name)
        if let rounding = attributes.rounding {
            switch rounding.mode {
            case .perBlock:
                guard let size = rounding.blockSize, size > 0 else {
                    throw CatalogError.invalid("rounding.blockSize", "PER_BLOCK rounding needs a blockSize above 0")
                }
            case .exact:
                if rounding.blockSize != nil || rounding.creditsPerBlock != nil {
                    throw CatalogError.invalid("rounding.mode", "blockSize and creditsPerBlock apply to PER_BLOCK rounding only")
                }
            }
        }
        if let estimate = attributes.defaultEstimate {
            for (name, value) in [("inputTokens", estimate.inputTokens), ("outputTokens", estimate.outputTokens)]
            where !(0...10_000_000).contains(value) {
                throw CatalogError.invalid("defaultEstimate.\(name)", "defaultEstimate.\(name) must be from 0 to 10000000")
            }
        }
        do {
            try TokenCostCalculator.validate(attributes.modelRate)
        } catch {
            throw CatalogError.invalid(error.field, error.message, reason: "INVALID_RATE")
        }
        return result
    }
}

enum CreditPackageKind: CatalogKind {
    typealias Attributes = CreditPackageAttributes
    static let kind = "credit_package"
    static func code(of attributes: CreditPackageAttributes) -> String? { attributes.code }

    static func validate(_ attributes: CreditPackageAttributes, references: any CatalogReferences) async throws -> CreditPackageAttributes {
        var result = attributes
        result.code = try CatalogRules.code(attributes.code)
        result.name = try CatalogRules.name(attributes.name)
        guard attributes.credits > .zero else { throw CatalogError.invalid("credits", "credits must be greater than 0") }
        try CatalogRules.price(attributes.price, field: "price", currency: try CatalogRules.currency(attributes.currency))
        if let days = attributes.validityDays, !(1...36_500).contains(days) {
            throw CatalogError.invalid("validityDays", "validityDays must be between 1 and 36500 (omit it for credits that never expire)")
        }
        return result
    }
}
