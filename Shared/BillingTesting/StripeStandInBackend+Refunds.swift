import BillingCore

/// Refunds of succeeded PaymentIntents: at once (`succeeded`, event `charge.refunded`), or `pending` for an intent whose refunds
/// the test holds until it settles them.
extension StripeStandInBackend {
    func createRefund(_ form: [String: String], origin: Origin, state: inout State) -> PixStandInResponse {
        guard let intentID = form["payment_intent"] else { return Self.missing("payment_intent") }
        guard let index = state.paymentIntentIndex(intentID) else { return Self.noSuch("payment_intent", intentID, param: "payment_intent") }
        var intent = state.paymentIntents[index]
        guard intent.status == "succeeded", let charge = intent.latestCharge else {
            return Self.error(message: "This PaymentIntent (\(intentID)) does not have a successful charge to refund.", param: "payment_intent")
        }
        let left = intent.amountReceived - intent.amountRefunded - intent.amountPending
        var amount = left
        if let text = form["amount"] {
            guard let value = Self.positiveInteger(text) else {
                return Self.error(code: "parameter_invalid_integer", message: "Invalid positive integer: \(text)", param: "amount")
            }
            amount = value
        }
        guard left > 0 else { return Self.error(code: "charge_already_refunded", message: "Charge \(charge) has already been refunded.") }
        guard amount <= left else {
            let (asked, unrefunded) = (Self.money(amount, intent.currency), Self.money(left, intent.currency))
            return Self.error(message: "Refund amount (\(asked)) is greater than unrefunded amount on charge (\(unrefunded))", param: "amount")
        }
        let reason = form["reason"]
        if let reason, !["duplicate", "fraudulent", "requested_by_customer"].contains(reason) {
            return Self.error(message: "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", param: "reason")
        }
        let held = state.heldRefunds.contains(intentID)
        let refund = Refund(
            id: Self.id("re_"), paymentIntent: intentID, charge: charge, amount: amount, currency: intent.currency,
            status: held ? "pending" : "succeeded", reason: reason, metadata: Self.metadata(form), created: Self.now())
        if held {
            intent.amountPending += amount
        } else {
            intent.amountRefunded += amount
            state.emit("charge.refunded", object: intent.chargeJSON, paymentIntent: intentID, origin: origin)
        }
        state.paymentIntents[index] = intent
        state.refunds.append(refund)
        return .json(200, refund.json)
    }

    /// `GET /v1/refunds[?payment_intent=pi_…]`, newest first.
    func listRefunds(query: [String: String], state: State) -> PixStandInResponse {
        let refunds = state.refunds.reversed().filter { refund in query["payment_intent"].map { $0 == refund.paymentIntent } ?? true }
        return .json(200, ["object": "list", "data": .array(refunds.map(\.json)), "has_more": false, "url": "/v1/refunds"])
    }

    /// Moves the intent's pending refunds to `succeeded` (event `charge.refunded` each) or `failed` (failure_reason `declined`,
    /// event `refund.failed`); any other status changes nothing.
    func settlePendingRefunds(of intentID: String, status: String, state: inout State) {
        guard status == "succeeded" || status == "failed", let index = state.paymentIntentIndex(intentID) else { return }
        for refundIndex in state.refunds.indices where state.refunds[refundIndex].paymentIntent == intentID {
            guard state.refunds[refundIndex].status == "pending" else { continue }
            let amount = state.refunds[refundIndex].amount
            state.paymentIntents[index].amountPending -= amount
            state.refunds[refundIndex].status = status
            if status == "succeeded" {
                state.paymentIntents[index].amountRefunded += amount
                state.emit("charge.refunded", object: state.paymentIntents[index].chargeJSON, paymentIntent: intentID, origin: Origin())
            } else {
                state.refunds[refundIndex].failureReason = "declined"
                state.emit("refund.failed", object: state.refunds[refundIndex].json, paymentIntent: intentID, origin: Origin())
            }
        }
    }

    /// An amount as Stripe's messages write it: `$15.00`, `R$15.00`, `¥1500`, `15.00 CHF`.
    static func money(_ minor: Int, _ currency: String) -> String {
        let zeroDecimal: Set = ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
        let cents = minor % 100
        let number = zeroDecimal.contains(currency) ? String(minor) : "\(minor / 100).\(cents < 10 ? "0" : "")\(cents)"
        let symbols = ["usd": "$", "brl": "R$", "eur": "€", "gbp": "£", "jpy": "¥"]
        return symbols[currency].map { $0 + number } ?? "\(number) \(currency.uppercased())"
    }
}
