import BillingCore
import Foundation
import InvoicingContract
import SubscriptionsContract

/// An invoice's taxes (issue 26, pure), computed once, when it is finalized (and for the upcoming invoice), from the tenant's
/// active tax rates:
/// - A rate taxes the lines whose tax code it lists (a line's own code, or the tenant's default; a rate listing none taxes every
///   line). Its base is those lines' sum — charges, their DISCOUNT lines and credits for unused time; not the account credit,
///   which pays the invoice rather than changing its price. A base of zero or less is not taxed.
/// - Exclusive rate: `base × percentage / 100`, rounded half-even (or by the tenant's `taxRounding`) to the currency once per rate
///   (per tax line, not per invoice line), added as a TAX line.
/// - Inclusive rate: the prices hold the tax already; `base × percentage / (100 + percentage)` is the tax, rounded half-even, and
///   the net is the rest (the tax is rounded, the net follows). Nothing is added: `Invoice.taxes` breaks it out.
/// - Withholding (PIS, COFINS, CSLL, IRRF; exclusive): `base × percentage / 100` half-even, withheld by the buyer and subtracted
///   from what is due as a WITHHOLDING line — only when the buyer is a company (CNPJ), the provider is not on Simples Nacional and
///   the invoice is in BRL; PIS, COFINS and CSLL together are not withheld when they would total R$ 10.00 or less, IRRF on its own
///   likewise; nor anything that would withhold more than the invoice's total.
/// - An exempt account is taxed by no rate, withholdings included.
enum Taxes {
    struct Buyer: Equatable, Sendable {
        var exempt: Bool
        /// A company (CNPJ): the only buyer that withholds federal taxes.
        var company: Bool
    }

    struct Seller: Equatable, Sendable {
        var simplesNacional: Bool
        var defaultTaxCode: String?
        /// How each tax line is rounded (the tenant's `taxRounding`; half-even by default).
        var rounding: RoundingRule = .halfEven
    }

    struct Result: Equatable {
        /// TAX and WITHHOLDING lines, one per exclusive rate and per withholding made.
        var lines: [InvoiceLine]
        var taxes: [InvoiceTax]
    }

    static let taxLineKinds: Set<String> = ["TAX", "WITHHOLDING"]
    /// Lines no rate taxes: the account credit (a payment) and the taxes themselves.
    static let untaxedKinds: Set<String> = taxLineKinds.union(["ACCOUNT_CREDIT"])
    /// R$ 10.00: at or below it, PIS + COFINS + CSLL (together) and IRRF (alone) are not withheld (Lei 10.833/2003 art. 31 § 3,
    /// Lei 13.137/2015; IN RFB 1.234/2012).
    static let withholdingMinimum = Money(minorUnits: 1000, currency: .brl)
    static let socialContributions: Set<TaxWithholding> = [.pis, .cofins, .csll]

    static func compute(
        lines: [InvoiceLine], rates: [TaxRate], buyer: Buyer, seller: Seller, currency: Currency
    ) throws(InvoicingError) -> Result {
        guard !buyer.exempt else { return Result(lines: [], taxes: []) }
        var taxes: [InvoiceTax] = []
        for rate in rates {
            let taxed = lines.filter { !untaxedKinds.contains($0.kind) && applies(rate, to: $0.taxCode ?? seller.defaultTaxCode) }
            let base = Money(minorUnits: taxed.reduce(Int64(0)) { $0 + $1.amount.minorUnits }, currency: currency)
            guard base.isPositive else { continue }
            let status: InvoiceTax.Status = rate.withholding != nil ? .withheld : rate.inclusive ? .included : .applied
            taxes.append(
                InvoiceTax(
                    taxRateId: rate.id, name: rate.name, jurisdiction: rate.jurisdiction, percentage: rate.percentage, inclusive: rate.inclusive,
                    withholding: rate.withholding, status: status, taxableAmount: base,
                    amount: try tax(of: base, rate: rate, rounding: seller.rounding),
                    taxedLineIds: taxed.compactMap(\.id)))
        }
        applyWithholdingRules(&taxes, lines: lines, buyer: buyer, seller: seller, currency: currency)
        var taxLines: [InvoiceLine] = []
        for index in taxes.indices where [.applied, .withheld].contains(taxes[index].status) {
            let line = self.line(for: taxes[index])
            taxes[index].lineId = line.id
            taxLines.append(line)
        }
        return Result(lines: taxLines, taxes: taxes)
    }

    /// `lines` with the taxes of `result` in: the TAX and WITHHOLDING lines before the account credit (which is taken last).
    static func insert(_ result: Result, into lines: [InvoiceLine]) -> [InvoiceLine] {
        let kept = lines.filter { !taxLineKinds.contains($0.kind) }
        return kept.filter { $0.kind != "ACCOUNT_CREDIT" } + result.lines + kept.filter { $0.kind == "ACCOUNT_CREDIT" }
    }

    static func applies(_ rate: TaxRate, to code: String?) -> Bool {
        rate.taxCodes.isEmpty || code.map(rate.taxCodes.contains) == true
    }

    /// The tax `rate` takes of `base`, rounded by `rounding`: exclusive `base × p / 100`, inclusive `base × p / (100 + p)`.
    static func tax(of base: Money, rate: TaxRate, rounding: RoundingRule = .halfEven) throws(InvoicingError) -> Money {
        let percent = rate.percentage
        let unit = Int128(100) * power(of: 10, percent.scale)
        guard let numerator = Int64(exactly: percent.significand),
            let denominator = Int64(exactly: rate.inclusive ? unit + percent.significand : unit)
        else { throw .invalid("percentage", "tax rate \(rate.id)'s percentage is out of range") }
        do { return try base.scaled(numerator: numerator, denominator: denominator, rounding: rounding) } catch {
            throw .invalid("billingAccountId", "a tax is out of range")
        }
    }

    private static func power(of base: Int128, _ exponent: Int) -> Int128 {
        (0..<max(0, exponent)).reduce(Int128(1)) { value, _ in value * base }
    }

    /// Withholdings the law does not apply here become NOT_WITHHELD, with why.
    private static func applyWithholdingRules(
        _ taxes: inout [InvoiceTax], lines: [InvoiceLine], buyer: Buyer, seller: Seller, currency: Currency
    ) {
        func skip(_ indices: [Int], _ reason: String) {
            for index in indices {
                taxes[index].status = .notWithheld
                taxes[index].reason = reason
            }
        }
        func withheld(_ kinds: Set<TaxWithholding>) -> [Int] {
            taxes.indices.filter { taxes[$0].status == .withheld && taxes[$0].withholding.map(kinds.contains) == true }
        }
        func sum(_ indices: [Int]) -> Int64 { indices.reduce(Int64(0)) { $0 + taxes[$1].amount.minorUnits } }
        let all = Set(TaxWithholding.allCases)
        if currency != .brl {
            skip(withheld(all), "federal withholdings apply to invoices in BRL")
        } else if !buyer.company {
            skip(withheld(all), "the buyer is not a company (no CNPJ): nothing is withheld")
        } else if seller.simplesNacional {
            skip(withheld(all), "the provider is on Simples Nacional: nothing is withheld")
        }
        let social = withheld(socialContributions)
        if !social.isEmpty, sum(social) <= withholdingMinimum.minorUnits {
            skip(
                social,
                "PIS, COFINS and CSLL together would be \(Money(minorUnits: sum(social), currency: currency).amountText), "
                    + "BRL \(withholdingMinimum.amountText) or less: not withheld")
        }
        let irrf = withheld([.irrf])
        if !irrf.isEmpty, sum(irrf) <= withholdingMinimum.minorUnits {
            skip(
                irrf,
                "IRRF would be \(Money(minorUnits: sum(irrf), currency: currency).amountText), \(withholdingMinimum.amountText) or less: not withheld"
            )
        }
        let charged = lines.filter { !untaxedKinds.contains($0.kind) }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
        let added = sum(taxes.indices.filter { taxes[$0].status == .applied })
        let remaining = withheld(all)
        if sum(remaining) > charged + added {
            skip(remaining, "the withholdings would exceed the invoice's total: not withheld")
        }
    }

    private static func line(for tax: InvoiceTax) -> InvoiceLine {
        let amount = tax.status == .withheld ? tax.amount.negated : tax.amount
        let place = tax.jurisdiction.map { " (\($0))" } ?? ""
        let withheld = tax.status == .withheld ? " withheld by the buyer" : ""
        return InvoiceLine(
            kind: tax.status == .withheld ? "WITHHOLDING" : "TAX",
            description: "\(tax.name) \(tax.percentage.text)%\(place)\(withheld) on \(tax.taxableAmount.amountText)", quantity: 1,
            unitAmount: amount, amount: amount, periodStart: nil, periodEnd: nil, subscriptionId: nil)
    }

    /// The tax a credit note credits with its lines: for each tax line of the invoice, the share of the credited base (`credited`,
    /// minor units by invoice line id) in the tax's base, of the tax, rounded half-even — all that is left of the tax line once
    /// every line it taxed is credited in full — never more than is left of it. By the tax line's position; WITHHOLDING shares are
    /// negative.
    static func creditedShares(
        of invoice: Invoice, credited: [InvoiceLineID: Int64], before: [Int: Int64]
    ) -> [(position: Int, amount: Int64)] {
        var shares: [(position: Int, amount: Int64)] = []
        let positions = Dictionary(invoice.lines.enumerated().compactMap { entry in entry.element.id.map { ($0, entry.offset) } }) { first, _ in first
        }
        for tax in invoice.taxes ?? [] {
            guard let lineID = tax.lineId, let position = positions[lineID], tax.taxableAmount.isPositive else { continue }
            let taxLine = invoice.lines[position].amount.minorUnits
            let left = abs(taxLine) - abs(before[position] ?? 0)
            let base = tax.taxedLineIds.reduce(Int64(0)) { $0 + (credited[$1] ?? 0) }
            guard base > 0, left > 0 else { continue }
            let fullyCredited = tax.taxedLineIds.allSatisfy { id in
                guard let at = positions[id] else { return true }
                let line = invoice.lines[at].amount.minorUnits
                return line <= 0 || (before[at] ?? 0) + (credited[id] ?? 0) >= line
            }
            let share =
                fullyCredited
                ? left
                : min(left, Int64(roundHalfEven(Int128(base) * Int128(abs(taxLine)), Int128(tax.taxableAmount.minorUnits))))
            if share > 0 { shares.append((position, taxLine < 0 ? -share : share)) }
        }
        return shares
    }

    /// `lines` with each line of `subscription` that has no tax code given its own: an ADDON line its add-on's, the others (fee,
    /// trial, usage, overage, true-up, proration) the plan's.
    static func stampTaxCodes(_ lines: [InvoiceLine], subscription: Subscription) -> [InvoiceLine] {
        let addons = Discounts.addonIDs(of: lines, subscription: subscription)
        let codes = Dictionary(subscription.addons.map { ($0.addonId, $0.taxCode) }) { first, _ in first }
        return lines.enumerated().map { index, line in
            guard line.subscriptionId == subscription.id, line.taxCode == nil, !untaxedKinds.contains(line.kind) else { return line }
            var stamped = line
            stamped.taxCode = line.kind == "ADDON" ? addons[index].flatMap { codes[$0] ?? nil } : subscription.plan.taxCode
            return stamped
        }
    }

    /// `numerator / denominator` (both ≥ 0, denominator > 0) rounded half-even.
    static func roundHalfEven(_ numerator: Int128, _ denominator: Int128) -> Int128 {
        let quotient = numerator / denominator, remainder = numerator % denominator
        if remainder * 2 > denominator || (remainder * 2 == denominator && quotient % 2 == 1) { return quotient + 1 }
        return quotient
    }
}
