import BillingCore
import Foundation
import NIOHTTP1
import Synchronization

/// The Stripe stand-in's state and its HTTP API: authentication, form bodies and idempotency here, the resources in
/// `StripeStandInBackend+Payments.swift` and `+Refunds.swift`. Every request is answered at once under the lock; an answer comes
/// with the webhook deliveries of the events it caused, which the server starts once the answer is written.
final class StripeStandInBackend: Sendable {
    static let apiVersion = "2024-06-20"

    let secretKey: String
    let state = Mutex(State())

    /// An event to post to an endpoint.
    struct Delivery: Sendable {
        let eventID: String
        let url: String
    }

    /// The API request an event came from (the event's `request`); nil fields for events a test caused.
    struct Origin: Sendable {
        var requestID: String?
        var idempotencyKey: String?
    }

    /// The first answer to an idempotency key, and what it answered.
    struct SavedAnswer: Sendable {
        let path: String
        let form: [String: String]
        let response: PixStandInResponse
        let requestID: String
    }

    struct State: Sendable {
        /// `https://localhost:<port>`, set once the server listens (3-D Secure redirect URLs start with it).
        var baseURL = ""
        var requests: [StripeStandInRequest] = []
        var answers: [String: SavedAnswer] = [:]
        var customers: [Customer] = []
        var setupIntents: [SetupIntent] = []
        var paymentIntents: [PaymentIntent] = []
        var refunds: [Refund] = []
        var events: [Event] = []
        var heldRefunds: Set<String> = []
        var webhookEndpoint: String?
        var automaticDelivery = true
        var webhookDeliveryStatuses: [Int] = []
        /// The deliveries of the events emitted since the last ``takeDeliveries()``.
        private var deliveries: [Delivery] = []

        func paymentIntentIndex(_ id: String) -> Int? { paymentIntents.firstIndex { $0.id == id } }

        /// Records an event and, when automatic delivery is on and there is an endpoint, queues its delivery.
        mutating func emit(_ type: String, object: JSONValue, paymentIntent: String, origin: Origin) {
            let id = StripeStandInBackend.id("evt_")
            let event: JSONValue = [
                "id": .string(id), "object": "event", "api_version": .string(StripeStandInBackend.apiVersion),
                "created": .number(StripeStandInBackend.now()), "livemode": false, "pending_webhooks": webhookEndpoint == nil ? 0 : 1,
                "request": ["id": StripeJSON.string(origin.requestID), "idempotency_key": StripeJSON.string(origin.idempotencyKey)],
                "type": .string(type), "data": ["object": object],
            ]
            events.append(Event(id: id, type: type, paymentIntent: paymentIntent, body: JSONWriter.bytes(event)))
            if automaticDelivery, let url = webhookEndpoint { deliveries.append(Delivery(eventID: id, url: url)) }
        }

        mutating func takeDeliveries() -> [Delivery] {
            defer { deliveries = [] }
            return deliveries
        }
    }

    init(secretKey: String) { self.secretKey = secretKey }

    // MARK: - Requests

    /// Answers one request (`uri` with its query), with the deliveries of the events it caused.
    func handle(method: String, uri: String, headers: HTTPHeaders, body: [UInt8]) -> (PixStandInResponse, [Delivery]) {
        let (path, query) = PixStandInBackend.split(uri)
        let contentType = headers.first(name: "Content-Type")
        let isForm = contentType?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        let form = isForm ? PixStandInFormat.formFields(String(decoding: body, as: UTF8.self)) : [:]
        let key = headers.first(name: "Idempotency-Key")
        let authorization = headers.first(name: "Authorization")
        let requestID = Self.id("req_", length: 14)
        return state.withLock { state in
            state.requests.append(
                StripeStandInRequest(
                    method: method, path: path, query: query, form: form, idempotencyKey: key, authorization: authorization,
                    contentType: contentType))
            var response: PixStandInResponse
            if method == "GET", path.hasPrefix("/3ds/") {
                response = authenticationPage(String(path.dropFirst("/3ds/".count)), state: state)
            } else if let refusal = refusal(authorization) {
                response = refusal
            } else if method == "POST", !body.isEmpty, !isForm {
                response = Self.error(
                    message: "Invalid request (check that your POST content type is application/x-www-form-urlencoded). "
                        + "The stand-in reads form-encoded bodies only.")
            } else if method == "POST", let key {
                response = idempotent(key: key, path: path, form: form, requestID: requestID, state: &state)
            } else {
                response = route(method: method, path: path, query: query, form: form, origin: Origin(requestID: requestID), state: &state)
            }
            response.headers.append(("Request-Id", requestID))
            if method == "POST", let key { response.headers.append(("Idempotency-Key", key)) }
            return (response, state.takeDeliveries())
        }
    }

    /// The 401 for a request without the secret key (as Bearer, or as HTTP Basic user with an empty password); nil when it has it.
    private func refusal(_ authorization: String?) -> PixStandInResponse? {
        var key: String?
        if let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " {
            key = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if let authorization, authorization.count > 6, authorization.prefix(6).lowercased() == "basic ",
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces))
        {
            let text = String(decoding: decoded, as: UTF8.self)
            key = text.hasSuffix(":") ? String(text.dropLast()) : text
        }
        guard key != secretKey else { return nil }
        let message =
            if let key, !key.isEmpty {
                "Invalid API Key provided: \(key.prefix(8))\(String(repeating: "*", count: max(0, key.count - 12)))\(key.suffix(4))"
            } else {
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth "
                    + "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
            }
        var response = Self.error(401, message: message)
        response.headers.append(("WWW-Authenticate", "Basic realm=\"Stripe\""))
        return response
    }

    /// A POST with an `Idempotency-Key`: the saved answer again (`Idempotent-Replayed: true`) for the same path and parameters,
    /// 400 `idempotency_error` for others; else the request runs and an answer of a request that ran (200, 402) is saved.
    private func idempotent(key: String, path: String, form: [String: String], requestID: String, state: inout State) -> PixStandInResponse {
        guard (1...255).contains(key.count) else {
            return Self.error(message: "Invalid Idempotency-Key: it must be 1 to 255 characters long.")
        }
        if let saved = state.answers[key] {
            guard saved.path == path, saved.form == form else {
                return Self.error(
                    type: "idempotency_error",
                    message: "Keys for idempotent requests can only be used with the same parameters they were first used with. "
                        + "Try using a key other than '\(key)' if you meant to execute a different request.")
            }
            var replay = saved.response
            replay.headers += [("Idempotent-Replayed", "true"), ("Original-Request", saved.requestID)]
            return replay
        }
        let origin = Origin(requestID: requestID, idempotencyKey: key)
        let response = route(method: "POST", path: path, query: [:], form: form, origin: origin, state: &state)
        if response.status == 200 || response.status == 402 {
            state.answers[key] = SavedAnswer(path: path, form: form, response: response, requestID: requestID)
        }
        return response
    }

    private func route(
        method: String, path: String, query: [String: String], form: [String: String], origin: Origin, state: inout State
    ) -> PixStandInResponse {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 2, parts.count <= 3, parts[0] == "v1" else { return Self.unrecognized(method, path) }
        switch (method, parts[1], parts.count) {
        case ("POST", "customers", 2): return createCustomer(form, state: &state)
        case ("POST", "setup_intents", 2): return createSetupIntent(form, state: &state)
        case ("POST", "payment_intents", 2): return createPaymentIntent(form, origin: origin, state: &state)
        case ("GET", "payment_intents", 3):
            guard let index = state.paymentIntentIndex(parts[2]) else {
                return Self.error(404, code: "resource_missing", message: "No such payment_intent: '\(parts[2])'", param: "intent")
            }
            return .json(200, state.paymentIntents[index].json)
        case ("POST", "refunds", 2): return createRefund(form, origin: origin, state: &state)
        case ("GET", "refunds", 3):
            guard let refund = state.refunds.first(where: { $0.id == parts[2] }) else {
                return Self.error(404, code: "resource_missing", message: "No such refund: '\(parts[2])'", param: "id")
            }
            return .json(200, refund.json)
        case ("GET", "refunds", 2): return listRefunds(query: query, state: state)
        default: return Self.unrecognized(method, path)
        }
    }

    // MARK: - Helpers

    /// `{"error":{"type","code","decline_code","message","param",…}}` (absent fields left out).
    static func error(
        _ status: Int = 400, type: String = "invalid_request_error", code: String? = nil, declineCode: String? = nil, message: String,
        param: String? = nil, objects: [(String, JSONValue)] = []
    ) -> PixStandInResponse {
        var error = JSONObject()
        error["type"] = .string(type)
        if let code { error["code"] = .string(code) }
        if let declineCode { error["decline_code"] = .string(declineCode) }
        error["message"] = .string(message)
        if let param { error["param"] = .string(param) }
        for (name, value) in objects { error[name] = value }
        return .json(status, ["error": .object(error)])
    }

    static func missing(_ param: String) -> PixStandInResponse {
        error(code: "parameter_missing", message: "Missing required param: \(param).", param: param)
    }

    /// 400 `resource_missing` for an id in a parameter that names nothing (`No such customer: 'cus_…'`).
    static func noSuch(_ kind: String, _ id: String, param: String) -> PixStandInResponse {
        error(code: "resource_missing", message: "No such \(kind): '\(id)'", param: param)
    }

    static func unrecognized(_ method: String, _ path: String) -> PixStandInResponse {
        error(404, message: "Unrecognized request URL (\(method): \(path)). Please see https://stripe.com/docs.")
    }

    /// `metadata[key]=value` fields → `[key: value]`.
    static func metadata(_ form: [String: String]) -> [String: String] {
        var metadata: [String: String] = [:]
        for (name, value) in form where name.hasPrefix("metadata[") && name.hasSuffix("]") {
            metadata[String(name.dropFirst("metadata[".count).dropLast())] = value
        }
        return metadata
    }

    /// A positive integer written with digits only.
    static func positiveInteger(_ text: String) -> Int? {
        guard PixStandInFormat.isDigits(text, count: text.utf8.count), let value = Int(text), value > 0 else { return nil }
        return value
    }

    /// `true` or `false`, false when absent; nil for anything else.
    static func flag(_ text: String?) -> Bool? {
        switch text {
        case nil, "false": return false
        case "true": return true
        default: return nil
        }
    }

    /// An http:// or https:// URL with a host.
    static func isWebURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else { return false }
        return (scheme == "https" || scheme == "http") && components.host?.isEmpty == false
    }

    /// `prefix` + `length` random letters and digits (`pi_3Pq…`).
    static func id(_ prefix: String, length: Int = 24) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return prefix + String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    /// Now in Unix seconds.
    static func now() -> Int { Int(Date().timeIntervalSince1970) }
}
