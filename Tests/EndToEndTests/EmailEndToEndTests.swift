import BillingCore
import BillingTesting
import Foundation
import Testing

/// E-mails to the billing account's contacts, sent by `billing-notifications` over SMTP (STARTTLS, AUTH PLAIN) to a real SMTP
/// server (aiosmtpd), whose messages are parsed by Python's `email` package, not by our code.
@Suite("E-mail notifications through a real SMTP server (real processes)", .serialized, .timeLimit(.minutes(6)))
struct EmailEndToEndTests {
    /// An account of a tenant of its own, with an e-mail no other test uses, and a plan without a trial.
    func fixture(email: String) async throws -> SubscriptionFixture {
        let (_, running) = try await ProviderRailCluster.shared.mail()
        let fixture = try await SubscriptionFixture.make(running, plan: [("trialDays", 0)])
        let changed = try await patchAccount(fixture, ["email": .string(email)])
        #expect(changed.status == 200, "\(changed.text.prefix(300))")
        return fixture
    }

    func patchAccount(_ fixture: SubscriptionFixture, _ attributes: JSONValue) async throws -> HTTPTestResponse {
        try await fixture.client.send(
            "PATCH", "/api/v1/billing-accounts/\(fixture.account)", token: fixture.token, json: resource("billing-accounts", attributes))
    }

    /// The subscription's first invoice, finalized: its id, number and amount due.
    func finalizedInvoice(_ fixture: SubscriptionFixture) async throws -> (id: String, number: String, amountDue: DecimalNumber) {
        #expect(try await fixture.subscribe().status == 201)
        let created = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        let id = try #require(created.data?["id"]?.stringValue, "\(created.text.prefix(300))")
        let finalized = try await fixture.client.post("/api/v1/invoices/\(id)/finalize", token: fixture.token)
        #expect(finalized.attribute("status") == "PENDING", "\(finalized.text.prefix(300))")
        return (
            id, try #require(finalized.attribute("number")?.stringValue),
            try #require(finalized.attribute("amountDue")?.decimalValue)
        )
    }

    /// The account's e-mails of `type` once they left PENDING (60 s at most).
    func emails(_ fixture: SubscriptionFixture, type: String, count: Int = 1) async throws -> [JSONValue] {
        var found: [JSONValue] = []
        _ = try await waitFor(timeout: .seconds(60)) {
            let list = try await fixture.client.get("/api/v1/billing-accounts/\(fixture.account)/email-notifications", token: fixture.token)
            found = (list.data?.arrayValue ?? []).filter { $0["attributes"]?["type"]?.stringValue == type }
            return found.count >= count && found.allSatisfy { $0["attributes"]?["status"] != "PENDING" }
        }
        return found
    }

    /// The message the server received for an e-mail record (its id is the Message-ID's local part).
    func received(_ smtp: SMTPSink, _ record: JSONValue) async throws -> SMTPSink.ReceivedMail {
        let id = try #require(record["id"]?.stringValue)
        var mail: SMTPSink.ReceivedMail?
        _ = try await waitFor(timeout: .seconds(10)) {
            mail = try smtp.messages().first { $0.messageId == "<\(id)@billing.example>" }
            return mail != nil
        }
        return try #require(mail, "no message <\(id)@billing.example> at the SMTP server")
    }

    @Test(
        """
        a finalized BRL invoice e-mails the account in Portuguese: subject and amounts as R$ 1.234,56, the PIX copy-and-paste code \
        the invoice answers, its PDF attached; sent over STARTTLS with AUTH, logged with its Message-ID; its payment e-mails \
        "Pagamento recebido" naming the invoice
        """
    )
    func invoiceIssuedAndPaid() async throws {
        let (smtp, _) = try await ProviderRailCluster.shared.mail()
        let address = "fin-\(UUID().uuidString.prefix(8).lowercased())@cliente.example"
        let fixture = try await fixture(email: address)
        let invoice = try await finalizedInvoice(fixture)
        let due = try Money(exactly: invoice.amountDue, currency: .brl).displayText
        #expect(due.hasPrefix("R$ ") && due.contains(","))

        let records = try await emails(fixture, type: "INVOICE_ISSUED")
        let record = try #require(records.first)
        #expect(record["attributes"]?["status"] == "SENT", "\(record)")
        #expect(record["attributes"]?["recipients"] == [.string(address)])
        #expect(record["attributes"]?["detail"]?.stringValue?.hasPrefix("250") == true, "the server's answer: \(record)")
        let mail = try await received(smtp, record)
        #expect(mail.rcptTos == [address] && mail.tls && mail.authenticatedAs == ProviderRailCluster.smtpUser)
        #expect(mail.from?.contains("cobranca@billing.example") == true && mail.defects.isEmpty, "\(mail.from ?? "") \(mail.defects)")
        #expect(mail.subject == "Fatura \(invoice.number) emitida — \(due)", "\(mail.subject ?? "")")
        let pix = try await fixture.client.get("/api/v1/invoices/\(invoice.id)/pix", token: fixture.token)
        let code = try #require(pix.attribute("copyPaste")?.stringValue, "\(pix.text.prefix(300))")
        let text = try #require(mail.text).replacingOccurrences(of: "\r\n", with: "\n"), html = try #require(mail.html)
        #expect(text.contains("Valor a pagar: \(due).") && text.contains("PIX copia e cola:\n\(code)"), "\(text) --- \(code)")
        #expect(html.contains(code) && html.contains("lang=\"pt-BR\""))
        let attachment = try #require(mail.attachments.first)
        #expect(attachment.filename == "fatura-\(invoice.number).pdf" && attachment.contentType == "application/pdf")
        let pdf = try await fixture.client.send("GET", "/api/v1/invoices/\(invoice.id)", token: fixture.token, headers: ["Accept": "application/pdf"])
        #expect(
            pdf.status == 200 && attachment.size > 1_000 && abs(attachment.size - pdf.body.count) < 200, "\(attachment.size) vs \(pdf.body.count)")

        let paid = try await fixture.post(
            "/api/v1/payments", "payments",
            [
                "billingAccountId": .string(fixture.account), "invoiceId": .string(invoice.id), "amount": .number(invoice.amountDue.text),
                "paymentMethod": "PIX", "externalRef": .string(UUID().uuidString),
            ])
        #expect(paid.status == 201, "\(paid.text.prefix(300))")
        let receipt = try #require(try await emails(fixture, type: "PAYMENT_RECEIVED").first)
        let receivedMail = try await received(smtp, receipt)
        #expect(receivedMail.subject == "Pagamento recebido — \(due)")
        #expect(receivedMail.text?.contains("referente à fatura \(invoice.number)") == true, "\(receivedMail.text ?? "")")
    }

    @Test(
        """
        contacts, language and opt-outs: an English account with two contacts e-mails both the invoice (one takes only invoices), \
        its opted-out payment receipt is SKIPPED and never sent; a bad contact address is a 422 naming contacts[1].email
        """
    )
    func contactsLocaleAndOptOut() async throws {
        let (smtp, _) = try await ProviderRailCluster.shared.mail()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let finance = "finance-\(suffix)@cliente.example", cto = "cto-\(suffix)@cliente.example"
        let fixture = try await fixture(email: "owner-\(suffix)@cliente.example")
        let invalid = try await patchAccount(
            fixture, ["contacts": [["email": .string(finance)], ["email": "not-an-address"]]])
        #expect(
            invalid.status == 422 && invalid.firstError?["source"]?["pointer"] == "/data/attributes/contacts/1/email",
            "\(invalid.text.prefix(300))")
        let changed = try await patchAccount(
            fixture,
            [
                "locale": "en",
                "contacts": [
                    ["email": .string(finance), "name": "Finance", "notifications": ["INVOICE_ISSUED"]], ["email": .string(cto), "name": "CTO"],
                ],
                "notificationOptOuts": ["PAYMENT_RECEIVED"],
            ])
        #expect(changed.status == 200 && changed.attribute("locale") == "en", "\(changed.text.prefix(300))")
        #expect(changed.attribute("contacts")?.arrayValue?.count == 2 && changed.attribute("notificationOptOuts") == ["PAYMENT_RECEIVED"])

        let invoice = try await finalizedInvoice(fixture)
        let record = try #require(try await emails(fixture, type: "INVOICE_ISSUED").first)
        #expect(record["attributes"]?["status"] == "SENT" && record["attributes"]?["recipients"] == [.string(finance), .string(cto)], "\(record)")
        let mail = try await received(smtp, record)
        #expect(Set(mail.rcptTos) == [finance, cto] && mail.subject?.hasPrefix("Invoice \(invoice.number) issued — R$ ") == true)
        #expect(mail.text?.hasPrefix("Hello Empresa ABC Ltda,") == true && mail.attachments.first?.filename == "invoice-\(invoice.number).pdf")

        let paid = try await fixture.post(
            "/api/v1/payments", "payments",
            [
                "billingAccountId": .string(fixture.account), "invoiceId": .string(invoice.id), "amount": .number(invoice.amountDue.text),
                "paymentMethod": "PIX", "externalRef": .string(UUID().uuidString),
            ])
        #expect(paid.status == 201)
        let skipped = try #require(try await emails(fixture, type: "PAYMENT_RECEIVED").first)
        #expect(skipped["attributes"]?["status"] == "SKIPPED" && skipped["attributes"]?["detail"] == "the account opted out of PAYMENT_RECEIVED")
        #expect(try smtp.messages().filter { $0.rcptTos.contains(cto) }.count == 1, "only the invoice reached the contacts")
        let unknown = try await fixture.client.get(
            "/api/v1/billing-accounts/\(UUID().uuidString.lowercased())/email-notifications", token: fixture.token)
        #expect(unknown.status == 404, "\(unknown.text.prefix(300))")
    }

    @Test(
        """
        a 2-day trial's reminder (billing.subscription.trial_will_end, due at once for a trial of 3 days or less) e-mails the account \
        "Seu período de teste termina em <date>" with the price after it
        """
    )
    func trialEnding() async throws {
        let (smtp, running) = try await ProviderRailCluster.shared.mail()
        let address = "trial-\(UUID().uuidString.prefix(8).lowercased())@cliente.example"
        let fixture = try await SubscriptionFixture.make(running, plan: [("trialDays", 2)])
        #expect(try await patchAccount(fixture, ["email": .string(address)]).status == 200)
        let subscribed = try await fixture.subscribe()
        #expect(subscribed.status == 201 && subscribed.attribute("status") == "TRIAL", "\(subscribed.text.prefix(300))")
        let record = try #require(try await emails(fixture, type: "TRIAL_ENDING").first)
        #expect(record["attributes"]?["status"] == "SENT" && record["attributes"]?["eventType"] == "billing.subscription.trial_will_end")
        let mail = try await received(smtp, record)
        #expect(mail.rcptTos == [address] && mail.subject?.hasPrefix("Seu período de teste termina em ") == true, "\(mail.subject ?? "")")
        #expect(mail.text?.contains("R$ 299,90 por período") == true, "\(mail.text ?? "")")
    }

    @Test("a recipient the SMTP server refuses (550) fails the e-mail for good, naming the refusal; it is not retried")
    func refusedRecipientFails() async throws {
        let fixture = try await fixture(email: ProviderRailCluster.refusedRecipient)
        _ = try await finalizedInvoice(fixture)
        let record = try #require(try await emails(fixture, type: "INVOICE_ISSUED").first)
        #expect(record["attributes"]?["status"] == "FAILED" && record["attributes"]?["attempts"] == 1, "\(record)")
        #expect(record["attributes"]?["detail"]?.stringValue?.contains("550") == true, "\(record)")
    }

    @Test(
        """
        an endpoint whose every delivery fails for BILLING_NOTIFICATIONS_DISABLE_AFTER (3 s here) is disabled: \
        billing.webhook_endpoint.disabled is in the audit trail, reaches the tenant's other endpoint signed, and the tenant's \
        contact (PUT /notification-settings) is e-mailed in English
        """
    )
    func failingEndpointDisabled() async throws {
        let (smtp, running) = try await ProviderRailCluster.shared.mail()
        let tenant = newTenant("hooks")
        let token = try running.tokens.token(tenant: tenant, roles: ["owner"])
        let contact = "dev-\(UUID().uuidString.prefix(8).lowercased())@tenant.example"
        let refused = try await running.client.send(
            "PUT", "/api/v1/notification-settings", token: token, json: resource("notification-settings", ["contactEmail": "nope"]))
        #expect(refused.status == 422 && refused.firstError?["source"]?["pointer"] == "/data/attributes/contactEmail", "\(refused.text.prefix(300))")
        let saved = try await running.client.send(
            "PUT", "/api/v1/notification-settings", token: token,
            json: resource("notification-settings", ["contactEmail": .string(contact), "locale": "en"]))
        #expect(saved.status == 200 && saved.attribute("contactEmail")?.stringValue == contact, "\(saved.text.prefix(300))")

        let failing = try await StandInWebhookReceiver.start(), healthy = try await StandInWebhookReceiver.start()
        defer {
            Task {
                await failing.stop()
                await healthy.stop()
            }
        }
        failing.setStatus(500)
        let broken = try await create(
            running.client, "/api/v1/webhook-endpoints", "webhook-endpoints", ["url": .string(failing.url + "/hook")], token: token)
        _ = try await create(
            running.client, "/api/v1/webhook-endpoints", "webhook-endpoints",
            ["url": .string(healthy.url + "/hook"), "eventTypes": ["billing.webhook_endpoint.disabled"]], token: token)
        #expect(try await running.client.post("/api/v1/webhook-endpoints/\(broken)/test", token: token).status == 202)

        #expect(
            try await waitFor(timeout: .seconds(60)) {
                try await running.client.get("/api/v1/webhook-endpoints/\(broken)", token: token).attribute("enabled") == false
            })
        let endpoint = try await running.client.get("/api/v1/webhook-endpoints/\(broken)", token: token)
        #expect(endpoint.attribute("disabledReason")?.stringValue?.hasPrefix("every delivery failed since") == true, "\(endpoint.text.prefix(300))")
        // The first failure starts the clock; a later one, 3 s on, disables: how many retries fit in between depends on load.
        #expect(failing.deliveries().count >= 2)
        #expect(try await waitFor(timeout: .seconds(30)) { !healthy.deliveries().isEmpty })
        let delivered = try #require(healthy.deliveries().first)
        let envelope = try JSONParser.parse(delivered.body)
        #expect(envelope["type"] == "billing.webhook_endpoint.disabled" && envelope["data"]?["endpoint"]?["id"]?.stringValue == broken)
        #expect([nil, .null].contains(envelope["data"]?["endpoint"]?["secret"]), "never the secret")
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                let trail = try await running.client.get(
                    "/api/v1/billing-events?filter%5Btype%5D=billing.webhook_endpoint.disabled", token: token)
                return trail.data?.arrayValue?.count == 1
            })
        var mail: SMTPSink.ReceivedMail?
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                mail = try smtp.messages().first { $0.rcptTos == [contact] }
                return mail != nil
            })
        #expect(mail?.subject == "Webhook endpoint disabled: \(failing.url)/hook", "\(mail?.subject ?? "")")
        #expect(mail?.text?.contains("PATCH /api/v1/webhook-endpoints/\(broken)") == true)
    }
}
