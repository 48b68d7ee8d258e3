import BillingCore
import BillingTesting
import Foundation
import Testing

@Suite("Cards through Stripe (stand-in over TLS, webhooks signed, real processes)", .serialized, .timeLimit(.minutes(8)))
struct StripeEndToEndTests {
    /// A tenant with an account and a credit package of 500 credits for 49.90.
    struct Shop {
        let client: HTTPTestClient
        let token: String
        let tenant: String
        let account: String
        let package: String

        static func open(_ running: TestCluster.Running) async throws -> Shop {
            let tenant = newTenant("card")
            let token = try running.tokens.token(tenant: tenant, roles: ["owner"])
            let account = try await create(
                running.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: token)
            let code = uniqueCode("card")
            _ = try await create(
                running.client, "/api/v1/credit-packages", "credit-packages",
                ["code": .string(code), "name": "Start", "credits": 500, "price": .number("49.90"), "currency": "BRL"], token: token)
            return Shop(client: running.client, token: token, tenant: tenant, account: account, package: code)
        }

        func checkout(card: String) async throws -> HTTPTestResponse {
            try await client.post(
                "/api/v1/checkouts", token: token,
                json: resource(
                    "checkouts",
                    [
                        "billingAccountId": .string(account), "paymentMethod": "CARD", "cardToken": .string(card),
                        "items": [["type": "CREDIT_PACKAGE", "packageCode": .string(package)]],
                    ]))
        }

        func payments(invoice: String) async throws -> [JSONValue] {
            try await client.get("/api/v1/payments?filter%5BinvoiceId%5D=\(invoice)", token: token).data?.arrayValue ?? []
        }

        func purchased() async throws -> DecimalNumber? {
            try await client.get("/api/v1/credit-wallets/\(account)", token: token).attribute("purchasedRemaining")?.decimalValue
        }
    }

    @Test(
        """
        a card checkout that needs 3-D Secure answers REQUIRES_ACTION with the URL and a PROCESSING payment; the customer finishes, \
        Stripe's signed webhook (delivered 3 times) completes that payment once, the invoice is PAID and the credits granted once; \
        a refund goes through Stripe's Refunds API named by our refund and settles REFUNDED
        """
    )
    func threeDSecureCheckout() async throws {
        let started = try await ProviderRailCluster.shared.start()
        let (stripe, running) = (started.stripe, started.running)
        let shop = try await Shop.open(running)
        let checkout = try await shop.checkout(card: "pm_card_authenticationRequired")
        #expect(checkout.status == 201 && checkout.attribute("cardStatus") == "REQUIRES_ACTION", "\(checkout.text.prefix(500))")
        let invoice = try #require(checkout.attribute("invoice")?["id"]?.stringValue)
        let payment = try #require(checkout.attribute("payment"))
        let intentID = try #require(payment["externalRef"]?.stringValue)
        #expect(payment["status"] == "PROCESSING")
        #expect(payment["nextActionUrl"]?.stringValue == stripe.baseURL + "/3ds/\(intentID)", "\(payment)")
        let intent = try #require(stripe.paymentIntent(intentID))
        #expect(intent.amount == 4990 && intent.currency == "brl" && !intent.offSession && intent.status == "requires_action")
        #expect(intent.metadata["billing_tenant"] == shop.tenant && intent.metadata["billing_invoice"] == invoice)
        let creation = try #require(stripe.requests().last { $0.path == "/v1/payment_intents" && $0.form["metadata[billing_invoice]"] == invoice })
        #expect(creation.idempotencyKey == "billing-pi-\(invoice)" && creation.authorization == "Bearer \(stripe.secretKey)")
        #expect(creation.form["return_url"] == "https://shop.example/billing/return" && creation.form["confirm"] == "true")

        try await stripe.completeAuthentication(of: intentID)
        let succeeded = try #require(stripe.events().last { $0.paymentIntent == intentID && $0.type == "payment_intent.succeeded" })
        #expect(await stripe.redeliver(eventID: succeeded.id, times: 2) == [200, 200])
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                try await shop.client.get("/api/v1/invoices/\(invoice)", token: shop.token).attribute("status") == "PAID"
            })
        let recorded = try await shop.payments(invoice: invoice)
        #expect(recorded.count == 1, "\(recorded)")
        #expect(
            recorded.first?["id"] == payment["id"] && recorded.first?["attributes"]?["status"] == "COMPLETED"
                && recorded.first?["attributes"]?["externalRef"]?.stringValue == intentID)
        #expect(try await waitFor(timeout: .seconds(60)) { try await shop.purchased() == DecimalNumber(500) })

        // Part of it back: the credits it bought are unspent, so 10.00 back takes back its share; Stripe settles the refund.
        let paymentID = try #require(payment["id"]?.stringValue)
        let refund = try await shop.client.post(
            "/api/v1/payments/\(paymentID)/refunds", token: shop.token, json: resource("refunds", ["amount": .number("10.00")]))
        #expect(refund.status == 201 && refund.attribute("settlement") == "REFUNDED", "\(refund.text.prefix(400))")
        let refundID = try #require(refund.data?["id"]?.stringValue).replacingOccurrences(of: "-", with: "").lowercased()
        let atStripe = stripe.refunds().filter { $0.paymentIntent == intentID }
        #expect(atStripe.count == 1 && atStripe.first?.amount == 1000 && atStripe.first?.metadata["billing_refund"] == refundID, "\(atStripe)")
        // This refund's request (other tests refund at the same stand-in meanwhile), named by our refund.
        let request = stripe.requests().last {
            $0.path == "/v1/refunds" && $0.method == "POST" && $0.form["metadata[billing_refund]"] == refundID
        }
        #expect(request?.idempotencyKey == "billing-re-\(refundID)", "\(String(describing: request))")
    }

    @Test(
        """
        an approved card checkout is recorded once with the PaymentIntent as its reference, whichever comes first, the answer or the \
        webhook; a declined one is a FAILED payment naming Stripe's decline code; a card Stripe does not know is a 422 naming cardToken; \
        a 3-D Secure the customer fails fails its payment; a webhook with a wrong signature is 401
        """
    )
    func approvedDeclinedAndFailedAuthentication() async throws {
        let started = try await ProviderRailCluster.shared.start()
        let (stripe, running) = (started.stripe, started.running)
        let shop = try await Shop.open(running)

        let approved = try await shop.checkout(card: "pm_card_visa")
        #expect(approved.status == 201 && approved.attribute("cardStatus") == "APPROVED", "\(approved.text.prefix(400))")
        let paid = try #require(approved.attribute("invoice")?["id"]?.stringValue)
        let intent = try #require(approved.attribute("payment")?["externalRef"]?.stringValue)
        #expect(intent.hasPrefix("pi_"))
        // The webhook for the same charge arrives too: still one payment.
        let event = try #require(stripe.events().last { $0.paymentIntent == intent })
        #expect(await stripe.redeliver(eventID: event.id, times: 1) == [200])
        #expect(try await shop.payments(invoice: paid).count == 1)

        let declined = try await shop.checkout(card: "pm_card_chargeDeclinedInsufficientFunds")
        #expect(declined.status == 201 && declined.attribute("cardStatus") == "DECLINED", "\(declined.text.prefix(400))")
        #expect(declined.attribute("declineReason") == "insufficient_funds")
        let unpaid = try #require(declined.attribute("invoice")?["id"]?.stringValue)
        let failed = try await shop.payments(invoice: unpaid)
        #expect(failed.count == 1 && failed.first?["attributes"]?["status"] == "FAILED", "\(failed)")

        let unknown = try await shop.checkout(card: "pm_card_doesNotExist")
        #expect(unknown.status == 422 && unknown.firstError?["source"]?["pointer"] == "/data/attributes/cardToken", "\(unknown.text.prefix(300))")
        let notAMethod = try await shop.checkout(card: "tok_visa")
        #expect(notAMethod.status == 422 && notAMethod.firstError?["source"]?["pointer"] == "/data/attributes/cardToken")

        let authenticating = try await shop.checkout(card: "pm_card_authenticationRequired")
        let waiting = try #require(authenticating.attribute("payment")?["externalRef"]?.stringValue)
        let abandoned = try #require(authenticating.attribute("invoice")?["id"]?.stringValue)
        try await stripe.completeAuthentication(of: waiting, succeed: false)
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                try await shop.payments(invoice: abandoned).first?["attributes"]?["status"] == "FAILED"
            })
        let reason = try await shop.payments(invoice: abandoned).first?["attributes"]?["failureReason"]?.stringValue
        #expect(reason == "payment_intent_authentication_failure", "\(String(describing: reason))")
        #expect(try await shop.client.get("/api/v1/invoices/\(abandoned)", token: shop.token).attribute("status") == "PENDING")

        let body = Data(#"{"id":"evt_forged","type":"payment_intent.succeeded","data":{"object":{"object":"payment_intent","id":"pi_x"}}}"#.utf8)
        let forged = try await running.client.send(
            "POST", "/api/v1/webhooks/stripe", rawBody: body,
            headers: ["Stripe-Signature": "t=\(Int(Date().timeIntervalSince1970)),v1=\(String(repeating: "0", count: 64))"])
        #expect(forged.status == 401 && forged.firstError?["code"] == "SIGNATURE_MISMATCH", "\(forged.text.prefix(300))")
        let unsigned = try await running.client.send("POST", "/api/v1/webhooks/stripe", rawBody: body)
        #expect(unsigned.status == 401 && unsigned.firstError?["code"] == "SIGNATURE_MISSING")
    }

    @Test(
        """
        a card saved through Stripe (a Customer and an off-session SetupIntent) pays renewals off session: declined on every attempt \
        (each its own Idempotency-Key), retried on the tenant's schedule, then the invoice waits; a good card saved later joins the same \
        Stripe customer; another account's first invoice is paid off session at once
        """
    )
    func savedCardRenewals() async throws {
        let started = try await ProviderRailCluster.shared.start()
        let (stripe, running) = (started.stripe, started.running)
        let fixture = try await SubscriptionFixture.make(running, plan: [("trialDays", 0), ("basePrice", .number("100.00"))])
        let settings = try await fixture.client.send(
            "PUT", "/api/v1/invoice-settings", token: fixture.token,
            json: resource("invoice-settings", ["autoFinalize": true, "netTermsDays": 7, "cardRetrySchedule": "1s,1s"]))
        #expect(settings.status == 200, "\(settings.text.prefix(300))")
        func saveCard(_ token: String) async throws -> HTTPTestResponse {
            try await fixture.post("/api/v1/billing-accounts/\(fixture.account)/payment-methods", "payment-methods", ["cardToken": .string(token)])
        }
        let refused = try await saveCard("pm_card_chargeDeclined")
        #expect(refused.status == 422 && refused.firstError?["source"]?["pointer"] == "/data/attributes/cardToken", "\(refused.text.prefix(300))")
        #expect(try await saveCard("pm_card_chargeCustomerFail").status == 201)
        let customers = Set(
            stripe.requests().filter { $0.path == "/v1/setup_intents" && $0.form["metadata[billing_account]"] == fixture.account }
                .compactMap { $0.form["customer"] })
        #expect(customers.count == 1, "one Stripe customer for the account, reused: \(customers)")

        #expect(try await fixture.subscribe().status == 201)
        var current: JSONValue?
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                current = try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token)
                    .data?.arrayValue?.first?["attributes"]
                return current?["paymentAttempts"] == 3
            }, "\(String(describing: current))")
        #expect(current?["status"] == "PENDING" && current?["nextPaymentAttempt"]?.stringValue == nil)
        let invoice = try #require(
            try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token)
                .data?.arrayValue?.first?["id"]?.stringValue)
        let attempts = stripe.requests().filter { $0.path == "/v1/payment_intents" && $0.form["metadata[billing_invoice]"] == invoice }
        #expect(attempts.map(\.idempotencyKey) == (1...3).map { "billing-pi-\(invoice)-\($0)" }, "\(attempts.map(\.idempotencyKey))")
        #expect(attempts.allSatisfy { $0.form["off_session"] == "true" && $0.form["customer"] == customers.first })

        #expect(try await saveCard("pm_card_visa").status == 201)
        let saved = stripe.requests().last { $0.path == "/v1/setup_intents" && $0.form["payment_method"] == "pm_card_visa" }
        #expect(saved?.form["customer"] == customers.first && saved?.form["usage"] == "off_session")

        // Another account with a good card: its first invoice is paid off session at once.
        let other = try await create(
            fixture.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: fixture.token)
        let good = try await fixture.post("/api/v1/billing-accounts/\(other)/payment-methods", "payment-methods", ["cardToken": "pm_card_visa"])
        #expect(good.status == 201, "\(good.text.prefix(300))")
        #expect(
            try await fixture.post("/api/v1/subscriptions", "subscriptions", ["billingAccountId": .string(other), "planId": .string(fixture.plan)])
                .status == 201)
        var paid: JSONValue?
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                paid = try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(other)", token: fixture.token)
                    .data?.arrayValue?.first?["attributes"]
                return paid?["status"] == "PAID"
            }, "\(String(describing: paid))")
        let payments = try await fixture.client.get("/api/v1/payments?filter%5BbillingAccountId%5D=\(other)", token: fixture.token).data?.arrayValue
        #expect(
            payments?.count == 1 && payments?.first?["attributes"]?["externalRef"]?.stringValue?.hasPrefix("pi_") == true,
            "\(String(describing: payments))")
        let charged = try #require(payments?.first?["attributes"]?["externalRef"]?.stringValue).flatMap { stripe.paymentIntent($0) }
        #expect(charged?.offSession == true && charged?.status == "succeeded" && charged?.amount == 10000)
    }

    @Test(
        """
        a 3-D Secure charge whose webhook never comes is read back from Stripe and recorded once; refunds Stripe holds pending show \
        PROCESSING in GET /payments/{id}/refunds until its webhook settles them: REFUNDED (charge.refunded) or NOT_DONE (refund.failed: \
        refundable again, billing.payment.refund_failed)
        """
    )
    func lostWebhookAndPendingRefunds() async throws {
        let started = try await ProviderRailCluster.shared.start()
        let (stripe, running) = (started.stripe, started.running)
        let shop = try await Shop.open(running)
        let checkout = try await shop.checkout(card: "pm_card_authenticationRequired")
        let invoice = try #require(checkout.attribute("invoice")?["id"]?.stringValue, "\(checkout.text.prefix(300))")
        let intentID = try #require(checkout.attribute("payment")?["externalRef"]?.stringValue)
        stripe.setAutomaticDelivery(false)
        try await stripe.completeAuthentication(of: intentID)
        stripe.setAutomaticDelivery(true)
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                try await shop.client.get("/api/v1/invoices/\(invoice)", token: shop.token).attribute("status") == "PAID"
            }, "the job read the PaymentIntent back")
        let recorded = try await shop.payments(invoice: invoice)
        #expect(recorded.count == 1 && recorded.first?["attributes"]?["status"] == "COMPLETED", "\(recorded)")
        let paymentID = try #require(recorded.first?["id"]?.stringValue)

        stripe.holdRefunds(of: intentID)
        func refund(_ amount: String) async throws -> HTTPTestResponse {
            try await shop.client.post(
                "/api/v1/payments/\(paymentID)/refunds", token: shop.token,
                json: resource("refunds", ["amount": .number(DecimalNumber(amount)!), "leaveWalletInDebt": true]))
        }
        let first = try await refund("5.00")
        #expect(first.status == 201 && first.attribute("settlement") == "PROCESSING", "\(first.text.prefix(400))")
        func settlements() async throws -> [String] {
            try await shop.client.get("/api/v1/payments/\(paymentID)/refunds", token: shop.token).data?.arrayValue?
                .compactMap { $0["attributes"]?["settlement"]?.stringValue } ?? []
        }
        #expect(try await settlements() == ["PROCESSING"])
        await stripe.settlePendingRefunds(of: intentID, status: "succeeded")
        var seen: [String] = []
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                seen = try await settlements()
                return seen == ["REFUNDED"]
            }, "\(seen)")

        let second = try await refund("7.00")
        #expect(second.status == 201 && second.attribute("settlement") == "PROCESSING", "\(second.text.prefix(400))")
        await stripe.settlePendingRefunds(of: intentID, status: "failed")
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                seen = try await settlements()
                return seen == ["REFUNDED", "NOT_DONE"]
            }, "\(seen)")
        let listed = try await shop.client.get("/api/v1/payments/\(paymentID)/refunds", token: shop.token).data?.arrayValue
        #expect(listed?.last?["attributes"]?["settlementReason"]?.stringValue?.isEmpty == false, "\(String(describing: listed))")
        // The 7.00 Stripe did not return is refundable again, and the tenant is told.
        let after = try await shop.client.get("/api/v1/payments/\(paymentID)", token: shop.token)
        #expect(
            after.attribute("refunded")?.decimalValue == DecimalNumber("5.00") && after.attribute("status") == "COMPLETED",
            "\(after.text.prefix(300))")
        var failures: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                failures = try await auditEvents(shop.client, token: shop.token, type: "billing.payment.refund_failed")
                return failures.count == 1
            }, "\(failures)")
        #expect(failures.first?["attributes"]?["data"]?["amount"]?["amount"]?.decimalValue == DecimalNumber("7.00"), "\(failures)")
        #expect(try await shop.client.get("/api/v1/payments/\(UUIDv7.generate().text)/refunds", token: shop.token).status == 404)
    }
}
