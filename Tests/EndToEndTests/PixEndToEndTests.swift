import BillingCore
import BillingTesting
import Foundation
import Testing

@Suite("PIX through a PSP's API Pix (stand-in over mutual TLS, real processes)", .serialized, .timeLimit(.minutes(8)))
struct PixEndToEndTests {
    /// A finalized invoice of a paid plan (the fixture's account has a CNPJ, so its charge has a due date: `cobv`).
    func finalizedInvoice(_ fixture: SubscriptionFixture) async throws -> (id: String, total: DecimalNumber) {
        #expect(try await fixture.subscribe().status == 201)
        let created = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        let id = try #require(created.data?["id"]?.stringValue, "\(created.text.prefix(300))")
        let finalized = try await fixture.client.post("/api/v1/invoices/\(id)/finalize", token: fixture.token)
        #expect(finalized.attribute("status") == "PENDING", "\(finalized.text.prefix(300))")
        return (id, try #require(finalized.attribute("amountDue")?.decimalValue))
    }

    func payments(_ fixture: SubscriptionFixture, invoice: String) async throws -> [JSONValue] {
        try await fixture.client.get("/api/v1/payments?filter%5BinvoiceId%5D=\(invoice)", token: fixture.token).data?.arrayValue ?? []
    }

    @Test(
        """
        billingctl registers the gateway's webhook at the PSP; a finalized invoice is charged there (cobv, the payer's CNPJ, the \
        tenant's fine and interest, OAuth2 \
        bearer over mTLS); its BR Code is the dynamic one (the charge's location in 26.25, CRC right); the PSP's webhook delivered 3 \
        times records one payment and the invoice is PAID; a refund round-trips as a devolução
        """
    )
    func chargePaidByWebhook() async throws {
        let (psp, _, running) = try await ProviderRailCluster.shared.pix()
        let register = Process()
        register.executableURL = TestEnvironment.buildDirectory.appendingPathComponent("billingctl")
        register.arguments = ["pix-webhook", "register", running.gatewayURL, ProviderRailCluster.webhookSecret]
        register.environment = ProviderRailCluster.pspEnvironment(psp).merging(["PATH": "/usr/bin:/bin"]) { $1 }
        try register.run()
        await TestCluster.waitForExit(register)
        #expect(register.terminationStatus == 0)
        let webhook = try #require(psp.webhook(for: "pix@standin.example"))
        #expect(webhook.hasPrefix(running.gatewayURL + "/api/v1/webhooks/pix?hmac=") && webhook.hasSuffix("&ignorar="), "\(webhook)")

        let fixture = try await SubscriptionFixture.make(running, plan: [("trialDays", 0)])
        // The tenant's terms for charges with a due date; a percentage past 100 is refused, naming the attribute.
        func settings(_ fine: String) async throws -> HTTPTestResponse {
            try await fixture.client.send(
                "PUT", "/api/v1/invoice-settings", token: fixture.token,
                json: [
                    "data": [
                        "type": "invoice-settings",
                        "attributes": [
                            "autoFinalize": false, "netTermsDays": 7, "pixFinePercent": .number(fine), "pixMonthlyInterestPercent": .number("1"),
                        ],
                    ]
                ])
        }
        let refused = try await settings("100.5")
        #expect(
            refused.status == 422 && refused.firstError?["source"]?["pointer"] == "/data/attributes/pixFinePercent", "\(refused.text.prefix(300))")
        #expect(try await settings("2").status == 200)
        let (invoice, total) = try await finalizedInvoice(fixture)
        let txid = invoice.replacingOccurrences(of: "-", with: "").lowercased() + "001"
        // The job creates the charge after finalize commits.
        #expect(try await waitFor(timeout: .seconds(30)) { psp.charge(txid: txid)?.status == "ATIVA" })
        let charge = try #require(psp.charge(txid: txid))
        #expect(charge.dueDate != nil && charge.debtorTaxID == "11222333000181" && DecimalNumber(charge.amount) == total, "\(charge)")
        let creations = psp.requests().filter { $0.method == "PUT" && $0.path.hasSuffix("/cobv/\(txid)") }
        #expect(creations.count >= 1 && creations.allSatisfy { $0.authorization?.hasPrefix("Bearer ") == true })
        let terms = try JSONParser.parse(try #require(creations.first?.body))["valor"]
        #expect(terms?["multa"]?["valorPerc"] == "2.00" && terms?["juros"]?["valorPerc"] == "1.00", "\(String(describing: terms))")

        let pix = try await fixture.client.get("/api/v1/invoices/\(invoice)/pix", token: fixture.token)
        #expect(pix.status == 200, "\(pix.text.prefix(300))")
        let payload = try #require(pix.attribute("copyPaste")?.stringValue)
        let fields = try #require(PixBRCode.fields(of: payload))
        #expect(PixBRCode.crc16(String(payload.dropLast(4))) == fields.last?.value)
        #expect(fields.first(where: { $0.id == "01" })?.value == "12", "single use")
        let account = try #require(fields.first(where: { $0.id == "26" }).flatMap { PixBRCode.fields(of: $0.value) })
        #expect(account.first(where: { $0.id == "25" })?.value == charge.location && pix.attribute("txid")?.stringValue == txid)

        let endToEndId = try await psp.pay(txid: txid, webhookDeliveries: 3)
        #expect(psp.webhookDeliveryStatuses().suffix(3) == [200, 200, 200])
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token).attribute("status") == "PAID"
            })
        let recorded = try await payments(fixture, invoice: invoice)
        #expect(recorded.count == 1, "\(recorded)")
        #expect(
            recorded.first?["attributes"]?["externalRef"]?.stringValue == endToEndId
                && recorded.first?["attributes"]?["status"] == "COMPLETED" && recorded.first?["attributes"]?["paymentMethod"] == "PIX")
        // A refund goes back through the PSP (a devolução named after the refund) and answers once the PSP settled it.
        let paymentID = try #require(recorded.first?["id"]?.stringValue)
        let refund = try await fixture.post("/api/v1/payments/\(paymentID)/refunds", "refunds", ["amount": .number("10.00"), "reason": "goodwill"])
        #expect(refund.status == 201 && refund.attribute("settlement") == "REFUNDED", "\(refund.text.prefix(400))")
        let devolucao = try #require(psp.received().first { $0.endToEndId == endToEndId }?.refunds.first)
        #expect(devolucao.amount == "10.00" && devolucao.status == "DEVOLVIDO")
        #expect(devolucao.id == (refund.data?["id"]?.stringValue ?? "").replacingOccurrences(of: "-", with: "").lowercased())
        // However many requests went out, the OAuth2 token was fetched once and reused.
        #expect(psp.tokensIssued() <= 2, "tokens: \(psp.tokensIssued())")
    }

    @Test(
        """
        a credit package bought at checkout by PIX (an account without a tax id: an immediate cob) is paid at the PSP and its webhook \
        never arrives: reconciliation (GET /pix) records the payment once and the credits are granted once
        """
    )
    func reconciliationFindsLostWebhook() async throws {
        let (psp, _, running) = try await ProviderRailCluster.shared.pix()
        let tenant = newTenant("pix")
        let token = try running.tokens.token(tenant: tenant, roles: ["owner"])
        let account = try await create(
            running.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: token)
        let code = uniqueCode("pix")
        _ = try await create(
            running.client, "/api/v1/credit-packages", "credit-packages",
            ["code": .string(code), "name": "Start", "credits": 500, "price": .number("49.90"), "currency": "BRL"], token: token)
        let checkout = try await running.client.post(
            "/api/v1/checkouts", token: token,
            json: [
                "data": [
                    "type": "checkouts",
                    "attributes": [
                        "billingAccountId": .string(account), "paymentMethod": "PIX",
                        "items": [["type": "CREDIT_PACKAGE", "packageCode": .string(code)]],
                    ],
                ]
            ])
        #expect(checkout.status == 201, "\(checkout.text.prefix(400))")
        let invoice = try #require(checkout.attribute("invoice")?["id"]?.stringValue)
        let txid = try #require(checkout.attribute("pix")?["txid"]?.stringValue)
        let charge = try #require(psp.charge(txid: txid), "the checkout created the charge at once")
        #expect(charge.dueDate == nil && charge.debtorTaxID == nil && charge.amount == "49.90")
        let location = try #require(checkout.attribute("pix")?["location"]?.stringValue)
        #expect(location == charge.location)

        _ = try await psp.pay(txid: txid, webhookDeliveries: 0)
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                try await running.client.get("/api/v1/invoices/\(invoice)", token: token).attribute("status") == "PAID"
            }, "reconciliation found the PIX")
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                let wallet = try await running.client.get("/api/v1/credit-wallets/\(account)", token: token)
                return wallet.attribute("purchasedRemaining")?.decimalValue == DecimalNumber(500)
            })
        // Later passes see the same PIX again and change nothing.
        try await Task.sleep(for: .seconds(2))
        let recorded = try await running.client.get("/api/v1/payments?filter%5BinvoiceId%5D=\(invoice)", token: token).data?.arrayValue ?? []
        #expect(recorded.count == 1 && recorded.first?["attributes"]?["status"] == "COMPLETED", "\(recorded)")
        let wallet = try await running.client.get("/api/v1/credit-wallets/\(account)", token: token)
        #expect(wallet.attribute("purchasedRemaining")?.decimalValue == DecimalNumber(500))
    }

    @Test("the PIX webhook refuses a wrong or missing secret (401) and reports a txid of no charge of ours as UNKNOWN_CHARGE")
    func webhookAuthentication() async throws {
        let (_, _, running) = try await ProviderRailCluster.shared.pix()
        let body = Data(
            JSONWriter.bytes([
                "pix": [
                    [
                        "endToEndId": "E12345678202612071200abcdefghijk", "txid": "nochargeofours0000000000000000", "valor": "1.00",
                        "horario": "2026-12-07T12:00:00Z",
                    ]
                ]
            ]))
        let missing = try await running.client.send("POST", "/api/v1/webhooks/pix/pix", rawBody: body)
        #expect(missing.status == 401, "\(missing.text.prefix(200))")
        let wrong = try await running.client.send("POST", "/api/v1/webhooks/pix?hmac=not-the-secret-000000&ignorar=/pix", rawBody: body)
        #expect(wrong.status == 401)
        let unknown = try await running.client.send(
            "POST", "/api/v1/webhooks/pix?hmac=\(ProviderRailCluster.webhookSecret)&ignorar=/pix", rawBody: body)
        #expect(unknown.status == 200 && unknown.json?["outcomes"] == ["UNKNOWN_CHARGE"], "\(unknown.text.prefix(200))")
        let malformed = try await running.client.send(
            "POST", "/api/v1/webhooks/pix/pix?hmac=\(ProviderRailCluster.webhookSecret)", rawBody: Data(#"{"pix":[{"txid":"x"}]}"#.utf8))
        #expect(malformed.status == 422 && malformed.firstError?["source"]?["pointer"] == "/pix/0/endToEndId", "\(malformed.text.prefix(300))")
    }
}
