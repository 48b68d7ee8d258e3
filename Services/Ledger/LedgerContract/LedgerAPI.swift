import BillingRPC

/// The published RPC API of the ledger context (`billing.ledger.v1`).
public enum LedgerAPI: RPCServiceDescription {
    public static let contextName = "ledger"
    public static let package = "billing.ledger.v1"

    public static var methods: [any RPCMethodDescriptor] { [] }
}
