import BillingRPC

/// The published RPC API of the accounts context (`billing.accounts.v1`).
public enum AccountsAPI: RPCServiceDescription {
    public static let contextName = "accounts"
    public static let package = "billing.accounts.v1"

    public static var methods: [any RPCMethodDescriptor] { [] }
}
