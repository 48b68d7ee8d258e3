import AsyncHTTPClient
import BillingCore
import BillingService
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A provider's JSON API behind mutual TLS and OAuth2 client credentials (a PSP's API Pix, Banco do Brasil's API Cobranças): the
/// client certificate and key from PEM files, a token from the token URL (HTTP Basic with the client id and secret), then each
/// call with the bearer token — retried on transport failures and 5xx (three attempts in all, after 0.2 and 0.8 s) and once with
/// a new token on 401/403. Every call made through it must be safe to repeat.
struct BearerJSONAPI: Sendable {
    struct Answer {
        let status: Int
        let json: JSONValue?
    }

    private enum Failure: Error {
        case transient(status: Int)
        case refused(status: Int, detail: String)
    }

    /// The client credentials and where they are exchanged for a token.
    struct Credentials: Sendable {
        let tokenURL: String
        let clientID: String
        let clientSecret: String
        /// The token request's form (`grant_type=client_credentials`, with the scopes a provider wants).
        var form = "grant_type=client_credentials"
        /// The statuses a granted token comes with (Banco do Brasil answers 201).
        var grantedStatuses: Set<Int> = [200]
    }

    let http: ProviderHTTP
    let tokens: OAuthTokenSource
    /// Who answers, as error messages name it ("the PSP", "the bank"), and the reason its refusals carry.
    private let party: String
    private let refusedReason: String
    private let problem: @Sendable (JSONValue?) -> String

    /// `variablePrefix`: the provider's configuration prefix, named when its certificate or key cannot be read.
    init(
        certificateFile: String, privateKeyFile: String, trustRootsFile: String?, timeout: Duration, variablePrefix: String,
        credentials: Credentials, party: String, refusedReason: String, problem: @escaping @Sendable (JSONValue?) -> String
    ) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKeyFile, format: .pem))
        } catch {
            throw ConfigurationError(
                variable: variablePrefix + "CERT_FILE", message: "the client certificate or its key (_KEY_FILE) is unreadable: \(error)")
        }
        let http = ProviderHTTP(tls: tls, trustRootsFile: trustRootsFile, timeout: timeout)
        self.http = http
        self.party = party
        self.refusedReason = refusedReason
        self.problem = problem
        tokens = OAuthTokenSource {
            var request = HTTPClientRequest(url: credentials.tokenURL)
            request.method = .POST
            let basic = Data("\(credentials.clientID):\(credentials.clientSecret)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(basic)")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: credentials.form))
            let (status, body) = try await http.send(request)
            guard credentials.grantedStatuses.contains(status), let json = try? JSONParser.parse(body),
                let token = json["access_token"]?.stringValue, !token.isEmpty
            else {
                throw Failure.refused(status: status, detail: "the OAuth2 token request was refused: \(ProviderHTTP.text(body))")
            }
            let lifetime = json["expires_in"]?.decimalValue.flatMap { Int($0.text) } ?? 300
            return (token, .seconds(max(lifetime, 1)))
        }
    }

    /// One call to `url`; `path` names it in error messages. An answer with a status in `expecting` is returned; another 4xx is
    /// a refusal (409 with `refusedReason`), 5xx and transport failures three times over are 503.
    func call(_ method: HTTPMethod, url: String, path: String, body: JSONValue?, expecting: Set<Int>) async throws(InvoicingError) -> Answer {
        var attempt = 0
        var renewedToken = false
        while true {
            attempt += 1
            do {
                let token = try await tokens.token()
                var request = HTTPClientRequest(url: url)
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
                if status >= 500 { throw Failure.transient(status: status) }
                throw Failure.refused(status: status, detail: problem(json))
            } catch let error as Failure {
                switch error {
                case .refused(let status, let detail):
                    throw InvoicingError.conflict(
                        "\(party) answered \(status) to \(method.rawValue) \(path.prefix(60)): \(detail)", reason: refusedReason)
                case .transient(let status):
                    if attempt >= 3 {
                        throw InvoicingError.unavailable("\(party) answered \(status) to \(method.rawValue) \(path.prefix(60)), three times")
                    }
                }
            } catch {
                if attempt >= 3 {
                    throw InvoicingError.unavailable("\(party) could not be reached (\(method.rawValue) \(path.prefix(60))): \(error)")
                }
            }
            await ProviderHTTP.backoff(after: attempt)
        }
    }
}
