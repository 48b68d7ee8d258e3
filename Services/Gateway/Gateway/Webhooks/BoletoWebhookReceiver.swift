import BillingCore
import BillingRPC
import Foundation
import Hummingbird
import InvoicingContract
import NIOCore

/// `POST /api/v1/webhooks/boleto`: Banco do Brasil's collection webhook (baixa operacional / liquidação), a JSON array of
/// `{"id": "<numeroTituloCliente, 20 digits>", "valorPagoSacado", "codigoEstadoBaixaOperacional", …}`. Registered at the bank as
/// `https://<gateway>/api/v1/webhooks/boleto?hmac=<secret>`: no bearer token, the `hmac` parameter must equal one of the `boleto`
/// secrets of `BILLING_GATEWAY_WEBHOOK_SECRETS` (constant time). Only the ids are taken: the invoicing context reads each boleto
/// back from the bank before it records anything. 200 once every id was applied, so the bank retries whatever failed.
struct BoletoWebhookReceiver: Sendable {
    static let path = "/api/v1/webhooks/boleto"
    static let provider = "boleto"

    let secrets: [String]
    let invoicing: RPCClient
    let maximumBodyBytes: Int
    let requestTimeout: TimeAmount

    func handle(_ request: Request, context: GatewayRequestContext) async -> Response {
        await APIPipeline.webhookAnswer { try await receive(request) }
    }

    private func receive(_ request: Request) async throws -> Response {
        guard !secrets.isEmpty else { throw APIError.notFound("no bank's boleto webhook is configured (boleto)") }
        try APIPipeline.requireHMACParameter(request, among: secrets)
        let json = try APIPipeline.webhookJSON(try await APIPipeline.webhookBody(request, upTo: maximumBodyBytes))
        guard let list = json.arrayValue, !list.isEmpty else { throw APIError.unprocessable("the body must be a non-empty array", pointer: "") }
        var ids: [String] = []
        for (index, item) in list.enumerated() {
            guard let id = item["id"]?.stringValue ?? item["id"]?.decimalValue?.text, id.count == 20, id.allSatisfy({ $0.isASCII && $0.isNumber })
            else { throw APIError.unprocessable("/\(index)/id is required (the 20-digit title id)", pointer: "/\(index)/id") }
            ids.append(id)
        }
        let options = RPCCallOptions(
            metadata: RPCMetadata(actor: "provider:\(Self.provider)", requestID: UUIDv7.generate().text), timeout: requestTimeout)
        let result = try await invoicing.call(InvoicingAPI.boletoNotified, BoletoNotification(ids: ids), options: options)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(["outcomes": .array(result.outcomes.map { .string($0) })]))))
    }
}
