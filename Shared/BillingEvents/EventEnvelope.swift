import BillingCore
import Foundation

/// The CloudEvents 1.0 JSON envelope every event travels in, with the `tenantid` extension.
public struct EventEnvelope: Codable, Sendable, Equatable {
    public var specversion: String
    public var id: String
    /// The producing context, e.g. `/billing/accounts`.
    public var source: String
    public var type: String
    public var time: Date
    public var subject: String?
    public var datacontenttype: String
    /// Extension attribute: the tenant the event belongs to.
    public var tenantid: String
    /// Extension attribute: W3C trace context of the request that caused it.
    public var traceparent: String?
    /// Extension attribute: who caused it (``RequestActor``); absent for the system's own work.
    public var actor: String?
    public var data: JSONValue

    public init(
        id: String, source: String, type: String, time: Date, subject: String?, tenantid: String,
        traceparent: String? = nil, actor: String? = nil, data: JSONValue
    ) {
        self.actor = actor
        self.specversion = "1.0"
        self.id = id
        self.source = source
        self.type = type
        self.time = time
        self.subject = subject
        self.datacontenttype = "application/json"
        self.tenantid = tenantid
        self.traceparent = traceparent
        self.data = data
    }

    /// Wraps a typed event.
    public init<Event: IntegrationEvent>(
        _ event: Event, source: String, tenant: String, at time: Date, traceparent: String? = nil, actor: String? = RequestActor.current
    ) throws {
        self.init(
            id: UUIDv7.generate(at: time).text, source: source, type: Event.eventType, time: time,
            subject: event.subject, tenantid: tenant, traceparent: traceparent, actor: actor, data: try JSONValueEncoder().encode(event))
    }

    /// Parses the JSON form written by ``Outbox`` (unknown members are ignored).
    public static func parse(_ text: String) throws -> EventEnvelope {
        try JSONValueDecoder(rejectUnknownKeys: false).decode(EventEnvelope.self, from: try JSONParser.parse(text))
    }

    /// The typed payload, when this envelope carries an `Event`.
    public func decode<Event: IntegrationEvent>(_ type: Event.Type) throws -> Event {
        try JSONValueDecoder(rejectUnknownKeys: false).decode(Event.self, from: data)
    }
}
