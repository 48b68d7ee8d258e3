import BillingCore
import BillingPostgres
import BillingRPC
import BillingWebhooks
import Foundation
import NotificationsContract
import PostgresNIO

/// The tenant's webhook endpoints: registered, changed, removed, their secrets rotated, messages sent again.
extension NotificationsService {
    /// A tenant keeps at most this many endpoints.
    static let maximumEndpoints = 100
    /// How long a rotated secret keeps signing next to the new one.
    static let rotationOverlap: TimeInterval = 86_400
    /// The message type a test-send delivers.
    static let testEventType = "billing.webhook.test"

    func create(_ request: CreateWebhookEndpointRequest, context: RPCServerContext) async throws -> WebhookEndpoint {
        let url = try checkedURL(request.url)
        let types = try checkedTypes(request.eventTypes ?? [])
        let description = try checkedDescription(request.description)
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: NotificationsAPI.create.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            guard try await store.countLive(tenant: tenant, on: connection) < Self.maximumEndpoints else {
                throw NotificationsError.conflict(
                    "a tenant has at most \(Self.maximumEndpoints) webhook endpoints; delete one first", reason: "ENDPOINT_LIMIT_REACHED")
            }
            let now = clock.now()
            let secret = StandardWebhookSecret.generate()
            let row = WebhookEndpointRow(
                endpoint: WebhookEndpoint(
                    id: .generate(at: now), url: url, eventTypes: types, description: description, enabled: request.enabled ?? true,
                    disabledReason: nil, createdAt: now, updatedAt: now),
                secret: secret.text, previousSecret: nil, previousSecretUntil: nil)
            try await store.insert(row, tenant: tenant, on: connection)
            var answer = row.endpoint
            answer.secret = secret.text
            return answer
        }
    }

    func endpoint(_ id: WebhookEndpointID, tenant: String) async throws -> WebhookEndpointRow {
        guard let row = try await database.withTenant(tenant, { try await store.endpoint(id, tenant: tenant, on: $0) }) else {
            throw NotificationsError.notFound("webhook endpoint", id.description, reason: "WEBHOOK_ENDPOINT_NOT_FOUND")
        }
        return row
    }

    func update(_ request: UpdateWebhookEndpointRequest, context: RPCServerContext) async throws -> WebhookEndpoint {
        let changes = request.changes
        var url: String?
        if let text = changes.url { url = try checkedURL(text) }
        var types: [String]?
        if let list = changes.eventTypes { types = try checkedTypes(list) }
        let description = try checkedDescription(changes.description)
        let change = EndpointChange.update(
            url: url, eventTypes: types, description: description, clearsDescription: changes.description != nil, enabled: changes.enabled)
        return try await changing(request.id, context: context, operation: NotificationsAPI.update.name, request: request, change)
    }

    func delete(_ id: WebhookEndpointID, context: RPCServerContext) async throws -> WebhookEndpoint {
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: NotificationsAPI.delete.name, key: context.metadata.idempotencyKey, request: WebhookEndpointRequest(id: id)
        ) { connection in
            guard var row = try await store.endpoint(id, tenant: tenant, forUpdate: true, on: connection) else {
                throw NotificationsError.notFound("webhook endpoint", id.description, reason: "WEBHOOK_ENDPOINT_NOT_FOUND")
            }
            let now = clock.now()
            try await store.delete(id, at: now, tenant: tenant, on: connection)
            row.endpoint.enabled = false
            row.endpoint.updatedAt = now
            return row.endpoint
        }
    }

    /// A new secret, answered once; the old one keeps signing for 24 h.
    func rotate(_ id: WebhookEndpointID, context: RPCServerContext) async throws -> WebhookEndpoint {
        try await changing(
            id, context: context, operation: NotificationsAPI.rotateSecret.name, request: WebhookEndpointRequest(id: id),
            .rotate(secret: StandardWebhookSecret.generate().text))
    }

    /// What a change does to an endpoint, checked before any transaction.
    enum EndpointChange: Sendable {
        case update(url: String?, eventTypes: [String]?, description: String?, clearsDescription: Bool, enabled: Bool?)
        case rotate(secret: String)

        func apply(to row: inout WebhookEndpointRow, at now: Date) {
            switch self {
            case .update(let url, let eventTypes, let description, let clearsDescription, let enabled):
                if let url { row.endpoint.url = url }
                if let eventTypes { row.endpoint.eventTypes = eventTypes }
                if clearsDescription { row.endpoint.description = description }
                if let enabled {
                    row.endpoint.enabled = enabled
                    if enabled { row.endpoint.disabledReason = nil }
                }
            case .rotate(let secret):
                row.previousSecret = row.secret
                row.previousSecretUntil = now.addingTimeInterval(NotificationsService.rotationOverlap)
                row.secret = secret
            }
        }
    }

    /// The endpoint locked, changed and saved, once per idempotency key (a replay answers the first result); a rotation answers
    /// the new secret.
    private func changing<Request: Codable & Sendable>(
        _ id: WebhookEndpointID, context: RPCServerContext, operation: String, request: Request, _ change: EndpointChange
    ) async throws -> WebhookEndpoint {
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: operation, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            guard var row = try await store.endpoint(id, tenant: tenant, forUpdate: true, on: connection) else {
                throw NotificationsError.notFound("webhook endpoint", id.description, reason: "WEBHOOK_ENDPOINT_NOT_FOUND")
            }
            let now = clock.now()
            change.apply(to: &row, at: now)
            row.endpoint.updatedAt = now
            try await store.save(row, tenant: tenant, on: connection)
            // Only a rotation answers the secret. (Setting `secret` on a copy under a condition instead miscompiled in release
            // builds with Swift 6.3: the answer's optional fields came out as garbage and encoding it crashed the service.)
            guard case .rotate = change else { return row.endpoint }
            var answer = row.endpoint
            answer.secret = row.secret
            return answer
        }
    }

    func redeliver(_ request: RedeliverWebhookRequest, context: RPCServerContext) async throws -> WebhookDeliveryQueued {
        guard (1...200).contains(request.messageId.count) else { throw NotificationsError.invalid("messageId", "messageId is an event's id") }
        let tenant = context.tenant
        _ = try await endpoint(request.id, tenant: tenant)
        return try await database.withTenant(tenant) { connection in
            guard let message = try await store.messageType(request.messageId, tenant: tenant, on: connection) else {
                throw NotificationsError.notFound("message", request.messageId.prefix(60).description, reason: "WEBHOOK_MESSAGE_NOT_FOUND")
            }
            let now = clock.now()
            try await store.enqueue(
                messageID: request.messageId, eventType: message.type, payload: message.payload, endpoint: request.id, at: now, tenant: tenant,
                on: connection)
            return WebhookDeliveryQueued(messageId: request.messageId, eventType: message.type, dueAt: now)
        }
    }

    /// A `billing.webhook.test` message (a CloudEvents envelope like every other) queued to the endpoint, whatever its types.
    func testSend(_ id: WebhookEndpointID, context: RPCServerContext) async throws -> WebhookDeliveryQueued {
        let tenant = context.tenant
        _ = try await endpoint(id, tenant: tenant)
        return try await database.idempotent(
            tenant: tenant, operation: NotificationsAPI.testSend.name, key: context.metadata.idempotencyKey, request: WebhookEndpointRequest(id: id)
        ) { connection in
            let now = clock.now()
            let messageID = UUIDv7.generate(at: now).text
            let payload: JSONValue = [
                "specversion": "1.0", "id": .string(messageID), "source": "/billing/notifications", "type": .string(Self.testEventType),
                "subject": .string(id.description), "time": .string(RFC3339.format(now)), "tenantid": .string(tenant),
                "datacontenttype": "application/json", "data": ["endpointId": .string(id.description)],
            ]
            try await store.enqueue(
                messageID: messageID, eventType: Self.testEventType, payload: JSONWriter.string(payload), endpoint: id, at: now, tenant: tenant,
                on: connection)
            return WebhookDeliveryQueued(messageId: messageID, eventType: Self.testEventType, dueAt: now)
        }
    }

    // MARK: Validation

    private func checkedURL(_ text: String) throws -> String {
        do {
            _ = try WebhookURLPolicy.check(text, allowInsecure: settings.allowPrivateDestinations)
            return text
        } catch {
            throw NotificationsError.invalid("url", "\(error)")
        }
    }

    private func checkedTypes(_ types: [String]) throws -> [String] {
        guard types.count <= 100 else { throw NotificationsError.invalid("eventTypes", "at most 100 event types (none: every type)") }
        for type in types where !(type.hasPrefix("billing.") && (9...100).contains(type.count)) {
            throw NotificationsError.invalid("eventTypes", "'\(type.prefix(60))' is not an event type such as billing.invoice.paid")
        }
        return Array(Set(types)).sorted()
    }

    private func checkedDescription(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard text.count <= 200 else { throw NotificationsError.invalid("description", "description must have at most 200 characters") }
        return text.isEmpty ? nil : text
    }
}
