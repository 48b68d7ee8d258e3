import BillingCore

/// Customers, SetupIntents (saving a card) and PaymentIntents (charging one), confirmed at creation, with the outcome the test
/// PaymentMethod stands for (``StripeStandInBackend/Card``).
extension StripeStandInBackend {
    func createCustomer(_ form: [String: String], state: inout State) -> PixStandInResponse {
        let customer = Customer(
            id: Self.id("cus_", length: 14), email: form["email"], name: form["name"], metadata: Self.metadata(form), created: Self.now())
        state.customers.append(customer)
        return .json(200, customer.json)
    }

    func createSetupIntent(_ form: [String: String], state: inout State) -> PixStandInResponse {
        guard let customerID = form["customer"] else { return Self.missing("customer") }
        guard let customerIndex = state.customers.firstIndex(where: { $0.id == customerID }) else {
            return Self.noSuch("customer", customerID, param: "customer")
        }
        guard let method = form["payment_method"] else { return Self.missing("payment_method") }
        guard let card = Card.named(method) else { return Self.noSuch("PaymentMethod", method, param: "payment_method") }
        guard form["confirm"] == "true" else { return Self.confirmOnly }
        let usage = form["usage"] ?? "off_session"
        guard usage == "off_session" || usage == "on_session" else {
            return Self.error(message: "Invalid usage: must be one of on_session or off_session", param: "usage")
        }
        let returnURL = form["return_url"]
        if let returnURL, !Self.isWebURL(returnURL) { return Self.invalidReturnURL }
        var intent = SetupIntent(
            id: Self.id("seti_"), customer: customerID, paymentMethod: method, usage: usage, status: "succeeded", nextAction: .null,
            lastSetupError: .null, metadata: Self.metadata(form), created: Self.now())
        defer { state.setupIntents.append(intent) }
        switch card {
        case .approves, .attachesButDeclines:
            state.customers[customerIndex].paymentMethods.insert(method)
            return .json(200, intent.json)
        case .declines(let code, let declineCode, let message):
            intent.status = "requires_payment_method"
            intent.lastSetupError = ["type": "card_error", "code": .string(code), "decline_code": .string(declineCode), "message": .string(message)]
            return Self.error(
                402, type: "card_error", code: code, declineCode: declineCode, message: message, objects: [("setup_intent", intent.json)])
        case .authenticates:
            intent.status = "requires_action"
            intent.nextAction = nextAction(for: intent.id, returnURL: returnURL, state: state)
            return .json(200, intent.json)
        }
    }

    func createPaymentIntent(_ form: [String: String], origin: Origin, state: inout State) -> PixStandInResponse {
        guard let amountText = form["amount"] else { return Self.missing("amount") }
        guard let amount = Self.positiveInteger(amountText) else {
            return Self.error(code: "parameter_invalid_integer", message: "Invalid positive integer: \(amountText)", param: "amount")
        }
        guard let currency = form["currency"] else { return Self.missing("currency") }
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else {
            return Self.error(message: "Invalid currency: \(currency). Use a three-letter ISO code in lowercase, like usd.", param: "currency")
        }
        guard let method = form["payment_method"] else { return Self.missing("payment_method") }
        guard form["confirm"] == "true" else { return Self.confirmOnly }
        guard let offSession = Self.flag(form["off_session"]) else {
            return Self.error(message: "Invalid boolean: \(form["off_session"] ?? "")", param: "off_session")
        }
        let customerID = form["customer"]
        var customer: Customer?
        if let customerID {
            guard let found = state.customers.first(where: { $0.id == customerID }) else {
                return Self.noSuch("customer", customerID, param: "customer")
            }
            customer = found
        }
        guard let card = Card.named(method) else { return Self.noSuch("PaymentMethod", method, param: "payment_method") }
        if let customer, !customer.paymentMethods.contains(method) {
            return Self.error(
                message: "The provided PaymentMethod \(method) is not attached to the Customer \(customer.id). Attach it with a SetupIntent first.",
                param: "payment_method")
        }
        if offSession, customer == nil {
            return Self.error(message: "A customer is required when off_session is true.", param: "customer")
        }
        let returnURL = form["return_url"]
        if let returnURL, !Self.isWebURL(returnURL) { return Self.invalidReturnURL }
        var intent = PaymentIntent(
            id: Self.id("pi_"), amount: amount, currency: currency, status: "processing", customer: customerID, paymentMethod: method,
            offSession: offSession, metadata: Self.metadata(form), description: form["description"], created: Self.now())
        defer { state.paymentIntents.append(intent) }
        switch card {
        case .approves:
            succeed(&intent, origin: origin, state: &state)
            return .json(200, intent.json)
        case .declines(let code, let declineCode, let message):
            return decline(&intent, code: code, declineCode: declineCode, message: message, origin: origin, state: &state)
        case .attachesButDeclines:
            return decline(
                &intent, code: "card_declined", declineCode: "generic_decline", message: "Your card was declined.", origin: origin, state: &state)
        case .authenticates where offSession:
            return decline(
                &intent, code: "authentication_required", declineCode: "authentication_required",
                message: "Your card was declined. This transaction requires authentication.", origin: origin, state: &state)
        case .authenticates:
            intent.status = "requires_action"
            intent.nextAction = nextAction(for: intent.id, returnURL: returnURL, state: state)
            return .json(200, intent.json)
        }
    }

    /// The customer's 3-D Secure for an intent (`pi_…` or `seti_…`) in `requires_action`: a PaymentIntent succeeds or goes back
    /// to `requires_payment_method` (its events emitted); a SetupIntent succeeds (the card attached) or goes back, with no event.
    func completeAuthentication(of id: String, succeed succeeded: Bool, state: inout State) throws(PixStandInError) {
        if let index = state.setupIntents.firstIndex(where: { $0.id == id }), state.setupIntents[index].status == "requires_action" {
            var intent = state.setupIntents[index]
            intent.nextAction = .null
            if succeeded {
                intent.status = "succeeded"
                if let customer = state.customers.firstIndex(where: { $0.id == intent.customer }) {
                    state.customers[customer].paymentMethods.insert(intent.paymentMethod)
                }
            } else {
                intent.status = "requires_payment_method"
                intent.lastSetupError = [
                    "type": "invalid_request_error", "code": "setup_intent_authentication_failure",
                    "message": "The latest attempt to set up the payment method has failed because authentication failed.",
                ]
            }
            state.setupIntents[index] = intent
            return
        }
        guard let index = state.paymentIntentIndex(id) else { throw PixStandInError(message: "completeAuthentication: no intent \(id)") }
        var intent = state.paymentIntents[index]
        guard intent.status == "requires_action" else {
            throw PixStandInError(message: "completeAuthentication: \(id) is \(intent.status), not requires_action")
        }
        if succeeded {
            succeed(&intent, origin: Origin(), state: &state)
        } else {
            intent.status = "requires_payment_method"
            intent.nextAction = .null
            intent.lastPaymentError = [
                "type": "invalid_request_error", "code": "payment_intent_authentication_failure",
                "message": .string(
                    "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new "
                        + "PaymentMethod to attempt to fulfill this PaymentIntent again."),
            ]
            state.emit("payment_intent.payment_failed", object: intent.json, paymentIntent: id, origin: Origin())
        }
        state.paymentIntents[index] = intent
    }

    /// `GET /3ds/{id}`: the page a customer is sent to for 3-D Secure (the test completes it with `completeAuthentication`).
    func authenticationPage(_ id: String, state: State) -> PixStandInResponse {
        let known = state.paymentIntents.contains { $0.id == id } || state.setupIntents.contains { $0.id == id }
        let text =
            known
            ? "<!doctype html><html><head><title>3D Secure</title></head><body><h1>3D Secure test page</h1><p>Authenticate \(id).</p></body></html>"
            : "<!doctype html><html><body><p>No such intent.</p></body></html>"
        return PixStandInResponse(status: known ? 200 : 404, contentType: "text/html; charset=utf-8", body: Array(text.utf8))
    }

    // MARK: - Outcomes

    private func succeed(_ intent: inout PaymentIntent, origin: Origin, state: inout State) {
        intent.status = "succeeded"
        intent.amountReceived = intent.amount
        intent.latestCharge = Self.id("ch_")
        intent.nextAction = .null
        intent.lastPaymentError = .null
        state.emit("payment_intent.succeeded", object: intent.json, paymentIntent: intent.id, origin: origin)
    }

    /// A declined charge: the intent back to `requires_payment_method` with `last_payment_error`, its event, and the 402.
    private func decline(
        _ intent: inout PaymentIntent, code: String, declineCode: String, message: String, origin: Origin, state: inout State
    ) -> PixStandInResponse {
        let charge = Self.id("ch_")
        intent.status = "requires_payment_method"
        intent.latestCharge = charge
        intent.lastPaymentError = [
            "type": "card_error", "code": .string(code), "decline_code": .string(declineCode), "message": .string(message),
            "charge": .string(charge),
        ]
        state.emit("payment_intent.payment_failed", object: intent.json, paymentIntent: intent.id, origin: origin)
        return Self.error(
            402, type: "card_error", code: code, declineCode: declineCode, message: message,
            objects: [("charge", .string(charge)), ("payment_intent", intent.json)])
    }

    private func nextAction(for id: String, returnURL: String?, state: State) -> JSONValue {
        guard let returnURL else { return ["type": "use_stripe_sdk", "use_stripe_sdk": [:]] }
        return ["type": "redirect_to_url", "redirect_to_url": ["url": .string("\(state.baseURL)/3ds/\(id)"), "return_url": .string(returnURL)]]
    }

    private static var confirmOnly: PixStandInResponse {
        error(message: "The stand-in supports only confirmation at creation: send confirm=true.", param: "confirm")
    }

    private static var invalidReturnURL: PixStandInResponse {
        error(message: "Invalid URL: return_url must be an http:// or https:// URL.", param: "return_url")
    }
}
