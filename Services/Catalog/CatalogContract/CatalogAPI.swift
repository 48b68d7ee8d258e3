import BillingRPC

/// The published RPC API of the catalog context (`billing.catalog.v1`).
public enum CatalogAPI: RPCServiceDescription {
    public static let contextName = "catalog"
    public static let package = "billing.catalog.v1"

    public static var methods: [any RPCMethodDescriptor] { [] }
}
