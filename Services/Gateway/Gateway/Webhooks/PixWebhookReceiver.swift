import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import Hummingbird
import InvoicingContract
import NIOCore

/// `POST /api/v1/webhooks/pix` (and `…/pix/pix`): the API Pix webhook of the deployment's PSP, `{"pix": [{"endToEndId", "txid",
/// "valor", "horario", …}]}`. The PSP posts to the registered URL with `/pix` appended; registering
/// `https://<gateway>/api/v1/webhooks/pix?hmac=<secret>&ignorar=` (what `billingctl pix-webhook` does) keeps the secret in the
/// query and sends the appended `/pix` into the ignored parameter, for PSPs that append it to the whole URL.
///
/// No bearer token: the `hmac` query parameter must equal one of the `apipix` secrets of `BILLING_GATEWAY_WEBHOOK_SECRETS` (compared
/// in constant time); a PSP that authenticates its webhook by mutual TLS instead is served by a proxy that checks the PSP's
/// certificate and adds the parameter. The tenant comes from the charge the txid names. Answers 200 once the invoicing context has
/// applied every PIX (each once per endToEndId), so the PSP retries whatever failed; 401 for a missing or wrong secret, 404 when no
/// PSP is configured.
struct PixWebhookReceiver: Sendable {
    static let paths = ["/api/v1/webhooks/pix", "/api/v1/webhooks/pix/pix"]
    static let provider = "apipix"

    /// `apipix` secrets (`BILLING_GATEWAY_WEBHOOK_SECRETS`); several while rotating.
    let secrets: [String]
    let invoicing: RPCClient
    let maximumBodyBytes: Int
    let requestTimeout: TimeAmount

    func handle(_ request: Request, context: GatewayRequestContext) async -> Response {
        await APIPipeline.webhookAnswer { try await receive(request) }
    }

    private func receive(_ request: Request) async throws -> Response {
        guard !secrets.isEmpty else { throw APIError.notFound("no PIX provider's webhook is configured (apipix)") }
        try APIPipeline.requireHMACParameter(request, among: secrets)
        let body = try await APIPipeline.webhookBody(request, upTo: maximumBodyBytes)
        let json = try APIPipeline.webhookJSON(body)
        guard let list = json["pix"]?.arrayValue, !list.isEmpty else {
            throw APIError.unprocessable("/pix must be a non-empty array", pointer: "/pix")
        }
        var items: [ReceivedPixItem] = []
        for (index, pix) in list.enumerated() {
            let pointer = "/pix/\(index)"
            guard let id = pix["endToEndId"]?.stringValue, !id.isEmpty else {
                throw APIError.unprocessable("\(pointer)/endToEndId is required", pointer: pointer + "/endToEndId")
            }
            guard let amount = pix["valor"]?.stringValue.flatMap(DecimalNumber.init) else {
                throw APIError.unprocessable("\(pointer)/valor is required (a decimal string such as \"10.00\")", pointer: pointer + "/valor")
            }
            guard let time = pix["horario"]?.stringValue.flatMap(RFC3339.parse) else {
                throw APIError.unprocessable("\(pointer)/horario is required (an RFC 3339 date-time)", pointer: pointer + "/horario")
            }
            items.append(ReceivedPixItem(endToEndId: id, txid: pix["txid"]?.stringValue, amount: amount, time: time))
        }
        let options = RPCCallOptions(
            metadata: RPCMetadata(actor: "provider:\(Self.provider)", requestID: UUIDv7.generate().text), timeout: requestTimeout)
        let result = try await invoicing.call(InvoicingAPI.pixReceived, PixReceivedNotification(pix: items), options: options)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(["outcomes": .array(result.outcomes.map { .string($0) })]))))
    }
}
