import BillingCore

/// A fact one context publishes for the others (`billing.account.created`).
///
/// Each event type is declared once, in its producing context's Contract target, as a `Codable`
/// payload; consumers decode the same type.
public protocol IntegrationEvent: Codable, Sendable {
    /// `billing.<aggregate>.<past-tense-verb>`.
    static var eventType: String { get }
    /// What the event is about (usually the aggregate's id), the CloudEvents `subject`.
    var subject: String { get }
}

/// A published event type, for the catalogue in `proto-docs/events.md`.
public struct EventDescriptor: Sendable {
    public let type: String
    public let producer: String
    public let summary: String
    public let payload: CodableSchema

    public init<Event: IntegrationEvent>(_ event: Event.Type, producer: String, summary: String) {
        self.type = Event.eventType
        self.producer = producer
        self.summary = summary
        self.payload = CodableSchema.of(Event.self)
    }
}
