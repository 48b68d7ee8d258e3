import AccountsContract
import BillingCore
import BillingRPC
import HTTPTypes
import NotificationsContract

/// `/api/v1/webhook-endpoints`: where a tenant receives its billing events, signed (Standard Webhooks), and what was sent there.
enum WebhookRoutes {
    static let type = "webhook-endpoints"
    static let base = "/api/v1/webhook-endpoints"
    static let tag = "Webhooks"

    static func routes(client: RPCClient) -> [APIRoute] {
        let endpoint = CodableSchema.of(WebhookEndpoint.self)
        func single(_ status: HTTPStatus = .ok) -> APIRoute.ResponseSpec {
            .init(status: status, resourceType: type, attributes: endpoint, isCollection: false)
        }
        let settings = APIRoute.ResponseSpec(
            status: .ok, resourceType: "notification-settings", attributes: .of(NotificationSettings.self), isCollection: false,
            idFormat: nil)  // the tenant's id, the token's organizationId
        let queued = APIRoute.ResponseSpec(
            status: .accepted, resourceType: "webhook-deliveries", attributes: .of(WebhookDeliveryQueued.self), isCollection: false)
        return [
            APIRoute(
                method: .post, path: base, operationID: "createWebhookEndpoint", tag: tag,
                summary:
                    """
                    Register an endpoint for some event types (`eventTypes`, none: every type). The URL is https (http only in \
                    development); private, loopback and link-local addresses are refused, also when a name resolves to one at delivery \
                    time. The answer carries the signing secret (`whsec_…`) once: keep it to verify `webhook-signature`.
                    """,
                permission: .webhooksCreate,
                requestBody: .init(resourceType: type, attributes: .of(CreateWebhookEndpointRequest.self), optional: false),
                response: single(.created), queryParameters: []
            ) { request in
                let attributes = try request.attributes(CreateWebhookEndpointRequest.self, resourceType: type)
                let created = try await client.call(NotificationsAPI.create, attributes, options: request.options)
                return .created(try document(created), location: "\(base)/\(created.id)")
            },
            APIRoute(
                method: .get, path: base, operationID: "listWebhookEndpoints", tag: tag, summary: "The tenant's endpoints, oldest first.",
                permission: .webhooksRead, requestBody: nil,
                response: .init(status: .ok, resourceType: type, attributes: endpoint, isCollection: true), queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let list = try await client.call(NotificationsAPI.list, ListWebhookEndpointsRequest(), options: request.options)
                return .ok(JSONAPI.document(.array(try list.items.map { try JSONAPI.resource(type: type, id: $0.id, from: $0) })))
            },
            APIRoute(
                method: .get, path: base + "/{id}", operationID: "getWebhookEndpoint", tag: tag, summary: "One endpoint (never its secret).",
                permission: .webhooksRead, requestBody: nil, response: single(), queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                return .ok(
                    try document(
                        try await client.call(NotificationsAPI.get, WebhookEndpointRequest(id: try endpointID(request)), options: request.options)))
            },
            APIRoute(
                method: .patch, path: base + "/{id}", operationID: "updateWebhookEndpoint", tag: tag,
                summary: "Change the URL, event types, description or `enabled` (enabling again clears `disabledReason`).",
                permission: .webhooksUpdate,
                requestBody: .init(resourceType: type, attributes: .of(WebhookEndpointChanges.self), optional: false), response: single(),
                queryParameters: []
            ) { request in
                let changes = try request.attributes(WebhookEndpointChanges.self, resourceType: type)
                let updated = try await client.call(
                    NotificationsAPI.update, UpdateWebhookEndpointRequest(id: try endpointID(request), changes: changes), options: request.options)
                return .ok(try document(updated))
            },
            APIRoute(
                method: .delete, path: base + "/{id}", operationID: "deleteWebhookEndpoint", tag: tag,
                summary: "Remove an endpoint: nothing more is sent to it; what was queued is dropped.", permission: .webhooksDelete,
                requestBody: nil, response: single(), queryParameters: []
            ) { request in
                .ok(
                    try document(
                        try await client.call(NotificationsAPI.delete, WebhookEndpointRequest(id: try endpointID(request)), options: request.options))
                )
            },
            APIRoute(
                method: .post, path: base + "/{id}/rotate-secret", operationID: "rotateWebhookEndpointSecret", tag: tag,
                summary: "A new signing secret, answered once; the old one also signs every delivery for 24 h (two `v1,` signatures).",
                permission: .webhooksUpdate, requestBody: nil, response: single(), queryParameters: []
            ) { request in
                let rotated = try await client.call(
                    NotificationsAPI.rotateSecret, WebhookEndpointRequest(id: try endpointID(request)), options: request.options)
                return .ok(try document(rotated))
            },
            APIRoute(
                method: .get, path: base + "/{id}/attempts", operationID: "listWebhookAttempts", tag: tag,
                summary: "The endpoint's latest delivery attempts, newest first: time, status, latency, the first 1 KiB of the answer.",
                permission: .webhooksRead, requestBody: nil,
                response: .init(
                    status: .ok, resourceType: "webhook-attempts", attributes: .of(WebhookAttempt.self), isCollection: true,
                    idFormat: nil, idPattern: "^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}@"),  // `<messageId>@<attemptedAt>`
                queryParameters: [.init(name: "page[size]", summary: "1–100, default 50", schema: .integer)]
            ) { request in
                try request.query.requireOnly(["page[size]"])
                let size = try request.query.pageSize(default: 50)
                let list = try await client.call(
                    NotificationsAPI.attempts, ListWebhookAttemptsRequest(id: try endpointID(request), pageSize: size), options: request.options)
                return .ok(
                    JSONAPI.document(
                        .array(
                            try list.items.map {
                                try JSONAPI.resource(type: "webhook-attempts", id: "\($0.messageId)@\(RFC3339.format($0.attemptedAt))", from: $0)
                            })))
            },
            APIRoute(
                method: .post, path: base + "/{id}/messages/{messageId}/redeliver", operationID: "redeliverWebhookMessage", tag: tag,
                summary: "Send a message (an event id) to the endpoint again, now.", permission: .webhooksUpdate, requestBody: nil,
                response: queued, queryParameters: []
            ) { request in
                let messageID = request.pathParameters["messageId"] ?? ""
                let answer = try await client.call(
                    NotificationsAPI.redeliver, RedeliverWebhookRequest(id: try endpointID(request), messageId: messageID), options: request.options)
                return APIResponse(
                    status: .accepted,
                    document: JSONAPI.document(try JSONAPI.resource(type: "webhook-deliveries", id: answer.messageId, from: answer)))
            },
            APIRoute(
                method: .post, path: base + "/{id}/test", operationID: "testWebhookEndpoint", tag: tag,
                summary: "Send a `billing.webhook.test` message to the endpoint now, whatever its event types.", permission: .webhooksUpdate,
                requestBody: nil, response: queued, queryParameters: []
            ) { request in
                let answer = try await client.call(
                    NotificationsAPI.testSend, WebhookEndpointRequest(id: try endpointID(request)), options: request.options)
                return APIResponse(
                    status: .accepted,
                    document: JSONAPI.document(try JSONAPI.resource(type: "webhook-deliveries", id: answer.messageId, from: answer)))
            },
            APIRoute(
                method: .get, path: "/api/v1/notification-settings", operationID: "getNotificationSettings", tag: tag,
                summary: "The tenant's notification settings: who is e-mailed about its integration (a disabled endpoint), in which language.",
                permission: .webhooksRead, requestBody: nil, response: settings, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let answer = try await client.call(NotificationsAPI.settings, GetNotificationSettingsRequest(), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: "notification-settings", id: request.principal.tenant, from: answer)))
            },
            APIRoute(
                method: .put, path: "/api/v1/notification-settings", operationID: "setNotificationSettings", tag: tag,
                summary: "Replace the tenant's notification settings: `contactEmail` (none: nobody is e-mailed) and `locale` (pt-BR or en).",
                permission: .webhooksUpdate,
                requestBody: .init(resourceType: "notification-settings", attributes: .of(NotificationSettings.self), optional: false),
                response: settings, queryParameters: []
            ) { request in
                let attributes = try request.attributes(NotificationSettings.self, resourceType: "notification-settings")
                let answer = try await client.call(NotificationsAPI.setSettings, attributes, options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: "notification-settings", id: request.principal.tenant, from: answer)))
            },
            APIRoute(
                method: .get, path: "/api/v1/billing-accounts/{id}/email-notifications", operationID: "listEmailNotifications",
                tag: "Billing accounts",
                summary:
                    """
                    The account's latest e-mails, newest first: type, status (PENDING, SENT, FAILED, SKIPPED), recipients, subject, \
                    the SMTP server's answer or why it failed or was skipped; the id is also the e-mail's Message-ID.
                    """,
                permission: .accountsRead, requestBody: nil,
                response: .init(
                    status: .ok, resourceType: "email-notifications", attributes: .of(EmailNotification.self), isCollection: true),
                queryParameters: [.init(name: "page[size]", summary: "1–100, default 20", schema: .integer)]
            ) { request in
                try request.query.requireOnly(["page[size]"])
                let account = try request.id(AccountID.self, resource: "billing account")
                let list = try await client.call(
                    NotificationsAPI.listEmails,
                    ListEmailNotificationsRequest(billingAccountId: account, pageSize: try request.query.pageSize(default: 20)),
                    options: request.options)
                return .ok(
                    JSONAPI.document(
                        .array(try list.items.map { try JSONAPI.resource(type: "email-notifications", id: $0.id.uuidString.lowercased(), from: $0) }))
                )
            },
        ]
    }

    private static func endpointID(_ request: APIRequest) throws -> WebhookEndpointID {
        try request.id(WebhookEndpointID.self, resource: "webhook endpoint")
    }

    static func document(_ endpoint: WebhookEndpoint) throws -> JSONValue {
        JSONAPI.document(try JSONAPI.resource(type: type, from: endpoint, selfLink: "\(base)/\(endpoint.id)"))
    }
}
