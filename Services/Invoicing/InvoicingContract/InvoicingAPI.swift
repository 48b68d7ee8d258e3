import BillingEvents
import BillingRPC

/// The published RPC API of the invoicing context (`billing.invoicing.v1`).
public enum InvoicingAPI: RPCServiceDescription {
    public static let contextName = "invoicing"
    public static let package = "billing.invoicing.v1"

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
            EventDescriptor(InvoiceCreated.self, producer: contextName, summary: "An invoice was created (seed 001)."),
            EventDescriptor(InvoiceFinalized.self, producer: contextName, summary: "An invoice was finalized: lines frozen, number assigned (seed 001)."),
            EventDescriptor(InvoicePaid.self, producer: contextName, summary: "An invoice was paid in full (seed 001)."),
            EventDescriptor(InvoiceOverdue.self, producer: contextName, summary: "A PENDING invoice passed its due date unpaid; its subscription becomes PAST_DUE."),
            EventDescriptor(PaymentCompleted.self, producer: contextName, summary: "A payment completed (seed 001; seed 000 'Pagamento confirmado')."),
            EventDescriptor(PaymentFailed.self, producer: contextName, summary: "A payment attempt failed (seed 000)."),
            EventDescriptor(PaymentRefunded.self, producer: contextName, summary: "A payment was refunded, fully or in part (seed 001)."),
        ]
    }

    /// Event types this context consumes, and why.
    public static var consumedEvents: [(type: String, purpose: String)] { [] }

    public static var methods: [any RPCMethodDescriptor] { [] }
}
