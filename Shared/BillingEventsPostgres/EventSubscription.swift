import BillingCore
import BillingEvents
import PostgresNIO

/// Applies an event inside the consumer's transaction (the inbox row is written in the same one).
public typealias EventHandler = @Sendable (EventEnvelope, PostgresConnection) async throws -> Void

/// Runs before a unit's transaction, with no connection held: what the handlers would otherwise ask another service for inside
/// it (the ledger learns the accounts a batch names, all at once), so no call to another service is made while the unit's
/// transaction holds its rows.
public typealias EventPreparation = @Sendable ([EventEnvelope]) async throws -> Void

/// What a consuming service subscribes to.
public struct EventSubscription: Sendable {
    /// The consumer group: the consuming service (`gateway`, `ledger`).
    public let group: String
    /// Contexts whose streams are read.
    public let contexts: [String]
    /// Handlers by event type; `fallback` receives every other type (nil: other types are acknowledged and ignored).
    public let handlers: [String: EventHandler]
    public let fallback: EventHandler?
    public let prepare: EventPreparation?
    /// Which events keep their relative order (the others are applied concurrently, each group in its own transaction).
    public let ordering: EventOrdering
    /// The context that publishes each known event type (from the producers' contracts): an event of a known type read from
    /// another context's stream is forged, whatever its `source` says.
    public let producers: [String: String]

    /// `events`: the descriptors of the read contexts' events (`AccountsAPI.events + …`), their producers checked on every entry.
    public init(
        group: String, contexts: [String], events: [EventDescriptor] = [], handlers: [String: EventHandler] = [:],
        fallback: EventHandler? = nil, ordering: EventOrdering = .tenant, prepare: EventPreparation? = nil
    ) {
        self.group = group
        self.contexts = contexts
        self.handlers = handlers
        self.fallback = fallback
        self.prepare = prepare
        self.ordering = ordering
        self.producers = Dictionary(events.map { ($0.type, $0.producer) }) { first, _ in first }
    }

    /// Throws unless the entry is what its stream's context publishes: its `source` names that context, and a known type is
    /// one that context produces. Redis ACLs let each service write only its own stream; this keeps a service (or anyone
    /// with its password) from publishing another context's facts, such as `billing.invoice.paid`, under its own name.
    public func checkProvenance(_ envelope: EventEnvelope, stream: String) throws(EventProvenanceError) {
        let prefix = EventStreams.prefix
        guard stream.hasPrefix(prefix) else { return }
        let context = String(stream.dropFirst(prefix.count))
        guard envelope.source == Outbox(context: context).source else {
            throw EventProvenanceError(detail: "the entry of \(stream) says it comes from \(envelope.source.prefix(80)), not /billing/\(context)")
        }
        if let producer = producers[envelope.type], producer != context {
            throw EventProvenanceError(detail: "\(envelope.type) is published by \(producer), never on \(stream)")
        }
        // A type this subscription acts on must have a known producer: a descriptor left out must not open a way round the check.
        if !producers.isEmpty && handlers[envelope.type] != nil && producers[envelope.type] == nil {
            throw EventProvenanceError(detail: "no producer is known for \(envelope.type), which this consumer acts on")
        }
    }
}

/// The unit of order of a consumer: its events are applied in stream order within one unit, units concurrently.
public enum EventOrdering: Sendable {
    /// All of a tenant's events of a read batch, in one transaction (for handlers that read what earlier events of the tenant wrote).
    case tenant
    /// Each subject's (one subscription's, one account's) events of a read batch, in one transaction; a tenant's subjects
    /// concurrently. For handlers whose effects on different subjects are independent.
    case subject

    public func key(of envelope: EventEnvelope) -> String {
        switch self {
        case .tenant: envelope.tenantid
        case .subject: envelope.tenantid + "\u{1}" + (envelope.subject ?? "")
        }
    }
}

/// An entry that is not what its stream's context publishes (a forged or misrouted event): never applied.
public struct EventProvenanceError: Error, CustomStringConvertible {
    public let detail: String
    public var description: String { "refused as not published by the stream's context: \(detail)" }
}

/// Stream names: `billing.events.<context>` (the Redis transport's keys, and what provenance is checked against).
public enum EventStreams {
    static let prefix = "billing.events."
    /// The stream a context publishes to: `billing.events.accounts`.
    public static func stream(for context: String) -> String { prefix + context }
    /// Where a group's poison entries go: `billing.events.accounts.dead-letter.gateway`.
    public static func deadLetterStream(for stream: String, group: String) -> String { "\(stream).dead-letter.\(group)" }
    /// How many entries relays have published into `stream` (compared with PostgreSQL's count).
    public static func publishedCountKey(for stream: String) -> String { "\(stream).published-count" }
}
