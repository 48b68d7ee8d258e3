import BillingCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A stand-in for a Brazilian PSP's "API Pix" (Banco Central's standard API, v2.8.1) for tests: HTTPS with mutual TLS on
/// 127.0.0.1, OAuth 2 client credentials at `/oauth/token`, and under `/api/v2` the immediate charges (`/cob/{txid}`), the
/// charges with a due date (`/cobv/{txid}`), the Pix received (`/pix`, `/pix/{e2eid}`), their refunds
/// (`/pix/{e2eid}/devolucao/{id}`) and the Pix webhook (`/webhook/{chave}`), with the document's bodies, patterns, status
/// codes and `application/problem+json` errors.
///
/// A connection must present a client certificate from the stand-in's CA (``certificates``): clients use
/// `certificates.clientCertificate`/`clientKey` and trust `certificates.caFile`. Tests play the payer with
/// ``pay(txid:amount:webhookDeliveries:)`` and read what the client did with ``requests()``, ``charge(txid:)`` and ``received()``.
public final class PixStandIn: Sendable {
    public let certificates: PixStandInCertificates
    public let port: Int
    public let clientID: String
    public let clientSecret: String
    let backend: PixStandInBackend
    let server: StandInHTTPServer
    /// What the stand-in presents when it delivers a webhook over HTTPS (its server certificate; the receiver is not verified).
    let webhookTLS: NIOSSLContext

    /// The API's base URL, `https://localhost:<port>/api/v2`.
    public var baseURL: String { "https://localhost:\(port)/api/v2" }
    /// The OAuth 2 token endpoint, `https://localhost:<port>/oauth/token`.
    public var tokenURL: String { "https://localhost:\(port)/oauth/token" }

    private init(
        certificates: PixStandInCertificates, clientID: String, clientSecret: String, backend: PixStandInBackend, server: StandInHTTPServer,
        webhookTLS: NIOSSLContext
    ) {
        self.certificates = certificates
        self.port = server.port
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.backend = backend
        self.server = server
        self.webhookTLS = webhookTLS
    }

    /// Issues new certificates and listens on 127.0.0.1 at an ephemeral port.
    /// - Parameters:
    ///   - clientID: the OAuth 2 client ID `/oauth/token` accepts (HTTP Basic, with `clientSecret`).
    ///   - clientSecret: the client's secret.
    ///   - keys: the receiving user's Pix keys: the only `chave` values charges and webhooks may use.
    ///   - tokenLifetimeSeconds: how long an access token is valid (`expires_in`); an expired one is refused with 403.
    public static func start(
        clientID: String = "billing-client", clientSecret: String = "billing-client-secret-0001", keys: [String] = ["pix@standin.example"],
        tokenLifetimeSeconds: Int = 3600
    ) async throws -> PixStandIn {
        let certificates = try PixStandInCertificates.issue()
        do {
            let serverContext = try certificates.serverContext(requireClientCertificate: true)
            let webhookTLS = try certificates.webhookContext()
            let backend = PixStandInBackend(
                clientID: clientID, clientSecret: clientSecret, keys: keys, tokenLifetimeSeconds: tokenLifetimeSeconds)
            let server = try await StandInHTTPServer.start(tls: serverContext) { method, uri, headers, body in
                backend.handle(method: method, uri: uri, headers: headers, body: body)
            }
            return PixStandIn(
                certificates: certificates, clientID: clientID, clientSecret: clientSecret, backend: backend, server: server,
                webhookTLS: webhookTLS)
        } catch {
            certificates.remove()
            throw error
        }
    }

    /// Stops listening, closes open connections and removes the certificate directory.
    public func stop() async {
        await server.close()
        certificates.remove()
    }

    /// Every request received, in order (token requests included).
    public func requests() -> [PixStandInRequest] { backend.state.withLock { $0.requests } }

    /// How many access tokens `/oauth/token` issued.
    public func tokensIssued() -> Int { backend.state.withLock { $0.tokensIssued } }

    /// The charge (cob or cobv) with this txid, as it is now.
    public func charge(txid: String) -> PixStandInCharge? {
        backend.state.withLock { state in state.charges[txid].map { $0.publicCharge } }
    }

    /// Every Pix received, in order, with its refunds (a refund no client has looked at since it was asked for is still
    /// `EM_PROCESSAMENTO`).
    public func received() -> [PixStandInPix] {
        backend.state.withLock { state in state.pix.map { $0.publicPix } }
    }

    /// The `webhookUrl` registered for a key, if any.
    public func webhook(for key: String) -> String? { backend.state.withLock { $0.webhooks[key]?.url } }

    /// The HTTP status of every webhook delivery ``pay(txid:amount:webhookDeliveries:)`` made, in order; 0 for one that got no
    /// answer (connection refused, TLS failure, timeout).
    public func webhookDeliveryStatuses() -> [Int] { backend.state.withLock { $0.webhookDeliveryStatuses } }

    /// Refunds of this Pix that are not done: from now on a client that looks at a refund of it still being processed sees
    /// `NAO_REALIZADO` (motivo "Saldo insuficiente") instead of `DEVOLVIDO`.
    public func refuseRefunds(of endToEndId: String) {
        _ = backend.state.withLock { $0.refusedRefunds.insert(endToEndId) }
    }

    /// Pays the charge as a payer's bank would: the charge becomes `CONCLUIDA`, and a Pix with a new endToEndId
    /// (`E` + the 8-digit ISPB `12345678` + `yyyyMMddHHmm` UTC + 11 random letters and digits), the charge's `valor.original`
    /// (or `amount`), the charge's key and `horario` now is received. Then, when the charge's key has a webhook, posts
    /// `{"pix":[<that Pix>]}` to `<webhookUrl>/pix` (a trailing `/` of the URL is dropped first) `webhookDeliveries` times, one
    /// after the other, over HTTP or HTTPS as the URL says, and records each answer's status (``webhookDeliveryStatuses()``).
    ///
    /// Throws ``PixStandInError`` when there is no such charge, it is not `ATIVA`, it has expired (a cob after `criacao` +
    /// `expiracao`; a cobv after the end of `dataDeVencimento` + `validadeAposVencimento` days, São Paulo time), or `amount`
    /// is not a money value (`^\d{1,10}\.\d{2}$`, more than zero).
    /// - Returns: the new Pix's endToEndId, once the deliveries were made.
    public func pay(txid: String, amount: String? = nil, webhookDeliveries: Int = 1) async throws -> String {
        if let amount, (PixStandInFormat.cents(amount) ?? 0) <= 0 {
            throw PixStandInError(message: "pay(txid: \(txid)): \(amount) is not a money value like 37.00")
        }
        let payment = try backend.state.withLock { state -> Result<(pix: PixStandInBackend.PixRecord, webhook: String?), PixStandInError> in
            let now = PixStandInFormat.nowMilliseconds()
            guard var charge = state.charges[txid] else { return .failure(PixStandInError(message: "pay: no charge with txid \(txid)")) }
            guard charge.status == "ATIVA" else {
                return .failure(PixStandInError(message: "pay: the charge \(txid) is \(charge.status), not ATIVA"))
            }
            guard now <= charge.deadlineMilliseconds else { return .failure(PixStandInError(message: "pay: the charge \(txid) has expired")) }
            let pix = PixStandInBackend.PixRecord(
                endToEndId: PixStandInFormat.endToEndId(at: now, prefix: "E"), txid: txid, amount: amount ?? charge.terms.amount,
                key: charge.terms.key, time: now, payerTaxID: charge.terms.debtorTaxID, refunds: [])
            charge.status = "CONCLUIDA"
            charge.pixIDs.append(pix.endToEndId)
            state.charges[txid] = charge
            state.pix.append(pix)
            return .success((pix, state.webhooks[charge.terms.key]?.url))
        }.get()
        guard let url = payment.webhook, webhookDeliveries > 0 else { return payment.pix.endToEndId }
        let body = JSONWriter.bytes(["pix": [PixStandInBackend.pixJSON(payment.pix, withRefunds: false)]])
        for _ in 0..<webhookDeliveries {
            let status = await deliver(body, to: url)
            backend.state.withLock { $0.webhookDeliveryStatuses.append(status) }
        }
        return payment.pix.endToEndId
    }

    /// Posts a webhook body to `<url>/pix` (a trailing `/` of the URL's path dropped first); the answer's status, or 0 when
    /// there was none.
    private func deliver(_ body: [UInt8], to url: String) async -> Int {
        guard var components = URLComponents(string: url) else { return 0 }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        components.percentEncodedPath = path + "/pix"
        return await PixStandInHTTPSClient.postWebhook(
            body, to: components.string ?? url, headers: [("Content-Type", "application/json")], tls: webhookTLS, timeout: .seconds(30))
    }

    /// Sends `GET /api/v2/cob/<a valid txid>` without an access token over a new TLS connection that trusts the stand-in CA
    /// and presents `certificateFile`/`keyFile` as its client certificate (none when nil), for tests of the mutual TLS.
    /// - Returns: the HTTP status (403, no token) when the stand-in accepted the connection.
    /// - Throws: the TLS or connection error when it refused it (no client certificate, or one from another CA).
    public func probe(certificateFile: String?, keyFile: String?) async throws -> Int {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(certificates.caFile)
        configuration.certificateVerification = .noHostnameVerification
        if let certificateFile, let keyFile {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        }
        let context = try NIOSSLContext(configuration: configuration)
        let response = try await PixStandInHTTPSClient.send(
            method: .GET, host: "127.0.0.1", port: port, path: "/api/v2/cob/probe0000000000000000000000000", headers: [], body: [],
            tls: context, timeout: .seconds(10))
        return response.status
    }
}

/// One request the stand-in received.
public struct PixStandInRequest: Sendable, Hashable {
    public let method: String
    /// The path without the query (`/api/v2/cob/…`), as sent (percent-encoded).
    public let path: String
    /// The query parameters, decoded (`+` is a space, as in a form).
    public let query: [String: String]
    public let body: String
    /// The `Authorization` header, if any.
    public let authorization: String?
    /// The `Content-Type` header, if any.
    public let contentType: String?
}

/// A charge (immediate `cob` or `cobv` with a due date) as the stand-in holds it.
public struct PixStandInCharge: Sendable, Hashable {
    public let txid: String
    /// `revisao`: 0 at creation, one more for every PUT replacing it or PATCH changing it.
    public let revision: Int
    /// `ATIVA`, `CONCLUIDA`, `REMOVIDA_PELO_USUARIO_RECEBEDOR` or `REMOVIDA_PELO_PSP`.
    public let status: String
    /// `valor.original`, such as `37.00`.
    public let amount: String
    /// Seconds after `createdAt` during which the charge can be paid: a cob's `calendario.expiracao`; for a cobv, up to the end
    /// of `dueDate` + `validityAfterDueDays` days (São Paulo time).
    public let expiration: Int
    public let createdAt: Date
    /// `location` (`pix.standin.example/qr/v2/<32 hex>`).
    public let location: String
    /// `calendario.dataDeVencimento` of a cobv (`YYYY-MM-DD`); nil for a cob.
    public let dueDate: String?
    /// `calendario.validadeAposVencimento` of a cobv; nil for a cob.
    public let validityAfterDueDays: Int?
    public let debtorName: String?
    /// `devedor.cpf` or `devedor.cnpj`.
    public let debtorTaxID: String?
    public let key: String
    /// `cob` or `cobv`.
    public let kind: String
}

/// A Pix the stand-in received (made by ``PixStandIn/pay(txid:amount:webhookDeliveries:)``).
public struct PixStandInPix: Sendable, Hashable {
    public let endToEndId: String
    public let txid: String
    public let amount: String
    /// `horario`, to the millisecond.
    public let time: Date
    public let refunds: [PixStandInRefund]
}

/// A refund (devolução) of a Pix.
public struct PixStandInRefund: Sendable, Hashable {
    public let id: String
    public let rtrId: String
    public let amount: String
    /// `EM_PROCESSAMENTO` until a client looks at it, then `DEVOLVIDO` or `NAO_REALIZADO`.
    public let status: String
}

/// Why the stand-in could not do what a test asked.
public struct PixStandInError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }

    public init(message: String) { self.message = message }
}
