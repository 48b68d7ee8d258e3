import BillingCore

/// The e-mails the platform sends an account's contacts (issue 25); each may be opted out of per account.
public enum NotificationType: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// An invoice was finalized: its PDF attached and, for BRL, the PIX copy-and-paste code.
    case invoiceIssued = "INVOICE_ISSUED"
    case paymentReceived = "PAYMENT_RECEIVED"
    case paymentFailed = "PAYMENT_FAILED"
    /// Each of the wallet's alert thresholds (80, 90, 95, 100 % of the period's allowance).
    case creditsThreshold = "CREDITS_THRESHOLD"
    case creditsExhausted = "CREDITS_EXHAUSTED"
    case creditsExpiring = "CREDITS_EXPIRING"
    /// A usage limit at 80, 90 or 100 %.
    case usageLimit = "USAGE_LIMIT"
    case subscriptionPastDue = "SUBSCRIPTION_PAST_DUE"
    case subscriptionCanceled = "SUBSCRIPTION_CANCELED"
    /// Three days before a trial ends.
    case trialEnding = "TRIAL_ENDING"
}

/// The language of an account's e-mails.
public enum AccountLocale: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case portuguese = "pt-BR"
    case english = "en"

    /// pt-BR for accounts billed in BRL, English otherwise.
    public static func defaultFor(currency: String) -> AccountLocale { currency == "BRL" ? .portuguese : .english }
}

/// Someone who receives an account's e-mails.
public struct AccountContact: Codable, Sendable, Equatable {
    public var email: String
    public var name: String?
    /// The types this contact receives; absent or empty: every type.
    public var notifications: [NotificationType]?

    public init(email: String, name: String? = nil, notifications: [NotificationType]? = nil) {
        self.email = email
        self.name = name
        self.notifications = notifications
    }

    public func receives(_ type: NotificationType) -> Bool { (notifications ?? []).isEmpty || notifications!.contains(type) }
}

extension BillingAccount {
    /// Who gets an e-mail of `type`: nobody when the account opted out of it; otherwise the contacts that take it, or the
    /// account's own e-mail when it has no contacts.
    public func recipients(of type: NotificationType) -> [AccountContact] {
        guard !notificationOptOuts.contains(type) else { return [] }
        guard !contacts.isEmpty else { return [AccountContact(email: email, name: name)] }
        return contacts.filter { $0.receives(type) }
    }
}
