import BillingRPC

extension RPCServerContext {
    /// Options for asking other contexts (accounts, catalog) on behalf of this call: its tenant, trace and deadline, 5 s a hop.
    var peerCallOptions: RPCCallOptions { outgoing(timeout: .seconds(5)) }
}
