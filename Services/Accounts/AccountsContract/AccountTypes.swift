import BillingCore
import Foundation

/// Seed 001: ACTIVE accounts can subscribe and be charged; SUSPENDED ones have their subscriptions
/// paused; CLOSED accepts no new operation.
public enum AccountStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case active = "ACTIVE"
    case suspended = "SUSPENDED"
    case closed = "CLOSED"
}

/// The kind of `taxId`: Brazilian CPF or CNPJ (check digits validated), or any foreign id.
public enum TaxIDType: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case cpf = "CPF"
    case cnpj = "CNPJ"
    case other = "OTHER"
}

/// A customer the tenant bills.
public struct BillingAccount: Codable, Sendable, Equatable {
    public var id: AccountID
    public var name: String
    public var email: String
    /// ISO 4217 code of everything billed to this account.
    public var currency: String
    /// Bare (unformatted) CPF/CNPJ digits, or the foreign id as given.
    public var taxId: String?
    public var taxIdType: TaxIDType?
    /// IANA time zone used for calendar-aligned billing periods.
    public var timezone: String
    public var metadata: [String: String]
    public var status: AccountStatus
    /// Why it was last suspended or closed.
    public var statusReason: String?
    /// Credit (positive) the account holds, e.g. from overpayments; read-only here.
    public var balance: Money
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
    /// A test account lives on this test clock (Stripe's rule): only it can have subscriptions on the clock, and everything it
    /// is billed is test data (`livemode: false` invoices in their own numbering, never charged to a real card).
    public var testClockId: TestClockID?
    /// The language of its e-mails (default: pt-BR for BRL accounts, English otherwise).
    public var locale: AccountLocale
    /// Who receives its e-mails, and which; empty: its `email` receives every type.
    public var contacts: [AccountContact]
    /// E-mail types nobody of the account receives.
    public var notificationOptOuts: [NotificationType]
    /// Exempt from every tax rate, withholdings included (immune or exempt entities); default false.
    public var taxExempt: Bool

    public init(
        id: AccountID, name: String, email: String, currency: String, taxId: String?, taxIdType: TaxIDType?, timezone: String,
        metadata: [String: String], status: AccountStatus, statusReason: String?, balance: Money, createdAt: Date, updatedAt: Date,
        closedAt: Date?, testClockId: TestClockID? = nil, locale: AccountLocale? = nil, contacts: [AccountContact] = [],
        notificationOptOuts: [NotificationType] = [], taxExempt: Bool = false
    ) {
        self.taxExempt = taxExempt
        self.testClockId = testClockId
        self.locale = locale ?? .defaultFor(currency: currency)
        self.contacts = contacts
        self.notificationOptOuts = notificationOptOuts
        self.id = id
        self.name = name
        self.email = email
        self.currency = currency
        self.taxId = taxId
        self.taxIdType = taxIdType
        self.timezone = timezone
        self.metadata = metadata
        self.status = status
        self.statusReason = statusReason
        self.balance = balance
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
    }
}

extension BillingAccount {
    /// Accounts recorded before e-mail notifications or taxes (in events and stored answers) read with the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(AccountID.self, forKey: .id), name: try container.decode(String.self, forKey: .name),
            email: try container.decode(String.self, forKey: .email), currency: try container.decode(String.self, forKey: .currency),
            taxId: try container.decodeIfPresent(String.self, forKey: .taxId),
            taxIdType: try container.decodeIfPresent(TaxIDType.self, forKey: .taxIdType),
            timezone: try container.decode(String.self, forKey: .timezone),
            metadata: try container.decode([String: String].self, forKey: .metadata),
            status: try container.decode(AccountStatus.self, forKey: .status),
            statusReason: try container.decodeIfPresent(String.self, forKey: .statusReason),
            balance: try container.decode(Money.self, forKey: .balance), createdAt: try container.decode(Date.self, forKey: .createdAt),
            updatedAt: try container.decode(Date.self, forKey: .updatedAt), closedAt: try container.decodeIfPresent(Date.self, forKey: .closedAt),
            testClockId: try container.decodeIfPresent(TestClockID.self, forKey: .testClockId),
            locale: try container.decodeIfPresent(AccountLocale.self, forKey: .locale),
            contacts: try container.decodeIfPresent([AccountContact].self, forKey: .contacts) ?? [],
            notificationOptOuts: try container.decodeIfPresent([NotificationType].self, forKey: .notificationOptOuts) ?? [],
            taxExempt: try container.decodeIfPresent(Bool.self, forKey: .taxExempt) ?? false)
    }
}
