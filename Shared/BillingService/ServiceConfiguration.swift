import BillingPostgres
import BillingRPCHTTP2
import Foundation
import Logging

/// Ports a service listens on by default (the `make run` layout).
public struct ServicePorts: Sendable {
    public var rpc: Int
    public var admin: Int

    public init(rpc: Int, admin: Int) {
        self.rpc = rpc
        self.admin = admin
    }
}

/// What every service reads from its environment (`BILLING_<SERVICE>_…`, `BILLING_…`).
public struct ServiceConfiguration: Sendable {
    /// The context name (`accounts`); also its schema and the `<SERVICE>` of its variables.
    public let name: String
    public let rpcHost: String
    public let rpcPort: Int
    public let adminHost: String
    public let adminPort: Int
    public let database: DatabaseConfiguration
    public let logLevel: Logger.Level
    public let logFormat: String
    /// How long in-flight calls may finish after SIGTERM.
    public let drainTimeoutSeconds: Int
    /// How long readiness stays false before draining starts (lets load balancers notice).
    public let shutdownDelayMilliseconds: Int
    /// Exit when the parent process does (test clusters; never leaves orphans behind).
    public let exitWithParent: Bool
    /// `development` or `production` (the default): what may be faked.
    public let environment: DeploymentEnvironment
    /// Mutual TLS for RPC, served and called (`BILLING_RPC_TLS_…`); nil only with `BILLING_RPC_INSECURE=true` in development.
    public let rpcTLS: RPCTLSConfiguration?
    /// The reader, for the service's own further settings.
    public let reader: ConfigurationReader

    /// The `BILLING_<SERVICE>_` prefix of this service's variables.
    public var prefix: String { ServiceConfiguration.prefix(for: name) }

    public static func prefix(for service: String) -> String { "BILLING_\(service.uppercased())_" }

    /// `servesRPC: false` (the `migrate` command) reads no TLS settings: a migration job talks to PostgreSQL only.
    public init(name: String, defaults: ServicePorts, reader: ConfigurationReader = ConfigurationReader(), servesRPC: Bool = true) throws {
        self.name = name
        self.reader = reader
        environment = try DeploymentEnvironment.read(reader)
        let prefix = ServiceConfiguration.prefix(for: name)
        rpcHost = reader.string(prefix + "RPC_HOST", default: "127.0.0.1")
        rpcPort = try reader.int(prefix + "RPC_PORT", default: defaults.rpc, range: 0...65535)
        adminHost = reader.string(prefix + "ADMIN_HOST", default: "127.0.0.1")
        adminPort = try reader.int(prefix + "ADMIN_PORT", default: defaults.admin, range: 0...65535)
        let url = reader.databaseURL(prefix + "DATABASE_URL", default: "postgres://billing_\(name):billing_\(name)@127.0.0.1:55432/billing")
        let maximumConnections = try reader.int(prefix + "DATABASE_MAX_CONNECTIONS", default: 20, range: 1...500)
        var database: DatabaseConfiguration
        do {
            database = try DatabaseConfiguration(url: url, schema: name, maximumConnections: maximumConnections)
        } catch {
            throw ConfigurationError(variable: prefix + "DATABASE_URL", message: "\(error)")
        }
        database.timeouts = DatabaseTimeouts(
            statementMilliseconds: try reader.int("BILLING_DB_STATEMENT_TIMEOUT_MS", default: 60_000, range: 0...3_600_000),
            lockMilliseconds: try reader.int("BILLING_DB_LOCK_TIMEOUT_MS", default: 15_000, range: 0...3_600_000),
            idleInTransactionMilliseconds: try reader.int("BILLING_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", default: 120_000, range: 0...3_600_000))
        self.database = database
        let level = reader.string("BILLING_LOG_LEVEL", default: "info")
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw ConfigurationError(
                variable: "BILLING_LOG_LEVEL", message: "'\(level)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = parsedLevel
        logFormat = reader.string("BILLING_LOG_FORMAT", default: "json")
        guard ["json", "text"].contains(logFormat) else {
            throw ConfigurationError(variable: "BILLING_LOG_FORMAT", message: "'\(logFormat)' is not json or text")
        }
        drainTimeoutSeconds = try reader.int("BILLING_DRAIN_TIMEOUT_SECONDS", default: 20, range: 0...600)
        shutdownDelayMilliseconds = try reader.int("BILLING_SHUTDOWN_DELAY_MS", default: 0, range: 0...120_000)
        exitWithParent = try reader.bool("BILLING_EXIT_WITH_PARENT", default: false)
        rpcTLS = servesRPC ? try Self.readTLS(service: name, reader: reader, environment: environment) : nil
    }

    /// The CA, certificate and key files; plain h2c only when asked for explicitly, in development.
    static func readTLS(service: String, reader: ConfigurationReader, environment: DeploymentEnvironment) throws -> RPCTLSConfiguration? {
        if try reader.bool("BILLING_RPC_INSECURE", default: false) {
            try environment.requireDevelopment(for: "BILLING_RPC_INSECURE", "plain h2c between services (any process could call any method)")
            return nil
        }
        var files: [String] = []
        for variable in ["BILLING_RPC_TLS_CA_FILE", "BILLING_RPC_TLS_CERT_FILE", "BILLING_RPC_TLS_KEY_FILE"] {
            guard let file = reader.optionalString(variable) else {
                throw ConfigurationError(
                    variable: variable,
                    message: "services speak mutual TLS: set the internal CA, this service's certificate "
                        + "(URI SAN spiffe://billing/\(service)) and its key (or, in development only, BILLING_RPC_INSECURE=true)")
            }
            files.append(file)
        }
        do {
            return try RPCTLSConfiguration(service: service, caFile: files[0], certificateFile: files[1], keyFile: files[2])
        } catch {
            throw ConfigurationError(variable: "BILLING_RPC_TLS_CERT_FILE", message: "\(error)")
        }
    }
}
