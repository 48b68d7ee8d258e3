import Foundation
import NIOSSL
import PostgresNIO

/// How a context reaches PostgreSQL: its own role, its own schema.
public struct DatabaseConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// The schema this context owns (`accounts`); every unqualified name resolves there.
    public var schema: String
    public var maximumConnections: Int
    /// TLS to PostgreSQL, from the URL's `sslmode` (`disable`, the default; `require`: encrypted, server not verified;
    /// `verify-full`: the server's certificate checked against `sslrootcert` or the system's CAs, and its host name).
    public var tls: TLSConfiguration?
    /// Limits every session of the pool gets at connect time, so no statement, lock wait or forgotten transaction holds
    /// rows (and the locks other requests wait for) without end.
    public var timeouts = DatabaseTimeouts()

    public init(host: String, port: Int, username: String, password: String?, database: String, schema: String, maximumConnections: Int = 20) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
        self.maximumConnections = maximumConnections
    }

    /// Parses `postgres://user:password@host:port/database`.
    public init(url: String, schema: String, maximumConnections: Int = 20) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, let user = components.user, !user.isEmpty
        else { throw DatabaseConfigurationError(message: "expected postgres://user:password@host:port/database") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw DatabaseConfigurationError(message: "the URL names no database") }
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw DatabaseConfigurationError(message: "schema '\(schema)' is not a plain lower-case identifier")
        }
        self.init(
            host: host, port: components.port ?? 5432, username: user, password: components.password?.removingPercentEncoding,
            database: database, schema: schema, maximumConnections: maximumConnections)
        let options = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { _, last in last }
        tls = try Self.tls(mode: options["sslmode"] ?? "disable", rootCertificate: options["sslrootcert"])
    }

    static func tls(mode: String, rootCertificate: String?) throws -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case "disable":
            return nil
        case "require":
            configuration.certificateVerification = .none
        case "verify-full":
            configuration.certificateVerification = .fullVerification
            if let rootCertificate {
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificate))
                } catch {
                    throw DatabaseConfigurationError(message: "sslrootcert \(rootCertificate): \(error)")
                }
            }
        default:
            throw DatabaseConfigurationError(message: "sslmode '\(mode)' is not disable, require or verify-full")
        }
        return configuration
    }

    /// Whether connections are encrypted.
    public var usesTLS: Bool { tls != nil }

    /// The URL with the password masked, for start-up logs.
    public var redactedURL: String { "postgres://\(username):***@\(host):\(port)/\(database) (schema \(schema))" }

    func clientConfiguration() -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: tls.map { .require($0) } ?? .disable)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(5)
        // Unqualified names resolve in the context's own schema only.
        configuration.options.additionalStartupParameters = [
            ("search_path", schema), ("application_name", "billing-\(schema)"),
            ("statement_timeout", String(timeouts.statementMilliseconds)), ("lock_timeout", String(timeouts.lockMilliseconds)),
            ("idle_in_transaction_session_timeout", String(timeouts.idleInTransactionMilliseconds)),
        ]
        return configuration
    }
}

public struct DatabaseConfigurationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "invalid database configuration: \(message)" }
}

/// Per-session limits (`BILLING_DB_STATEMENT_TIMEOUT_MS`, `BILLING_DB_LOCK_TIMEOUT_MS`,
/// `BILLING_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS`; 0 turns one off). A statement or lock wait past its limit fails with a
/// retryable error (the RPC answers `unavailable`; an event handler retries); an idle transaction past its limit is ended by
/// PostgreSQL, releasing its locks. Migrations lift the statement limit for their own transactions.
public struct DatabaseTimeouts: Sendable, Equatable {
    public var statementMilliseconds: Int
    public var lockMilliseconds: Int
    public var idleInTransactionMilliseconds: Int

    public init(statementMilliseconds: Int = 60_000, lockMilliseconds: Int = 15_000, idleInTransactionMilliseconds: Int = 120_000) {
        self.statementMilliseconds = statementMilliseconds
        self.lockMilliseconds = lockMilliseconds
        self.idleInTransactionMilliseconds = idleInTransactionMilliseconds
    }
}
