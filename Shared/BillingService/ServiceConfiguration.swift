import BillingPostgres
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
    /// The reader, for the service's own further settings.
    public let reader: ConfigurationReader

    /// The `BILLING_<SERVICE>_` prefix of this service's variables.
    public var prefix: String { ServiceConfiguration.prefix(for: name) }

    public static func prefix(for service: String) -> String { "BILLING_\(service.uppercased())_" }

    public init(name: String, defaults: ServicePorts, reader: ConfigurationReader = ConfigurationReader()) throws {
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
        do {
            database = try DatabaseConfiguration(url: url, schema: name, maximumConnections: maximumConnections)
        } catch {
            throw ConfigurationError(variable: prefix + "DATABASE_URL", message: "\(error)")
        }
        let level = reader.string("BILLING_LOG_LEVEL", default: "info")
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw ConfigurationError(variable: "BILLING_LOG_LEVEL", message: "'\(level)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = parsedLevel
        logFormat = reader.string("BILLING_LOG_FORMAT", default: "json")
        guard ["json", "text"].contains(logFormat) else {
            throw ConfigurationError(variable: "BILLING_LOG_FORMAT", message: "'\(logFormat)' is not json or text")
        }
        drainTimeoutSeconds = try reader.int("BILLING_DRAIN_TIMEOUT_SECONDS", default: 20, range: 0...600)
        shutdownDelayMilliseconds = try reader.int("BILLING_SHUTDOWN_DELAY_MS", default: 0, range: 0...120_000)
        exitWithParent = try reader.bool("BILLING_EXIT_WITH_PARENT", default: false)
    }
}
