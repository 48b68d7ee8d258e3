import BillingCore
import Foundation

/// The objects a ``StripeStandIn`` holds, and each as the API writes it.
extension StripeStandInBackend {
    struct Customer: Sendable {
        let id: String
        let email: String?
        let name: String?
        let metadata: [String: String]
        let created: Int
        /// The PaymentMethods a SetupIntent attached.
        var paymentMethods: Set<String> = []

        var json: JSONValue {
            [
                "id": .string(id), "object": "customer", "email": StripeJSON.string(email), "name": StripeJSON.string(name),
                "metadata": StripeJSON.metadata(metadata),
                "created": .number(created), "livemode": false,
            ]
        }
    }

    struct SetupIntent: Sendable {
        let id: String
        let customer: String
        let paymentMethod: String
        let usage: String
        var status: String
        var nextAction: JSONValue
        var lastSetupError: JSONValue
        let metadata: [String: String]
        let created: Int

        var json: JSONValue {
            [
                "id": .string(id), "object": "setup_intent", "status": .string(status), "customer": .string(customer),
                "payment_method": .string(paymentMethod), "usage": .string(usage), "next_action": nextAction,
                "last_setup_error": lastSetupError, "metadata": StripeJSON.metadata(metadata), "created": .number(created), "livemode": false,
            ]
        }
    }

    struct PaymentIntent: Sendable {
        let id: String
        let amount: Int
        let currency: String
        var status: String
        let customer: String?
        let paymentMethod: String
        let offSession: Bool
        let metadata: [String: String]
        let description: String?
        let created: Int
        var amountReceived = 0
        /// What succeeded refunds gave back, and what pending ones will.
        var amountRefunded = 0
        var amountPending = 0
        var latestCharge: String?
        var nextAction: JSONValue = .null
        var lastPaymentError: JSONValue = .null
        let clientSecret = "secret_" + PixStandInFormat.randomHex(bytes: 12)

        var json: JSONValue {
            [
                "id": .string(id), "object": "payment_intent", "amount": .number(amount), "amount_received": .number(amountReceived),
                "currency": .string(currency), "status": .string(status), "customer": StripeJSON.string(customer),
                "payment_method": .string(paymentMethod), "payment_method_types": ["card"], "capture_method": "automatic",
                "client_secret": .string("\(id)_\(clientSecret)"), "metadata": StripeJSON.metadata(metadata),
                "latest_charge": StripeJSON.string(latestCharge), "next_action": nextAction, "last_payment_error": lastPaymentError,
                "description": StripeJSON.string(description), "created": .number(created), "livemode": false,
            ]
        }

        var value: StripeStandInPaymentIntent {
            StripeStandInPaymentIntent(
                id: id, amount: amount, currency: currency, status: status, customer: customer, paymentMethod: paymentMethod,
                offSession: offSession, metadata: metadata, amountRefunded: amountRefunded, latestCharge: latestCharge)
        }

        /// The Charge behind a succeeded intent, as `charge.refunded` carries it (with the intent's metadata).
        var chargeJSON: JSONValue {
            [
                "id": .string(latestCharge ?? ""), "object": "charge", "amount": .number(amount), "amount_captured": .number(amountReceived),
                "amount_refunded": .number(amountRefunded), "currency": .string(currency), "customer": StripeJSON.string(customer),
                "payment_intent": .string(id), "payment_method": .string(paymentMethod), "paid": true, "captured": true,
                "refunded": .bool(amountRefunded >= amount), "status": "succeeded", "metadata": StripeJSON.metadata(metadata),
                "created": .number(created), "livemode": false,
            ]
        }
    }

    struct Refund: Sendable {
        let id: String
        let paymentIntent: String
        let charge: String
        let amount: Int
        let currency: String
        var status: String
        let reason: String?
        let metadata: [String: String]
        let created: Int
        var failureReason: String?

        var json: JSONValue {
            [
                "id": .string(id), "object": "refund", "amount": .number(amount), "currency": .string(currency),
                "payment_intent": .string(paymentIntent), "charge": .string(charge), "status": .string(status), "reason": StripeJSON.string(reason),
                "failure_reason": StripeJSON.string(failureReason), "metadata": StripeJSON.metadata(metadata), "created": .number(created),
            ]
        }

        var value: StripeStandInRefund {
            StripeStandInRefund(id: id, paymentIntent: paymentIntent, amount: amount, status: status, metadata: metadata)
        }
    }

    struct Event: Sendable {
        let id: String
        let type: String
        let paymentIntent: String
        /// The event as delivered, byte for byte the same on every delivery.
        let body: [UInt8]
    }

    /// A test PaymentMethod's behaviour (Stripe's documented `pm_card_…` ids).
    enum Card: Sendable {
        /// Attaches, and every payment succeeds.
        case approves
        /// Declines SetupIntents and payments.
        case declines(code: String, declineCode: String, message: String)
        /// Attaches, and every payment is declined (`pm_card_chargeCustomerFail`).
        case attachesButDeclines
        /// Needs 3-D Secure on session; declined with `authentication_required` off session.
        case authenticates

        static func named(_ id: String) -> Card? {
            switch id {
            case "pm_card_visa", "pm_card_mastercard": return .approves
            case "pm_card_chargeDeclined": return .declines(code: "card_declined", declineCode: "generic_decline", message: "Your card was declined.")
            case "pm_card_chargeDeclinedInsufficientFunds":
                return .declines(code: "card_declined", declineCode: "insufficient_funds", message: "Your card has insufficient funds.")
            case "pm_card_chargeCustomerFail": return .attachesButDeclines
            case "pm_card_authenticationRequired": return .authenticates
            default: return nil
            }
        }
    }
}

/// How the API writes optional strings and metadata.
enum StripeJSON {
    /// The string, or `null`.
    static func string(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }

    /// `{"key":"value",…}`, keys sorted.
    static func metadata(_ metadata: [String: String]) -> JSONValue {
        .object(JSONObject(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
    }
}
