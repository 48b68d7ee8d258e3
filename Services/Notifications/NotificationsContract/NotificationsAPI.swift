import BillingCore
import BillingEvents
import BillingRPC

/// The published RPC API of the notifications context (`billing.notifications.v1`): the tenant's webhook endpoints, their
/// deliveries and attempts.
public enum NotificationsAPI: RPCServiceDescription {
    public static let contextName = "notifications"
    public static let package = "billing.notifications.v1"
    static let service = package + ".WebhookEndpoints"
    static let emails = package + ".Emails"
    static let settingsService = package + ".Settings"

    public static let create = UnaryMethod<CreateWebhookEndpointRequest, WebhookEndpoint>(
        service: service, method: "Create", retry: .withKey, callers: .gateway,
        summary:
            """
            Registers an endpoint (https outside development; private, loopback and link-local addresses refused) for some event types \
            or all, and answers its signing secret (`whsec_…`) once. Replays with the same `idempotency-key` return the first result.
            """)
    public static let get = UnaryMethod<WebhookEndpointRequest, WebhookEndpoint>(
        service: service, method: "Get", retry: .always, callers: .gateway, summary: "One endpoint of the tenant; `not_found` otherwise.")
    public static let list = UnaryMethod<ListWebhookEndpointsRequest, WebhookEndpointList>(
        service: service, method: "List", retry: .always, callers: .gateway, summary: "The tenant's endpoints, oldest first (at most 100).")
    public static let update = UnaryMethod<UpdateWebhookEndpointRequest, WebhookEndpoint>(
        service: service, method: "Update", retry: .withKey, callers: .gateway,
        summary: "Changes an endpoint's URL, event types, description or enabled flag (enabling clears why the platform disabled it).")
    public static let delete = UnaryMethod<WebhookEndpointRequest, WebhookEndpoint>(
        service: service, method: "Delete", retry: .withKey, callers: .gateway,
        summary: "Removes an endpoint: nothing more is delivered to it, what was queued is dropped.")
    public static let rotateSecret = UnaryMethod<WebhookEndpointRequest, WebhookEndpoint>(
        service: service, method: "RotateSecret", retry: .withKey, callers: .gateway,
        summary: "A new signing secret, answered once; the old one also signs every delivery for 24 h (two `v1,` signatures).")
    public static let attempts = UnaryMethod<ListWebhookAttemptsRequest, WebhookAttemptList>(
        service: service, method: "ListAttempts", retry: .always, callers: .gateway,
        summary: "The endpoint's latest delivery attempts, newest first: time, status, latency, the first 1 KiB of the answer.")
    public static let redeliver = UnaryMethod<RedeliverWebhookRequest, WebhookDeliveryQueued>(
        service: service, method: "Redeliver", retry: .always, callers: .gateway,
        summary: "Queues a message the endpoint was sent (or should have been) for delivery again, now.")
    public static let testSend = UnaryMethod<WebhookEndpointRequest, WebhookDeliveryQueued>(
        service: service, method: "TestSend", retry: .withKey, callers: .gateway,
        summary: "Queues a `billing.webhook.test` message to the endpoint, now (whatever its event types).")

    public static let listEmails = UnaryMethod<ListEmailNotificationsRequest, EmailNotificationList>(
        service: emails, method: "List", retry: .always, callers: .gateway,
        summary:
            """
            An account's latest e-mails, newest first (`pageSize` 1–100): type, status (PENDING, SENT, FAILED, SKIPPED), recipients, \
            subject, the SMTP server's answer or why it failed.
            """)

    public static let settings = UnaryMethod<GetNotificationSettingsRequest, NotificationSettings>(
        service: settingsService, method: "Get", retry: .always, callers: .gateway,
        summary: "The tenant's notification settings: the contact e-mailed about its integration, and that e-mail's language.")
    public static let setSettings = UnaryMethod<NotificationSettings, NotificationSettings>(
        service: settingsService, method: "Put", retry: .always, callers: .gateway,
        summary: "Replaces the tenant's notification settings (a valid `contactEmail`, or none).")

    public static var methods: [any RPCMethodDescriptor] {
        [create, get, list, update, delete, rotateSecret, attempts, redeliver, testSend, listEmails, settings, setSettings]
    }

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
            EventDescriptor(
                WebhookEndpointDisabled.self, producer: contextName,
                summary: "Every delivery to an endpoint failed for 5 days: the platform disabled it and e-mailed the tenant's contact.")
        ]
    }
}
