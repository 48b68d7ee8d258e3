import BillingCore
import Foundation

/// Identifies a one-off charge waiting for (or billed on) an account's invoice.
public struct InvoiceItemID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Where an invoice item stands.
public enum InvoiceItemStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// Waiting for the account's next invoice.
    case pending = "PENDING"
    /// A line (kind `INVOICE_ITEM`) of the invoice `invoiceId` names.
    case invoiced = "INVOICED"
    /// Removed while it was PENDING; never billed.
    case deleted = "DELETED"
}

/// A one-off charge (Stripe's invoice item): `quantity × unitAmount`, exact in the account's currency, billed as a line of the
/// account's next invoice (or of the DRAFT it was added to). A negative amount is a credit.
public struct InvoiceItem: Codable, Sendable, Equatable {
    public var id: InvoiceItemID
    public var billingAccountId: AccountID
    public var description: String
    public var quantity: Int
    public var unitAmount: Money
    /// `quantity × unitAmount`.
    public var amount: Money
    public var currency: String
    public var status: InvoiceItemStatus
    /// The invoice that bills it, once INVOICED.
    public var invoiceId: InvoiceID?
    public var metadata: [String: String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: InvoiceItemID, billingAccountId: AccountID, description: String, quantity: Int, unitAmount: Money, amount: Money,
        status: InvoiceItemStatus, invoiceId: InvoiceID?, metadata: [String: String], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.billingAccountId = billingAccountId
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
        self.amount = amount
        self.currency = amount.currency.code
        self.status = status
        self.invoiceId = invoiceId
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// `POST /billing-accounts/{id}/invoice-items`: what the charge is. Without `invoiceId` it waits for the account's next invoice;
/// with the id of one of the account's DRAFTs, it becomes a line of that draft at once.
public struct InvoiceItemAttributes: Codable, Sendable, Equatable {
    /// 1 to 500 characters.
    public var description: String?
    /// 1 to 1,000,000 whole units; default 1.
    public var quantity: Int?
    /// Exact in the account's currency; negative for a credit.
    public var unitAmount: DecimalNumber?
    /// A DRAFT invoice of the account.
    public var invoiceId: InvoiceID?
    /// Up to 50 pairs, keys 1–40 and values up to 500 characters.
    public var metadata: [String: String]?

    public init(
        description: String? = nil, quantity: Int? = nil, unitAmount: DecimalNumber? = nil, invoiceId: InvoiceID? = nil,
        metadata: [String: String]? = nil
    ) {
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
        self.invoiceId = invoiceId
        self.metadata = metadata
    }
}

public struct CreateInvoiceItemRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var attributes: InvoiceItemAttributes

    public init(billingAccountId: AccountID, attributes: InvoiceItemAttributes) {
        self.billingAccountId = billingAccountId
        self.attributes = attributes
    }
}

public struct ListInvoiceItemsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    /// Absent: PENDING and INVOICED ones (DELETED only when asked for).
    public var status: InvoiceItemStatus?
    public var pageSize: Int
    /// Newest first: the page after this item.
    public var after: InvoiceItemID?

    public init(billingAccountId: AccountID, status: InvoiceItemStatus? = nil, pageSize: Int = 20, after: InvoiceItemID? = nil) {
        self.billingAccountId = billingAccountId
        self.status = status
        self.pageSize = pageSize
        self.after = after
    }
}

public struct InvoiceItemPage: Codable, Sendable, Equatable {
    public var items: [InvoiceItem]
    public var nextCursor: InvoiceItemID?

    public init(items: [InvoiceItem], nextCursor: InvoiceItemID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

public struct InvoiceItemRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var id: InvoiceItemID

    public init(billingAccountId: AccountID, id: InvoiceItemID) {
        self.billingAccountId = billingAccountId
        self.id = id
    }
}
