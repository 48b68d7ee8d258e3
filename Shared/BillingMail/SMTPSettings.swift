/// Where and how ``SMTPClient`` sends mail. Printing it masks the password.
public struct SMTPSettings: Sendable, CustomStringConvertible {
    public enum Security: String, Sendable, Equatable {
        /// Plain TCP, then STARTTLS before anything else: a server that does not offer it gets nothing (port 587).
        case startTLS
        /// TLS from the first byte (port 465).
        case implicitTLS
        /// Plaintext throughout, credentials included: for a local development sink only.
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    /// AUTH (PLAIN, else LOGIN) with these when set; the server must offer it.
    public var username: String?
    public var password: String?
    /// The name we give in EHLO: a host name or an address literal such as `[127.0.0.1]`.
    public var heloName: String
    /// A PEM bundle trusted instead of the system's roots (a private relay's CA, tests' CA).
    public var caFile: String?
    /// The longest wait for connecting and for each reply (the end of DATA includes sending the message).
    public var timeout: Duration

    public init(
        host: String, port: Int, security: Security = .startTLS, username: String? = nil, password: String? = nil,
        heloName: String = "localhost", caFile: String? = nil, timeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName
        self.caFile = caFile
        self.timeout = timeout
    }

    public var description: String {
        let credentials = username.map { " user \($0) password \(password == nil ? "none" : "***")" } ?? ""
        return "smtp \(host):\(port) security \(security.rawValue)\(credentials) helo \(heloName) ca \(caFile ?? "system") timeout \(timeout)"
    }

    /// Whether `heloName` can go on the EHLO line: printable ASCII without spaces.
    var hasValidHeloName: Bool { !heloName.isEmpty && heloName.utf8.allSatisfy { (0x21...0x7E).contains($0) } }
}
