import BillingCore
import Foundation
import InvoicingContract
import SubscriptionsContract
import Testing

@testable import Invoicing

/// Taxes on invoices (issue 26, pure): exclusive and inclusive rates, rounding half-even once per tax, tax codes, the Brazilian
/// federal withholdings and the law's minimums, exemption, and the share of the taxes a credit note takes.
@Suite("Taxes: TAX and WITHHOLDING lines (pure)")
struct TaxesTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)
    static let company = Taxes.Buyer(exempt: false, company: true)
    static let person = Taxes.Buyer(exempt: false, company: false)
    static let seller = Taxes.Seller(simplesNacional: false, defaultTaxCode: nil)

    static func rate(
        _ name: String, _ percent: String, inclusive: Bool = false, codes: [String] = [], withholding: TaxWithholding? = nil,
        jurisdiction: String? = nil
    ) -> TaxRate {
        TaxRate(
            id: .generate(), name: name, percentage: DecimalNumber(percent)!, inclusive: inclusive, jurisdiction: jurisdiction, taxCodes: codes,
            withholding: withholding, createdAt: now, updatedAt: now)
    }

    static func line(_ amount: String, kind: String = "SUBSCRIPTION", code: String? = nil, currency: Currency = .brl) -> InvoiceLine {
        let money = try! Money.parse(amount, currency: currency)
        var line = InvoiceLine(
            kind: kind, description: kind, quantity: 1, unitAmount: money, amount: money, periodStart: nil, periodEnd: nil, subscriptionId: nil)
        line.taxCode = code
        return line
    }

    /// The federal withholdings on services (PIS 0.65 %, COFINS 3 %, CSLL 1 %, IRRF 1.5 %).
    static let federal = [
        rate("PIS", "0.65", withholding: .pis), rate("COFINS", "3", withholding: .cofins), rate("CSLL", "1", withholding: .csll),
        rate("IRRF", "1.5", withholding: .irrf),
    ]

    static func total(_ lines: [InvoiceLine], _ result: Taxes.Result) -> String {
        try! InvoiceComposer.total(Taxes.insert(result, into: lines), currency: lines[0].amount.currency).amountText
    }

    @Test(
        "an exclusive 5 % ISS on 1,000.00 adds a TAX line of 50.00 (total 1,050.00); an inclusive one breaks 47.62 out of 1,000.00 and adds nothing")
    func exclusiveAndInclusive() throws {
        let lines = [Self.line("1000.00")]
        let exclusive = try Taxes.compute(
            lines: lines, rates: [Self.rate("ISS", "5", jurisdiction: "São Paulo/SP")], buyer: Self.person, seller: Self.seller, currency: .brl)
        #expect(exclusive.lines.count == 1 && exclusive.lines[0].kind == "TAX" && exclusive.lines[0].amount.amountText == "50.00")
        #expect(exclusive.taxes.first?.status == .applied && exclusive.taxes.first?.lineId == exclusive.lines[0].id)
        #expect(exclusive.lines[0].description.contains("São Paulo/SP"))
        #expect(Self.total(lines, exclusive) == "1050.00")
        let inclusive = try Taxes.compute(
            lines: lines, rates: [Self.rate("ISS", "5", inclusive: true)], buyer: Self.person, seller: Self.seller, currency: .brl)
        #expect(inclusive.lines.isEmpty && Self.total(lines, inclusive) == "1000.00")
        // 1,000.00 × 5 / 105 = 47.619… → 47.62 (the tax is rounded; the net is 952.38).
        #expect(inclusive.taxes.first?.status == .included && inclusive.taxes.first?.amount.amountText == "47.62")
    }

    @Test("rounding is half-even once per tax line: 5 % of 0.10 is 0.00, of 0.30 is 0.02; two lines are taxed on their sum, not each")
    func halfEvenPerTaxLine() throws {
        let iss = [Self.rate("ISS", "5")]
        #expect(
            try Taxes.compute(lines: [Self.line("0.10")], rates: iss, buyer: Self.person, seller: Self.seller, currency: .brl).lines.first?.amount
                .amountText == "0.00")
        #expect(
            try Taxes.compute(lines: [Self.line("0.30")], rates: iss, buyer: Self.person, seller: Self.seller, currency: .brl).lines.first?.amount
                .amountText == "0.02")
        // Per invoice line each 0.10 would give 0.00 (0.005 → 0.00); on the 0.30 base once, 0.02.
        let three = try Taxes.compute(
            lines: [Self.line("0.10"), Self.line("0.10"), Self.line("0.10")], rates: iss, buyer: Self.person, seller: Self.seller, currency: .brl)
        #expect(three.lines.count == 1 && three.lines[0].amount.amountText == "0.02")
        // The tenant may round otherwise: HALF_UP takes 0.005 to 0.01.
        let halfUp = Taxes.Seller(simplesNacional: false, defaultTaxCode: nil, rounding: .halfUp)
        #expect(
            try Taxes.compute(lines: [Self.line("0.10")], rates: iss, buyer: Self.person, seller: halfUp, currency: .brl).lines.first?.amount
                .amountText == "0.01")
    }

    @Test("a company buyer withholds PIS 6.50, COFINS 30.00, CSLL 10.00 and IRRF 15.00 on 1,000.00: 938.50 is due")
    func federalWithholdings() throws {
        let lines = [Self.line("1000.00")]
        let result = try Taxes.compute(lines: lines, rates: Self.federal, buyer: Self.company, seller: Self.seller, currency: .brl)
        #expect(result.lines.map(\.kind) == ["WITHHOLDING", "WITHHOLDING", "WITHHOLDING", "WITHHOLDING"])
        #expect(result.lines.map(\.amount.amountText) == ["-6.50", "-30.00", "-10.00", "-15.00"])
        #expect(result.taxes.allSatisfy { $0.status == .withheld })
        #expect(Self.total(lines, result) == "938.50")
    }

    @Test(
        """
        the law's minimums: PIS+COFINS+CSLL of exactly 10.00 (on 215.05) or less is not withheld, IRRF of 10.00 (on 667.00, 10.005 \
        half-even) neither, IRRF of 10.01 (on 667.01) is
        """
    )
    func minimums() throws {
        let social = Array(Self.federal.prefix(3))
        let atMinimum = try Taxes.compute(lines: [Self.line("215.05")], rates: social, buyer: Self.company, seller: Self.seller, currency: .brl)
        #expect(atMinimum.taxes.map(\.amount.amountText) == ["1.40", "6.45", "2.15"])
        #expect(atMinimum.lines.isEmpty && atMinimum.taxes.allSatisfy { $0.status == .notWithheld && $0.reason?.contains("10.00") == true })
        let above = try Taxes.compute(lines: [Self.line("216.00")], rates: social, buyer: Self.company, seller: Self.seller, currency: .brl)
        #expect(above.lines.count == 3)
        let irrf = [Self.federal[3]]
        let irrfAt = try Taxes.compute(lines: [Self.line("667.00")], rates: irrf, buyer: Self.company, seller: Self.seller, currency: .brl)
        #expect(irrfAt.taxes.first?.amount.amountText == "10.00" && irrfAt.taxes.first?.status == .notWithheld && irrfAt.lines.isEmpty)
        let irrfAbove = try Taxes.compute(lines: [Self.line("667.01")], rates: irrf, buyer: Self.company, seller: Self.seller, currency: .brl)
        #expect(irrfAbove.lines.first?.amount.amountText == "-10.01")
        // The two groups are judged apart: IRRF withheld, the small social contributions not.
        let mixed = try Taxes.compute(lines: [Self.line("700.00")], rates: Self.federal, buyer: Self.company, seller: Self.seller, currency: .brl)
        #expect(mixed.taxes.map(\.status) == [.withheld, .withheld, .withheld, .withheld])
        let small = try Taxes.compute(lines: [Self.line("200.00")], rates: Self.federal, buyer: Self.company, seller: Self.seller, currency: .brl)
        #expect(small.taxes.map(\.status) == [.notWithheld, .notWithheld, .notWithheld, .notWithheld] && small.lines.isEmpty)
    }

    @Test("nothing is withheld from a person (CPF), by a provider on Simples Nacional, or on a USD invoice; an exempt account pays no tax at all")
    func whoWithholds() throws {
        let lines = [Self.line("1000.00")]
        let rates = [Self.rate("ISS", "5")] + Self.federal
        let person = try Taxes.compute(lines: lines, rates: rates, buyer: Self.person, seller: Self.seller, currency: .brl)
        #expect(person.lines.map(\.kind) == ["TAX"] && person.taxes.filter { $0.status == .notWithheld }.count == 4)
        #expect(person.taxes.last?.reason?.contains("not a company") == true)
        let simples = try Taxes.compute(
            lines: lines, rates: rates, buyer: Self.company, seller: Taxes.Seller(simplesNacional: true, defaultTaxCode: nil), currency: .brl)
        #expect(simples.lines.map(\.kind) == ["TAX"] && simples.taxes.last?.reason?.contains("Simples Nacional") == true)
        let dollars = [Self.line("1000.00", currency: .usd)]
        let usd = try Taxes.compute(lines: dollars, rates: rates, buyer: Self.company, seller: Self.seller, currency: .usd)
        #expect(usd.lines.map(\.kind) == ["TAX"] && usd.taxes.last?.status == .notWithheld)
        let exempt = try Taxes.compute(
            lines: lines, rates: rates, buyer: Taxes.Buyer(exempt: true, company: true), seller: Self.seller, currency: .brl)
        #expect(exempt.lines.isEmpty && exempt.taxes.isEmpty)
    }

    @Test(
        "tax codes: a rate listing codes taxes only lines with one of them (a line without a code takes the tenant's default); discounts lower the base; the account credit is not taxed"
    )
    func taxCodes() throws {
        var discount = Self.line("-100.00", kind: "DISCOUNT", code: "01.07")
        discount.description = "20 % off"
        let lines = [
            Self.line("500.00", code: "01.07"), discount, Self.line("300.00", kind: "ADDON", code: "SUPPORT"), Self.line("200.00", kind: "ONE_OFF"),
            Self.line("-50.00", kind: "ACCOUNT_CREDIT"),
        ]
        let iss = Self.rate("ISS", "2", codes: ["01.07"])
        let withoutDefault = try Taxes.compute(lines: lines, rates: [iss], buyer: Self.person, seller: Self.seller, currency: .brl)
        #expect(withoutDefault.taxes.first?.taxableAmount.amountText == "400.00" && withoutDefault.lines.first?.amount.amountText == "8.00")
        #expect(withoutDefault.taxes.first?.taxedLineIds == [lines[0].id!, lines[1].id!])
        let withDefault = try Taxes.compute(
            lines: lines, rates: [iss], buyer: Self.person, seller: Taxes.Seller(simplesNacional: false, defaultTaxCode: "01.07"), currency: .brl)
        #expect(withDefault.taxes.first?.taxableAmount.amountText == "600.00")
        let everything = try Taxes.compute(lines: lines, rates: [Self.rate("VAT", "10")], buyer: Self.person, seller: Self.seller, currency: .brl)
        #expect(everything.taxes.first?.taxableAmount.amountText == "900.00" && everything.lines.first?.amount.amountText == "90.00")
        // The TAX line goes before the account credit, which is taken last.
        #expect(Taxes.insert(everything, into: lines).map(\.kind).suffix(2) == ["TAX", "ACCOUNT_CREDIT"])
    }

    @Test("add-on lines take their add-on's tax code, the plan's other lines the plan's; a code already on a line stays")
    func stamping() throws {
        let start = Self.now
        let plan = SubscribedPlan(
            planId: .generate(), planVersion: 1, name: "Pro", billingInterval: .monthly, billingCycleType: .anniversary,
            unitPrice: DecimalNumber("100")!,
            currency: "BRL", trialDays: 0, includedCredits: .zero, features: [], limits: [], taxCode: "01.07")
        let addon = SubscriptionAddon(
            addonId: .generate(), addonVersion: 1, code: "support", name: "Support", featureFlag: "support", price: DecimalNumber("30")!,
            status: .active,
            cancelAtPeriodEnd: false, activatedAt: start, canceledAt: nil, createdAt: start, taxCode: "SUPPORT")
        let subscription = Subscription(
            id: .generate(), billingAccountId: .generate(), plan: plan, status: .active, quantity: 1, timezone: "UTC", startDate: start,
            trialStart: nil, trialEnd: nil, billingAnchor: start, currentPeriodStart: start, currentPeriodEnd: start.addingTimeInterval(30 * 86_400),
            cancelAtPeriodEnd: false, canceledAt: nil, cancelReason: nil, endedAt: nil, pausedAt: nil, pastDueSince: nil, scheduledChange: nil,
            addons: [addon], testClockId: nil, createdAt: start, updatedAt: start)
        var lines = try InvoiceComposer.periodLines(
            plan: "Pro", unit: Money.parse("100.00", currency: .brl), quantity: 1, addons: [addon],
            period: TimeSpan(start: start, end: start.addingTimeInterval(30 * 86_400)), subscriptionId: subscription.id)
        var usage = Self.line("12.00", kind: "USAGE")
        usage.subscriptionId = subscription.id
        var coded = Self.line("5.00", kind: "PRORATION", code: "OTHER")
        coded.subscriptionId = subscription.id
        lines += [usage, coded, Self.line("7.00", kind: "INVOICE_ITEM")]
        let stamped = Taxes.stampTaxCodes(lines, subscription: subscription)
        #expect(stamped.map { $0.taxCode } == ["01.07", "SUPPORT", "01.07", "OTHER", nil])
    }

    @Test(
        "a credit note takes each tax line's share of what it credits: 400.00 of 1,000.00 credits 20.00 of a 50.00 TAX and -6.00 of a -15.00 WITHHOLDING; the rest of the line then takes all that is left"
    )
    func creditShares() throws {
        let charge = Self.line("1000.00")
        let result = try Taxes.compute(
            lines: [charge], rates: [Self.rate("ISS", "5"), Self.federal[3]], buyer: Self.company, seller: Self.seller, currency: .brl)
        var invoice = Invoice(
            id: .generate(), billingAccountId: .generate(), number: "F-1", status: .pending, currency: "BRL",
            lines: Taxes.insert(result, into: [charge]), total: try Money.parse("1035.00", currency: .brl), amountPaid: .zero(.brl),
            amountDue: try Money.parse("1035.00", currency: .brl), periodStart: nil, periodEnd: nil, subscriptionId: nil, netTermsDays: 0,
            dueDate: nil, finalizedAt: nil, paidAt: nil, voidedAt: nil, createdAt: Self.now, updatedAt: Self.now)
        invoice.taxes = result.taxes
        let first = Taxes.creditedShares(of: invoice, credited: [charge.id!: 40_000], before: [:])
        #expect(first.map(\.position) == [1, 2] && first.map(\.amount) == [2_000, -600])
        // 333.33 more: 16.6665 → 16.67 and 4.99995 → 5.00.
        let second = Taxes.creditedShares(of: invoice, credited: [charge.id!: 33_333], before: [0: 40_000, 1: 2_000, 2: -600])
        #expect(second.map(\.amount) == [1_667, -500])
        // The last 266.67 takes exactly what is left of each tax line (no rounding remainder stays behind).
        let last = Taxes.creditedShares(of: invoice, credited: [charge.id!: 26_667], before: [0: 73_333, 1: 3_667, 2: -1_100])
        #expect(last.map(\.amount) == [1_333, -400])
        // A note through CreditNoteRules carries them: 400.00 of the charge is a note of 414.00.
        let plan = try CreditNoteRules.plan(
            CreateCreditNoteRequest(
                invoiceId: invoice.id, reason: .other, lines: [CreditNoteLineAttributes(invoiceLineIndex: 0, amount: DecimalNumber("400.00"))]),
            invoice: invoice, credited: .init(), refundable: .zero(.brl), at: Self.now)
        #expect(plan.total.amountText == "414.00" && plan.lines.count == 3)
        // A tax line is not credited on its own.
        #expect(throws: InvoicingError.self) {
            try CreditNoteRules.plan(
                CreateCreditNoteRequest(
                    invoiceId: invoice.id, reason: .other, lines: [CreditNoteLineAttributes(invoiceLineIndex: 1, amount: DecimalNumber("1.00"))]),
                invoice: invoice, credited: .init(), refundable: .zero(.brl), at: Self.now)
        }
    }
}
