import BillingCore
import Foundation

/// Identifies a bank transfer an operator recorded.
public struct BankTransferID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// The tenant's bank account that customers transfer to (TED/PIX to the account), printed with an invoice finalized with
/// BANK_TRANSFER (`InvoiceSettings.bankAccount`).
public struct BankAccountDetails: Codable, Sendable, Equatable {
    /// The bank's 3-digit COMPE code (`001`, `341`).
    public var bankCode: String
    /// Up to 100 characters.
    public var bankName: String
    /// The branch (agência): 1 to 10 digits, optionally `-` and a check digit.
    public var branch: String
    /// The account number: 1 to 20 digits, optionally `-` and a check digit (a digit or X).
    public var accountNumber: String
    /// The account holder's name, up to 200 characters.
    public var holderName: String
    /// The holder's CNPJ or CPF (digits, punctuation allowed; check digits verified).
    public var holderTaxId: String

    public init(bankCode: String, bankName: String, branch: String, accountNumber: String, holderName: String, holderTaxId: String) {
        self.bankCode = bankCode
        self.bankName = bankName
        self.branch = branch
        self.accountNumber = accountNumber
        self.holderName = holderName
        self.holderTaxId = holderTaxId
    }
}

/// How to pay an invoice finalized with BANK_TRANSFER: the amount due, to the tenant's account, quoting the reference.
public struct BankTransferInstructions: Codable, Sendable, Equatable {
    public var invoiceId: InvoiceID
    public var invoiceNumber: String
    /// ISO 11649 structured creditor reference (`RF` + 2 check digits + the invoice number without its dashes): the transfer
    /// is matched to the invoice by it; its check digits catch a mistyped reference.
    public var reference: String
    public var amountDue: Money
    public var dueDate: Date?
    public var bankAccount: BankAccountDetails

    public init(
        invoiceId: InvoiceID, invoiceNumber: String, reference: String, amountDue: Money, dueDate: Date?, bankAccount: BankAccountDetails
    ) {
        self.invoiceId = invoiceId
        self.invoiceNumber = invoiceNumber
        self.reference = reference
        self.amountDue = amountDue
        self.dueDate = dueDate
        self.bankAccount = bankAccount
    }
}

/// `POST /bank-transfers`: money that arrived in the tenant's account, as the bank statement shows it.
public struct RecordBankTransferRequest: Codable, Sendable, Equatable {
    /// The reference the payer quoted (spaces and case ignored), 1 to 35 characters.
    public var reference: String
    /// Above zero, exact in the currency's minor unit.
    public var amount: DecimalNumber
    /// ISO 4217; default BRL.
    public var currency: String?
    /// The day the bank credited it (`2026-03-05`), not in the future.
    public var receivedOn: String
    /// The statement line's own id (1 to 100 characters), unique per tenant: recording it again answers the first record.
    public var bankTransactionId: String?

    public init(reference: String, amount: DecimalNumber, currency: String? = nil, receivedOn: String, bankTransactionId: String? = nil) {
        self.reference = reference
        self.amount = amount
        self.currency = currency
        self.receivedOn = receivedOn
        self.bankTransactionId = bankTransactionId
    }
}

/// MATCHED: paid the invoice its reference names. UNMATCHED: kept for an operator's review (`unmatchedReason`), nothing paid.
public enum BankTransferStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case matched = "MATCHED", unmatched = "UNMATCHED"
}

/// A recorded bank transfer and what it paid.
public struct BankTransfer: Codable, Sendable, Equatable {
    public var id: BankTransferID
    /// As recorded, normalised (upper case, no spaces).
    public var reference: String
    public var amount: Money
    public var receivedOn: String
    public var bankTransactionId: String?
    public var status: BankTransferStatus
    /// UNMATCHED: `UNKNOWN_REFERENCE` (bad check digits, or no invoice finalized with BANK_TRANSFER has it), `CURRENCY_MISMATCH`,
    /// `AMOUNT_MISMATCH` (not exactly the amount due), `INVOICE_NOT_OPEN` (already paid, voided: a duplicate to refund).
    public var unmatchedReason: String?
    /// Why, in words.
    public var message: String?
    /// The invoice the reference names, when one does.
    public var invoiceId: InvoiceID?
    /// MATCHED: the BANK_TRANSFER payment recorded for it.
    public var paymentId: PaymentID?
    public var recordedBy: String?
    public var createdAt: Date

    public init(
        id: BankTransferID, reference: String, amount: Money, receivedOn: String, bankTransactionId: String?, status: BankTransferStatus,
        unmatchedReason: String?, message: String?, invoiceId: InvoiceID?, paymentId: PaymentID?, recordedBy: String?, createdAt: Date
    ) {
        self.id = id
        self.reference = reference
        self.amount = amount
        self.receivedOn = receivedOn
        self.bankTransactionId = bankTransactionId
        self.status = status
        self.unmatchedReason = unmatchedReason
        self.message = message
        self.invoiceId = invoiceId
        self.paymentId = paymentId
        self.recordedBy = recordedBy
        self.createdAt = createdAt
    }
}

public struct ListBankTransfersRequest: Codable, Sendable, Equatable {
    public var status: BankTransferStatus?
    public var pageSize: Int
    /// Oldest first: the page after this transfer.
    public var after: BankTransferID?

    public init(status: BankTransferStatus? = nil, pageSize: Int = 20, after: BankTransferID? = nil) {
        self.status = status
        self.pageSize = pageSize
        self.after = after
    }
}

public struct BankTransferPage: Codable, Sendable, Equatable {
    public var items: [BankTransfer]
    public var nextCursor: BankTransferID?

    public init(items: [BankTransfer], nextCursor: BankTransferID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
