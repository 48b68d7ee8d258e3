import BillingCore

/// The attributes of a new account (`POST /billing-accounts`, seed 001 step 1).
public struct CreateAccountRequest: Codable, Sendable, Equatable {
    public var name: String
    public var email: String
    public var currency: String
    public var taxId: String?
    public var taxIdType: TaxIDType?
    /// IANA name; `UTC` when absent.
    public var timezone: String?
    /// Up to 50 string pairs (keys ≤ 40 characters, values ≤ 500).
    public var metadata: [String: String]?
    /// Creates a test account on this test clock (it cannot be changed later).
    public var testClockId: TestClockID?
    /// The language of its e-mails; default pt-BR for BRL accounts, English otherwise.
    public var locale: AccountLocale?
    /// Up to 10 people who receive its e-mails; absent or empty: its `email` receives every type.
    public var contacts: [AccountContact]?
    public var notificationOptOuts: [NotificationType]?
    /// Exempt from every tax rate, withholdings included (immune or exempt entities); default false.
    public var taxExempt: Bool?

    public init(
        name: String, email: String, currency: String, taxId: String? = nil, taxIdType: TaxIDType? = nil,
        timezone: String? = nil, metadata: [String: String]? = nil, testClockId: TestClockID? = nil, locale: AccountLocale? = nil,
        contacts: [AccountContact]? = nil, notificationOptOuts: [NotificationType]? = nil, taxExempt: Bool? = nil
    ) {
        self.taxExempt = taxExempt
        self.testClockId = testClockId
        self.locale = locale
        self.contacts = contacts
        self.notificationOptOuts = notificationOptOuts
        self.name = name
        self.email = email
        self.currency = currency
        self.taxId = taxId
        self.taxIdType = taxIdType
        self.timezone = timezone
        self.metadata = metadata
    }
}

public struct GetAccountRequest: Codable, Sendable, Equatable {
    public var id: AccountID
    public init(id: AccountID) { self.id = id }
}

/// One page of accounts, oldest first, optionally filtered.
public struct ListAccountsRequest: Codable, Sendable, Equatable {
    public var status: AccountStatus?
    /// Case-insensitive exact match.
    public var email: String?
    /// Matches formatted or bare CPF/CNPJ.
    public var taxId: String?
    public var pageSize: Int
    /// The last id of the previous page.
    public var after: AccountID?

    public init(status: AccountStatus? = nil, email: String? = nil, taxId: String? = nil, pageSize: Int = 20, after: AccountID? = nil) {
        self.status = status
        self.email = email
        self.taxId = taxId
        self.pageSize = pageSize
        self.after = after
    }
}

public struct AccountPage: Codable, Sendable, Equatable {
    public var items: [BillingAccount]
    /// Pass as `after` for the next page; nil on the last page.
    public var nextCursor: AccountID?

    public init(items: [BillingAccount], nextCursor: AccountID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// Changed attributes (`PATCH /billing-accounts/{id}`); absent ones stay as they are.
public struct AccountChanges: Codable, Sendable, Equatable {
    public var name: String?
    public var email: String?
    /// Accepted only when unchanged: an account's currency is fixed at creation.
    public var currency: String?
    public var taxId: String?
    public var taxIdType: TaxIDType?
    public var timezone: String?
    /// Replaces the whole map.
    public var metadata: [String: String]?
    public var locale: AccountLocale?
    /// Replaces the whole list (`[]`: the account's `email` receives every type).
    public var contacts: [AccountContact]?
    /// Replaces the whole list.
    public var notificationOptOuts: [NotificationType]?
    /// Exempt from every tax rate, withholdings included (immune or exempt entities).
    public var taxExempt: Bool?

    public init(
        name: String? = nil, email: String? = nil, currency: String? = nil, taxId: String? = nil, taxIdType: TaxIDType? = nil,
        timezone: String? = nil, metadata: [String: String]? = nil, locale: AccountLocale? = nil, contacts: [AccountContact]? = nil,
        notificationOptOuts: [NotificationType]? = nil, taxExempt: Bool? = nil
    ) {
        self.taxExempt = taxExempt
        self.locale = locale
        self.contacts = contacts
        self.notificationOptOuts = notificationOptOuts
        self.name = name
        self.email = email
        self.currency = currency
        self.taxId = taxId
        self.taxIdType = taxIdType
        self.timezone = timezone
        self.metadata = metadata
    }
}

public struct UpdateAccountRequest: Codable, Sendable, Equatable {
    public var id: AccountID
    public var changes: AccountChanges

    public init(id: AccountID, changes: AccountChanges) {
        self.id = id
        self.changes = changes
    }
}

/// Suspend, reactivate or close an account.
public struct ChangeAccountStatusRequest: Codable, Sendable, Equatable {
    public var id: AccountID
    public var reason: String?

    public init(id: AccountID, reason: String? = nil) {
        self.id = id
        self.reason = reason
    }
}

/// The body of suspend and close requests (`{"data":{"attributes":{"reason":"…"}}}`, optional).
public struct AccountStatusChangeAttributes: Codable, Sendable, Equatable {
    public var reason: String?
    public init(reason: String? = nil) { self.reason = reason }
}
