import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import Hummingbird
import InvoicingContract
import NIOCore

/// `POST /api/v1/webhooks/payments/{provider}`: a payment provider's notification. No bearer token: the signature
/// (`WebhookSignature`) proves the sender, and the tenant comes from the signed body.
///
/// Body: `{"id": "<provider event id>", "type": "payment.succeeded" | "payment.failed", "data": {"tenantId", "billingAccountId",
/// "invoiceId", "amount", "paymentMethod", "externalRef", "failureReason"?}}`. Answers 200 with what happened (`PAYMENT_RECORDED`,
/// `PAYMENT_FAILED`, `DUPLICATE`, `IGNORED`); 401 for a missing, wrong or stale signature; 404 for an unknown provider.
struct PaymentWebhookReceiver: Sendable {
    static let path = "/api/v1/webhooks/payments/{provider}"
    static let signatureHeader = HTTPField.Name("Billing-Signature")!

    /// Secrets by provider (`BILLING_GATEWAY_WEBHOOK_SECRETS`); several per provider while rotating.
    let secrets: [String: [String]]
    let clock: any BillingClock
    let invoicing: RPCClient
    let maximumBodyBytes: Int
    let requestTimeout: TimeAmount

    func handle(_ request: Request, context: GatewayRequestContext) async -> Response {
        await APIPipeline.webhookAnswer { try await receive(request, context: context) }
    }

    private func receive(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let provider = context.parameters.get("provider") ?? ""
        guard let secrets = secrets[provider], !secrets.isEmpty else {
            throw APIError.notFound("no payment provider '\(provider.prefix(40))' is configured")
        }
        let body = try await APIPipeline.webhookBody(request, upTo: maximumBodyBytes)
        try WebhookSignature.check(request.headers[Self.signatureHeader], named: "Billing-Signature", body: body, secrets: secrets, now: clock.now())
        let json = try APIPipeline.webhookJSON(body)
        func text(_ value: JSONValue?, _ pointer: String) throws -> String {
            guard let string = value?.stringValue, !string.isEmpty else { throw APIError.unprocessable("\(pointer) is required", pointer: pointer) }
            return string
        }
        func id<ID: TypedIdentifier>(_ value: JSONValue?, _ pointer: String) throws -> ID {
            guard let id = ID(try text(value, pointer)) else { throw APIError.unprocessable("\(pointer) must be a UUID", pointer: pointer) }
            return id
        }
        let data = json["data"]
        guard let amount = data?["amount"]?.decimalValue ?? data?["amount"]?.stringValue.flatMap(DecimalNumber.init) else {
            throw APIError.unprocessable("/data/amount is required (a decimal in major units)", pointer: "/data/amount")
        }
        guard let method = PaymentMethod(rawValue: try text(data?["paymentMethod"], "/data/paymentMethod")) else {
            throw APIError.unprocessable("/data/paymentMethod is PIX or CARD", pointer: "/data/paymentMethod")
        }
        let notification = ProviderNotification(
            provider: provider, eventId: try text(json["id"], "/id"), type: try text(json["type"], "/type"),
            billingAccountId: try id(data?["billingAccountId"], "/data/billingAccountId"),
            invoiceId: try id(data?["invoiceId"], "/data/invoiceId"),
            amount: amount, paymentMethod: method, externalRef: try text(data?["externalRef"], "/data/externalRef"),
            failureReason: data?["failureReason"]?.stringValue)
        let tenant = try text(data?["tenantId"], "/data/tenantId")
        let options = RPCCallOptions(
            metadata: RPCMetadata(
                tenant: tenant, actor: "provider:\(provider)",
                requestID: UUIDv7.generate().text), timeout: requestTimeout)
        let result = try await invoicing.call(InvoicingAPI.providerNotification, notification, options: options)
        let document = JSONAPI.document(try JSONAPI.resource(type: "provider-notifications", id: notification.eventId, from: result))
        return Response(
            status: .ok, headers: [.contentType: JSONAPI.mediaType], body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(document))))
    }
}
