import BillingCore
import Foundation
import NIOHTTP1
import Synchronization

/// A stand-in for Banco do Brasil's API Cobranças v2 for tests, written from its published document: HTTPS with mutual TLS on
/// 127.0.0.1 (a client certificate from ``certificates``' CA), OAuth 2 client credentials at `/oauth/token`, the developer key
/// `gw-dev-app-key` on every API call, and under `/cobrancas/v2`: `POST /boletos` (register; a `numeroTituloCliente` it holds
/// is refused 400 "Nosso Número já incluído"), `GET /boletos/{id}?numeroConvenio=` and `POST /boletos/{id}/baixar`.
///
/// It builds the bar code and linha digitável itself, by the FEBRABAN layout and BB's free field for a 7-digit convênio (six
/// zeros, nosso número, carteira), and a PIX EMV. Tests play the payer with ``pay(titleID:)``, make it fail with
/// ``failNext(_:)`` or answer a wrong check digit with ``corruptNextRegistration()``, and read ``requests()``.
public final class BancoDoBrasilStandIn: Sendable {
    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let query: [String: String]
        public let body: String
        public let authorization: String?
    }

    public struct Boleto: Sendable {
        public var titleID: String
        public var amount: String
        public var dueDate: String
        public var barcode: String
        public var digitableLine: String
        /// 1 normal (em ser), 6 liquidado, 7 baixado.
        public var state: Int
        public var body: String
    }

    struct State {
        var requests: [Request] = []
        var boletos: [String: Boleto] = [:]
        var tokens: Set<String> = []
        var failures = 0
        var corruptNext = false
    }

    public let certificates: PixStandInCertificates
    public let port: Int
    public let clientID = "bb-client"
    public let clientSecret = "bb-client-secret"
    public let applicationKey = "bb-app-key-0001"
    private let state: Mutex<State>
    private let server: StandInHTTPServer

    public var baseURL: String { "https://localhost:\(port)/cobrancas/v2" }
    public var tokenURL: String { "https://localhost:\(port)/oauth/token" }

    private init(certificates: PixStandInCertificates, server: StandInHTTPServer) {
        self.certificates = certificates
        self.port = server.port
        self.state = Mutex(State())
        self.server = server
    }

    public static func start() async throws -> BancoDoBrasilStandIn {
        let certificates = try PixStandInCertificates.issue()
        let box = StateBox()
        do {
            let server = try await StandInHTTPServer.start(tls: try certificates.serverContext(requireClientCertificate: true)) {
                method, uri, headers, body in box.owner?.handle(method: method, uri: uri, headers: headers, body: body) ?? .empty(503)
            }
            let standIn = BancoDoBrasilStandIn(certificates: certificates, server: server)
            box.owner = standIn
            return standIn
        } catch {
            certificates.remove()
            throw error
        }
    }

    private final class StateBox: @unchecked Sendable {
        weak var owner: BancoDoBrasilStandIn?
    }

    public func stop() async {
        await server.close()
        certificates.remove()
    }

    public func requests() -> [Request] { state.withLock { $0.requests } }
    public func boleto(titleID: String) -> Boleto? { state.withLock { $0.boletos[titleID] } }
    public func boletos() -> [Boleto] { state.withLock { Array($0.boletos.values) } }
    /// The next `count` API calls (not token requests) answer 503.
    public func failNext(_ count: Int) { state.withLock { $0.failures = count } }
    /// The next registration answers a linha digitável whose first field's check digit is wrong.
    public func corruptNextRegistration() { state.withLock { $0.corruptNext = true } }

    /// Pays an open boleto (liquidado, its amount); false when it is not open.
    @discardableResult
    public func pay(titleID: String) -> Bool {
        state.withLock { state in
            guard state.boletos[titleID]?.state == 1 else { return false }
            state.boletos[titleID]?.state = 6
            return true
        }
    }

    // MARK: HTTP

    func handle(method: String, uri: String, headers: HTTPHeaders, body: [UInt8]) -> PixStandInResponse {
        let parts = uri.split(separator: "?", maxSplits: 1)
        let path = String(parts.first ?? "")
        var query: [String: String] = [:]
        for pair in (parts.count > 1 ? parts[1] : "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            query[String(kv[0])] = kv.count > 1 ? String(kv[1]).removingPercentEncoding ?? String(kv[1]) : ""
        }
        let text = String(decoding: body, as: UTF8.self)
        let authorization = headers.first(name: "Authorization")
        state.withLock { $0.requests.append(Request(method: method, path: path, query: query, body: text, authorization: authorization)) }
        if path == "/oauth/token" && method == "POST" {
            let expected = "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
            guard authorization == expected, text.contains("grant_type=client_credentials") else {
                return .json(401, ["error": "invalid_client"])
            }
            let token = UUID().uuidString
            state.withLock { _ = $0.tokens.insert(token) }
            return .json(201, ["access_token": .string(token), "token_type": "Bearer", "expires_in": .number(600)])
        }
        guard let bearer = authorization, bearer.hasPrefix("Bearer "), state.withLock({ $0.tokens.contains(String(bearer.dropFirst(7))) }) else {
            return .json(401, ["error": "invalid_token"])
        }
        guard query["gw-dev-app-key"] == applicationKey else { return Self.error(401, "gw-dev-app-key inválida") }
        if state.withLock({ state in
            guard state.failures > 0 else { return false }
            state.failures -= 1
            return true
        }) {
            return .json(503, ["erros": [["mensagem": "Serviço indisponível"]]])
        }
        let segments = path.split(separator: "/").map(String.init)
        guard segments.count >= 3, segments[0] == "cobrancas", segments[1] == "v2", segments[2] == "boletos" else { return .empty(404) }
        switch (method, segments.count) {
        case ("POST", 3): return register(text)
        case ("GET", 4):
            guard query["numeroConvenio"] != nil else { return Self.error(400, "numeroConvenio é obrigatório") }
            guard let boleto = state.withLock({ $0.boletos[segments[3]] }) else { return Self.error(404, "Boleto não encontrado") }
            return .json(200, Self.detail(boleto))
        case ("POST", 5) where segments[4] == "baixar":
            return state.withLock { state in
                guard var boleto = state.boletos[segments[3]] else { return Self.error(404, "Boleto não encontrado") }
                guard boleto.state == 1 else { return Self.error(400, "Boleto não está em ser") }
                boleto.state = 7
                state.boletos[segments[3]] = boleto
                return .json(200, ["numeroContratoCobranca": "19584", "dataBaixa": "08.12.2026", "horarioBaixa": "10:00:00"])
            }
        default: return .empty(405)
        }
    }

    private func register(_ text: String) -> PixStandInResponse {
        guard let json = try? JSONParser.parse(Array(text.utf8)) else { return Self.error(400, "JSON inválido") }
        guard let convenio = json["numeroConvenio"]?.decimalValue.flatMap({ Int($0.text) }), String(convenio).count == 7,
            let carteira = json["numeroCarteira"]?.decimalValue.flatMap({ Int($0.text) }),
            let titleID = json["numeroTituloCliente"]?.stringValue, titleID.count == 20, titleID.hasPrefix("000" + String(convenio)),
            let due = json["dataVencimento"]?.stringValue, let dueParts = Optional(due.split(separator: ".")), dueParts.count == 3,
            let amount = json["valorOriginal"]?.decimalValue, let cents = try? Money(exactly: amount, currency: .brl).minorUnits,
            json["pagador"]?["numeroInscricao"] != nil, json["dataEmissao"]?.stringValue != nil
        else { return Self.error(400, "Campos obrigatórios ausentes ou inválidos") }
        if state.withLock({ $0.boletos[titleID] != nil }) { return Self.error(400, "Nosso Número já incluído anteriormente.") }
        // FEBRABAN: days since 1997-10-07, restarted at 1000 every 9000 days from 2025-02-22.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let dueDate = calendar.date(from: DateComponents(year: Int(dueParts[2]), month: Int(dueParts[1]), day: Int(dueParts[0]), hour: 12))!
        let base = calendar.date(from: DateComponents(year: 1997, month: 10, day: 7, hour: 12))!
        let days = calendar.dateComponents([.day], from: base, to: dueDate).day!
        let factor = (days - 1000) % 9000 + 1000
        let free = "000000" + titleID.suffix(17) + String(format: "%02d", carteira)
        let partial = "0019" + String(format: "%04d", factor) + String(format: "%010lld", cents) + free
        let weights = partial.reversed().enumerated().map { ($0.element.wholeNumberValue ?? 0) * (2 + $0.offset % 8) }
        var check = 11 - weights.reduce(0, +) % 11
        if check == 0 || check > 9 { check = 1 }
        let barcode = "0019" + String(check) + partial.dropFirst(4)
        func mod10(_ digits: Substring) -> String {
            let sum = digits.reversed().enumerated().map { item -> Int in
                let product = (item.element.wholeNumberValue ?? 0) * (item.offset % 2 == 0 ? 2 : 1)
                return product / 10 + product % 10
            }.reduce(0, +)
            return String((10 - sum % 10) % 10)
        }
        let b = Array(barcode)
        let field1 = Substring(String(b[0..<4]) + String(b[19..<24]))
        let field2 = Substring(String(b[24..<34]))
        let field3 = Substring(String(b[34..<44]))
        var corrupt = false
        state.withLock { state in
            corrupt = state.corruptNext
            state.corruptNext = false
        }
        let firstCheck = corrupt ? String(((Int(mod10(field1)) ?? 0) + 1) % 10) : mod10(field1)
        let line = field1 + firstCheck + field2 + mod10(field2) + field3 + mod10(field3) + String(b[4]) + String(b[5..<19])
        let boleto = Boleto(
            titleID: titleID, amount: amount.text, dueDate: due, barcode: barcode, digitableLine: String(line), state: 1, body: text)
        state.withLock { $0.boletos[titleID] = boleto }
        let emv =
            "00020101021226870014br.gov.bcb.pix2565qrcodepix-h.bb.com.br/pix/v2/cobv/\(titleID)5204000053039865802BR5920BENEFICIARIO TESTE6008BRASILIA62070503***6304ABCD"
        return .json(
            201,
            [
                "numero": .string(titleID), "numeroCarteira": .number(carteira), "numeroVariacaoCarteira": 35, "codigoCliente": 704_950_143,
                "linhaDigitavel": .string(String(line)), "codigoBarraNumerico": .string(barcode), "numeroContratoCobranca": 17_414_296,
                "qrCode": ["url": .string("qrcodepix-h.bb.com.br/pix/v2/cobv/\(titleID)"), "txId": .string(titleID), "emv": .string(emv)],
            ])
    }

    static func detail(_ boleto: Boleto) -> JSONValue {
        [
            "codigoLinhaDigitavel": .string(boleto.digitableLine), "codigoBarraNumerico": .string(boleto.barcode),
            "codigoEstadoTituloCobranca": .number(boleto.state), "valorAtualTituloCobranca": .string(boleto.amount),
            "valorPagoSacado": .string(boleto.state == 6 ? boleto.amount : "0"), "dataVencimentoTituloCobranca": .string(boleto.dueDate),
            "dataRecebimentoTitulo": .string(boleto.state == 6 ? "08.12.2026" : ""),
        ]
    }

    static func error(_ status: Int, _ message: String) -> PixStandInResponse {
        .json(status, ["erros": [["codigo": "4874915", "versao": "1", "mensagem": .string(message), "ocorrencia": "CHOM00000"]]])
    }
}
