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

    public init(
        id: AccountID, name: String, email: String, currency: String, taxId: String?, taxIdType: TaxIDType?, timezone: String,
        metadata: [String: String], status: AccountStatus, statusReason: String?, balance: Money, createdAt: Date, updatedAt: Date,
        closedAt: Date?, testClockId: TestClockID? = nil
    ) {
        self.testClockId = testClockId
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
