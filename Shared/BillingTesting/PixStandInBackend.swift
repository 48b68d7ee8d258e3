import BillingCore
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// An answer of the stand-in.
struct PixStandInResponse: Sendable {
    var status: Int
    var contentType: String?
    var body: [UInt8]
    var headers: [(String, String)] = []
    /// Runs once the answer has been written (a stand-in delivers the webhooks a request caused only then).
    var afterSent: (@Sendable () -> Void)? = nil

    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> PixStandInResponse {
        PixStandInResponse(status: status, contentType: "application/json", body: JSONWriter.bytes(value), headers: headers)
    }

    static func empty(_ status: Int) -> PixStandInResponse { PixStandInResponse(status: status, contentType: nil, body: []) }
}

/// A violation in a problem+json answer (`violacoes`).
struct PixStandInViolation: Sendable {
    let reason: String
    let property: String
}

/// The stand-in's state and its HTTP API; every request is answered at once under the lock.
final class PixStandInBackend: Sendable {
    let clientID: String
    let clientSecret: String
    let keys: Set<String>
    let tokenLifetimeSeconds: Int
    let state = Mutex(State())

    struct State {
        var requests: [PixStandInRequest] = []
        /// Access token → when it expires (milliseconds since 1970).
        var tokens: [String: Int64] = [:]
        var tokensIssued = 0
        var charges: [String: ChargeRecord] = [:]
        var nextLocationID = 1
        var pix: [PixRecord] = []
        var webhooks: [String: WebhookRecord] = [:]
        var refusedRefunds: Set<String> = []
        var webhookDeliveryStatuses: [Int] = []

        func pixIndex(_ endToEndId: String) -> Int? { pix.firstIndex { $0.endToEndId == endToEndId } }

        /// Gives every refund of the Pix still being processed its final status: a client is looking at it.
        mutating func settleRefunds(ofPixAt index: Int, now: Int64) {
            let refused = refusedRefunds.contains(pix[index].endToEndId)
            for refundIndex in pix[index].refunds.indices where pix[index].refunds[refundIndex].status == "EM_PROCESSAMENTO" {
                if refused {
                    pix[index].refunds[refundIndex].status = "NAO_REALIZADO"
                    pix[index].refunds[refundIndex].reason = "Saldo insuficiente"
                } else {
                    pix[index].refunds[refundIndex].status = "DEVOLVIDO"
                    pix[index].refunds[refundIndex].settledAt = now
                }
            }
        }
    }

    enum ChargeKind: String, Sendable {
        case cob, cobv

        /// The problem types and property prefix of this kind.
        var invalidOperation: String { self == .cob ? "CobOperacaoInvalida" : "CobVOperacaoInvalida" }
        var notFound: String { self == .cob ? "CobNaoEncontrado" : "CobVNaoEncontrada" }
        var invalidQuery: String { self == .cob ? "CobConsultaInvalida" : "CobVConsultaInvalida" }
    }

    struct ChargeRecord: Sendable {
        let kind: ChargeKind
        let txid: String
        var revision: Int
        var status: String
        let createdAt: Int64
        let locationID: Int
        let location: String
        var terms: PixStandInChargeTerms
        /// The request body the terms came from, which a PATCH changes.
        var request: JSONObject
        /// The CobGerada of every earlier revision (index = revision).
        var history: [JSONObject]
        var pixIDs: [String]

        /// The last millisecond the charge can be paid.
        var deadlineMilliseconds: Int64 {
            if let dueDate = terms.dueDate, let validity = terms.validityAfterDueDays {
                return PixStandInFormat.endOfDayInSaoPaulo(dueDate, plusDays: validity)
            }
            return createdAt + Int64(terms.expiration ?? 86_400) * 1000
        }

        var publicCharge: PixStandInCharge {
            PixStandInCharge(
                txid: txid, revision: revision, status: status, amount: terms.amount,
                expiration: Int((deadlineMilliseconds - createdAt) / 1000), createdAt: PixStandInFormat.date(createdAt), location: location,
                dueDate: terms.dueDate, validityAfterDueDays: terms.validityAfterDueDays, debtorName: terms.debtorName,
                debtorTaxID: terms.debtorTaxID, key: terms.key, kind: kind.rawValue)
        }
    }

    struct PixRecord: Sendable {
        let endToEndId: String
        let txid: String
        let amount: String
        let key: String
        let time: Int64
        let payerTaxID: String?
        var refunds: [RefundRecord]

        var publicPix: PixStandInPix {
            PixStandInPix(
                endToEndId: endToEndId, txid: txid, amount: amount, time: PixStandInFormat.date(time),
                refunds: refunds.map { PixStandInRefund(id: $0.id, rtrId: $0.rtrId, amount: $0.amount, status: $0.status) })
        }
    }

    struct RefundRecord: Sendable {
        let id: String
        let rtrId: String
        let amount: String
        let nature: String?
        let description: String?
        let requestedAt: Int64
        var status: String
        var settledAt: Int64?
        var reason: String?
    }

    struct WebhookRecord: Sendable {
        let url: String
        let createdAt: Int64
    }

    static let recipient: JSONValue = [
        "cnpj": "12345678000195", "nome": "PSP Stand-in Recebedor", "logradouro": "Rua A, 1", "cidade": "Sao Paulo", "uf": "SP",
        "cep": "01000000",
    ]

    static let scopes = "cob.write cob.read cobv.write cobv.read pix.write pix.read webhook.write webhook.read"

    init(clientID: String, clientSecret: String, keys: [String], tokenLifetimeSeconds: Int) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.keys = Set(keys)
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
    }

    // MARK: - Requests

    /// Answers one request (`uri` with its query).
    func handle(method: String, uri: String, headers: HTTPHeaders, body: [UInt8]) -> PixStandInResponse {
        let (path, query) = Self.split(uri)
        let authorization = headers.first(name: "Authorization")
        return state.withLock { state in
            state.requests.append(
                PixStandInRequest(
                    method: method, path: path, query: query, body: String(decoding: body, as: UTF8.self), authorization: authorization,
                    contentType: headers.first(name: "Content-Type")))
            let now = PixStandInFormat.nowMilliseconds()
            if path == "/oauth/token" {
                return token(method: method, headers: headers, body: body, now: now, state: &state)
            }
            guard path == "/api/v2" || path.hasPrefix("/api/v2/") else { return Self.problem("NaoEncontrado", detail: "Entidade não encontrada.") }
            guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer ",
                let expiry = state.tokens[String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)], now < expiry
            else {
                return Self.problem(
                    "AcessoNegado", detail: "Requisição de participante autenticado que viola alguma regra de autorização.")
            }
            let segments = path.dropFirst("/api/v2/".count).split(separator: "/", omittingEmptySubsequences: false).map {
                String($0).removingPercentEncoding ?? String($0)
            }
            return route(method: method, segments: segments, query: query, body: body, now: now, state: &state)
        }
    }

    private func route(
        method: String, segments: [String], query: [String: String], body: [UInt8], now: Int64, state: inout State
    ) -> PixStandInResponse {
        switch (segments.count, segments[0]) {
        case (2, "cob"), (2, "cobv"):
            let kind: ChargeKind = segments[0] == "cob" ? .cob : .cobv
            switch method {
            case "PUT": return putCharge(kind, txid: segments[1], body: body, now: now, state: &state)
            case "GET": return getCharge(kind, txid: segments[1], query: query, now: now, state: &state)
            case "PATCH": return patchCharge(kind, txid: segments[1], body: body, now: now, state: &state)
            default: return Self.methodNotAllowed(["GET", "PUT", "PATCH"])
            }
        case (1, "pix"):
            guard method == "GET" else { return Self.methodNotAllowed(["GET"]) }
            return listPix(query: query, now: now, state: &state)
        case (2, "pix"):
            guard method == "GET" else { return Self.methodNotAllowed(["GET"]) }
            guard PixStandInFormat.isAlphanumeric(segments[1], length: 32...32), let index = state.pixIndex(segments[1]) else {
                return Self.problem("PixNaoEncontrado", detail: "Pix não encontrado para o e2eid informado.")
            }
            state.settleRefunds(ofPixAt: index, now: now)
            return .json(200, Self.pixJSON(state.pix[index], withRefunds: true))
        case (4, "pix") where segments[2] == "devolucao":
            switch method {
            case "PUT": return putRefund(endToEndId: segments[1], id: segments[3], body: body, now: now, state: &state)
            case "GET": return getRefund(endToEndId: segments[1], id: segments[3], now: now, state: &state)
            default: return Self.methodNotAllowed(["GET", "PUT"])
            }
        case (2, "webhook"):
            switch method {
            case "PUT": return putWebhook(key: segments[1], body: body, now: now, state: &state)
            case "GET":
                guard let webhook = state.webhooks[segments[1]] else {
                    return Self.problem("WebhookNaoEncontrado", detail: "Não há webhook configurado para a chave informada.")
                }
                return .json(
                    200,
                    [
                        "webhookUrl": .string(webhook.url), "chave": .string(segments[1]),
                        "criacao": .string(PixStandInFormat.timestamp(webhook.createdAt)),
                    ])
            case "DELETE":
                guard state.webhooks.removeValue(forKey: segments[1]) != nil else {
                    return Self.problem("WebhookNaoEncontrado", detail: "Não há webhook configurado para a chave informada.")
                }
                return .empty(204)
            default: return Self.methodNotAllowed(["GET", "PUT", "DELETE"])
            }
        default:
            return Self.problem("NaoEncontrado", detail: "Entidade não encontrada.")
        }
    }

    // MARK: - OAuth 2

    private func token(method: String, headers: HTTPHeaders, body: [UInt8], now: Int64, state: inout State) -> PixStandInResponse {
        guard method == "POST" else {
            return PixStandInResponse.json(
                405, ["error": "invalid_request", "error_description": "use POST"], headers: [("Allow", "POST")])
        }
        let noStore = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
        var credentials: (String, String)?
        if let header = headers.first(name: "Authorization"), header.count > 6, header.prefix(6).lowercased() == "basic ",
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        {
            credentials = (String(text[..<colon]), String(text[text.index(after: colon)...]))
        }
        guard let credentials, credentials.0 == clientID, credentials.1 == clientSecret else {
            return .json(
                401, ["error": "invalid_client", "error_description": "Client authentication failed."],
                headers: noStore + [("WWW-Authenticate", "Basic realm=\"pix\"")])
        }
        let contentType = headers.first(name: "Content-Type")?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            return .json(
                400, ["error": "invalid_request", "error_description": "Content-Type must be application/x-www-form-urlencoded."],
                headers: noStore)
        }
        let form = PixStandInFormat.formFields(String(decoding: body, as: UTF8.self))
        guard let grant = form["grant_type"] else {
            return .json(400, ["error": "invalid_request", "error_description": "grant_type is missing."], headers: noStore)
        }
        guard grant == "client_credentials" else {
            return .json(400, ["error": "unsupported_grant_type"], headers: noStore)
        }
        let token = PixStandInFormat.randomHex(bytes: 16)
        state.tokens[token] = now + Int64(tokenLifetimeSeconds) * 1000
        state.tokensIssued += 1
        return .json(
            200,
            [
                "access_token": .string(token), "token_type": "Bearer", "expires_in": .number(tokenLifetimeSeconds),
                "scope": .string(Self.scopes),
            ], headers: noStore)
    }

    // MARK: - Charges

    private func putCharge(_ kind: ChargeKind, txid: String, body: [UInt8], now: Int64, state: inout State) -> PixStandInResponse {
        let prefix = kind.rawValue
        guard PixStandInFormat.isAlphanumeric(txid, length: 26...35) else {
            return Self.invalid(kind, [PixStandInViolation(reason: "O txid deve ter de 26 a 35 letras e algarismos.", property: "\(prefix).txid")])
        }
        guard let request = Self.object(body) else {
            return Self.invalid(kind, [PixStandInViolation(reason: "O corpo da requisição não é um objeto JSON.", property: prefix)])
        }
        // A due date may not be before the charge's creation (the first PUT's, for one that replaces it).
        let terms: PixStandInChargeTerms
        switch PixStandInChargeTerms.validate(request, kind: kind, keys: keys, createdAt: state.charges[txid]?.createdAt ?? now) {
        case .invalid(let violations): return Self.invalid(kind, violations)
        case .valid(let validated): terms = validated
        }
        if var charge = state.charges[txid] {
            guard charge.kind == kind else {
                return Self.invalid(
                    kind,
                    [
                        PixStandInViolation(
                            reason: "O txid já é usado por uma cobrança do tipo \(charge.kind.rawValue).", property: "\(prefix).txid")
                    ])
            }
            guard charge.status == "ATIVA" else {
                return Self.invalid(
                    kind,
                    [
                        PixStandInViolation(
                            reason: "A cobrança já existe, não está no status ATIVA, e a presente requisição busca alterá-la.",
                            property: "\(prefix).status")
                    ])
            }
            charge.history.append(Self.chargeJSON(charge))
            charge.revision += 1
            charge.terms = terms
            charge.request = request
            state.charges[txid] = charge
            return .json(201, .object(Self.chargeJSON(charge)))
        }
        let charge = ChargeRecord(
            kind: kind, txid: txid, revision: 0, status: "ATIVA", createdAt: now, locationID: state.nextLocationID,
            location: "pix.standin.example/qr/v2/" + PixStandInFormat.randomHex(bytes: 16), terms: terms, request: request, history: [],
            pixIDs: [])
        state.nextLocationID += 1
        state.charges[txid] = charge
        return .json(201, .object(Self.chargeJSON(charge)))
    }

    private func getCharge(_ kind: ChargeKind, txid: String, query: [String: String], now: Int64, state: inout State) -> PixStandInResponse {
        guard let charge = state.charges[txid], charge.kind == kind else {
            return Self.problem(kind.notFound, detail: "Cobrança não encontrada para o txid informado.")
        }
        var json = Self.chargeJSON(charge)
        if let text = query["revisao"] {
            guard let revision = Int(text), revision >= 0, revision <= charge.revision else {
                return Self.problem(
                    kind.invalidQuery, detail: "A revisão informada não existe.",
                    violations: [PixStandInViolation(reason: "Revisão inexistente.", property: "revisao")])
            }
            if revision < charge.revision { json = charge.history[revision] }
        }
        var pix: [JSONValue] = []
        for id in charge.pixIDs {
            guard let index = state.pixIndex(id) else { continue }
            state.settleRefunds(ofPixAt: index, now: now)
            pix.append(Self.pixJSON(state.pix[index], withRefunds: true))
        }
        json["pix"] = .array(pix)
        return .json(200, .object(json))
    }

    private func patchCharge(_ kind: ChargeKind, txid: String, body: [UInt8], now: Int64, state: inout State) -> PixStandInResponse {
        let prefix = kind.rawValue
        guard var charge = state.charges[txid], charge.kind == kind else {
            return Self.problem(kind.notFound, detail: "Cobrança não encontrada para o txid informado.")
        }
        guard let patch = Self.object(body) else {
            return Self.invalid(kind, [PixStandInViolation(reason: "O corpo da requisição não é um objeto JSON.", property: prefix)])
        }
        guard charge.status == "ATIVA" else {
            return Self.invalid(
                kind,
                [
                    PixStandInViolation(
                        reason: "A cobrança não está no status ATIVA e não pode ser revisada.", property: "\(prefix).status")
                ])
        }
        if let status = patch["status"] {
            guard status.stringValue == "REMOVIDA_PELO_USUARIO_RECEBEDOR" else {
                return Self.invalid(
                    kind,
                    [
                        PixStandInViolation(
                            reason: "O status só pode ser alterado para REMOVIDA_PELO_USUARIO_RECEBEDOR.", property: "\(prefix).status")
                    ])
            }
            guard patch.count == 1 else {
                return Self.invalid(
                    kind,
                    [
                        PixStandInViolation(
                            reason: "A remoção da cobrança não pode ser pedida junto com outras alterações.", property: "\(prefix).status")
                    ])
            }
            charge.history.append(Self.chargeJSON(charge))
            charge.revision += 1
            charge.status = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
            state.charges[txid] = charge
            return .json(200, .object(Self.chargeJSON(charge)))
        }
        var merged = charge.request
        for (key, value) in patch.pairs {
            if key == "calendario" || key == "valor", let old = merged[key]?.objectValue, let new = value.objectValue {
                var combined = old
                for (innerKey, innerValue) in new.pairs { combined[innerKey] = innerValue }
                merged[key] = .object(combined)
            } else {
                merged[key] = value
            }
        }
        switch PixStandInChargeTerms.validate(merged, kind: kind, keys: keys, createdAt: charge.createdAt) {
        case .invalid(let violations): return Self.invalid(kind, violations)
        case .valid(let terms):
            if merged != charge.request {
                charge.history.append(Self.chargeJSON(charge))
                charge.revision += 1
                charge.terms = terms
                charge.request = merged
                state.charges[txid] = charge
            }
            return .json(200, .object(Self.chargeJSON(charge)))
        }
    }

    /// CobGerada or CobVGerada.
    static func chargeJSON(_ charge: ChargeRecord) -> JSONObject {
        let created = JSONValue.string(PixStandInFormat.timestamp(charge.createdAt))
        var json = JSONObject()
        switch charge.kind {
        case .cob:
            json["calendario"] = ["criacao": created, "expiracao": .number(charge.terms.expiration ?? 86_400)]
        case .cobv:
            json["calendario"] = [
                "criacao": created, "dataDeVencimento": .string(charge.terms.dueDate ?? ""),
                "validadeAposVencimento": .number(charge.terms.validityAfterDueDays ?? 30),
            ]
        }
        json["txid"] = .string(charge.txid)
        json["revisao"] = .number(charge.revision)
        json["loc"] = [
            "id": .number(charge.locationID), "location": .string(charge.location), "tipoCob": .string(charge.kind.rawValue), "criacao": created,
        ]
        json["location"] = .string(charge.location)
        json["status"] = .string(charge.status)
        if let debtor = charge.terms.debtor { json["devedor"] = .object(debtor) }
        if charge.kind == .cobv { json["recebedor"] = recipient }
        json["valor"] = .object(charge.terms.valor)
        json["chave"] = .string(charge.terms.key)
        if let request = charge.terms.payerRequest { json["solicitacaoPagador"] = .string(request) }
        if let info = charge.terms.additionalInfo { json["infoAdicionais"] = .array(info) }
        json["pixCopiaECola"] = .string(PixStandInFormat.dynamicBRCode(location: charge.location))
        return json
    }

    // MARK: - Pix

    private func listPix(query: [String: String], now: Int64, state: inout State) -> PixStandInResponse {
        var violations: [PixStandInViolation] = []
        let start = query["inicio"].flatMap(RFC3339.parse)
        let end = query["fim"].flatMap(RFC3339.parse)
        if start == nil {
            violations.append(
                PixStandInViolation(reason: "O parâmetro inicio é obrigatório e deve ser uma data-hora RFC 3339.", property: "inicio"))
        }
        if end == nil {
            violations.append(PixStandInViolation(reason: "O parâmetro fim é obrigatório e deve ser uma data-hora RFC 3339.", property: "fim"))
        }
        if let start, let end, end < start {
            violations.append(PixStandInViolation(reason: "O fim é anterior ao inicio.", property: "fim"))
        }
        let txid = query["txid"]
        if let txid, !PixStandInFormat.isAlphanumeric(txid, length: 1...35) {
            violations.append(PixStandInViolation(reason: "O txid deve ter de 1 a 35 letras e algarismos.", property: "txid"))
        }
        var flags: [String: Bool] = [:]
        for name in ["txIdPresente", "devolucaoPresente"] {
            guard let text = query[name] else { continue }
            if text == "true" || text == "false" {
                flags[name] = text == "true"
            } else {
                violations.append(PixStandInViolation(reason: "O parâmetro \(name) deve ser true ou false.", property: name))
            }
        }
        let cpf = query["cpf"]
        let cnpj = query["cnpj"]
        if let cpf, !PixStandInFormat.isDigits(cpf, count: 11) {
            violations.append(PixStandInViolation(reason: "O cpf deve ter 11 algarismos.", property: "cpf"))
        }
        if let cnpj, !PixStandInFormat.isDigits(cnpj, count: 14) {
            violations.append(PixStandInViolation(reason: "O cnpj deve ter 14 algarismos.", property: "cnpj"))
        }
        if cpf != nil && cnpj != nil {
            violations.append(PixStandInViolation(reason: "Os parâmetros cpf e cnpj não podem ser usados juntos.", property: "cpf"))
        }
        let page = query["paginacao.paginaAtual"].map { Int($0) ?? -1 } ?? 0
        let perPage = query["paginacao.itensPorPagina"].map { Int($0) ?? -1 } ?? 100
        if page < 0 {
            violations.append(PixStandInViolation(reason: "paginacao.paginaAtual deve ser um inteiro ≥ 0.", property: "paginacao.paginaAtual"))
        }
        if !(1...1000).contains(perPage) {
            violations.append(
                PixStandInViolation(reason: "paginacao.itensPorPagina deve ser um inteiro de 1 a 1000.", property: "paginacao.itensPorPagina"))
        }
        guard violations.isEmpty, let start, let end else {
            return Self.problem(
                "PixConsultaInvalida", detail: "Os parâmetros da consulta de Pix recebidos são inválidos.", violations: violations)
        }
        let startMicros = RFC3339.microsecondsSince1970(start)
        let endMicros = RFC3339.microsecondsSince1970(end)
        var matching: [Int] = state.pix.indices.filter { index in
            let pix = state.pix[index]
            let micros = pix.time * 1000
            guard micros >= startMicros, micros <= endMicros else { return false }
            if let txid, pix.txid != txid { return false }
            if let present = flags["txIdPresente"], present == pix.txid.isEmpty { return false }
            if let present = flags["devolucaoPresente"], present == pix.refunds.isEmpty { return false }
            if let taxID = cpf ?? cnpj, pix.payerTaxID != taxID { return false }
            return true
        }
        matching.sort { state.pix[$0].time < state.pix[$1].time }
        let pages = max(1, (matching.count + perPage - 1) / perPage)
        let first = page < pages ? page * perPage : matching.count
        let items = matching[first..<min(matching.count, first + perPage)].map { index -> JSONValue in
            state.settleRefunds(ofPixAt: index, now: now)
            return Self.pixJSON(state.pix[index], withRefunds: true)
        }
        var parameters = JSONObject()
        parameters["inicio"] = .string(query["inicio"] ?? "")
        parameters["fim"] = .string(query["fim"] ?? "")
        for name in ["txid", "txIdPresente", "devolucaoPresente", "cpf", "cnpj"] {
            guard let value = query[name] else { continue }
            parameters[name] = name.hasSuffix("Presente") ? .bool(value == "true") : .string(value)
        }
        parameters["paginacao"] = [
            "paginaAtual": .number(page), "itensPorPagina": .number(perPage), "quantidadeDePaginas": .number(pages),
            "quantidadeTotalDeItens": .number(matching.count),
        ]
        return .json(200, ["parametros": .object(parameters), "pix": .array(items)])
    }

    /// A Pix object; `withRefunds` adds `devolucoes` (always an array) as the API's reads do.
    static func pixJSON(_ pix: PixRecord, withRefunds: Bool) -> JSONValue {
        var json = JSONObject()
        json["endToEndId"] = .string(pix.endToEndId)
        json["txid"] = .string(pix.txid)
        json["valor"] = .string(pix.amount)
        json["chave"] = .string(pix.key)
        json["horario"] = .string(PixStandInFormat.timestamp(pix.time))
        if withRefunds || !pix.refunds.isEmpty { json["devolucoes"] = .array(pix.refunds.map(refundJSON)) }
        return .object(json)
    }

    static func refundJSON(_ refund: RefundRecord) -> JSONValue {
        var json = JSONObject()
        json["id"] = .string(refund.id)
        json["rtrId"] = .string(refund.rtrId)
        json["valor"] = .string(refund.amount)
        if let nature = refund.nature { json["natureza"] = .string(nature) }
        if let description = refund.description { json["descricao"] = .string(description) }
        var time = JSONObject()
        time["solicitacao"] = .string(PixStandInFormat.timestamp(refund.requestedAt))
        if let settledAt = refund.settledAt { time["liquidacao"] = .string(PixStandInFormat.timestamp(settledAt)) }
        json["horario"] = .object(time)
        json["status"] = .string(refund.status)
        if let reason = refund.reason { json["motivo"] = .string(reason) }
        return .object(json)
    }

    // MARK: - Refunds

    private func putRefund(endToEndId: String, id: String, body: [UInt8], now: Int64, state: inout State) -> PixStandInResponse {
        guard PixStandInFormat.isAlphanumeric(endToEndId, length: 32...32), let index = state.pixIndex(endToEndId) else {
            return Self.problem("PixNaoEncontrado", detail: "Pix não encontrado para o e2eid informado.")
        }
        func invalid(_ reason: String, _ property: String) -> PixStandInResponse {
            Self.problem(
                "PixDevolucaoInvalida", detail: "A requisição de devolução não respeita o schema ou está semanticamente errada.",
                violations: [PixStandInViolation(reason: reason, property: property)])
        }
        guard PixStandInFormat.isAlphanumeric(id, length: 1...35) else { return invalid("O id deve ter de 1 a 35 letras e algarismos.", "id") }
        guard let request = Self.object(body) else { return invalid("O corpo da requisição não é um objeto JSON.", "devolucao") }
        guard let amount = request["valor"]?.stringValue, let cents = PixStandInFormat.cents(amount), cents > 0 else {
            return invalid("O campo valor não respeita o schema.", "devolucao.valor")
        }
        var nature: String?
        if let value = request["natureza"] {
            guard let text = value.stringValue, text == "ORIGINAL" || text == "RETIRADA" else {
                return invalid("A natureza deve ser ORIGINAL ou RETIRADA.", "devolucao.natureza")
            }
            guard text == "ORIGINAL" else { return invalid("O Pix não tem saque nem troco para devolver.", "devolucao.natureza") }
            nature = text
        }
        var description: String?
        if let value = request["descricao"] {
            guard let text = value.stringValue, text.count <= 140 else {
                return invalid("A descricao deve ser um texto de até 140 caracteres.", "devolucao.descricao")
            }
            description = text
        }
        let pix = state.pix[index]
        guard !pix.refunds.contains(where: { $0.id == id }) else { return invalid("id já utilizado", "id") }
        let refunded = pix.refunds.filter { $0.status != "NAO_REALIZADO" }.reduce(Int64(0)) { $0 + (PixStandInFormat.cents($1.amount) ?? 0) }
        guard refunded + cents <= PixStandInFormat.cents(pix.amount) ?? 0 else {
            return invalid("O valor da devolução excede o valor do Pix ainda não devolvido.", "devolucao.valor")
        }
        let refund = RefundRecord(
            id: id, rtrId: PixStandInFormat.endToEndId(at: now, prefix: "D"), amount: amount, nature: nature, description: description,
            requestedAt: now, status: "EM_PROCESSAMENTO", settledAt: nil, reason: nil)
        state.pix[index].refunds.append(refund)
        return .json(201, Self.refundJSON(refund))
    }

    private func getRefund(endToEndId: String, id: String, now: Int64, state: inout State) -> PixStandInResponse {
        guard let index = state.pixIndex(endToEndId), state.pix[index].refunds.contains(where: { $0.id == id }) else {
            return Self.problem("PixDevolucaoNaoEncontrada", detail: "Devolução não encontrada para o e2eid e o id informados.")
        }
        state.settleRefunds(ofPixAt: index, now: now)
        return .json(200, Self.refundJSON(state.pix[index].refunds.first { $0.id == id }!))
    }

    // MARK: - Webhook

    private func putWebhook(key: String, body: [UInt8], now: Int64, state: inout State) -> PixStandInResponse {
        func invalid(_ reason: String, _ property: String) -> PixStandInResponse {
            Self.problem(
                "WebhookOperacaoInvalida",
                detail: "A requisição de configuração do webhook não respeita o schema ou está semanticamente errada.",
                violations: [PixStandInViolation(reason: reason, property: property)])
        }
        guard keys.contains(key) else { return invalid("A chave não pertence a este usuário recebedor.", "chave") }
        guard let request = Self.object(body) else { return invalid("O corpo da requisição não é um objeto JSON.", "webhook") }
        guard let url = request["webhookUrl"]?.stringValue, url.hasPrefix("http://") || url.hasPrefix("https://"),
            URLComponents(string: url)?.host?.isEmpty == false
        else {
            return invalid("O campo webhookUrl é obrigatório e deve ser uma URL http:// ou https://.", "webhookUrl")
        }
        state.webhooks[key] = WebhookRecord(url: url, createdAt: now)
        return .empty(200)
    }

    // MARK: - Helpers

    static let titles: [String: String] = [
        "RequisicaoInvalida": "Requisição inválida.", "AcessoNegado": "Acesso Negado", "NaoEncontrado": "Não Encontrado",
        "CobOperacaoInvalida": "Cobrança inválida.", "CobNaoEncontrado": "Cobrança não encontrada.",
        "CobConsultaInvalida": "Consulta de cobrança inválida.", "CobVOperacaoInvalida": "Cobrança inválida.",
        "CobVNaoEncontrada": "Cobrança não encontrada.", "CobVConsultaInvalida": "Consulta de cobrança inválida.",
        "PixNaoEncontrado": "Pix não encontrado.", "PixConsultaInvalida": "Consulta inválida.",
        "PixDevolucaoInvalida": "Devolução inválida.", "PixDevolucaoNaoEncontrada": "Devolução não encontrada.",
        "WebhookOperacaoInvalida": "Webhook inválido.", "WebhookNaoEncontrado": "Webhook não encontrado.",
    ]

    /// A problem+json answer; the status follows from the type's name.
    static func problem(_ type: String, detail: String, violations: [PixStandInViolation] = [], status: Int? = nil) -> PixStandInResponse {
        let status =
            status
            ?? (type == "AcessoNegado" ? 403 : type.hasSuffix("NaoEncontrado") || type.hasSuffix("NaoEncontrada") ? 404 : 400)
        var json = JSONObject()
        json["type"] = .string("https://pix.bcb.gov.br/api/v2/error/\(type)")
        json["title"] = .string(titles[type] ?? type)
        json["status"] = .number(status)
        json["detail"] = .string(detail)
        json["correlationId"] = .string(PixStandInFormat.randomHex(bytes: 8))
        if !violations.isEmpty {
            json["violacoes"] = .array(violations.map { ["razao": .string($0.reason), "propriedade": .string($0.property)] })
        }
        return PixStandInResponse(status: status, contentType: "application/problem+json", body: JSONWriter.bytes(.object(json)))
    }

    static func invalid(_ kind: ChargeKind, _ violations: [PixStandInViolation]) -> PixStandInResponse {
        let detail =
            kind == .cob
            ? "A requisição que busca alterar ou criar uma cobrança para pagamento imediato não respeita o _schema_ ou está "
                + "semanticamente errada."
            : "A requisição que busca alterar ou criar uma cobrança com vencimento não respeita o _schema_ ou está semanticamente errada."
        return problem(kind.invalidOperation, detail: detail, violations: violations)
    }

    static func methodNotAllowed(_ allowed: [String]) -> PixStandInResponse {
        var response = problem("RequisicaoInvalida", detail: "Método não permitido neste recurso.", status: 405)
        response.headers.append(("Allow", allowed.joined(separator: ", ")))
        return response
    }

    static func object(_ body: [UInt8]) -> JSONObject? { (try? JSONParser.parse(body))?.objectValue }

    /// `/a/b?x=1&y=2` → (`/a/b`, decoded query).
    static func split(_ uri: String) -> (String, [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        return (String(uri[..<mark]), PixStandInFormat.formFields(String(uri[uri.index(after: mark)...])))
    }
}
