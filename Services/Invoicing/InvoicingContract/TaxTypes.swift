import BillingCore
import Foundation

/// Identifies a tenant's tax rate.
public struct TaxRateID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// A Brazilian federal tax the buyer withholds on services bought by a company (a CNPJ): PIS, COFINS, CSLL, IRRF.
public enum TaxWithholding: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case pis = "PIS"
    case cofins = "COFINS"
    case csll = "CSLL"
    case irrf = "IRRF"
}

/// A tenant's tax rate (Stripe's TaxRate, with the Brazilian withholdings): `percentage` (above 0, below 100, at most 4 decimals)
/// of the lines whose tax code it lists (`taxCodes`; empty: every taxable line). Exclusive rates add a TAX line at finalization;
/// inclusive ones are inside the prices and only broken out (`Invoice.taxes`); a `withholding` rate is withheld by a company buyer and
/// subtracted from what is due (a WITHHOLDING line). The terms (percentage, inclusive, withholding, tax codes) are fixed once
/// created: a change is a new rate, the old one deactivated.
public struct TaxRate: Codable, Sendable, Equatable {
    public var id: TaxRateID
    public var name: String
    public var description: String?
    public var percentage: DecimalNumber
    public var inclusive: Bool
    /// Where the tax is due: a municipality (ISS), a state, a country — free text, at most 100 characters.
    public var jurisdiction: String?
    public var taxCodes: [String]
    public var withholding: TaxWithholding?
    /// Only active rates apply to invoices finalized from now on.
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: TaxRateID, name: String, description: String? = nil, percentage: DecimalNumber, inclusive: Bool, jurisdiction: String? = nil,
        taxCodes: [String] = [], withholding: TaxWithholding? = nil, active: Bool = true, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.percentage = percentage
        self.inclusive = inclusive
        self.jurisdiction = jurisdiction
        self.taxCodes = taxCodes
        self.withholding = withholding
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a tax did on one invoice (or upcoming invoice): every active rate that matched a line, with its base and amount.
public struct InvoiceTax: Codable, Sendable, Equatable {
    /// APPLIED: an exclusive tax added to the total (a TAX line); INCLUDED: an inclusive tax already inside the prices (no line);
    /// WITHHELD: withheld by the buyer, subtracted from what is due (a WITHHOLDING line); NOT_WITHHELD: a withholding the law
    /// does not apply here (`reason`: buyer not a company, provider on Simples Nacional, under the minimum).
    public enum Status: String, Codable, Sendable, CaseIterable, SchemaDescribing {
        case applied = "APPLIED"
        case included = "INCLUDED"
        case withheld = "WITHHELD"
        case notWithheld = "NOT_WITHHELD"
    }

    public var taxRateId: TaxRateID
    public var name: String
    public var jurisdiction: String?
    public var percentage: DecimalNumber
    public var inclusive: Bool
    public var withholding: TaxWithholding?
    public var status: Status
    public var reason: String?
    /// The lines' amount the rate applies to (their discounts taken off).
    public var taxableAmount: Money
    /// The tax: for an exclusive rate or a withholding `taxableAmount × percentage / 100`, for an inclusive one
    /// `taxableAmount × percentage / (100 + percentage)`; rounded half-even to the currency once per tax.
    public var amount: Money
    /// The TAX or WITHHOLDING line that carries it, when one does.
    public var lineId: InvoiceLineID?
    /// The lines it taxed.
    public var taxedLineIds: [InvoiceLineID]

    public init(
        taxRateId: TaxRateID, name: String, jurisdiction: String?, percentage: DecimalNumber, inclusive: Bool, withholding: TaxWithholding?,
        status: Status, reason: String? = nil, taxableAmount: Money, amount: Money, lineId: InvoiceLineID? = nil,
        taxedLineIds: [InvoiceLineID]
    ) {
        self.taxRateId = taxRateId
        self.name = name
        self.jurisdiction = jurisdiction
        self.percentage = percentage
        self.inclusive = inclusive
        self.withholding = withholding
        self.status = status
        self.reason = reason
        self.taxableAmount = taxableAmount
        self.amount = amount
        self.lineId = lineId
        self.taxedLineIds = taxedLineIds
    }
}

public struct CreateTaxRateRequest: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var percentage: DecimalNumber
    /// Default false (exclusive).
    public var inclusive: Bool?
    public var jurisdiction: String?
    public var taxCodes: [String]?
    public var withholding: TaxWithholding?

    public init(
        name: String, description: String? = nil, percentage: DecimalNumber, inclusive: Bool? = nil, jurisdiction: String? = nil,
        taxCodes: [String]? = nil, withholding: TaxWithholding? = nil
    ) {
        self.name = name
        self.description = description
        self.percentage = percentage
        self.inclusive = inclusive
        self.jurisdiction = jurisdiction
        self.taxCodes = taxCodes
        self.withholding = withholding
    }
}

/// What may change on a tax rate: its name, description, jurisdiction and whether it is active (its terms are fixed).
public struct UpdateTaxRateRequest: Codable, Sendable, Equatable {
    public var id: TaxRateID
    public var name: String?
    public var description: String?
    public var jurisdiction: String?
    public var active: Bool?

    public init(id: TaxRateID, name: String? = nil, description: String? = nil, jurisdiction: String? = nil, active: Bool? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.jurisdiction = jurisdiction
        self.active = active
    }
}

public struct TaxRateRequest: Codable, Sendable, Equatable {
    public var id: TaxRateID
    public init(id: TaxRateID) { self.id = id }
}

public struct ListTaxRatesRequest: Codable, Sendable, Equatable {
    public var active: Bool?
    public var pageSize: Int
    /// Oldest first: the page after this rate.
    public var after: TaxRateID?

    public init(active: Bool? = nil, pageSize: Int = 20, after: TaxRateID? = nil) {
        self.active = active
        self.pageSize = pageSize
        self.after = after
    }
}

public struct TaxRatePage: Codable, Sendable, Equatable {
    public var items: [TaxRate]
    public var nextCursor: TaxRateID?

    public init(items: [TaxRate], nextCursor: TaxRateID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
