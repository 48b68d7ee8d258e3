import AccountsContract
import BillingCore
import Foundation
import InvoicingContract

/// A tenant's NFS-e Nacional issuer (its `FiscalProvider`): who it is to SEFIN Nacional and how its service is taxed.
/// The A1 certificate is kept apart (encrypted at rest); these are the plain settings.
struct FiscalSettings: Equatable, Sendable {
    /// When an invoice gets its NFS-e.
    enum IssueOn: String, Codable, Sendable, CaseIterable {
        case paid = "PAID"
        case finalized = "FINALIZED"
    }

    var cnpj: String
    var municipalRegistration: String?
    /// IBGE code of the provider's municipality (7 digits).
    var municipalityCode: String
    /// `cTribNac`: 6 digits.
    var nationalServiceCode: String
    /// `cTribMun`: 3 digits.
    var municipalServiceCode: String?
    /// The municipality's ISS rate (%), 2 to 5.
    var issRate: DecimalNumber?
    var simplesNacional: DPSDocument.SimplesNacional
    var environment: DPSDocument.Environment
    var issueOn: IssueOn
    /// The DPS series (1 to 5 digits, not all zeros).
    var series: String

    /// The first field that breaks the layout's rules, as (field, message); nil when all hold.
    func problem() -> (field: String, message: String)? {
        func digits(_ value: String, _ count: Int) -> Bool { value.count == count && value.allSatisfy(\.isASCIIDigit) }
        if !digits(cnpj, 14) { return ("cnpj", "cnpj is the provider's CNPJ: 14 digits") }
        if let registration = municipalRegistration, registration.isEmpty || registration.count > 15 {
            return ("municipalRegistration", "municipalRegistration has 1 to 15 characters")
        }
        if !digits(municipalityCode, 7) { return ("municipalityCode", "municipalityCode is the municipality's IBGE code: 7 digits") }
        if !digits(nationalServiceCode, 6) { return ("nationalServiceCode", "nationalServiceCode (cTribNac) has 6 digits") }
        if let code = municipalServiceCode, !digits(code, 3) { return ("municipalServiceCode", "municipalServiceCode (cTribMun) has 3 digits") }
        if let rate = issRate, rate < DecimalNumber(2) || DecimalNumber(5) < rate || rate.rounded(toScale: 2, rule: .halfEven) != rate {
            return ("issRate", "issRate is the ISS percentage: 2 to 5, at most 2 decimals")
        }
        if series.isEmpty || series.count > 5 || !series.allSatisfy(\.isASCIIDigit) || series.allSatisfy({ $0 == "0" })
            || (series.count == 5 && series.first == "9")
        {
            return ("series", "series has 1 to 5 digits, not all zeros (five digits do not start with 9)")
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Why an invoice gets no NFS-e (not an error: nothing to declare).
enum FiscalIneligibility: Error, Equatable, CustomStringConvertible {
    case notBRL(String)
    case nothingCharged

    var description: String {
        switch self {
        case .notBRL(let currency): "the NFS-e declares services in BRL; the invoice is in \(currency)"
        case .nothingCharged: "the invoice charges no service"
        }
    }
}

extension DPSDocument {
    /// The DPS of `invoice` for the tenant's `settings`, numbered `number` in the series, the taker from `account`:
    /// - `vServ`: the lines charged (every line but discounts, withholdings and the account credit) with the exclusive taxes
    ///   added on them; `vDescIncond`: the discounts;
    /// - the federal withholdings the invoice's taxes made (WITHHELD), PIS and COFINS with their rates and base;
    /// - the description: the invoice's number and its charged lines.
    static func of(
        invoice: Invoice, account: BillingAccount?, settings: FiscalSettings, number: Int64, issuedAt: Date
    ) throws(FiscalIneligibility) -> DPSDocument {
        guard invoice.currency == Currency.brl.code else { throw .notBRL(invoice.currency) }
        let excluded: Set<String> = ["WITHHOLDING", "ACCOUNT_CREDIT"]
        let priced = invoice.lines.filter { !excluded.contains($0.kind) }
        let charged = priced.filter { $0.amount.minorUnits > 0 }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
        let discounts = priced.filter { $0.amount.minorUnits < 0 }.reduce(Int64(0)) { $0 - $1.amount.minorUnits }
        guard charged > 0 else { throw .nothingCharged }

        var withholdings = FederalWithholdings()
        for tax in invoice.taxes ?? [] where tax.status == .withheld {
            switch tax.withholding {
            case .pis:
                withholdings.pis = tax.amount
                withholdings.pisRate = tax.percentage
                withholdings.pisCofinsBase = tax.taxableAmount
            case .cofins:
                withholdings.cofins = tax.amount
                withholdings.cofinsRate = tax.percentage
                withholdings.pisCofinsBase = tax.taxableAmount
            case .irrf: withholdings.irrf = tax.amount
            case .csll: withholdings.csll = tax.amount
            case nil: break
            }
        }

        let descriptions = priced.filter { $0.kind != "TAX" && $0.amount.minorUnits > 0 }.map(\.description)
        var unique: [String] = []
        for description in descriptions where !unique.contains(description) { unique.append(description) }
        let heading = invoice.number.map { "Fatura \($0)" } ?? "Fatura"
        return DPSDocument(
            environment: settings.environment, issuedAt: issuedAt,
            competence: invoice.periodStart ?? invoice.finalizedAt ?? issuedAt, series: settings.series, number: number,
            provider: Provider(
                cnpj: settings.cnpj, municipalRegistration: settings.municipalRegistration, municipalityCode: settings.municipalityCode,
                simplesNacional: settings.simplesNacional),
            taker: account.flatMap(Self.taker(of:)), nationalServiceCode: settings.nationalServiceCode,
            municipalServiceCode: settings.municipalServiceCode, description: heading + ": " + unique.joined(separator: "; "),
            serviceAmount: Money(minorUnits: charged, currency: .brl),
            unconditionalDiscount: discounts > 0 ? Money(minorUnits: discounts, currency: .brl) : nil, issRate: settings.issRate,
            withholdings: withholdings)
    }

    /// The taker: a billing account with a CPF or a CNPJ (digits only). Accounts carry no address yet, so `end` stays out
    /// (the layout makes it optional); an account without a Brazilian tax id gives no `toma` (a consumer).
    static func taker(of account: BillingAccount) -> Taker? {
        let digits = (account.taxId ?? "").filter { $0.isASCII && $0.isNumber }
        let id: Taker.TaxID
        switch account.taxIdType {
        case .cnpj where digits.count == 14: id = .cnpj(digits)
        case .cpf where digits.count == 11: id = .cpf(digits)
        default: return nil
        }
        return Taker(taxID: id, name: account.name, email: account.email, address: nil)
    }
}
