import BillingService
import Foundation

/// What a PSP gives its customer to use API Pix: the API's URL, OAuth2 client credentials, the client certificate for mutual TLS,
/// and the receiving key (`chave`) registered at that PSP.
public struct APIPixConfiguration: Sendable {
    /// The API's base, e.g. `https://pix.psp.example/api/v2` (`/cob/{txid}` and the others are below it).
    public var baseURL: String
    /// The OAuth2 token endpoint (client credentials); by default `/oauth/token` on the API's host.
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String
    /// PEM files: the client certificate (chain) and its key the PSP issued, and the CA to trust for the PSP's server
    /// certificate (nil: the system's roots).
    public var certificateFile: String
    public var privateKeyFile: String
    public var trustRootsFile: String?
    public var key: String
    public var timeout: Duration

    public init(
        baseURL: String, tokenURL: String? = nil, clientID: String, clientSecret: String, certificateFile: String, privateKeyFile: String,
        trustRootsFile: String? = nil, key: String, timeout: Duration = .seconds(15)
    ) throws {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard let url = URL(string: base), url.scheme == "https", let host = url.host, !host.isEmpty else {
            throw ConfigurationError(variable: Self.prefix + "API_URL", message: "'\(baseURL)' is not an https:// URL")
        }
        self.baseURL = base
        self.tokenURL = tokenURL ?? "https://\(host)\(url.port.map { ":\($0)" } ?? "")/oauth/token"
        guard self.tokenURL.hasPrefix("https://") else {
            throw ConfigurationError(variable: Self.prefix + "TOKEN_URL", message: "'\(self.tokenURL)' is not an https:// URL")
        }
        guard (1...77).contains(key.count) else {
            throw ConfigurationError(variable: Self.prefix + "KEY", message: "the receiving PIX key has 1 to 77 characters")
        }
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.trustRootsFile = trustRootsFile
        self.key = key
        self.timeout = timeout
    }

    static let prefix = "BILLING_INVOICING_PIX_"

    /// From `BILLING_INVOICING_PIX_*`; every missing setting is named.
    public init(_ reader: ConfigurationReader) throws {
        func required(_ name: String, secret: Bool = false) throws -> String {
            let value = secret ? reader.secretIfSet(Self.prefix + name) : reader.optionalString(Self.prefix + name)
            guard let value else {
                throw ConfigurationError(variable: Self.prefix + name, message: "required with BILLING_INVOICING_PIX_PROVIDER=apipix")
            }
            return value
        }
        let key = try required("KEY")
        try self.init(
            baseURL: try required("API_URL"), tokenURL: reader.optionalString(Self.prefix + "TOKEN_URL"), clientID: try required("CLIENT_ID"),
            clientSecret: try required("CLIENT_SECRET", secret: true), certificateFile: try required("CERT_FILE"),
            privateKeyFile: try required("KEY_FILE"), trustRootsFile: reader.optionalString(Self.prefix + "CA_FILE"), key: key,
            timeout: .milliseconds(try reader.int(Self.prefix + "TIMEOUT_MS", default: 15_000, range: 100...120_000)))
    }
}
