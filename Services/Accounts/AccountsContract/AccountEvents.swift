import BillingCore
import BillingEvents

/// `billing.account.created`: a new account, in full.
public struct AccountCreated: IntegrationEvent {
    public static let eventType = "billing.account.created"
    public var account: BillingAccount
    public var subject: String { account.id.description }
    public init(account: BillingAccount) { self.account = account }
}

/// `billing.account.updated`: the account after the change and which attributes changed.
public struct AccountUpdated: IntegrationEvent {
    public static let eventType = "billing.account.updated"
    public var account: BillingAccount
    public var changedAttributes: [String]
    public var subject: String { account.id.description }
    public init(account: BillingAccount, changedAttributes: [String]) {
        self.account = account
        self.changedAttributes = changedAttributes
    }
}

/// `billing.account.suspended`: subscriptions of the account should pause (seed 001).
public struct AccountSuspended: IntegrationEvent {
    public static let eventType = "billing.account.suspended"
    public var account: BillingAccount
    public var subject: String { account.id.description }
    public init(account: BillingAccount) { self.account = account }
}

/// `billing.account.reactivated`: a suspended account is ACTIVE again.
public struct AccountReactivated: IntegrationEvent {
    public static let eventType = "billing.account.reactivated"
    public var account: BillingAccount
    public var subject: String { account.id.description }
    public init(account: BillingAccount) { self.account = account }
}

/// `billing.account.closed`: the account accepts no new operation.
public struct AccountClosed: IntegrationEvent {
    public static let eventType = "billing.account.closed"
    public var account: BillingAccount
    public var subject: String { account.id.description }
    public init(account: BillingAccount) { self.account = account }
}
