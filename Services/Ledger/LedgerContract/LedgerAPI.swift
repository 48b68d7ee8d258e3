import BillingEvents
import BillingRPC

/// The published RPC API of the ledger context (`billing.ledger.v1`).
public enum LedgerAPI: RPCServiceDescription {
    public static let contextName = "ledger"
    public static let package = "billing.ledger.v1"

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
        ]
    }

    /// Event types this context consumes, and why.
    public static var consumedEvents: [(type: String, purpose: String)] { [] }

    public static var methods: [any RPCMethodDescriptor] { [] }
}
