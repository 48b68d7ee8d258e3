import BillingEvents
import BillingRPC

/// The published RPC API of the catalog context (`billing.catalog.v1`).
public enum CatalogAPI: RPCServiceDescription {
    public static let contextName = "catalog"
    public static let package = "billing.catalog.v1"

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
        ]
    }

    /// Event types this context consumes, and why.
    public static var consumedEvents: [(type: String, purpose: String)] { [] }

    public static var methods: [any RPCMethodDescriptor] { [] }
}
