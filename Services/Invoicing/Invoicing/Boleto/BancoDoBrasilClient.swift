import AsyncHTTPClient
import BillingCore
import BillingService
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// What Banco do Brasil gives a beneficiary to use its API Cobranças (v2): the API's URL, the OAuth2 client credentials, the
/// developer application key (`gw-dev-app-key`), the client certificate for mutual TLS, and the collection contract (convênio,
/// carteira and its variação).
public struct BancoDoBrasilConfiguration: Sendable {
    /// e.g. `https://api.bb.com.br/cobrancas/v2` (`/boletos` below it).
    public var baseURL: String
    /// e.g. `https://oauth.bb.com.br/oauth/token`.
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String
    public var applicationKey: String
    public var certificateFile: String
    public var privateKeyFile: String
    public var trustRootsFile: String?
    /// 7 digits.
    public var agreement: String
    public var portfolio: Int
    public var portfolioVariation: Int
    public var timeout: Duration

    static let prefix = "BILLING_INVOICING_BOLETO_BB_"

    public init(
        baseURL: String, tokenURL: String, clientID: String, clientSecret: String, applicationKey: String, certificateFile: String,
        privateKeyFile: String, trustRootsFile: String? = nil, agreement: String, portfolio: Int = 17, portfolioVariation: Int = 35,
        timeout: Duration = .seconds(15)
    ) throws {
        for (name, url) in [("API_URL", baseURL), ("TOKEN_URL", tokenURL)] {
            guard let parsed = URL(string: url), parsed.scheme == "https", parsed.host?.isEmpty == false else {
                throw ConfigurationError(variable: Self.prefix + name, message: "'\(url)' is not an https:// URL")
            }
        }
        guard agreement.count == 7, agreement.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ConfigurationError(variable: Self.prefix + "AGREEMENT", message: "the convênio has 7 digits")
        }
        guard (1...99).contains(portfolio) else { throw ConfigurationError(variable: Self.prefix + "PORTFOLIO", message: "the carteira is 1 to 99") }
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.applicationKey = applicationKey
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.trustRootsFile = trustRootsFile
        self.agreement = agreement
        self.portfolio = portfolio
        self.portfolioVariation = portfolioVariation
        self.timeout = timeout
    }

    /// From `BILLING_INVOICING_BOLETO_BB_*`; every missing setting is named.
    public init(_ reader: ConfigurationReader) throws {
        func required(_ name: String, secret: Bool = false) throws -> String {
            let value = secret ? reader.secretIfSet(Self.prefix + name) : reader.optionalString(Self.prefix + name)
            guard let value else {
                throw ConfigurationError(variable: Self.prefix + name, message: "required with BILLING_INVOICING_BOLETO_PROVIDER=bb")
            }
            return value
        }
        try self.init(
            baseURL: try required("API_URL"), tokenURL: try required("TOKEN_URL"), clientID: try required("CLIENT_ID"),
            clientSecret: try required("CLIENT_SECRET", secret: true), applicationKey: try required("APP_KEY", secret: true),
            certificateFile: try required("CERT_FILE"), privateKeyFile: try required("KEY_FILE"),
            trustRootsFile: reader.optionalString(Self.prefix + "CA_FILE"), agreement: try required("AGREEMENT"),
            portfolio: try reader.int(Self.prefix + "PORTFOLIO", default: 17, range: 1...99),
            portfolioVariation: try reader.int(Self.prefix + "PORTFOLIO_VARIATION", default: 35, range: 0...999),
            timeout: .milliseconds(try reader.int(Self.prefix + "TIMEOUT_MS", default: 15_000, range: 100...120_000)))
    }
}

/// Banco do Brasil's API Cobranças v2: OAuth2 client credentials (scopes `cobrancas.boletos-requisicao` and
/// `cobrancas.boletos-info`) over mutual TLS, the application key on every call (`gw-dev-app-key`), then `POST /boletos`
/// (register, `indicadorPix: S` for the PIX QR), `GET /boletos/{id}?numeroConvenio=` (read) and `POST /boletos/{id}/baixar`
/// (write off). The title id (`numeroTituloCliente`) is `000` + the convênio + our 10-digit sequence, so a retried registration
/// is the same boleto: the bank refuses a number it holds, and the boleto is then read back.
///
/// The bar code's free field for a 7-digit convênio: six zeros, the 17-digit nosso número, the carteira (2).
public final class BancoDoBrasilClient: BoletoProvider {
    public let name = "bb"
    public let bankCode = "001"
    let configuration: BancoDoBrasilConfiguration
    private let api: BearerJSONAPI

    public init(configuration: BancoDoBrasilConfiguration) throws {
        self.configuration = configuration
        api = try BearerJSONAPI(
            certificateFile: configuration.certificateFile, privateKeyFile: configuration.privateKeyFile,
            trustRootsFile: configuration.trustRootsFile, timeout: configuration.timeout, variablePrefix: BancoDoBrasilConfiguration.prefix,
            // BB's OAuth server answers 201 Created with the token.
            credentials: .init(
                tokenURL: configuration.tokenURL, clientID: configuration.clientID, clientSecret: configuration.clientSecret,
                form: "grant_type=client_credentials&scope=cobrancas.boletos-requisicao%20cobrancas.boletos-info", grantedStatuses: [200, 201]),
            party: "the bank", refusedReason: "BOLETO_PROVIDER_REFUSED", problem: Self.problem)
    }

    public func shutdown() async throws { try await api.http.shutdown() }

    deinit { _ = api.http.client.shutdown() }

    // MARK: BoletoProvider

    public func freeField(ourNumber: String) -> String {
        "000000" + ourNumber + String(format: "%02d", configuration.portfolio)
    }

    public func ourNumber(sequence: Int64) -> String {
        configuration.agreement + String(format: "%010lld", sequence)
    }

    /// The bank's title id of our number (20 digits).
    static func titleID(_ ourNumber: String) -> String { "000" + ourNumber }

    public func register(_ request: BoletoRequest) async throws(InvoicingError) -> BoletoState {
        let answer = try await call(
            .POST, "/boletos", body: Self.registrationBody(request, configuration: configuration), expecting: [200, 201, 400])
        if answer.status == 400 {
            // Our number is unique per boleto: a 400 for one the bank holds already (a retried registration) is answered by reading it.
            if let existing = try? await boleto(ourNumber: request.ourNumber) { return existing }
            throw InvoicingError.conflict(
                "the bank refused the boleto: \(Self.problem(answer.json))", reason: "BOLETO_PROVIDER_REFUSED", field: "paymentMethod")
        }
        guard let json = answer.json else { throw InvoicingError.unavailable("the bank answered the registration without a body") }
        return BoletoState(
            ourNumber: request.ourNumber, status: .open, barcode: json["codigoBarraNumerico"]?.stringValue,
            digitableLine: json["linhaDigitavel"]?.stringValue, pixCopyPaste: json["qrCode"]?["emv"]?.stringValue)
    }

    public func boleto(ourNumber: String) async throws(InvoicingError) -> BoletoState? {
        let answer = try await call(
            .GET, "/boletos/\(Self.titleID(ourNumber))?numeroConvenio=\(configuration.agreement)", expecting: [200, 404])
        guard answer.status == 200, let json = answer.json else { return nil }
        return Self.state(json, ourNumber: ourNumber)
    }

    public func cancel(ourNumber: String) async throws(InvoicingError) -> Bool {
        let answer = try await call(
            .POST, "/boletos/\(Self.titleID(ourNumber))/baixar", body: ["numeroConvenio": .string(configuration.agreement)],
            expecting: [200, 400, 404])
        if answer.status == 200 { return true }
        // Refused: written off before (a retry), paid meanwhile, or never registered; the bank's own record says which.
        switch try await boleto(ourNumber: ourNumber)?.status {
        case .paid: return false
        case .open:
            throw InvoicingError.conflict("the bank refused the baixa: \(Self.problem(answer.json))", reason: "BOLETO_PROVIDER_REFUSED")
        case .canceled, nil: return true
        }
    }

    // MARK: Mapping

    /// `POST /boletos`'s body: modality 1 (simples), title kind 2 (duplicata mercantil), no partial payment, the fine (kind 2:
    /// percent, from the day after the due date) and the interest (kind 2: monthly rate), and the PIX QR.
    static func registrationBody(_ request: BoletoRequest, configuration: BancoDoBrasilConfiguration) -> JSONValue {
        var body: [(String, JSONValue)] = [
            ("numeroConvenio", .number(Int(configuration.agreement)!)),
            ("numeroCarteira", .number(configuration.portfolio)),
            ("numeroVariacaoCarteira", .number(configuration.portfolioVariation)),
            ("codigoModalidade", .number(1)),
            ("dataEmissao", .string(bankDate(request.issueDate))),
            ("dataVencimento", .string(bankDate(request.dueDate))),
            ("valorOriginal", .number(request.amount.amountText)),
            ("codigoAceite", .string("N")),
            ("codigoTipoTitulo", .number(2)),
            ("indicadorPermissaoRecebimentoParcial", .string("N")),
            ("numeroTituloBeneficiario", .string(String(request.reference.prefix(15)))),
            ("numeroTituloCliente", .string(titleID(request.ourNumber))),
        ]
        if let fine = request.finePercent, fine > .zero {
            body.append(
                (
                    "multa",
                    .object(
                        JSONObject([
                            ("tipo", .number(2)), ("data", .string(bankDate(nextDay(request.dueDate)))), ("porcentagem", .number(fine)),
                        ]))
                ))
        }
        if let interest = request.monthlyInterestPercent, interest > .zero {
            body.append(("jurosMora", .object(JSONObject([("tipo", .number(2)), ("porcentagem", .number(interest))]))))
        }
        var payer: [(String, JSONValue)] = [
            ("tipoInscricao", .number(request.payer.taxID.count == 11 ? 1 : 2)),
            ("numeroInscricao", .number(Int64(request.payer.taxID) ?? 0)),
            ("nome", .string(String(request.payer.name.prefix(60)))),
        ]
        for (key, value) in [
            ("endereco", request.payer.address), ("cep", request.payer.postalCode), ("cidade", request.payer.city),
            ("bairro", request.payer.district), ("uf", request.payer.state),
        ] {
            if let value { payer.append((key, .string(value))) }
        }
        body.append(("pagador", .object(JSONObject(payer))))
        body.append(("indicadorPix", .string("S")))
        return .object(JSONObject(body))
    }

    /// `GET /boletos/{id}`: `codigoEstadoTituloCobranca` 6 (liquidado) is paid, `valorPagoSacado` on `dataRecebimentoTitulo`;
    /// 5 (devolvido), 7 (baixado) and 10 (baixado a pedido) are closed unpaid; the rest open.
    static func state(_ json: JSONValue, ourNumber: String) -> BoletoState {
        let code = json["codigoEstadoTituloCobranca"]?.decimalValue.flatMap { Int($0.text) } ?? 1
        let status: BoletoState.Status
        switch code {
        case 6:
            status = .paid(
                amount: json["valorPagoSacado"]?.decimalValue ?? DecimalNumber(0), on: json["dataRecebimentoTitulo"]?.stringValue.map(isoDate))
        case 5, 7, 10: status = .canceled
        default: status = .open
        }
        return BoletoState(
            ourNumber: ourNumber, status: status, barcode: json["codigoBarraNumerico"]?.stringValue,
            digitableLine: json["codigoLinhaDigitavel"]?.stringValue ?? json["linhaDigitavel"]?.stringValue,
            pixCopyPaste: json["qrCode"]?["emv"]?.stringValue)
    }

    static func problem(_ json: JSONValue?) -> String {
        let first = json?["erros"]?.arrayValue?.first ?? json?["errors"]?.arrayValue?.first
        let text = first?["mensagem"]?.stringValue ?? first?["message"]?.stringValue ?? json?["message"]?.stringValue
        return String((text ?? "no details").prefix(300))
    }

    /// `YYYY-MM-DD` → `DD.MM.YYYY`, the API's date format.
    static func bankDate(_ day: String) -> String {
        let parts = day.split(separator: "-")
        guard parts.count == 3 else { return day }
        return "\(parts[2]).\(parts[1]).\(parts[0])"
    }

    /// `DD.MM.YYYY` → `YYYY-MM-DD`.
    static func isoDate(_ text: String) -> String {
        let parts = text.split(separator: ".")
        guard parts.count == 3 else { return text }
        return "\(parts[2])-\(parts[1])-\(parts[0])"
    }

    static func nextDay(_ day: String) -> String {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        guard let date = formatter.date(from: day) else { return day }
        return formatter.string(from: date.addingTimeInterval(86_400))
    }

    // MARK: HTTP

    /// One call with the application key (see ``BearerJSONAPI``). Every call is safe to repeat: the registration is named by
    /// our number.
    private func call(
        _ method: HTTPMethod, _ path: String, body: JSONValue? = nil, expecting: Set<Int>
    ) async throws(InvoicingError) -> BearerJSONAPI.Answer {
        let separator = path.contains("?") ? "&" : "?"
        let key = configuration.applicationKey.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return try await api.call(
            method, url: configuration.baseURL + path + separator + "gw-dev-app-key=" + key, path: path, body: body, expecting: expecting)
    }
}
