import BillingRPC

/// The published RPC API of the invoicing context (`billing.invoicing.v1`).
public enum InvoicingAPI: RPCServiceDescription {
    public static let contextName = "invoicing"
    public static let package = "billing.invoicing.v1"

    public static var methods: [any RPCMethodDescriptor] { [] }
}
