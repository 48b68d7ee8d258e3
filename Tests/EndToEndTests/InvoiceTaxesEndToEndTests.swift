import BillingCore
import BillingTesting
import Foundation
import Testing

/// Taxes on invoices (issue 26) through the gateway: the Brazilian service case — ISS included in the price, the federal
/// withholdings of a company buyer subtracted from what is due — on the upcoming invoice, at finalization and on a credit note;
/// an exclusive rate, a person buyer, an exempt account and a provider on Simples Nacional.
@Suite("Taxes on invoices through the gateway (real processes)", .timeLimit(.minutes(6)))
struct InvoiceTaxesEndToEndTests {
    static func rate(_ fixture: SubscriptionFixture, _ attributes: JSONValue) async throws -> String {
        try await create(fixture.client, "/api/v1/tax-rates", "tax-rates", attributes, token: fixture.token)
    }

    /// Kind and amount of each line.
    static func lines(_ invoice: JSONValue?) -> [String] {
        (invoice?["lines"]?.arrayValue ?? []).map { "\($0["kind"]?.stringValue ?? "") \($0["amount"]?.decimalValue?.text ?? "")" }
    }

    static func taxes(_ invoice: JSONValue?) -> [String] {
        (invoice?["taxes"]?.arrayValue ?? []).map {
            "\($0["name"]?.stringValue ?? "") \($0["status"]?.stringValue ?? "") \($0["amount"]?.decimalValue?.text ?? "")"
        }
    }

    /// A finalized invoice of `account` billing one invoice item of `amount`.
    static func finalizedItemInvoice(_ fixture: SubscriptionFixture, account: String, amount: String) async throws -> HTTPTestResponse {
        let item = try await fixture.post(
            "/api/v1/billing-accounts/\(account)/invoice-items", "invoice-items", ["description": "Consultoria", "unitAmount": .number(amount)])
        #expect(item.status == 201, "\(item.text.prefix(300))")
        let created = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(account)])
        #expect(created.status == 201, "\(created.text.prefix(300))")
        #expect(!Self.lines(created.data?["attributes"]).contains { $0.hasPrefix("TAX") }, "a draft carries no tax yet")
        let invoice = try #require(created.data?["id"]?.stringValue)
        let finalized = try await fixture.client.post("/api/v1/invoices/\(invoice)/finalize", token: fixture.token)
        #expect(finalized.status == 200, "\(finalized.text.prefix(300))")
        return finalized
    }

    @Test(
        """
        a company (CNPJ) on a 1,000.00 plan of tax code 01.07: the upcoming invoice and the finalized one show ISS 5 % included \
        (47.62) and withhold PIS 6.50, COFINS 30.00, CSLL 10.00, IRRF 15.00 — 938.50 due; a rate for another code does not apply; \
        a credit note of 400.00 of the plan line takes its share of each withholding (375.40)
        """
    )
    func brazilianServiceCase() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(
            cluster, plan: [("trialDays", 0), ("basePrice", .number("1000.00")), ("taxCode", "01.07")])
        _ = try await Self.rate(
            fixture, ["name": "ISS", "percentage": .number("5"), "inclusive": true, "jurisdiction": "São Paulo/SP", "taxCodes": ["01.07"]])
        for (name, percent) in [("PIS", "0.65"), ("COFINS", "3"), ("CSLL", "1"), ("IRRF", "1.5")] {
            _ = try await Self.rate(
                fixture, ["name": .string(name), "percentage": .number(percent), "withholding": .string(name), "taxCodes": ["01.07"]])
        }
        _ = try await Self.rate(fixture, ["name": "ICMS", "percentage": .number("18"), "taxCodes": ["99.99"]])
        let subscription = try await fixture.subscribe()
        #expect(subscription.status == 201, "\(subscription.text.prefix(300))")
        #expect(subscription.attribute("plan")?["taxCode"] == "01.07", "\(subscription.text.prefix(600))")
        let id = try #require(subscription.data?["id"]?.stringValue)

        let expectedLines = ["SUBSCRIPTION 1000", "WITHHOLDING -6.5", "WITHHOLDING -30", "WITHHOLDING -10", "WITHHOLDING -15"]
        let expectedTaxes = ["ISS INCLUDED 47.62", "PIS WITHHELD 6.5", "COFINS WITHHELD 30", "CSLL WITHHELD 10", "IRRF WITHHELD 15"]
        let upcoming = try await fixture.client.get("/api/v1/subscriptions/\(id)/upcoming-invoice", token: fixture.token)
        #expect(upcoming.status == 200, "\(upcoming.text.prefix(400))")
        let next = upcoming.data?["attributes"]
        #expect(Self.lines(next) == expectedLines && Self.taxes(next) == expectedTaxes, "\(upcoming.text.prefix(1500))")
        #expect(next?["total"]?.decimalValue == DecimalNumber("938.50"))

        let drafted = try #require(try await CouponsEndToEndTests.invoices(fixture, count: 1).first)
        #expect(drafted["lines"]?.arrayValue?.first?["taxCode"] == "01.07" && [nil, .null].contains(drafted["taxes"]), "\(drafted)")
        let listed = try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token)
        let invoiceID = try #require(listed.data?.arrayValue?.first?["id"]?.stringValue)
        let finalized = try await fixture.client.post("/api/v1/invoices/\(invoiceID)/finalize", token: fixture.token)
        #expect(finalized.status == 200, "\(finalized.text.prefix(400))")
        let final = finalized.data?["attributes"]
        #expect(Self.lines(final) == expectedLines && Self.taxes(final) == expectedTaxes, "\(finalized.text.prefix(1500))")
        #expect(final?["total"]?.decimalValue == DecimalNumber("938.50") && final?["amountDue"]?.decimalValue == DecimalNumber("938.50"))
        let iss = final?["taxes"]?.arrayValue?.first
        #expect(
            iss?["jurisdiction"] == "São Paulo/SP" && iss?["taxableAmount"]?.decimalValue == DecimalNumber("1000.00") && iss?["inclusive"] == true)

        let page = try await fixture.client.send("GET", "/api/v1/invoices/\(invoiceID)", token: fixture.token, headers: ["Accept": "text/html"])
        #expect(
            page.text.contains("Tributos") && page.text.contains("ISS 5% (São Paulo/SP) sobre R$ 1.000,00: incluído no preço: R$ 47,62")
                && page.text.contains("IRRF 1.5% sobre R$ 1.000,00: retido pelo tomador: R$ 15,00"), "\(page.text.suffix(1500))")
        let note = try await fixture.post(
            "/api/v1/credit-notes", "credit-notes",
            ["invoiceId": .string(invoiceID), "lines": [["invoiceLineIndex": 0, "amount": .number("400.00")]], "reason": "ORDER_CHANGE"])
        #expect(note.status == 201, "\(note.text.prefix(600))")
        // 400.00 − (2.60 + 12.00 + 4.00 + 6.00) = 375.40, all of it off what is due.
        #expect(note.attribute("total")?.decimalValue == DecimalNumber("375.40"), "\(note.text.prefix(1200))")
        #expect((note.attribute("lines")?.arrayValue ?? []).map { $0["amount"]?.decimalValue?.text ?? "" } == ["400", "-2.6", "-12", "-4", "-6"])
        let after = try await fixture.client.get("/api/v1/invoices/\(invoiceID)", token: fixture.token)
        #expect(after.attribute("amountDue")?.decimalValue == DecimalNumber("563.10"), "\(after.text.prefix(400))")
        let direct = try await fixture.post(
            "/api/v1/credit-notes", "credit-notes",
            ["invoiceId": .string(invoiceID), "lines": [["invoiceLineIndex": 4, "amount": .number("1.00")]], "reason": "OTHER"])
        #expect(
            direct.status == 422 && direct.firstError?["source"]?["pointer"] == "/data/attributes/lines/0/invoiceLineIndex",
            "\(direct.text.prefix(400))")
    }

    @Test(
        """
        an exclusive ISS of 2 % on every line and IRRF: a person (CPF) pays 1,020.00 and withholds nothing; an exempt company \
        1,000.00 with no tax; a company of a provider on Simples Nacional 1,020.00, the IRRF not withheld and saying why
        """
    )
    func whoPaysWhat() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster)
        _ = try await Self.rate(fixture, ["name": "ISS", "percentage": .number("2")])
        _ = try await Self.rate(fixture, ["name": "IRRF", "percentage": .number("1.5"), "withholding": "IRRF"])

        let company = try await Self.finalizedItemInvoice(fixture, account: fixture.account, amount: "1000.00")
        #expect(
            Self.lines(company.data?["attributes"]) == ["INVOICE_ITEM 1000", "TAX 20", "WITHHOLDING -15"]
                && company.attribute("total")?.decimalValue == DecimalNumber("1005.00"), "\(company.text.prefix(1200))")

        let person = try await create(
            fixture.client, "/api/v1/billing-accounts", "billing-accounts",
            accountDocument(name: "Pessoa", email: "p@example.com", taxId: "529.982.247-25", taxIdType: "CPF")["data"]!["attributes"]!,
            token: fixture.token)
        let personal = try await Self.finalizedItemInvoice(fixture, account: person, amount: "1000.00")
        #expect(
            Self.lines(personal.data?["attributes"]) == ["INVOICE_ITEM 1000", "TAX 20"]
                && personal.attribute("total")?.decimalValue == DecimalNumber("1020.00"), "\(personal.text.prefix(1200))")
        #expect(personal.attribute("taxes")?.arrayValue?.last?["status"] == "NOT_WITHHELD")

        let exempt = try await create(
            fixture.client, "/api/v1/billing-accounts", "billing-accounts",
            accountDocument(taxId: "12.345.678/0001-95", taxIdType: "CNPJ", extra: [("taxExempt", true)])["data"]!["attributes"]!,
            token: fixture.token)
        let untaxed = try await Self.finalizedItemInvoice(fixture, account: exempt, amount: "1000.00")
        #expect(
            Self.lines(untaxed.data?["attributes"]) == ["INVOICE_ITEM 1000"] && untaxed.attribute("total")?.decimalValue == DecimalNumber("1000.00")
                && [nil, .null].contains(untaxed.attribute("taxes")), "\(untaxed.text.prefix(1200))")

        // The exemption lifted, and the very next finalization taxes the account (no waiting for the account's event).
        let lifted = try await fixture.client.send(
            "PATCH", "/api/v1/billing-accounts/\(exempt)", token: fixture.token,
            json: resource("billing-accounts", ["taxExempt": false]))
        #expect(lifted.status == 200 && lifted.attribute("taxExempt") == false, "\(lifted.text.prefix(400))")
        let taxedNow = try await Self.finalizedItemInvoice(fixture, account: exempt, amount: "1000.00")
        #expect(Self.lines(taxedNow.data?["attributes"]) == ["INVOICE_ITEM 1000", "TAX 20", "WITHHOLDING -15"], "\(taxedNow.text.prefix(1200))")

        let settings = try await fixture.client.send(
            "PUT", "/api/v1/invoice-settings", token: fixture.token,
            json: resource("invoice-settings", ["autoFinalize": false, "netTermsDays": 7, "simplesNacional": true, "taxRounding": "HALF_UP"]))
        #expect(settings.status == 200 && settings.attribute("taxRounding") == "HALF_UP", "\(settings.text.prefix(300))")
        let simples = try await Self.finalizedItemInvoice(fixture, account: fixture.account, amount: "1000.00")
        #expect(
            Self.lines(simples.data?["attributes"]) == ["INVOICE_ITEM 1000", "TAX 20"]
                && simples.attribute("taxes")?.arrayValue?.last?["reason"]?.stringValue?.contains("Simples Nacional") == true,
            "\(simples.text.prefix(1200))")
    }

    @Test("a period invoice the finalization job finalizes (autoFinalize) carries its taxes: a 2 % exclusive ISS on a 299.90 plan adds 6.00")
    func finalizedByTheJob() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        _ = try await Self.rate(fixture, ["name": "ISS", "percentage": .number("2"), "jurisdiction": "Campinas/SP"])
        let settings = try await fixture.client.send(
            "PUT", "/api/v1/invoice-settings", token: fixture.token,
            json: resource("invoice-settings", ["autoFinalize": true, "netTermsDays": 7]))
        #expect(settings.status == 200, "\(settings.text.prefix(300))")
        #expect(try await fixture.subscribe().status == 201)
        var invoice: JSONValue?
        _ = try await waitFor(timeout: .seconds(30)) {
            invoice = try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token)
                .data?.arrayValue?.first?["attributes"]
            return invoice?["status"] == "PENDING"
        }
        // 299.90 × 2 % = 5.998 → 6.00.
        #expect(
            Self.lines(invoice) == ["SUBSCRIPTION 299.9", "TAX 6"] && invoice?["total"]?.decimalValue == DecimalNumber("305.90"),
            "\(String(describing: invoice))")
    }
}
