import BillingCore
import BillingPostgres
import BillingRPC
import BillingRPCHTTP2
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// What a service's builder gets: its configuration, database, clock, metrics, and clients to peers.
public final class ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let database: Database
    public let logger: Logger
    public let metrics: MetricsRegistry
    public let clock: any BillingClock
    public let readiness: ReadinessState
    private let transports = Mutex<[RPCHTTP2ClientTransport]>([])

    init(configuration: ServiceConfiguration, database: Database, logger: Logger, metrics: MetricsRegistry,
         clock: any BillingClock, readiness: ReadinessState) {
        self.configuration = configuration
        self.database = database
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
        self.readiness = readiness
    }

    /// A client of another service, its replicas from `BILLING_<SERVICE>_ENDPOINTS`.
    public func client(for service: String, defaultEndpoint: String) throws -> RPCClient {
        let reader = configuration.reader
        let prefix = ServiceConfiguration.prefix(for: service)
        let endpoints = try reader.endpoints(prefix + "ENDPOINTS", default: defaultEndpoint)
        let timeout = try reader.int(prefix + "TIMEOUT_MS", default: 10_000, range: 1...600_000)
        let transport = RPCHTTP2ClientTransport(
            configuration: RPCClientConfiguration(serviceName: service, endpoints: endpoints, defaultTimeout: .milliseconds(Int64(timeout))),
            logger: logger)
        transports.withLock { $0.append(transport) }
        return RPCClient(transport: transport)
    }

    func closeClients() {
        for transport in transports.withLock({ $0 }) { transport.close() }
    }
}

/// What a service contributes to its process: RPC methods and long-running parts.
public struct ServiceComponents: Sendable {
    public var router: RPCRouter
    /// Background work (outbox relay, consumers, schedulers); stopped after the RPC server drains.
    public var background: [any Service]
    /// Other servers taking traffic (the gateway's HTTP server); drained together with the RPC server.
    public var frontends: [any Service]

    public init(router: RPCRouter, background: [any Service] = [], frontends: [any Service] = []) {
        self.router = router
        self.background = background
        self.frontends = frontends
    }
}
