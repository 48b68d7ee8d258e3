import BillingCore
import BillingTesting
import Foundation
import Testing

@Suite("Boleto híbrido at Banco do Brasil's API Cobranças (stand-in over mutual TLS, real processes)", .serialized, .timeLimit(.minutes(8)))
struct BoletoEndToEndTests {
    /// A finalized invoice of a paid plan, finalized with BOLETO (twice with one key: one boleto).
    func finalizeWithBoleto(_ fixture: SubscriptionFixture) async throws -> (id: String, total: DecimalNumber) {
        #expect(try await fixture.subscribe().status == 201)
        let created = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        let id = try #require(created.data?["id"]?.stringValue, "\(created.text.prefix(300))")
        let body: JSONValue = ["data": ["type": "invoices", "attributes": ["paymentMethod": "BOLETO"]]]
        var answers: [HTTPTestResponse] = []
        for _ in 0..<2 {
            answers.append(
                try await fixture.client.post(
                    "/api/v1/invoices/\(id)/finalize", token: fixture.token, json: body, headers: ["Idempotency-Key": "finalize-\(id)"]))
        }
        #expect(answers.allSatisfy { $0.attribute("status") == "PENDING" }, "\(answers.map { $0.text.prefix(300) })")
        return (id, try #require(answers[0].attribute("amountDue")?.decimalValue))
    }

    @Test(
        """
        finalize with BOLETO (the bank failing twice first, the request resent with its key) registers one boleto over mTLS with the \
        tenant's fine and interest; the invoice shows its verified linha digitável, ITF bar code and PIX QR; the bank's webhook \
        delivered twice records one payment (PAID); another boleto invoice voided is written off at the bank (baixa)
        """
    )
    func boletoLifecycle() async throws {
        let (bank, running) = try await ProviderRailCluster.shared.boleto()
        let fixture = try await SubscriptionFixture.make(running, plan: [("trialDays", 0)])
        let settings = try await fixture.client.send(
            "PUT", "/api/v1/invoice-settings", token: fixture.token,
            json: [
                "data": [
                    "type": "invoice-settings",
                    "attributes": [
                        "autoFinalize": false, "netTermsDays": 7, "pixFinePercent": .number("2"), "pixMonthlyInterestPercent": .number("1"),
                    ],
                ]
            ])
        #expect(settings.status == 200, "\(settings.text.prefix(300))")
        bank.failNext(2)
        let (invoice, total) = try await finalizeWithBoleto(fixture)

        // Registered once (the 503s retried, the resent finalize answered from its key).
        var boleto = try await fixture.client.get("/api/v1/invoices/\(invoice)/boleto", token: fixture.token)
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                boleto = try await fixture.client.get("/api/v1/invoices/\(invoice)/boleto", token: fixture.token)
                return boleto.attribute("status") == "REGISTERED"
            }, "\(boleto.text.prefix(500))")
        let ourNumber = try #require(boleto.attribute("ourNumber")?.stringValue)
        let titleID = "000" + ourNumber
        let registrations = bank.requests().filter { $0.method == "POST" && $0.path == "/cobrancas/v2/boletos" }
        #expect(bank.boletos().filter { $0.titleID == titleID }.count == 1)
        #expect(registrations.allSatisfy { $0.authorization?.hasPrefix("Bearer ") == true && $0.query["gw-dev-app-key"] == bank.applicationKey })
        let sent = try JSONParser.parse(Array(try #require(registrations.last?.body).utf8))
        #expect(sent["numeroTituloCliente"]?.stringValue == titleID && sent["valorOriginal"]?.decimalValue == total, "\(sent)")
        #expect(
            sent["multa"]?["porcentagem"]?.decimalValue == DecimalNumber(2) && sent["jurosMora"]?["porcentagem"]?.decimalValue == DecimalNumber(1))
        #expect(sent["pagador"]?["numeroInscricao"]?.decimalValue == DecimalNumber(11_222_333_000_181) && sent["indicadorPix"] == "S")

        // What the invoice shows is the bank's boleto, checked by us: line and bar code agree, amount and due date ours.
        let stored = try #require(bank.boleto(titleID: titleID))
        let line = try #require(boleto.attribute("digitableLine")?.stringValue)
        #expect(line == stored.digitableLine && boleto.attribute("barcode")?.stringValue == stored.barcode)
        let parsed = try FebrabanBoleto(digitableLine: line)
        let cents = try Money(exactly: total, currency: .brl).minorUnits
        #expect(parsed.bank == "001" && parsed.amountMinor == cents)
        #expect(boleto.attribute("barcodeSvg")?.stringValue?.hasPrefix("<svg") == true)
        #expect(boleto.attribute("pixCopyPaste")?.stringValue?.contains("br.gov.bcb.pix") == true)
        let html = try await fixture.client.send("GET", "/api/v1/invoices/\(invoice)", token: fixture.token, headers: ["Accept": "text/html"])
        #expect(html.text.contains(parsed.formattedDigitableLine) && html.text.contains("Código de barras"), "\(html.text.suffix(800))")

        // Paid at the bank; its webhook (only the id is taken, the boleto read back) delivered twice: one payment.
        #expect(bank.pay(titleID: titleID))
        let webhook: JSONValue = [["id": .string(titleID), "valorPagoSacado": .number(total.text), "codigoEstadoBaixaOperacional": 1]]
        let path = "/api/v1/webhooks/boleto?hmac=\(ProviderRailCluster.boletoWebhookSecret)"
        let forged = try await fixture.client.post("/api/v1/webhooks/boleto?hmac=wrong", token: nil, json: webhook)
        #expect(forged.status == 401)
        let first = try await fixture.client.post(path, token: nil, json: webhook)
        let second = try await fixture.client.post(path, token: nil, json: webhook)
        #expect(first.status == 200 && second.status == 200, "\(first.text.prefix(300)) \(second.text.prefix(300))")
        #expect(first.text.contains("PAYMENT_RECORDED") && second.text.contains("UNCHANGED"), "\(first.text) \(second.text)")
        let paid = try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token)
        #expect(paid.attribute("status") == "PAID" && paid.attribute("paymentMethod") == "BOLETO", "\(paid.text.prefix(300))")
        let payments = try await fixture.client.get("/api/v1/payments?filter%5BinvoiceId%5D=\(invoice)", token: fixture.token).data?.arrayValue ?? []
        #expect(payments.count == 1 && payments.first?["attributes"]?["paymentMethod"] == "BOLETO", "\(payments)")

        // Another invoice with a boleto, voided: written off at the bank.
        let other = try await SubscriptionFixture.make(running, plan: [("trialDays", 0)])
        let (voided, _) = try await finalizeWithBoleto(other)
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                try await other.client.get("/api/v1/invoices/\(voided)/boleto", token: other.token).attribute("status") == "REGISTERED"
            })
        let otherTitle =
            "000"
            + (try #require(try await other.client.get("/api/v1/invoices/\(voided)/boleto", token: other.token).attribute("ourNumber")?.stringValue))
        #expect(try await other.post("/api/v1/invoices/\(voided)/void").attribute("status") == "VOID")
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                try await other.client.get("/api/v1/invoices/\(voided)/boleto", token: other.token).attribute("status") == "CANCELED"
            })
        #expect(bank.boleto(titleID: otherTitle)?.state == 7)
        #expect(bank.requests().filter { $0.path == "/cobrancas/v2/boletos/\(otherTitle)/baixar" }.count == 1)
    }
}
