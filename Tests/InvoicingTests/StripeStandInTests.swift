import AsyncHTTPClient
import BillingCore
import BillingTesting
import Crypto
import Foundation
import NIOCore
import NIOSSL
import Testing

/// The Stripe stand-in through a plain HTTPS client (AsyncHTTPClient trusting the stand-in's CA), as Stripe's documentation
/// describes the API.
@Suite("The Stripe API stand-in")
struct StripeStandInTests {
    @Test("a request without the secret key, or with another, is 401; the key as Bearer or as HTTP Basic user is accepted")
    func authentication() async throws {
        try await withStripe { stripe, api in
            let none = try await api.send("GET", "/v1/payment_intents/pi_unknown", key: nil)
            #expect(none.status == 401 && none.json["error"]?["type"] == "invalid_request_error")
            let wrong = try await api.send("GET", "/v1/payment_intents/pi_unknown", key: "sk_test_other_0000000000")
            #expect(wrong.status == 401 && wrong.json["error"]?["message"]?.stringValue?.hasPrefix("Invalid API Key provided: ") == true)
            let basic = "Basic " + Data("\(stripe.secretKey):".utf8).base64EncodedString()
            let known = try await api.send("GET", "/v1/payment_intents/pi_unknown", key: nil, headers: [("Authorization", basic)])
            #expect(known.status == 404 && known.json["error"]?["code"] == "resource_missing")
            let unknownPath = try await api.send("GET", "/v1/charges")
            #expect(unknownPath.status == 404 && unknownPath.json["error"]?["message"]?.stringValue?.hasPrefix("Unrecognized request URL") == true)
        }
    }

    @Test("a JSON body is refused with 400 and creates nothing")
    func jsonBody() async throws {
        try await withStripe { stripe, api in
            let answer = try await api.send(
                "POST", "/v1/payment_intents", body: #"{"amount":1000,"currency":"usd"}"#, headers: [("Content-Type", "application/json")])
            #expect(answer.status == 400 && answer.json["error"]?["type"] == "invalid_request_error")
            #expect(stripe.paymentIntents().isEmpty && stripe.requests().count == 1)
        }
    }

    @Test("an approved PaymentIntent is answered again, byte for byte, for its Idempotency-Key; other parameters with the key are refused")
    func idempotency() async throws {
        try await withStripe { stripe, api in
            let form = Self.payment(method: "pm_card_visa") + [("metadata[billing_tenant]", "tenant 1/a")]
            let first = try await api.send("POST", "/v1/payment_intents", form: form, idempotencyKey: "invoice-1-attempt-1")
            #expect(first.status == 200 && first.json["status"] == "succeeded" && first.json["amount_received"] == 1500)
            let id = try #require(first.json["id"]?.stringValue)
            #expect(id.hasPrefix("pi_") && id.count == 27 && first.json["latest_charge"]?.stringValue?.hasPrefix("ch_") == true)
            #expect(first.json["metadata"]?["billing_tenant"] == "tenant 1/a" && first.header("Idempotent-Replayed") == nil)

            let replay = try await api.send("POST", "/v1/payment_intents", form: form, idempotencyKey: "invoice-1-attempt-1")
            #expect(replay.status == 200 && replay.body == first.body && replay.header("Idempotent-Replayed") == "true")
            #expect(stripe.paymentIntents().map(\.id) == [id] && stripe.events().map(\.type) == ["payment_intent.succeeded"])

            let other = Self.payment(method: "pm_card_visa", amount: 1600)
            let refused = try await api.send("POST", "/v1/payment_intents", form: other, idempotencyKey: "invoice-1-attempt-1")
            #expect(refused.status == 400 && refused.json["error"]?["type"] == "idempotency_error")

            let request = try #require(stripe.requests().first)
            #expect(request.form["metadata[billing_tenant]"] == "tenant 1/a" && request.idempotencyKey == "invoice-1-attempt-1")
            #expect(request.contentType == "application/x-www-form-urlencoded" && request.path == "/v1/payment_intents")
            let intent = try #require(stripe.paymentIntent(id))
            #expect(intent.status == "succeeded" && intent.amount == 1500 && intent.metadata == ["billing_tenant": "tenant 1/a"])
        }
    }

    @Test(
        "a declined card is a 402 card_error with its decline code and the intent, back in requires_payment_method",
        arguments: [("pm_card_chargeDeclined", "generic_decline"), ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds")])
    func declined(method: String, declineCode: String) async throws {
        try await withStripe { stripe, api in
            let answer = try await api.send("POST", "/v1/payment_intents", form: Self.payment(method: method), idempotencyKey: "decline-1")
            let error = try #require(answer.json["error"])
            #expect(answer.status == 402 && error["type"] == "card_error" && error["code"] == "card_declined")
            #expect(error["decline_code"]?.stringValue == declineCode)
            let intent = try #require(error["payment_intent"])
            #expect(intent["status"] == "requires_payment_method" && intent["last_payment_error"]?["decline_code"]?.stringValue == declineCode)
            #expect(stripe.paymentIntents().map(\.status) == ["requires_payment_method"])
            #expect(stripe.events().map(\.type) == ["payment_intent.payment_failed"])
        }
    }

    @Test("3-D Secure: requires_action with the redirect URL; the customer authenticates (succeeded) or fails (requires_payment_method)")
    func authenticationOnSession() async throws {
        try await withStripe { stripe, api in
            let form = Self.payment(method: "pm_card_authenticationRequired") + [("return_url", "https://billing.example/return")]
            let answer = try await api.send("POST", "/v1/payment_intents", form: form)
            let id = try #require(answer.json["id"]?.stringValue)
            #expect(answer.status == 200 && answer.json["status"] == "requires_action" && stripe.events().isEmpty)
            let redirect = try #require(answer.json["next_action"]?["redirect_to_url"])
            #expect(redirect["url"]?.stringValue == "\(stripe.baseURL)/3ds/\(id)" && redirect["return_url"] == "https://billing.example/return")
            let page = try await api.send("GET", "/3ds/\(id)", key: nil)
            #expect(page.status == 200 && page.header("Content-Type")?.hasPrefix("text/html") == true)

            try await stripe.completeAuthentication(of: id)
            let read = try await api.send("GET", "/v1/payment_intents/\(id)")
            #expect(read.json["status"] == "succeeded" && read.json["next_action"] == JSONValue.null && stripe.paymentIntent(id)?.latestCharge != nil)
            await #expect(throws: PixStandInError.self) { try await stripe.completeAuthentication(of: id) }

            let second = try await api.send("POST", "/v1/payment_intents", form: Self.payment(method: "pm_card_authenticationRequired"))
            #expect(second.json["next_action"]?["type"] == "use_stripe_sdk")
            let secondID = try #require(second.json["id"]?.stringValue)
            try await stripe.completeAuthentication(of: secondID, succeed: false)
            let failed = try await api.send("GET", "/v1/payment_intents/\(secondID)")
            #expect(failed.json["status"] == "requires_payment_method")
            #expect(failed.json["last_payment_error"]?["code"] == "payment_intent_authentication_failure")
            #expect(stripe.events().map(\.type) == ["payment_intent.succeeded", "payment_intent.payment_failed"])
        }
    }

    @Test("off session, a saved card that needs authentication is declined with authentication_required")
    func authenticationOffSession() async throws {
        try await withStripe { stripe, api in
            let customer = try await api.send("POST", "/v1/customers", form: [("email", "ana@example.com"), ("metadata[billing_account]", "a1")])
            let customerID = try #require(customer.json["id"]?.stringValue)
            #expect(customer.status == 200 && customer.json["object"] == "customer" && stripe.customers() == [customerID])
            let setup = try await api.send(
                "POST", "/v1/setup_intents",
                form: [("customer", customerID), ("payment_method", "pm_card_authenticationRequired"), ("confirm", "true")])
            #expect(setup.status == 200 && setup.json["status"] == "requires_action" && setup.json["usage"] == "off_session")
            try await stripe.completeAuthentication(of: try #require(setup.json["id"]?.stringValue))

            let form = Self.payment(method: "pm_card_authenticationRequired") + [("customer", customerID), ("off_session", "true")]
            let answer = try await api.send("POST", "/v1/payment_intents", form: form)
            #expect(answer.status == 402 && answer.json["error"]?["code"] == "authentication_required")
            #expect(answer.json["error"]?["decline_code"] == "authentication_required")
            #expect(answer.json["error"]?["payment_intent"]?["status"] == "requires_payment_method")
            #expect(stripe.paymentIntents().first?.offSession == true && stripe.events().map(\.type) == ["payment_intent.payment_failed"])

            let unattached = Self.payment(method: "pm_card_visa") + [("customer", customerID), ("off_session", "true")]
            #expect(try await api.send("POST", "/v1/payment_intents", form: unattached).status == 400)
        }
    }

    @Test("a refund in part, then the rest; more than is left, or anything once all is refunded, is refused")
    func refunds() async throws {
        try await withStripe { stripe, api in
            let payment = try await api.send("POST", "/v1/payment_intents", form: Self.payment(method: "pm_card_visa", amount: 1000))
            let id = try #require(payment.json["id"]?.stringValue)
            let part = try await api.send("POST", "/v1/refunds", form: [("payment_intent", id), ("amount", "300"), ("metadata[reason]", "x")])
            #expect(part.status == 200 && part.json["status"] == "succeeded" && part.json["amount"] == 300 && part.json["charge"] != nil)
            let tooMuch = try await api.send("POST", "/v1/refunds", form: [("payment_intent", id), ("amount", "800")])
            #expect(tooMuch.status == 400)
            #expect(tooMuch.json["error"]?["message"] == "Refund amount ($8.00) is greater than unrefunded amount on charge ($7.00)")
            let rest = try await api.send("POST", "/v1/refunds", form: [("payment_intent", id), ("reason", "requested_by_customer")])
            #expect(rest.status == 200 && rest.json["amount"] == 700)
            let again = try await api.send("POST", "/v1/refunds", form: [("payment_intent", id)])
            #expect(again.status == 400 && again.json["error"]?["code"] == "charge_already_refunded")

            #expect(stripe.paymentIntent(id)?.amountRefunded == 1000 && stripe.refunds().map(\.amount) == [300, 700])
            let list = try await api.send("GET", "/v1/refunds?payment_intent=\(id)")
            #expect(list.json["object"] == "list" && list.json["data"]?.arrayValue?.count == 2)
            let refundID = try #require(part.json["id"]?.stringValue)
            #expect(try await api.send("GET", "/v1/refunds/\(refundID)").json["metadata"]?["reason"] == "x")
            #expect(stripe.events().map(\.type) == ["payment_intent.succeeded", "charge.refunded", "charge.refunded"])
        }
    }

    @Test("events reach the endpoint signed, in order, once each; they can be redelivered; none while delivery is off")
    func webhooks() async throws {
        let receiver = try await StandInWebhookReceiver.start()
        do { try await webhooks(to: receiver) } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    func webhooks(to receiver: StandInWebhookReceiver) async throws {
        try await withStripe { stripe, api in
            stripe.setWebhookEndpoint(receiver.url + "/webhooks/stripe")
            let payment = try await api.send("POST", "/v1/payment_intents", form: Self.payment(method: "pm_card_visa"), idempotencyKey: "k1")
            let id = try #require(payment.json["id"]?.stringValue)
            try await Self.eventually { receiver.deliveries().count == 1 }
            stripe.holdRefunds(of: id)
            let refund = try await api.send("POST", "/v1/refunds", form: [("payment_intent", id), ("amount", "500")])
            #expect(refund.json["status"] == "pending" && stripe.refunds().map(\.status) == ["pending"])
            await stripe.settlePendingRefunds(of: id, status: "failed")
            #expect(receiver.deliveries().count == 2 && stripe.refunds().map(\.status) == ["failed"])

            let deliveries = receiver.deliveries()
            for delivery in deliveries {
                #expect(
                    delivery.method == "POST" && delivery.uri == "/webhooks/stripe"
                        && delivery.header("Content-Type")?.hasPrefix("application/json") == true)
                #expect(Self.verify(delivery.header("Stripe-Signature"), body: delivery.body, secret: stripe.webhookSecret))
                #expect(!Self.verify(delivery.header("Stripe-Signature"), body: delivery.body, secret: "whsec_other"))
            }
            let events = try deliveries.map { try JSONParser.parse($0.body) }
            #expect(events.map { $0["type"] } == ["payment_intent.succeeded", "refund.failed"])
            #expect(events[0]["data"]?["object"]?["id"]?.stringValue == id && events[0]["request"]?["idempotency_key"] == "k1")
            #expect(events[1]["data"]?["object"]?["failure_reason"] == "declined" && events[1]["api_version"] == "2024-06-20")
            #expect(stripe.webhookDeliveryStatuses() == [200, 200])

            receiver.setStatus(500)
            #expect(await stripe.redeliver(eventID: stripe.events()[0].id, times: 2) == [500, 500])
            #expect(receiver.deliveries().suffix(2).allSatisfy { $0.body == deliveries[0].body })

            stripe.setAutomaticDelivery(false)
            _ = try await api.send("POST", "/v1/payment_intents", form: Self.payment(method: "pm_card_chargeDeclined"))
            stripe.setAutomaticDelivery(true)
            _ = try await api.send("POST", "/v1/payment_intents", form: Self.payment(method: "pm_card_visa"))
            // The receiver records a delivery before the stand-in records its answer.
            try await Self.eventually { receiver.deliveries().count == 5 && stripe.webhookDeliveryStatuses().count == 5 }
            #expect(stripe.events().count == 4 && stripe.webhookDeliveryStatuses() == [200, 200, 500, 500, 500])
            #expect(try JSONParser.parse(receiver.deliveries()[4].body)["type"] == "payment_intent.succeeded")
        }
    }

    // MARK: - Helpers

    static func payment(method: String, amount: Int = 1500) -> [(String, String)] {
        [("amount", String(amount)), ("currency", "usd"), ("payment_method", method), ("confirm", "true")]
    }

    /// Stripe's check: `v1` is HMAC-SHA256 of `"<t>.<body>"` keyed with the whole secret, and `t` is within 5 minutes.
    static func verify(_ header: String?, body: [UInt8], secret: String) -> Bool {
        let fields = (header ?? "").split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
        guard let timestamp = fields.first(where: { $0.first == "t" })?.last, let seconds = Double(timestamp),
            abs(Date().timeIntervalSince1970 - seconds) <= 300
        else { return false }
        let key = SymmetricKey(data: Array(secret.utf8))
        let expected = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: key).map { String(format: "%02x", $0) }
        return fields.contains { $0.count == 2 && $0[0] == "v1" && $0[1] == expected.joined() }
    }

    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(25)) }
        #expect(condition(), "not within 5 s")
    }

    func withStripe(_ body: (StripeStandIn, API) async throws -> Void) async throws {
        let stripe = try await StripeStandIn.start()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(stripe.caFile)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
        do {
            try await body(stripe, API(http: http, baseURL: stripe.baseURL, secretKey: stripe.secretKey))
        } catch {
            try? await http.shutdown()
            await stripe.stop()
            throw error
        }
        try await http.shutdown()
        await stripe.stop()
    }
}

extension StripeStandInTests {
    /// Requests to the stand-in as a Stripe client sends them: the key as Bearer, parameters form-encoded.
    struct API {
        struct Answer {
            let status: Int
            let headers: [(String, String)]
            let body: [UInt8]
            var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
            func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        }

        let http: HTTPClient
        let baseURL: String
        let secretKey: String

        func send(
            _ method: String, _ path: String, form: [(String, String)] = [], body: String? = nil, key: String? = "", idempotencyKey: String? = nil,
            headers: [(String, String)] = []
        ) async throws -> Answer {
            var request = HTTPClientRequest(url: baseURL + path)
            request.method = .init(rawValue: method)
            if let key { request.headers.add(name: "Authorization", value: "Bearer \(key.isEmpty ? secretKey : key)") }
            if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            if method == "POST", body == nil {
                let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
                func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: form.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")))
            } else if let body {
                request.body = .bytes(ByteBuffer(string: body))
            }
            for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
            let response = try await http.execute(request, timeout: .seconds(15))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return Answer(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Array(bytes.readableBytesView))
        }
    }
}
