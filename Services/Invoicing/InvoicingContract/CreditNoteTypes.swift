import BillingCore
import BillingEvents
import Foundation

/// Identifies a credit note.
public struct CreditNoteID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Why a credit note was issued (Stripe's and Lago's reasons).
public enum CreditNoteReason: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case duplicate = "DUPLICATE"
    case productUnsatisfactory = "PRODUCT_UNSATISFACTORY"
    case orderChange = "ORDER_CHANGE"
    case other = "OTHER"
}

/// One line of a credit note as asked: an invoice line (by `invoiceLineId`, or `invoiceLineIndex` from 0 in the invoice's
/// `lines`) and either an `amount` or a `quantity` of it (credited at the line's unit amount, half-even to the currency).
public struct CreditNoteLineAttributes: Codable, Sendable, Equatable {
    public var invoiceLineId: InvoiceLineID?
    public var invoiceLineIndex: Int?
    /// Exact in the invoice's currency, above zero.
    public var amount: DecimalNumber?
    /// Above zero, at most the line's quantity.
    public var quantity: DecimalNumber?

    public init(invoiceLineId: InvoiceLineID? = nil, invoiceLineIndex: Int? = nil, amount: DecimalNumber? = nil, quantity: DecimalNumber? = nil) {
        self.invoiceLineId = invoiceLineId
        self.invoiceLineIndex = invoiceLineIndex
        self.amount = amount
        self.quantity = quantity
    }
}

/// `POST /credit-notes`: a credit note against a finalized invoice (PENDING, PAID or OVERDUE), by `lines` or by one `amount`
/// (the invoice as a whole). Its total first reduces what is still due (the pre-payment part); whatever exceeds that (the
/// post-payment part) is split by the caller into `refundAmount` (returned through the provider of the invoice's payments),
/// `creditAmount` (the account's credit balance) and `outOfBandAmount` (returned outside the platform), which must add up to it
/// exactly.
public struct CreateCreditNoteRequest: Codable, Sendable, Equatable {
    public var invoiceId: InvoiceID
    public var reason: CreditNoteReason?
    /// Printed on the note; up to 1,000 characters.
    public var memo: String?
    /// 1 to 100 lines; or `amount`.
    public var lines: [CreditNoteLineAttributes]?
    /// The invoice credited as a whole, exact in its currency; or `lines`.
    public var amount: DecimalNumber?
    public var refundAmount: DecimalNumber?
    public var creditAmount: DecimalNumber?
    public var outOfBandAmount: DecimalNumber?

    public init(
        invoiceId: InvoiceID, reason: CreditNoteReason? = nil, memo: String? = nil, lines: [CreditNoteLineAttributes]? = nil,
        amount: DecimalNumber? = nil, refundAmount: DecimalNumber? = nil, creditAmount: DecimalNumber? = nil,
        outOfBandAmount: DecimalNumber? = nil
    ) {
        self.invoiceId = invoiceId
        self.reason = reason
        self.memo = memo
        self.lines = lines
        self.amount = amount
        self.refundAmount = refundAmount
        self.creditAmount = creditAmount
        self.outOfBandAmount = outOfBandAmount
    }
}

/// One line of an issued credit note.
public struct CreditNoteLine: Codable, Sendable, Equatable {
    /// The invoice line credited (its position in the invoice's `lines`, from 0); nil for a note against the invoice as a whole.
    public var invoiceLineIndex: Int?
    public var invoiceLineId: InvoiceLineID?
    public var description: String
    /// When credited by quantity: the quantity and the line's unit amount.
    public var quantity: DecimalNumber?
    public var unitAmount: DecimalNumber?
    public var amount: Money

    public init(
        invoiceLineIndex: Int?, invoiceLineId: InvoiceLineID?, description: String, quantity: DecimalNumber?, unitAmount: DecimalNumber?,
        amount: Money
    ) {
        self.invoiceLineIndex = invoiceLineIndex
        self.invoiceLineId = invoiceLineId
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
        self.amount = amount
    }
}

/// A refund a credit note made of one of the invoice's payments.
public struct CreditNoteRefund: Codable, Sendable, Equatable {
    public var refundId: RefundID
    public var paymentId: PaymentID
    public var amount: Money
    /// Where the money stands at the payment's provider (PROCESSING, REFUNDED, NOT_DONE); absent when no provider holds it.
    public var settlement: String?

    public init(refundId: RefundID, paymentId: PaymentID, amount: Money, settlement: String?) {
        self.refundId = refundId
        self.paymentId = paymentId
        self.amount = amount
        self.settlement = settlement
    }
}

/// A credit note (Stripe's and Lago's): part or all of a finalized invoice taken back, numbered `NC-2026-000001` gapless per
/// tenant and year. `total = prePaymentAmount + refundAmount + creditAmount + outOfBandAmount`.
public struct CreditNote: Codable, Sendable, Equatable {
    public var id: CreditNoteID
    public var number: String
    public var invoiceId: InvoiceID
    public var invoiceNumber: String?
    public var billingAccountId: AccountID
    public var currency: String
    /// ISSUED.
    public var status: String
    public var reason: CreditNoteReason?
    public var memo: String?
    public var lines: [CreditNoteLine]
    public var total: Money
    /// What it took off the invoice's amount due: min(total, what was due).
    public var prePaymentAmount: Money
    /// What exceeded the amount due: refunded, put in account credit, or returned out of band.
    public var postPaymentAmount: Money
    public var refundAmount: Money
    public var creditAmount: Money
    public var outOfBandAmount: Money
    public var refunds: [CreditNoteRefund]
    /// The invoice's status and amount due right after the note.
    public var invoiceStatus: InvoiceStatus
    public var invoiceAmountDue: Money
    /// False for a test account's note (numbered `TEST-NC-…`).
    public var livemode: Bool
    public var createdBy: String?
    public var createdAt: Date

    public init(
        id: CreditNoteID, number: String, invoiceId: InvoiceID, invoiceNumber: String?, billingAccountId: AccountID, reason: CreditNoteReason?,
        memo: String?, lines: [CreditNoteLine], total: Money, prePaymentAmount: Money, refundAmount: Money, creditAmount: Money,
        outOfBandAmount: Money, refunds: [CreditNoteRefund], invoiceStatus: InvoiceStatus, invoiceAmountDue: Money, livemode: Bool,
        createdBy: String?, createdAt: Date
    ) {
        self.id = id
        self.number = number
        self.invoiceId = invoiceId
        self.invoiceNumber = invoiceNumber
        self.billingAccountId = billingAccountId
        self.currency = total.currency.code
        self.status = "ISSUED"
        self.reason = reason
        self.memo = memo
        self.lines = lines
        self.total = total
        self.prePaymentAmount = prePaymentAmount
        self.postPaymentAmount = Money(minorUnits: total.minorUnits - prePaymentAmount.minorUnits, currency: total.currency)
        self.refundAmount = refundAmount
        self.creditAmount = creditAmount
        self.outOfBandAmount = outOfBandAmount
        self.refunds = refunds
        self.invoiceStatus = invoiceStatus
        self.invoiceAmountDue = invoiceAmountDue
        self.livemode = livemode
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// `GET /credit-notes`: by invoice and account, newest first.
public struct ListCreditNotesRequest: Codable, Sendable, Equatable {
    public var invoiceId: InvoiceID?
    public var billingAccountId: AccountID?
    public var pageSize: Int
    /// Newest first: the page after this note.
    public var after: CreditNoteID?

    public init(invoiceId: InvoiceID? = nil, billingAccountId: AccountID? = nil, pageSize: Int = 20, after: CreditNoteID? = nil) {
        self.invoiceId = invoiceId
        self.billingAccountId = billingAccountId
        self.pageSize = pageSize
        self.after = after
    }
}

public struct CreditNotePage: Codable, Sendable, Equatable {
    public var items: [CreditNote]
    public var nextCursor: CreditNoteID?

    public init(items: [CreditNote], nextCursor: CreditNoteID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

public struct CreditNoteRequest: Codable, Sendable, Equatable {
    public var id: CreditNoteID
    public init(id: CreditNoteID) { self.id = id }
}

/// `billing.credit_note.issued`: a credit note was issued, with the invoice as it stands after it.
public struct CreditNoteIssued: IntegrationEvent {
    public static let eventType = "billing.credit_note.issued"
    public var creditNote: CreditNote
    public var invoice: InvoiceSummary
    public var subject: String { creditNote.invoiceId.description }

    public init(creditNote: CreditNote, invoice: InvoiceSummary) {
        self.creditNote = creditNote
        self.invoice = invoice
    }
}
