import CoreMetrics
import Prometheus
import Synchronization

/// The process's metrics: every module records through swift-metrics (`Counter`, `Timer`, `Meter`, `Recorder`), and
/// swift-prometheus is the backend whose registry `GET /metrics` renders in the Prometheus text format.
///
/// ``bootstrap()`` sets `MetricsSystem`'s factory once per process (the service host calls it before anything records);
/// without it (unit tests) swift-metrics records nothing.
public enum BillingMetrics {
    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps `MetricsSystem` with the Prometheus backend the first time it is called; later calls return the same registry.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        bootstrapped.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(BillingMetricsFactory(registry: created))
            registry = created
            return created
        }
    }

    /// The registry of the bootstrapped process, if any.
    public static var registry: PrometheusCollectorRegistry? { bootstrapped.withLock { $0 } }

    /// What the metrics mean (`# HELP`) and, for histograms, their buckets; by metric name. README's Metrics section lists them too.
    static let catalog: [String: Description] = [
        // RED per internal RPC method (server side).
        "billing_rpc_server_calls_total": .init("RPC calls served, by method and status code."),
        "billing_rpc_server_duration_seconds": .init("Time to serve an RPC call, by method."),
        // RED per public API route (gateway).
        "billing_gateway_requests_total": .init("Public API requests by route template and status."),
        "billing_gateway_request_duration_seconds": .init("Public API latency by route template."),
        // The database pool (BillingPostgres.Database).
        "billing_db_pool_connections_max": .init("Connections the pool may open (BILLING_<SERVICE>_DATABASE_MAX_CONNECTIONS)."),
        "billing_db_pool_connections_open": .init("Connections the pool has open."),
        "billing_db_pool_connections_in_use": .init("Connections leased to a transaction or a caller now."),
        "billing_db_pool_connections_idle": .init("Open connections not leased now."),
        "billing_db_pool_waiting": .init("Callers waiting for a connection now."),
        "billing_db_pool_wait_seconds": .init("Time a caller waited for a connection."),
        "billing_db_pool_lease_failures_total": .init("Leases that failed (the database unreachable, the pool shut down, the caller gone)."),
        // The event bus.
        "billing_outbox_backlog": .init("Outbox rows not yet published."),
        "billing_outbox_oldest_unpublished_age_seconds": .init("Age of the oldest unpublished outbox row (0 when none)."),
        "billing_event_consumer_lag": .init("Entries of the stream the group has not read yet."),
        "billing_event_consumer_pending": .init("Entries read by the group but not acknowledged."),
        "billing_events_consumed_total": .init("Events consumed, by group and whether the inbox had already applied them."),
        "billing_events_dead_lettered_total": .init("Events moved to a dead-letter stream after too many failed deliveries."),
        "billing_events_transient_failures_total": .init(
            "Deliveries that failed for a transient cause (a dependency down or slow); the event is retried, never dead-lettered."),
        "billing_events_redis_loss_detected_total": .init("Times Redis was found to have lost published events (they were re-sent)."),
        // The ledger's wallet batching.
        "billing_ledger_wallet_batch_size": .init(
            "Operations on one wallet run in one transaction (1: alone).", values: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]),
        "billing_ledger_wallet_batch_fallbacks_total": .init("Wallet batches that failed as a whole and ran again one operation at a time."),
    ]

    struct Description: Sendable {
        let help: String
        /// Buckets of a value histogram (a `Recorder` that aggregates).
        let values: [Double]?

        init(_ help: String, values: [Double]? = nil) {
            self.help = help
            self.values = values
        }
    }

    /// Seconds, from 0.5 ms to 10 s: every duration histogram (`Timer`).
    static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Value histograms not in the catalog.
    static let defaultValueBuckets: [Double] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
}

/// swift-metrics → swift-prometheus, with what `PrometheusMetricsFactory` leaves out: `# HELP` lines from
/// ``BillingMetrics/catalog``, labels in name order (one series per label set, whatever order a caller wrote them in), and
/// buckets per metric.
public struct BillingMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: BillingMetrics.catalog[label]?.help ?? "")
    }

    private func sorted(_ dimensions: [(String, String)]) -> [(String, String)] {
        dimensions.sorted { $0.0 < $1.0 }
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: sorted(dimensions))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: sorted(dimensions))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: sorted(dimensions)) }
        return registry.makeValueHistogram(
            descriptor: descriptor(label), labels: sorted(dimensions),
            buckets: BillingMetrics.catalog[label]?.values ?? BillingMetrics.defaultValueBuckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: sorted(dimensions))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: sorted(dimensions), buckets: BillingMetrics.durationBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
