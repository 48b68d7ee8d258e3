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
    private let http: ProviderHTTP
    private let tokens: OAuthTokenSource

    public init(configuration: APIPixConfiguration) throws {
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: configuration.privateKeyFile, format: .pem))
        } catch {
            throw ConfigurationError(
                variable: APIPixConfiguration.prefix + "CERT_FILE", message: "the client certificate or its key (_KEY_FILE) is unreadable: \(error)")
        }
        let http = ProviderHTTP(tls: tls, trustRootsFile: configuration.trustRootsFile, timeout: configuration.timeout)
        self.http = http
        let (tokenURL, clientID, secret) = (configuration.tokenURL, configuration.clientID, configuration.clientSecret)
        tokens = OAuthTokenSource {
            var request = HTTPClientRequest(url: tokenURL)
            request.method = .POST
            let basic = Data("\(clientID):\(secret)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(basic)")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials"))
            let (status, body) = try await http.send(request)
            guard status == 200, let json = try? JSONParser.parse(body), let token = json["access_token"]?.stringValue, !token.isEmpty else {
                throw APIPixError.refused(status: status, detail: "the OAuth2 token request was refused: \(ProviderHTTP.text(body))")
            }
            let lifetime = json["expires_in"]?.decimalValue.flatMap { Int($0.text) } ?? 300
            return (token, .seconds(max(lifetime, 1)))
        }
    }

    /// Closes the client's connections (a client that is dropped shuts down by itself).
    public func shutdown() async throws { try await http.shutdown() }

    deinit { _ = http.client.shutdown() }

    /// How many OAuth2 tokens were requested.
    public var tokenRequests: Int { get async { await tokens.fetches } }

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

    private struct Answer {
        let status: Int
        let json: JSONValue?
    }

    /// One API call with a bearer token; retried on transport failures and 5xx, and once with a new token on 401/403.
    private func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, expecting: Set<Int>) async throws(InvoicingError) -> Answer {
        var attempt = 0
        var renewedToken = false
        while true {
            attempt += 1
            do {
                let token = try await tokens.token()
                var request = HTTPClientRequest(url: configuration.baseURL + path)
                request.method = method
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.headers.add(name: "Accept", value: "application/json")
                if let body {
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(body)))
                }
                let (status, bytes) = try await http.send(request)
                if (status == 401 || status == 403) && !renewedToken {
                    renewedToken = true
                    await tokens.invalidate(token)
                    continue
                }
                let json = bytes.isEmpty ? nil : try? JSONParser.parse(bytes)
                if expecting.contains(status) { return Answer(status: status, json: json) }
                if status >= 500 { throw APIPixError.transient(status: status) }
                throw APIPixError.refused(status: status, detail: APIPixMapping.problem(json))
            } catch let error as APIPixError {
                switch error {
                case .refused(let status, let detail):
                    throw InvoicingError.conflict(
                        "the PSP answered \(status) to \(method.rawValue) \(path.prefix(60)): \(detail)", reason: "PIX_PROVIDER_REFUSED")
                case .transient(let status):
                    if attempt >= 3 {
                        throw InvoicingError.unavailable("the PSP answered \(status) to \(method.rawValue) \(path.prefix(60)), three times")
                    }
                }
            } catch {
                if attempt >= 3 {
                    throw InvoicingError.unavailable("the PSP could not be reached (\(method.rawValue) \(path.prefix(60))): \(error)")
                }
            }
            await ProviderHTTP.backoff(after: attempt)
        }
    }
}

enum APIPixError: Error {
    case transient(status: Int)
    case refused(status: Int, detail: String)
}
