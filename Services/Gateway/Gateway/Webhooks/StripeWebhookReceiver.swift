import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import Hummingbird
import InvoicingContract
import NIOCore

/// `POST /api/v1/webhooks/stripe`: the endpoint registered in Stripe's dashboard (events `payment_intent.succeeded`,
/// `payment_intent.payment_failed`, `charge.refunded`, `refund.failed`). No bearer token: `Stripe-Signature` (`t=…,v1=…`,
/// HMAC-SHA256 of `t.body` with the endpoint's signing secret `whsec_…`, 300 s tolerance) proves the sender; the `stripe` secrets of
/// `BILLING_GATEWAY_WEBHOOK_SECRETS` (two while rotating). The event's charge (its PaymentIntent) goes to the invoicing context,
/// which reads it back from Stripe and applies it once per event id. Answers 200 with the outcome (other event types too, so Stripe
/// stops sending them: `IGNORED`); 401 for a missing, wrong or stale signature; 404 when no Stripe secret is configured.
struct StripeWebhookReceiver: Sendable {
    static let path = "/api/v1/webhooks/stripe"
    static let provider = "stripe"
    static let signatureHeader = HTTPField.Name("Stripe-Signature")!

    let secrets: [String]
    let clock: any BillingClock
    let invoicing: RPCClient
    let maximumBodyBytes: Int
    let requestTimeout: TimeAmount

    func handle(_ request: Request, context: GatewayRequestContext) async -> Response {
        await APIPipeline.webhookAnswer { try await receive(request) }
    }

    private func receive(_ request: Request) async throws -> Response {
        // Its required header first: a request without it is refused alike whether or not Stripe is configured.
        guard request.headers[Self.signatureHeader] != nil else {
            throw APIError(.unauthorized, code: "SIGNATURE_MISSING", title: "Not authenticated", detail: "the Stripe-Signature header is required")
        }
        guard !secrets.isEmpty else { throw APIError.notFound("no Stripe webhook is configured (stripe in BILLING_GATEWAY_WEBHOOK_SECRETS)") }
        let body = try await APIPipeline.webhookBody(request, upTo: maximumBodyBytes)
        try WebhookSignature.check(request.headers[Self.signatureHeader], named: "Stripe-Signature", body: body, secrets: secrets, now: clock.now())
        let json = try APIPipeline.webhookJSON(body)
        guard let id = json["id"]?.stringValue, !id.isEmpty else { throw APIError.unprocessable("/id is required", pointer: "/id") }
        guard let type = json["type"]?.stringValue, !type.isEmpty else { throw APIError.unprocessable("/type is required", pointer: "/type") }
        let object = json["data"]?["object"]
        // A PaymentIntent names itself; a charge or a refund names its PaymentIntent.
        let charge = object?["object"]?.stringValue == "payment_intent" ? object?["id"]?.stringValue : object?["payment_intent"]?.stringValue
        let outcome: ProviderNotificationResult
        if let charge, !charge.isEmpty {
            let options = RPCCallOptions(
                metadata: RPCMetadata(actor: "provider:\(Self.provider)", requestID: UUIDv7.generate().text), timeout: requestTimeout)
            outcome = try await invoicing.call(
                InvoicingAPI.cardEvent, CardProviderEvent(provider: Self.provider, eventId: id, type: type, chargeId: charge), options: options)
        } else {
            outcome = ProviderNotificationResult(outcome: "IGNORED", detail: "the event names no PaymentIntent", paymentId: nil)
        }
        let document = JSONAPI.document(try JSONAPI.resource(type: "provider-notifications", id: id, from: outcome))
        return Response(
            status: .ok, headers: [.contentType: JSONAPI.mediaType], body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(document))))
    }
}
