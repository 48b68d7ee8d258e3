import AccountsContract
import BillingCore
import Foundation

/// Where an e-mail to an account is: waiting to be sent (or retried), accepted by the SMTP server, failed for good, or skipped
/// because nobody was to receive it.
public enum EmailStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case pending = "PENDING"
    case sent = "SENT"
    case failed = "FAILED"
    case skipped = "SKIPPED"
}

/// One e-mail an event sent (or meant to send) an account's contacts.
public struct EmailNotification: Codable, Sendable, Equatable {
    /// Also the e-mail's `Message-ID` (`<id@sender's domain>`).
    public var id: UUID
    public var billingAccountId: AccountID
    public var type: NotificationType
    /// The event that caused it.
    public var eventId: String
    public var eventType: String
    public var status: EmailStatus
    public var attempts: Int
    public var recipients: [String]
    public var subject: String?
    /// The SMTP server's answer (its queue id) once SENT; why it failed, is retried or was skipped otherwise.
    public var detail: String?
    public var createdAt: Date
    public var sentAt: Date?
    /// When a PENDING e-mail is tried next.
    public var nextAttemptAt: Date?

    public init(
        id: UUID, billingAccountId: AccountID, type: NotificationType, eventId: String, eventType: String, status: EmailStatus, attempts: Int,
        recipients: [String], subject: String?, detail: String?, createdAt: Date, sentAt: Date?, nextAttemptAt: Date?
    ) {
        self.id = id
        self.billingAccountId = billingAccountId
        self.type = type
        self.eventId = eventId
        self.eventType = eventType
        self.status = status
        self.attempts = attempts
        self.recipients = recipients
        self.subject = subject
        self.detail = detail
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.nextAttemptAt = nextAttemptAt
    }
}

/// An account's latest e-mails, newest first.
public struct ListEmailNotificationsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var pageSize: Int
    public init(billingAccountId: AccountID, pageSize: Int = 20) {
        self.billingAccountId = billingAccountId
        self.pageSize = pageSize
    }
}

public struct EmailNotificationList: Codable, Sendable, Equatable {
    public var items: [EmailNotification]
    public init(items: [EmailNotification]) { self.items = items }
}
