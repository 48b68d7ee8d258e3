import BillingCore
import Foundation

/// Identifies a tenant's webhook endpoint.
public struct WebhookEndpointID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Where a tenant receives its billing events: an HTTPS URL, the event types it wants (empty: all), signed with the endpoint's
/// secret (Standard Webhooks).
public struct WebhookEndpoint: Codable, Sendable, Equatable {
    public var id: WebhookEndpointID
    public var url: String
    /// Event types delivered (`billing.invoice.paid`, …); empty: every type.
    public var eventTypes: [String]
    public var description: String?
    public var enabled: Bool
    /// Why it was disabled by the platform (it failed for 5 days), when it was.
    public var disabledReason: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The signing secret (`whsec_…`): answered only at creation and by a rotation, never read back.
    public var secret: String?

    public init(
        id: WebhookEndpointID, url: String, eventTypes: [String], description: String?, enabled: Bool, disabledReason: String?, createdAt: Date,
        updatedAt: Date, secret: String? = nil
    ) {
        self.secret = secret
        self.id = id
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct CreateWebhookEndpointRequest: Codable, Sendable, Equatable {
    public var url: String
    public var eventTypes: [String]?
    public var description: String?
    public var enabled: Bool?
    public init(url: String, eventTypes: [String]? = nil, description: String? = nil, enabled: Bool? = nil) {
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
        self.enabled = enabled
    }
}

/// Changes to an endpoint; absent fields stay.
public struct WebhookEndpointChanges: Codable, Sendable, Equatable {
    public var url: String?
    public var eventTypes: [String]?
    public var description: String?
    public var enabled: Bool?
    public init(url: String? = nil, eventTypes: [String]? = nil, description: String? = nil, enabled: Bool? = nil) {
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
        self.enabled = enabled
    }
}

public struct UpdateWebhookEndpointRequest: Codable, Sendable, Equatable {
    public var id: WebhookEndpointID
    public var changes: WebhookEndpointChanges
    public init(id: WebhookEndpointID, changes: WebhookEndpointChanges) {
        self.id = id
        self.changes = changes
    }
}

public struct WebhookEndpointRequest: Codable, Sendable, Equatable {
    public var id: WebhookEndpointID
    public init(id: WebhookEndpointID) { self.id = id }
}

/// The tenant's endpoints (no filter).
public struct ListWebhookEndpointsRequest: Codable, Sendable, Equatable {
    public init() {}
}

public struct WebhookEndpointList: Codable, Sendable, Equatable {
    public var items: [WebhookEndpoint]
    public init(items: [WebhookEndpoint]) { self.items = items }
}

/// One delivery attempt of a message to an endpoint.
public struct WebhookAttempt: Codable, Sendable, Equatable {
    /// The message: the event's id (`webhook-id`).
    public var messageId: String
    public var eventType: String
    public var attemptedAt: Date
    /// The endpoint's HTTP status; absent when it gave none (`error` says why).
    public var status: Int?
    public var latencyMs: Int
    /// The first 1 KiB of the answer.
    public var response: String?
    public var error: String?
    /// SUCCEEDED or FAILED.
    public var outcome: String

    public init(
        messageId: String, eventType: String, attemptedAt: Date, status: Int?, latencyMs: Int, response: String?, error: String?, outcome: String
    ) {
        self.messageId = messageId
        self.eventType = eventType
        self.attemptedAt = attemptedAt
        self.status = status
        self.latencyMs = latencyMs
        self.response = response
        self.error = error
        self.outcome = outcome
    }
}

public struct ListWebhookAttemptsRequest: Codable, Sendable, Equatable {
    public var id: WebhookEndpointID
    public var pageSize: Int
    public init(id: WebhookEndpointID, pageSize: Int = 50) {
        self.id = id
        self.pageSize = pageSize
    }
}

public struct WebhookAttemptList: Codable, Sendable, Equatable {
    public var items: [WebhookAttempt]
    public init(items: [WebhookAttempt]) { self.items = items }
}

/// A message (an event) sent again to an endpoint, now.
public struct RedeliverWebhookRequest: Codable, Sendable, Equatable {
    public var id: WebhookEndpointID
    public var messageId: String
    public init(id: WebhookEndpointID, messageId: String) {
        self.id = id
        self.messageId = messageId
    }
}

/// A queued delivery: the message and when it is due.
public struct WebhookDeliveryQueued: Codable, Sendable, Equatable {
    public var messageId: String
    public var eventType: String
    public var dueAt: Date
    public init(messageId: String, eventType: String, dueAt: Date) {
        self.messageId = messageId
        self.eventType = eventType
        self.dueAt = dueAt
    }
}
