import BillingCore
import BillingEvents
import BillingEventsPostgres
import Foundation
import Testing

@Suite("Event provenance: a consumer applies only what the stream's own context publishes")
struct EventProvenanceTests {
    struct Paid: IntegrationEvent {
        static let eventType = "billing.invoice.paid"
        var subject: String { "i-1" }
    }

    struct Unlisted: IntegrationEvent {
        static let eventType = "billing.thing.happened"
        var subject: String { "t-1" }
    }

    let subscription = EventSubscription(
        group: "ledger", contexts: ["invoicing", "subscriptions"],
        events: [EventDescriptor(Paid.self, producer: "invoicing", summary: "paid")],
        handlers: [Paid.eventType: { _, _ in }, Unlisted.eventType: { _, _ in }])

    func envelope(_ event: some IntegrationEvent, source: String) throws -> EventEnvelope {
        try EventEnvelope(event, source: source, tenant: "t", at: Date())
    }

    @Test("the producer's own stream and source pass; another stream, another source or an unknown handled type is refused")
    func provenance() throws {
        try subscription.checkProvenance(try envelope(Paid(), source: "/billing/invoicing"), stream: "billing.events.invoicing")
        #expect(throws: EventProvenanceError.self) {
            try subscription.checkProvenance(try envelope(Paid(), source: "/billing/invoicing"), stream: "billing.events.subscriptions")
        }
        #expect(throws: EventProvenanceError.self) {
            try subscription.checkProvenance(try envelope(Paid(), source: "/billing/subscriptions"), stream: "billing.events.subscriptions")
        }
        #expect(throws: EventProvenanceError.self) {
            try subscription.checkProvenance(try envelope(Unlisted(), source: "/billing/subscriptions"), stream: "billing.events.subscriptions")
        }
        // Streams outside the platform's naming (tests' own) are not checked.
        try subscription.checkProvenance(try envelope(Paid(), source: "/billing/x"), stream: "test-stream-1")
    }
}
