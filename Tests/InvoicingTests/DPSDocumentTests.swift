import AccountsContract
import BillingCore
import BillingXMLSignature
import Foundation
import InvoicingContract
import Testing

@testable import Invoicing

@Suite("NFS-e Nacional DPS")
struct DPSDocumentTests {
    static let issuedAt = RFC3339.parse("2027-03-10T15:04:05Z")!
    static let settings = FiscalSettings(
        cnpj: "11222333000181", municipalRegistration: "1234567", municipalityCode: "3550308", nationalServiceCode: "010501",
        municipalServiceCode: "001", issRate: DecimalNumber(significand: 2, scale: 0), simplesNacional: .none, environment: .homologation,
        issueOn: .paid, series: "1")

    static func money(_ cents: Int64) -> Money { Money(minorUnits: cents, currency: .brl) }

    static func line(_ kind: String, _ description: String, _ cents: Int64) -> InvoiceLine {
        InvoiceLine(
            kind: kind, description: description, quantity: 1, unitAmount: money(cents),
            amount: money(cents), periodStart: nil, periodEnd: nil, subscriptionId: nil)
    }

    static func withheld(_ kind: TaxWithholding, percent: DecimalNumber, base: Int64, amount: Int64) -> InvoiceTax {
        InvoiceTax(
            taxRateId: .generate(), name: kind.rawValue, jurisdiction: nil, percentage: percent, inclusive: false, withholding: kind,
            status: .withheld, taxableAmount: money(base), amount: money(amount), taxedLineIds: [])
    }

    /// A paid invoice of R$ 10,000.00 for a plan, an add-on and a discount, with PIS, COFINS, CSLL and IRRF withheld.
    static func invoice() -> Invoice {
        let start = RFC3339.parse("2027-03-01T03:00:00Z")!
        let lines = [
            line("FEE", "Plano Enterprise — março/2027", 950_000), line("ADDON", "Suporte 24×7 <premium> & SLA", 100_000),
            line("DISCOUNT", "Desconto anual 10%", -50_000), line("WITHHOLDING", "PIS", -6_500), line("WITHHOLDING", "COFINS", -30_000),
            line("WITHHOLDING", "CSLL", -10_000), line("WITHHOLDING", "IRRF", -15_000),
        ]
        var invoice = Invoice(
            id: .generate(at: start), billingAccountId: .generate(), number: "2027-000042", status: .paid, currency: "BRL", lines: lines,
            total: money(938_500), amountPaid: money(938_500), amountDue: .zero(.brl), periodStart: start, periodEnd: nil, subscriptionId: nil,
            netTermsDays: 7, dueDate: start, finalizedAt: start, paidAt: issuedAt, voidedAt: nil, createdAt: start, updatedAt: start)
        invoice.taxes = [
            withheld(.pis, percent: DecimalNumber(significand: 65, scale: 2), base: 1_000_000, amount: 6_500),
            withheld(.cofins, percent: DecimalNumber(3), base: 1_000_000, amount: 30_000),
            withheld(.csll, percent: DecimalNumber(1), base: 1_000_000, amount: 10_000),
            withheld(.irrf, percent: DecimalNumber(significand: 15, scale: 1), base: 1_000_000, amount: 15_000),
        ]
        return invoice
    }

    static func account(taxId: String? = "44.555.666/0001-72", type: TaxIDType? = .cnpj) -> BillingAccount {
        BillingAccount(
            id: .generate(), name: "Cliente Exemplo S/A\n(matriz)", email: "financeiro@cliente.com.br", currency: "BRL", taxId: taxId,
            taxIdType: type, timezone: "America/Sao_Paulo", metadata: [:], status: .active, statusReason: nil, balance: .zero(.brl),
            createdAt: issuedAt, updatedAt: issuedAt, closedAt: nil)
    }

    static func document(number: Int64 = 42) throws -> DPSDocument {
        try DPSDocument.of(invoice: invoice(), account: account(), settings: settings, number: number, issuedAt: issuedAt)
    }

    @Test("the layout's order and values: Id, times in Brasília, provider, taker, service, values, ISS and federal withholdings")
    func layout() throws {
        let dps = try Self.document()
        #expect(dps.id == "DPS3550308211222333000181" + "00001" + "000000000000042")
        #expect(dps.id.count == 45)
        let expected =
            #"<?xml version="1.0" encoding="UTF-8"?><DPS xmlns="http://www.sped.fazenda.gov.br/nfse" versao="1.00">"#
            + #"<infDPS Id="DPS355030821122233300018100001000000000000042"><tpAmb>2</tpAmb><dhEmi>2027-03-10T12:04:05-03:00</dhEmi>"#
            + "<verAplic>billing-1.0</verAplic><serie>1</serie><nDPS>42</nDPS><dCompet>2027-03-01</dCompet><tpEmit>1</tpEmit>"
            + "<cLocEmi>3550308</cLocEmi><prest><CNPJ>11222333000181</CNPJ><IM>1234567</IM><regTrib><opSimpNac>1</opSimpNac>"
            + "<regEspTrib>0</regEspTrib></regTrib></prest><toma><CNPJ>44555666000172</CNPJ><xNome>Cliente Exemplo S/A (matriz)</xNome>"
            + "<email>financeiro@cliente.com.br</email></toma><serv><locPrest><cLocPrestacao>3550308</cLocPrestacao></locPrest><cServ>"
            + "<cTribNac>010501</cTribNac><cTribMun>001</cTribMun><xDescServ>Fatura 2027-000042: Plano Enterprise - março/2027; "
            + "Suporte 24×7 &lt;premium&gt; &amp; SLA</xDescServ></cServ></serv><valores><vServPrest><vServ>10500.00</vServ></vServPrest>"
            + "<vDescCondIncond><vDescIncond>500.00</vDescIncond></vDescCondIncond><trib><tribMun><tribISSQN>1</tribISSQN>"
            + "<pAliq>2.00</pAliq><tpRetISSQN>1</tpRetISSQN></tribMun><tribFed><piscofins><CST>01</CST><vBCPisCofins>10000.00</vBCPisCofins>"
            + "<pAliqPis>0.65</pAliqPis><pAliqCofins>3.00</pAliqCofins><vPis>65.00</vPis><vCofins>300.00</vCofins>"
            + "<tpRetPisCofins>1</tpRetPisCofins></piscofins><vRetIRRF>150.00</vRetIRRF><vRetCSLL>100.00</vRetCSLL></tribFed>"
            + "<totTrib><indTotTrib>0</indTotTrib></totTrib></trib></valores></infDPS></DPS>"
        #expect(dps.xml == expected)
    }

    @Test("a consumer without CPF/CNPJ gives no toma; a CPF one a CPF; no withholdings, no tribFed; other currencies are refused")
    func variants() throws {
        var invoice = Self.invoice()
        invoice.taxes = nil
        invoice.lines = [Self.line("FEE", "Plano", 9_990)]
        let consumer = try DPSDocument.of(
            invoice: invoice, account: Self.account(taxId: nil, type: nil), settings: Self.settings, number: 1, issuedAt: Self.issuedAt)
        #expect(consumer.taker == nil && !consumer.xml.contains("<toma>") && !consumer.xml.contains("<tribFed>"))
        #expect(consumer.xml.contains("<vServ>99.90</vServ></vServPrest><trib>"))
        let person = try DPSDocument.of(
            invoice: invoice, account: Self.account(taxId: "123.456.789-09", type: .cpf), settings: Self.settings, number: 1,
            issuedAt: Self.issuedAt)
        #expect(person.xml.contains("<toma><CPF>12345678909</CPF>"))
        invoice.currency = "USD"
        #expect(throws: FiscalIneligibility.notBRL("USD")) {
            try DPSDocument.of(invoice: invoice, account: nil, settings: Self.settings, number: 1, issuedAt: Self.issuedAt)
        }
        invoice.currency = "BRL"
        invoice.lines = [Self.line("ACCOUNT_CREDIT", "Crédito", -100)]
        #expect(throws: FiscalIneligibility.nothingCharged) {
            try DPSDocument.of(invoice: invoice, account: nil, settings: Self.settings, number: 1, issuedAt: Self.issuedAt)
        }
    }

    @Test("texts keep to TSString: Latin-1, single blanks, trimmed, cut to the maximum")
    func texts() {
        #expect(DPSDocument.text("  Ação\t—  “ok” ✓ \n", max: 100) == "Ação - \"ok\" ?")
        #expect(DPSDocument.text(String(repeating: "a", count: 10) + " b", max: 11) == "aaaaaaaaaa")
        #expect(DPSDocument.percent(DecimalNumber(significand: 4_625, scale: 3)) == "4.62")
    }

    @Test("settings are checked field by field")
    func settingsRules() {
        #expect(Self.settings.problem() == nil)
        var bad = Self.settings
        bad.cnpj = "1122233300018"
        #expect(bad.problem()?.field == "cnpj")
        bad = Self.settings
        bad.issRate = DecimalNumber(significand: 55, scale: 1)
        #expect(bad.problem()?.field == "issRate")
        bad = Self.settings
        bad.series = "00000"
        #expect(bad.problem()?.field == "series")
        bad = Self.settings
        bad.nationalServiceCode = "1.05.01"
        #expect(bad.problem()?.field == "nationalServiceCode")
    }

    @Test("the signed DPS passes xmlsec1 --verify, and xmllint finds it well-formed")
    func signedDocument() throws {
        let certificate = try TestA1Certificate.issue()
        defer { try? FileManager.default.removeItem(at: certificate.directory) }
        let dps = try Self.document()
        let signed = try XMLSigner(pkcs12: certificate.pkcs12, password: certificate.password).signEnveloped(dps.xml, referenceID: dps.id)
        #expect(signed.contains("</infDPS><Signature"))
        let (status, output) = try XMLSignatureTests.verify(signed, with: certificate)
        #expect(status == 0, "xmlsec1 --verify: \(output)")
        let file = certificate.directory.appendingPathComponent("dps.xml")
        try Data(signed.utf8).write(to: file)
        let (lint, lintOutput) = try TestA1Certificate.run("xmllint", ["--noout", file.path], in: certificate.directory, check: false)
        #expect(lint == 0, "xmllint: \(lintOutput)")
    }

    /// The official schema is not part of the repository: point `NFSE_XSD_DIR` at a directory holding `DPS_v1.00.xsd` (with its
    /// includes and `xmldsig-core-schema.xsd`) from the Portal Nacional NFS-e to run this.
    @Test(
        "the signed DPS validates against the official DPS_v1.00.xsd (xmllint --schema)",
        .enabled(if: ProcessInfo.processInfo.environment["NFSE_XSD_DIR"] != nil))
    func schema() throws {
        let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["NFSE_XSD_DIR"]!)
        let certificate = try TestA1Certificate.issue()
        defer { try? FileManager.default.removeItem(at: certificate.directory) }
        for dps in [try Self.document(), try Self.document(number: 1)] {
            let signed = try XMLSigner(pkcs12: certificate.pkcs12, password: certificate.password).signEnveloped(dps.xml, referenceID: dps.id)
            let file = certificate.directory.appendingPathComponent("\(dps.id).xml")
            try Data(signed.utf8).write(to: file)
            let (status, output) = try TestA1Certificate.run(
                "xmllint", ["--noout", "--schema", directory.appendingPathComponent("DPS_v1.00.xsd").path, file.path], in: directory,
                check: false)
            #expect(status == 0, "xmllint --schema: \(output)")
        }
    }
}
