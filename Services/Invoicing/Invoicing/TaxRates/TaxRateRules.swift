import BillingCore
import Foundation
import InvoicingContract

/// What a tax rate may hold (pure): each refusal is a 422 naming its field.
enum TaxRateRules {
    static let maximumTaxCodes = 50
    /// Characters a tax code may hold (1 to 32 of them): the municipal service list's `01.07`, an NCM's `8471.30.12`, `SAAS-BR`.
    private static let taxCodeCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")

    /// Whether `code` is 1 to 32 of `A-Z a-z 0-9 . _ -`.
    static func isTaxCode(_ code: String) -> Bool {
        (1...32).contains(code.count) && code.allSatisfy { taxCodeCharacters.contains($0) }
    }

    /// Refuses a tax code that is not 1 to 32 of `A-Z a-z 0-9 . _ -`, naming `field`.
    static func checkTaxCode(_ code: String, field: String) throws {
        guard isTaxCode(code) else {
            throw InvoicingError.invalid(field, "\(field) must be 1 to 32 of A-Z, a-z, 0-9, '.', '_', '-'", reason: "INVALID_TAX_CODE")
        }
    }

    /// The new rate `request` describes, active; refused when any field is out of bounds.
    static func rate(_ request: CreateTaxRateRequest, id: TaxRateID, at now: Date) throws -> TaxRate {
        let name = try checkName(request.name)
        let percentage = request.percentage
        guard percentage > .zero, percentage < DecimalNumber(100) else {
            throw InvoicingError.invalid("percentage", "percentage must be above 0 and below 100", reason: "INVALID_PERCENTAGE")
        }
        guard percentage.exactSignificand(atScale: 4) != nil else {
            throw InvoicingError.invalid("percentage", "percentage has at most 4 decimal places", reason: "INVALID_PERCENTAGE")
        }
        let codes = request.taxCodes ?? []
        guard codes.count <= maximumTaxCodes else {
            throw InvoicingError.invalid("taxCodes", "taxCodes holds at most \(maximumTaxCodes) codes", reason: "INVALID_TAX_CODE")
        }
        var seen = Set<String>()
        for code in codes {
            try checkTaxCode(code, field: "taxCodes")
            guard seen.insert(code).inserted else {
                throw InvoicingError.invalid("taxCodes", "taxCodes lists '\(code)' twice", reason: "DUPLICATE_TAX_CODE")
            }
        }
        let inclusive = request.inclusive ?? false
        if inclusive, let withholding = request.withholding {
            throw InvoicingError.invalid(
                "inclusive", "a withholding rate (\(withholding.rawValue)) is withheld from what is due: it cannot be inclusive",
                reason: "INCLUSIVE_WITHHOLDING")
        }
        return TaxRate(
            id: id, name: name, description: try checkDescription(request.description), percentage: percentage, inclusive: inclusive,
            jurisdiction: try checkJurisdiction(request.jurisdiction), taxCodes: codes, withholding: request.withholding, active: true,
            createdAt: now, updatedAt: now)
    }

    /// `rate` with what `request` changes (name, description, jurisdiction, active); an empty description or jurisdiction clears it.
    static func updated(_ rate: TaxRate, with request: UpdateTaxRateRequest, at now: Date) throws -> TaxRate {
        var changed = rate
        if let name = request.name { changed.name = try checkName(name) }
        if let description = request.description { changed.description = try checkDescription(description) }
        if let jurisdiction = request.jurisdiction { changed.jurisdiction = try checkJurisdiction(jurisdiction) }
        if let active = request.active { changed.active = active }
        if changed != rate { changed.updatedAt = now }
        return changed
    }

    private static func checkName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count) else {
            throw InvoicingError.invalid("name", "name must be 1 to 100 characters")
        }
        return trimmed
    }

    private static func checkDescription(_ description: String?) throws -> String? {
        guard let description, !description.isEmpty else { return nil }
        guard description.count <= 500 else { throw InvoicingError.invalid("description", "description must be at most 500 characters") }
        return description
    }

    private static func checkJurisdiction(_ jurisdiction: String?) throws -> String? {
        guard let jurisdiction = jurisdiction?.trimmingCharacters(in: .whitespacesAndNewlines), !jurisdiction.isEmpty else { return nil }
        guard jurisdiction.count <= 100 else { throw InvoicingError.invalid("jurisdiction", "jurisdiction must be at most 100 characters") }
        return jurisdiction
    }
}
