import AsyncHTTPClient
import BillingCore
import Foundation
import InvoicingContract
import NIOCore
import NIOHTTP1

/// Cards through Stripe's API: charges are PaymentIntents confirmed at creation (`off_session` for renewals and auto-recharge, a
/// `return_url` for 3-D Secure at checkout), cards are saved with a Customer and a SetupIntent, refunds go through the Refunds
/// API. Every POST carries an `Idempotency-Key` derived from our attempt, refund or saved card, so a transport failure, a 409, a
/// 429 or a 5xx is retried (twice, after 0.2 and 0.8 s) and is still one charge; GETs are retried the same way. Each
/// PaymentIntent carries `metadata[billing_tenant]`, `metadata[billing_invoice]` and `metadata[billing_reference]` (the attempt),
/// which is how its webhook finds the payment it decides.
public final class StripeCardProvider: CardProvider {
    public let name = "stripe"
    let configuration: StripeConfiguration
    private let http: ProviderHTTP

    public init(configuration: StripeConfiguration) throws {
        self.configuration = configuration
        http = ProviderHTTP(trustRootsFile: configuration.trustRootsFile, timeout: configuration.timeout)
    }

    public func shutdown() async throws { try await http.shutdown() }

    deinit { _ = http.client.shutdown() }

    // MARK: CardProvider

    public func charge(_ request: CardChargeRequest) async throws(InvoicingError) -> CardCharge {
        var form: [(String, String)] = [
            ("amount", String(request.amount.minorUnits)), ("currency", request.amount.currency.code.lowercased()), ("confirm", "true"),
            ("metadata[billing_tenant]", request.tenant), ("metadata[billing_reference]", request.reference),
        ]
        if let invoice = request.invoice { form += [("description", "Invoice \(invoice)"), ("metadata[billing_invoice]", invoice.description)] }
        if let saved = StripeSavedCard(request.token) {
            form += [("customer", saved.customer), ("payment_method", saved.paymentMethod)]
        } else {
            guard request.token.hasPrefix("pm_"), !request.offSession else { throw Self.notAPaymentMethod }
            form.append(("payment_method", request.token))
        }
        form.append(request.offSession ? ("off_session", "true") : ("return_url", configuration.returnURL))
        let answer = try await call(.POST, "/v1/payment_intents", form: form, idempotencyKey: "billing-pi-" + request.reference)
        switch answer.status {
        case 200:
            let intent = answer.json
            let id = intent?["id"]?.stringValue ?? ""
            switch intent?["status"]?.stringValue {
            case "succeeded": return CardCharge(approved: true, chargeId: id, declineReason: nil)
            case "requires_action", "processing", "requires_confirmation":
                let url = intent?["next_action"]?["redirect_to_url"]?["url"]?.stringValue
                return CardCharge(approved: false, chargeId: id, declineReason: nil, pending: true, actionURL: url)
            case let other:
                return CardCharge(approved: false, chargeId: id, declineReason: Self.failure(intent?["last_payment_error"]) ?? other ?? "declined")
            }
        case 402:
            // A card error: declined, or (off session) needing an authentication the customer is not there to give.
            let error = answer.json?["error"]
            return CardCharge(
                approved: false, chargeId: error?["payment_intent"]?["id"]?.stringValue ?? "", declineReason: Self.failure(error) ?? "card_declined")
        default:
            throw refusal(answer, field: "cardToken")
        }
    }

    public func save(token: String, existing: String?, account: AccountID, tenant: String, key: String) async throws(InvoicingError) -> String {
        guard token.hasPrefix("pm_") else { throw Self.notAPaymentMethod }
        let customer: String
        if let saved = existing.flatMap(StripeSavedCard.init) {
            customer = saved.customer
        } else {
            let created = try await call(
                .POST, "/v1/customers",
                form: [("metadata[billing_tenant]", tenant), ("metadata[billing_account]", account.description)],
                idempotencyKey: "billing-cus-\(tenant)-\(account)")
            guard created.status == 200, let id = created.json?["id"]?.stringValue else { throw refusal(created, field: "cardToken") }
            customer = id
        }
        let setup = try await call(
            .POST, "/v1/setup_intents",
            form: [
                ("customer", customer), ("payment_method", token), ("confirm", "true"), ("usage", "off_session"),
                ("return_url", configuration.returnURL), ("metadata[billing_tenant]", tenant), ("metadata[billing_account]", account.description),
            ], idempotencyKey: "billing-seti-\(key)")
        switch (setup.status, setup.json?["status"]?.stringValue) {
        case (200, "succeeded"):
            return StripeSavedCard(customer: customer, paymentMethod: token).text
        case (200, "requires_action"):
            let url = setup.json?["next_action"]?["redirect_to_url"]?["url"]?.stringValue ?? "Stripe.js (handleNextAction)"
            throw InvoicingError.conflict(
                "the card asks the customer to authenticate before it can be saved: finish at \(url), then save it again",
                reason: "CARD_AUTHENTICATION_REQUIRED", field: "cardToken")
        case (402, _):
            throw InvoicingError.invalid(
                "cardToken", "the card was declined: \(Self.failure(setup.json?["error"]) ?? "card_declined")", reason: "CARD_DECLINED")
        default:
            throw refusal(setup, field: "cardToken")
        }
    }

    public func holds(_ chargeId: String) -> Bool { Self.isPaymentIntent(chargeId) }

    public func state(of chargeId: String) async throws(InvoicingError) -> CardPaymentState? {
        guard Self.isPaymentIntent(chargeId) else { return nil }
        let answer = try await call(.GET, "/v1/payment_intents/\(chargeId)")
        guard answer.status == 200, let intent = answer.json else {
            if answer.status == 404 { return nil }
            throw refusal(answer, field: "id")
        }
        let currency = Currency(code: intent["currency"]?.stringValue?.uppercased() ?? "") ?? .brl
        let status: CardPaymentState.Status
        let amount: Int64
        switch intent["status"]?.stringValue {
        case "succeeded":
            status = .succeeded
            amount = Self.integer(intent["amount_received"]) ?? Self.integer(intent["amount"]) ?? 0
        case "canceled":
            (status, amount) = (.failed(reason: intent["cancellation_reason"]?.stringValue ?? "canceled"), Self.integer(intent["amount"]) ?? 0)
        case "requires_payment_method" where intent["last_payment_error"]?.objectValue != nil:
            (status, amount) = (.failed(reason: Self.failure(intent["last_payment_error"]) ?? "declined"), Self.integer(intent["amount"]) ?? 0)
        default:
            (status, amount) = (.pending, Self.integer(intent["amount"]) ?? 0)
        }
        let metadata = intent["metadata"]
        return CardPaymentState(
            chargeId: chargeId, status: status, amount: Money(minorUnits: amount, currency: currency),
            tenant: metadata?["billing_tenant"]?.stringValue, invoice: metadata?["billing_invoice"]?.stringValue.flatMap(InvoiceID.init),
            reference: metadata?["billing_reference"]?.stringValue)
    }

    /// The refund named `id` (in its metadata) if Stripe holds it, else a new one: asking again — from the refund itself or the job
    /// that follows it, even after the idempotency key has lapsed — is the same refund.
    public func refund(chargeId: String, id: String, amount: Money) async throws(InvoicingError) -> ProviderRefundStatus {
        if let existing = try await refund(named: id, of: chargeId) { return Self.refundStatus(existing) }
        let answer = try await call(
            .POST, "/v1/refunds",
            form: [("payment_intent", chargeId), ("amount", String(amount.minorUnits)), ("metadata[billing_refund]", id)],
            idempotencyKey: "billing-re-\(id)")
        guard answer.status == 200, let refund = answer.json else {
            throw InvoicingError.conflict(
                "Stripe refused the refund: \(Self.message(answer.json) ?? "HTTP \(answer.status)")", reason: "CARD_REFUND_REFUSED", field: "amount")
        }
        return Self.refundStatus(refund)
    }

    public func refundStatus(chargeId: String, id: String) async throws(InvoicingError) -> ProviderRefundStatus {
        guard let refund = try await refund(named: id, of: chargeId) else { return .processing }
        return Self.refundStatus(refund)
    }

    /// The charge's refund our refund `id` names in its metadata (`billing_refund`), when Stripe holds one.
    private func refund(named id: String, of chargeId: String) async throws(InvoicingError) -> JSONValue? {
        try await refunds(of: chargeId).first { $0["metadata"]?["billing_refund"]?.stringValue == id }
    }

    // MARK: Mapping

    static let notAPaymentMethod = InvoicingError.invalid(
        "cardToken", "cardToken must be a Stripe PaymentMethod id (pm_…) created by Stripe.js or Stripe Elements")

    static func isPaymentIntent(_ id: String) -> Bool { id.hasPrefix("pi_") && id.count <= 255 }

    private func refunds(of chargeId: String) async throws(InvoicingError) -> [JSONValue] {
        let answer = try await call(.GET, "/v1/refunds?payment_intent=\(chargeId)&limit=100")
        guard answer.status == 200 else { throw refusal(answer, field: "id") }
        return answer.json?["data"]?.arrayValue ?? []
    }

    /// `succeeded` → REFUNDED; `failed` or `canceled` → NOT_DONE with Stripe's reason; `pending` or `requires_action` → PROCESSING.
    static func refundStatus(_ refund: JSONValue) -> ProviderRefundStatus {
        switch refund["status"]?.stringValue {
        case "succeeded": return .refunded
        case "failed", "canceled": return .notDone(reason: refund["failure_reason"]?.stringValue ?? refund["status"]?.stringValue ?? "failed")
        default: return .processing
        }
    }

    /// A card error's reason: its decline code, else its code, else its message.
    static func failure(_ error: JSONValue?) -> String? {
        error?["decline_code"]?.stringValue ?? error?["code"]?.stringValue ?? error?["message"]?.stringValue
    }

    static func message(_ json: JSONValue?) -> String? { json?["error"]?["message"]?.stringValue.map { String($0.prefix(300)) } }

    static func integer(_ value: JSONValue?) -> Int64? { value?.decimalValue.flatMap { Int64($0.text) } }

    /// A 4xx Stripe refused: the field the customer gave when Stripe names the payment method, a conflict otherwise.
    private func refusal(_ answer: Answer, field: String) -> InvoicingError {
        let error = answer.json?["error"]
        let message = Self.message(answer.json) ?? "HTTP \(answer.status)"
        if answer.status == 401 { return .unavailable("Stripe refused the API key (BILLING_INVOICING_STRIPE_SECRET_KEY): \(message)") }
        if error?["param"]?.stringValue == "payment_method" || error?["code"]?.stringValue == "resource_missing" {
            return .invalid(field, "Stripe refused the card: \(message)")
        }
        return .conflict("Stripe answered \(answer.status): \(message)", reason: "CARD_PROVIDER_REFUSED")
    }

    // MARK: HTTP

    struct Answer {
        let status: Int
        let json: JSONValue?
    }

    /// One API call with the secret key; form-encoded. Transport failures, 409 (an idempotent request still running), 429 and
    /// 5xx are retried with the same idempotency key; any other answer is returned.
    private func call(
        _ method: HTTPMethod, _ path: String, form: [(String, String)]? = nil, idempotencyKey: String? = nil
    ) async throws(InvoicingError) -> Answer {
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: configuration.apiURL + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(configuration.secretKey)")
            if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: String(idempotencyKey.prefix(255))) }
            if let form {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: Self.encode(form)))
            }
            do {
                let (status, bytes) = try await http.send(request)
                if status != 409 && status != 429 && status < 500 {
                    return Answer(status: status, json: bytes.isEmpty ? nil : try? JSONParser.parse(bytes))
                }
                if attempt >= 3 {
                    throw InvoicingError.unavailable("Stripe answered \(status) to \(method.rawValue) \(path.prefix(60)), three times")
                }
            } catch let error as InvoicingError {
                throw error
            } catch {
                if attempt >= 3 { throw InvoicingError.unavailable("Stripe could not be reached (\(method.rawValue) \(path.prefix(60))): \(error)") }
            }
            await ProviderHTTP.backoff(after: attempt)
        }
    }

    /// `application/x-www-form-urlencoded`, Stripe's request encoding (`metadata[key]=value`).
    static func encode(_ form: [(String, String)]) -> String {
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
        return form.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }
}

/// A card saved at Stripe: its Customer and PaymentMethod, stored as the payment method's token `cus_…|pm_…`.
struct StripeSavedCard: Equatable {
    let customer: String
    let paymentMethod: String

    init(customer: String, paymentMethod: String) {
        self.customer = customer
        self.paymentMethod = paymentMethod
    }

    init?(_ token: String) {
        let parts = token.split(separator: "|").map(String.init)
        guard parts.count == 2, parts[0].hasPrefix("cus_"), parts[1].hasPrefix("pm_") else { return nil }
        (customer, paymentMethod) = (parts[0], parts[1])
    }

    var text: String { "\(customer)|\(paymentMethod)" }
}
