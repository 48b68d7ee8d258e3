import BillingService
import CoreMetrics
import Prometheus
import Testing

/// swift-metrics → swift-prometheus as the services export it (`BillingMetricsFactory`), on a registry of the test's own (the
/// process-wide `MetricsSystem` is left alone).
@Suite("Metrics factory")
struct MetricsFactoryTests {
    @Test("one series per label set whatever the order, labels in name order, HELP from the catalog, durations in seconds")
    func exposition() {
        let registry = PrometheusCollectorRegistry()
        let factory = BillingMetricsFactory(registry: registry)
        CoreMetrics.Counter(label: "billing_rpc_server_calls_total", dimensions: [("method", "a.v1.S/M"), ("code", "ok")], factory: factory)
            .increment()
        CoreMetrics.Counter(label: "billing_rpc_server_calls_total", dimensions: [("code", "ok"), ("method", "a.v1.S/M")], factory: factory)
            .increment()
        CoreMetrics.Timer(label: "billing_rpc_server_duration_seconds", dimensions: [("method", "a.v1.S/M")], factory: factory)
            .recordMilliseconds(3)
        CoreMetrics.Meter(label: "billing_db_pool_connections_in_use", dimensions: [("pool", "ledger")], factory: factory).set(4)
        CoreMetrics.Recorder(label: "billing_ledger_wallet_batch_size", factory: factory).record(3)
        let text = registry.emitToString()
        #expect(text.contains(#"billing_rpc_server_calls_total{code="ok",method="a.v1.S/M"} 2"#), "\(text)")
        #expect(text.contains("# HELP billing_rpc_server_calls_total RPC calls served, by method and status code.\n"))
        #expect(text.contains("# TYPE billing_rpc_server_calls_total counter\n"))
        #expect(text.contains("# TYPE billing_rpc_server_duration_seconds histogram\n"))
        #expect(text.contains(#"billing_rpc_server_duration_seconds_bucket{method="a.v1.S/M",le="0.0025"} 0"#), "\(text)")
        #expect(text.contains(#"billing_rpc_server_duration_seconds_bucket{method="a.v1.S/M",le="0.005"} 1"#), "\(text)")
        #expect(text.contains(#"billing_rpc_server_duration_seconds_count{method="a.v1.S/M"} 1"#))
        #expect(text.contains("# TYPE billing_db_pool_connections_in_use gauge\n"))
        #expect(text.contains(#"billing_db_pool_connections_in_use{pool="ledger"} 4"#), "\(text)")
        #expect(text.contains(#"billing_ledger_wallet_batch_size_bucket{le="2.0"} 0"#), "\(text)")
        #expect(text.contains(#"billing_ledger_wallet_batch_size_bucket{le="4.0"} 1"#), "\(text)")
        #expect(text.contains("billing_ledger_wallet_batch_size_sum 3"), "\(text)")
    }
}
