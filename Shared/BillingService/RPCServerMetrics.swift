import BillingRPC
import BillingRPCHTTP2

/// Feeds `billing_rpc_server_calls_total` and `billing_rpc_server_duration_seconds` from finished calls.
public struct RPCServerMetrics: RPCServerObserver {
    let registry: MetricsRegistry

    public init(registry: MetricsRegistry) { self.registry = registry }

    public func callFinished(method: String, code: RPCCode, duration: Duration) {
        registry.counter(
            "billing_rpc_server_calls_total", help: "RPC calls served, by method and status code.",
            labels: ["method": method, "code": code.rawValue]
        ).increment()
        registry.histogram(
            "billing_rpc_server_duration_seconds", help: "Time to serve an RPC call.",
            labels: ["method": method]
        ).observe(duration)
    }
}
