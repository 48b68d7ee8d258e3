/// One request a ``StripeStandIn`` received.
public struct StripeStandInRequest: Sendable, Hashable {
    public let method: String
    /// The path without the query (`/v1/payment_intents`).
    public let path: String
    /// The query parameters, decoded.
    public let query: [String: String]
    /// The `application/x-www-form-urlencoded` body, decoded, with the keys as sent (`metadata[billing_tenant]`); empty for
    /// another content type.
    public let form: [String: String]
    /// The `Idempotency-Key` header, if any.
    public let idempotencyKey: String?
    /// The `Authorization` header, if any.
    public let authorization: String?
    /// The `Content-Type` header, if any.
    public let contentType: String?
}

/// A PaymentIntent as the stand-in holds it.
public struct StripeStandInPaymentIntent: Sendable, Hashable {
    /// `pi_` and 24 letters and digits.
    public let id: String
    /// In the currency's minor unit.
    public let amount: Int
    public let currency: String
    /// `succeeded`, `requires_action` or `requires_payment_method`.
    public let status: String
    public let customer: String?
    public let paymentMethod: String?
    public let offSession: Bool
    public let metadata: [String: String]
    /// What succeeded refunds gave back (pending ones not included).
    public let amountRefunded: Int
    /// The last charge attempted (`ch_…`; a declined intent's failed one too); nil before any.
    public let latestCharge: String?
}

/// A refund as the stand-in holds it.
public struct StripeStandInRefund: Sendable, Hashable {
    /// `re_` and 24 letters and digits.
    public let id: String
    public let paymentIntent: String
    public let amount: Int
    /// `succeeded`, `pending` or `failed`.
    public let status: String
    public let metadata: [String: String]
}

/// An event the stand-in created.
public struct StripeStandInEvent: Sendable, Hashable {
    /// `evt_` and 24 letters and digits.
    public let id: String
    /// `payment_intent.succeeded`, `payment_intent.payment_failed`, `charge.refunded` or `refund.failed`.
    public let type: String
    /// The PaymentIntent it is about (for `charge.refunded`, the charge's `payment_intent`; for `refund.failed`, the refund's).
    public let paymentIntent: String
}
