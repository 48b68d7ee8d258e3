import Foundation
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
        self.init(host: host, port: components.port ?? 5432, username: user, password: components.password?.removingPercentEncoding,
                  database: database, schema: schema, maximumConnections: maximumConnections)
    }

    /// The URL with the password masked, for start-up logs.
    public var redactedURL: String { "postgres://\(username):***@\(host):\(port)/\(database) (schema \(schema))" }

    func clientConfiguration() -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(5)
        // Unqualified names resolve in the context's own schema only.
        configuration.options.additionalStartupParameters = [("search_path", schema), ("application_name", "billing-\(schema)")]
        return configuration
    }
}

public struct DatabaseConfigurationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "invalid database configuration: \(message)" }
}
