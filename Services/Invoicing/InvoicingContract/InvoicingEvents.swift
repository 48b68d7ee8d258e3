import BillingCore
import BillingEvents
import Foundation

/// Identifies an invoice.
public struct InvoiceID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a payment.
public struct PaymentID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// What invoice events say about the invoice (seed 001).
public struct InvoiceSummary: Codable, Sendable, Equatable {
    public var id: InvoiceID
    public var billingAccountId: String
    /// The gapless per-tenant number, once finalized (`2026-000123`).
    public var number: String?
    /// DRAFT, PENDING, PAID, OVERDUE, CANCELED or VOID.
    public var status: String
    public var total: Money
    public var amountDue: Money
    public var periodStart: Date?
    public var periodEnd: Date?
    public var dueDate: Date?
}

/// `billing.invoice.created` (seed 001).
public struct InvoiceCreated: IntegrationEvent {
    public static let eventType = "billing.invoice.created"
    public var invoice: InvoiceSummary
    public var subject: String { invoice.id.description }
}

/// `billing.invoice.finalized` (seed 001): lines frozen, number assigned, awaiting payment.
public struct InvoiceFinalized: IntegrationEvent {
    public static let eventType = "billing.invoice.finalized"
    public var invoice: InvoiceSummary
    public var subject: String { invoice.id.description }
}

/// `billing.invoice.paid` (seed 001): paid in full.
public struct InvoicePaid: IntegrationEvent {
    public static let eventType = "billing.invoice.paid"
    public var invoice: InvoiceSummary
    public var paidAt: Date
    public var subject: String { invoice.id.description }
}

/// `billing.payment.completed` (seed 001; seed 000 "Pagamento confirmado").
public struct PaymentCompleted: IntegrationEvent {
    public static let eventType = "billing.payment.completed"
    public var paymentId: PaymentID
    public var invoiceId: InvoiceID?
    public var billingAccountId: String
    public var amount: Money
    /// PIX or CARD.
    public var paymentMethod: String
    public var externalRef: String?
    public var subject: String { paymentId.description }
}

/// `billing.payment.refunded` (seed 001).
public struct PaymentRefunded: IntegrationEvent {
    public static let eventType = "billing.payment.refunded"
    public var paymentId: PaymentID
    public var billingAccountId: String
    public var amount: Money
    /// Whether the whole payment is refunded now.
    public var fullyRefunded: Bool
    public var subject: String { paymentId.description }
}
