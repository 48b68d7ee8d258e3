import AsyncHTTPClient
import BillingCore
import BillingService
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A PSP through the Banco Central's API Pix (v2): OAuth2 client credentials over mutual TLS with the certificate the PSP issued,
/// then `PUT /cob/{txid}` and `PUT /cobv/{txid}` (charges), `GET /cob|cobv/{txid}`, `GET /pix` (received), `PUT|GET
/// /pix/{e2eid}/devolucao/{id}` (refunds) and `PUT /webhook/{chave}`.
///
/// Every request is safe to repeat, so a transport failure or a 5xx is retried (twice, after 0.2 and 0.8 s): charges and refunds
/// are named by ids derived from ours, a repeated charge PUT while it is ATIVA replaces it with the same content, and a refund id
/// the PSP already holds answers 400, after which the refund is read instead.
public final class APIPixClient: PixProvider {
    public let name = "apipix"
    public var key: String { configuration.key }
    let configuration: APIPixConfiguration
    private let api: BearerJSONAPI

    public init(configuration: APIPixConfiguration) throws {
        self.configuration = configuration
        api = try BearerJSONAPI(
            certificateFile: configuration.certificateFile, privateKeyFile: configuration.privateKeyFile,
            trustRootsFile: configuration.trustRootsFile, timeout: configuration.timeout, variablePrefix: APIPixConfiguration.prefix,
            credentials: .init(tokenURL: configuration.tokenURL, clientID: configuration.clientID, clientSecret: configuration.clientSecret),
            party: "the PSP", refusedReason: "PIX_PROVIDER_REFUSED", problem: APIPixMapping.problem)
    }

    /// Closes the client's connections (a client that is dropped shuts down by itself).
    public func shutdown() async throws { try await api.http.shutdown() }

    deinit { _ = api.http.client.shutdown() }

    /// How many OAuth2 tokens were requested.
    public var tokenRequests: Int { get async { await api.tokens.fetches } }

    // MARK: PixProvider

    public func createCharge(_ request: PixChargeRequest) async throws(InvoicingError) -> PixChargeState {
        let kind = request.dueDate == nil ? "cob" : "cobv"
        let answer = try await call(.PUT, "/\(kind)/\(request.txid)", body: APIPixMapping.chargeBody(request, key: key), expecting: [200, 201])
        return try APIPixMapping.charge(answer.json, txid: request.txid)
    }

    public func charge(txid: String, withDueDate: Bool) async throws(InvoicingError) -> PixChargeState? {
        let answer = try await call(.GET, "/\(withDueDate ? "cobv" : "cob")/\(txid)", expecting: [200, 404])
        guard answer.status != 404 else { return nil }
        return try APIPixMapping.charge(answer.json, txid: txid)
    }

    public func withdrawCharge(txid: String, withDueDate: Bool) async throws(InvoicingError) -> Bool {
        let answer = try await call(
            .PATCH, "/\(withDueDate ? "cobv" : "cob")/\(txid)", body: ["status": "REMOVIDA_PELO_USUARIO_RECEBEDOR"], expecting: [200, 400, 404])
        return answer.status == 200
    }

    public func received(from start: Date, to end: Date) async throws(InvoicingError) -> [ReceivedPix] {
        var all: [ReceivedPix] = []
        var page = 0
        while true {
            let query =
                "inicio=\(RFC3339.format(start))&fim=\(RFC3339.format(end))"
                + "&paginacao.paginaAtual=\(page)&paginacao.itensPorPagina=1000"
            let answer = try await call(.GET, "/pix?" + query, expecting: [200])
            for item in answer.json?["pix"]?.arrayValue ?? [] {
                if let pix = APIPixMapping.received(item) { all.append(pix) }
            }
            let pages = answer.json?["parametros"]?["paginacao"]?["quantidadeDePaginas"]?.decimalValue.flatMap { Int($0.text) } ?? 1
            page += 1
            if page >= pages || page >= 1_000 { return all }
        }
    }

    public func refund(endToEndId: String, id: String, amount: Money, description: String?) async throws(InvoicingError) -> ProviderRefundStatus {
        var body: [(String, JSONValue)] = [("valor", .string(amount.amountText))]
        if let description { body.append(("descricao", .string(String(description.prefix(140))))) }
        let answer = try await call(
            .PUT, "/pix/\(endToEndId)/devolucao/\(id)", body: .object(JSONObject(body)), expecting: [200, 201, 400])
        if answer.status == 400 {
            // The id is ours and unique per refund: a 400 for a refund the PSP already holds (a retried PUT) is answered by reading it.
            if let existing = try? await refundStatus(endToEndId: endToEndId, id: id) { return existing }
            throw InvoicingError.conflict(
                "the PSP refused the PIX refund: \(APIPixMapping.problem(answer.json))", reason: "PIX_REFUND_REFUSED", field: "amount")
        }
        return APIPixMapping.refundStatus(answer.json)
    }

    public func refundStatus(endToEndId: String, id: String) async throws(InvoicingError) -> ProviderRefundStatus {
        APIPixMapping.refundStatus(try await call(.GET, "/pix/\(endToEndId)/devolucao/\(id)", expecting: [200]).json)
    }

    public func registerWebhook(url: String) async throws(InvoicingError) {
        let path = "/webhook/\(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~@+"))) ?? key)"
        _ = try await call(.PUT, path, body: ["webhookUrl": .string(url)], expecting: [200, 201, 204])
    }

    // MARK: HTTP

    /// One API call (see ``BearerJSONAPI``).
    private func call(
        _ method: HTTPMethod, _ path: String, body: JSONValue? = nil, expecting: Set<Int>
    ) async throws(InvoicingError) -> BearerJSONAPI.Answer {
        try await api.call(method, url: configuration.baseURL + path, path: path, body: body, expecting: expecting)
    }
}
