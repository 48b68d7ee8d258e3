import BillingRPC
import BillingRPCHTTP2
import Metrics

/// RED metrics per RPC method, from finished calls: `billing_rpc_server_calls_total{method,code}` and
/// `billing_rpc_server_duration_seconds{method}`. A method the router does not serve is counted as `unknown`, so a caller
/// cannot add series by inventing paths.
public struct RPCServerMetrics: RPCServerObserver {
    let methods: Set<String>

    public init(router: RPCRouter) {
        methods = Set((router.routes.keys.map { String($0.dropFirst()) }) + [String(RPCHealth.check.path.dropFirst())])
    }

    public func callFinished(method: String, code: RPCCode, duration: Duration) {
        let method = methods.contains(method) ? method : "unknown"
        Counter(label: "billing_rpc_server_calls_total", dimensions: [("method", method), ("code", code.rawValue)]).increment()
        Metrics.Timer(label: "billing_rpc_server_duration_seconds", dimensions: [("method", method)]).record(duration: duration)
    }
}
