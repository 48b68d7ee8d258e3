import AccountsContract
import BillingCore
import BillingEvents
import Foundation

/// `billing.webhook_endpoint.disabled`: every delivery to an endpoint failed for `BILLING_NOTIFICATIONS_DISABLE_AFTER_HOURS`
/// (5 days), so the platform disabled it; the tenant's contact is e-mailed and its other endpoints that take the type get it.
public struct WebhookEndpointDisabled: IntegrationEvent {
    public static let eventType = "billing.webhook_endpoint.disabled"
    /// The endpoint as it is now (never its secret).
    public var endpoint: WebhookEndpoint
    /// Since when every attempt failed.
    public var failingSince: Date
    public var subject: String { endpoint.id.description }

    public init(endpoint: WebhookEndpoint, failingSince: Date) {
        var endpoint = endpoint
        endpoint.secret = nil
        self.endpoint = endpoint
        self.failingSince = failingSince
    }
}

/// The tenant's own notification settings (`GET`/`PUT /notification-settings`).
public struct NotificationSettings: Codable, Sendable, Equatable {
    /// Who at the tenant hears about its integration (an endpoint the platform disabled); none: nobody is e-mailed.
    public var contactEmail: String?
    /// The language of those e-mails; default pt-BR.
    public var locale: AccountLocale?

    public init(contactEmail: String? = nil, locale: AccountLocale? = nil) {
        self.contactEmail = contactEmail
        self.locale = locale
    }
}

public struct GetNotificationSettingsRequest: Codable, Sendable, Equatable {
    public init() {}
}
