import BillingCore
import BillingEventsPostgres
import BillingEventsRedis
import BillingPostgres
import BillingRPC
import BillingRPCHTTP2
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Synchronization

/// What a service's builder gets: its configuration, database, clock, and clients to peers. Metrics are recorded through
/// swift-metrics (`import Metrics`), bootstrapped once per process by the host (``BillingMetrics``).
public final class ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let database: Database
    public let logger: Logger
    public let clock: any BillingClock
    public let readiness: ReadinessState
    private let transports = Mutex<[RPCHTTP2ClientTransport]>([])
    private let refreshers = Mutex<[EndpointRefresher]>([])

    init(
        configuration: ServiceConfiguration, database: Database, logger: Logger,
        clock: any BillingClock, readiness: ReadinessState
    ) {
        self.configuration = configuration
        self.database = database
        self.logger = logger
        self.clock = clock
        self.readiness = readiness
    }

    /// The event bus settings (`BILLING_REDIS_URL`, `BILLING_EVENTS_…`).
    public func eventBusConfiguration() throws -> EventBusConfiguration {
        let reader = configuration.reader
        let url = reader.string("BILLING_REDIS_URL", default: "redis://127.0.0.1:56379")
        guard var redis = RedisConfiguration(url: url) else {
            throw ConfigurationError(variable: "BILLING_REDIS_URL", message: "'\(url)' is not redis://host:port")
        }
        // Each service is its own Redis ACL user (deploy/redis/billing-acl.sh): its own stream to publish, the streams it reads.
        if let password = reader.secretIfSet("BILLING_REDIS_PASSWORD") {
            redis.credentials = .init(username: reader.string("BILLING_REDIS_USERNAME", default: "billing-\(configuration.name)"), password: password)
        } else if !configuration.environment.isDevelopment {
            throw ConfigurationError(
                variable: "BILLING_REDIS_PASSWORD",
                message: "set this service's Redis ACL password: without it anyone who reaches Redis could publish its events")
        }
        var bus = EventBusConfiguration(
            redis: redis,
            outboxRetentionSeconds: try reader.int("BILLING_EVENTS_OUTBOX_RETENTION_HOURS", default: 72, range: 1...24 * 365) * 3600,
            trimThreshold: try reader.int("BILLING_EVENTS_TRIM_THRESHOLD", default: 100_000, range: 10...100_000_000),
            maximumDeliveries: try reader.int("BILLING_EVENTS_MAX_DELIVERIES", default: 5, range: 1...1000),
            retryIdleMilliseconds: try reader.int("BILLING_EVENTS_RETRY_IDLE_MS", default: 10_000, range: 10...3_600_000),
            blockMilliseconds: try reader.int("BILLING_EVENTS_BLOCK_MS", default: 2_000, range: 10...60_000),
            batchSize: try reader.int("BILLING_EVENTS_BATCH_SIZE", default: 500, range: 1...10_000),
            pollIntervalMilliseconds: try reader.int("BILLING_EVENTS_POLL_MS", default: 1_000, range: 10...60_000),
            crashAfterApplying: reader.optionalString("BILLING_FAULT_CRASH_AFTER_APPLYING"))
        bus.deadLetterRetentionSeconds = try reader.int("BILLING_EVENTS_DEAD_LETTER_RETENTION_HOURS", default: 720, range: 1...24 * 3650) * 3600
        bus.inboxRetentionSeconds = try reader.int("BILLING_EVENTS_INBOX_RETENTION_HOURS", default: 840, range: 1...24 * 3650) * 3600
        guard bus.inboxRetentionSeconds > max(bus.outboxRetentionSeconds, bus.deadLetterRetentionSeconds) else {
            throw ConfigurationError(
                variable: "BILLING_EVENTS_INBOX_RETENTION_HOURS",
                message: "the inbox must outlive the outbox's re-send window and the dead letters' retention, or a re-sent event applies twice")
        }
        // A peer down, overloaded or past the deadline passes by itself: the event waits for it instead of being set aside.
        bus.isTransient = { error in
            guard let convertible = error as? any RPCErrorConvertible else { return false }
            return [.unavailable, .deadlineExceeded, .aborted, .cancelled].contains(convertible.rpcError.code)
        }
        return bus
    }

    /// The relay publishing this service's outbox to its stream.
    public func outboxRelay() throws -> OutboxRelay {
        OutboxRelay(
            context: configuration.name, database: database, configuration: try eventBusConfiguration(), logger: logger,
            metrics: EventBusPrometheusMetrics())
    }

    /// A consumer applying other contexts' events through this service's inbox.
    public func eventConsumer(_ subscription: EventSubscription) throws -> EventConsumer {
        // The group's dead-letter count is exported from the start, at 0, so `increase()` sees the first one.
        Counter(label: "billing_events_dead_lettered_total", dimensions: [("group", subscription.group)]).increment(by: 0)
        return EventConsumer(
            subscription: subscription, database: database, configuration: try eventBusConfiguration(), logger: logger,
            metrics: EventBusPrometheusMetrics())
    }

    /// A client of another service, its replicas from `BILLING_<SERVICE>_ENDPOINTS`: addresses, or names standing for every
    /// address they resolve to, re-resolved every `BILLING_<SERVICE>_DNS_REFRESH_MS`.
    public func client(for service: String, defaultEndpoint: String) throws -> RPCClient {
        let reader = configuration.reader
        let prefix = ServiceConfiguration.prefix(for: service)
        let endpoints = try reader.endpoints(prefix + "ENDPOINTS", default: defaultEndpoint)
        let timeout = try reader.int(prefix + "TIMEOUT_MS", default: 10_000, range: 1...600_000)
        let refresh = try reader.int(prefix + "DNS_REFRESH_MS", default: 5_000, range: 0...3_600_000)
        let transport = RPCHTTP2ClientTransport(
            configuration: RPCClientConfiguration(
                serviceName: service, endpoints: endpoints, defaultTimeout: .milliseconds(Int64(timeout)),
                tls: configuration.rpcTLS),
            logger: logger)
        transports.withLock { $0.append(transport) }
        if refresh > 0 && EndpointRefresher.needed(for: endpoints) {
            let refresher = EndpointRefresher(transport: transport, configured: endpoints, interval: .milliseconds(refresh), logger: logger)
            refreshers.withLock { $0.append(refresher) }
        }
        return RPCClient(transport: transport)
    }

    /// The refreshers of clients configured with names; the host runs them in the background.
    var endpointRefreshers: [EndpointRefresher] { refreshers.withLock { $0 } }

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
