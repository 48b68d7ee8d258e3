import BillingRPC

/// The published RPC API of the subscriptions context (`billing.subscriptions.v1`).
public enum SubscriptionsAPI: RPCServiceDescription {
    public static let contextName = "subscriptions"
    public static let package = "billing.subscriptions.v1"

    public static var methods: [any RPCMethodDescriptor] { [] }
}
