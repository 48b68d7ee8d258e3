import BillingCore
import Foundation

/// Where an invoice's boleto stands: QUEUED (to be registered at the bank), REGISTERED (payable), PAID, CANCELING (the invoice no
/// longer waits for it: the baixa is being sent), CANCELED (written off at the bank).
public enum BoletoStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case queued = "QUEUED", registered = "REGISTERED", paid = "PAID", canceling = "CANCELING", canceled = "CANCELED"
}

/// `POST /invoices/{id}/finalize`'s optional attributes: `paymentMethod` BOLETO registers a boleto híbrido for the invoice.
public struct FinalizeInvoiceAttributes: Codable, Sendable, Equatable {
    public var paymentMethod: PaymentMethod?
    public init(paymentMethod: PaymentMethod? = nil) { self.paymentMethod = paymentMethod }
}

/// `GET /invoices/{id}/boleto`: an invoice's boleto híbrido — the linha digitável (FEBRABAN, 47 digits), the bar code (44 digits,
/// ITF drawn as SVG) and the PIX QR the bank issued with it — each verified against the FEBRABAN layout before it is shown.
public struct InvoiceBoleto: Codable, Sendable, Equatable {
    public var invoiceId: InvoiceID
    public var status: BoletoStatus
    /// FEBRABAN code of the bank (`001`).
    public var bank: String
    /// The bank's title number (nosso número, 17 digits).
    public var ourNumber: String
    public var amount: Money
    /// `YYYY-MM-DD`.
    public var dueDate: String
    /// The fine once after the due date and the interest a month, in percent (the tenant's invoice settings).
    public var finePercent: DecimalNumber?
    public var monthlyInterestPercent: DecimalNumber?
    /// 47 digits, and as printed (`00190.00009 …`).
    public var digitableLine: String?
    public var formattedDigitableLine: String?
    /// 44 digits, and drawn (ITF, SVG).
    public var barcode: String?
    public var barcodeSvg: String?
    /// The PIX QR's payload (copia e cola) and its picture (SVG).
    public var pixCopyPaste: String?
    public var pixQrCodeSvg: String?
    /// Why the last registration or baixa attempt failed, while it is retried.
    public var lastError: String?
    public var registeredAt: Date?
    /// When it was paid or written off.
    public var settledAt: Date?

    public init(
        invoiceId: InvoiceID, status: BoletoStatus, bank: String, ourNumber: String, amount: Money, dueDate: String,
        finePercent: DecimalNumber? = nil, monthlyInterestPercent: DecimalNumber? = nil, digitableLine: String? = nil,
        formattedDigitableLine: String? = nil, barcode: String? = nil, barcodeSvg: String? = nil, pixCopyPaste: String? = nil,
        pixQrCodeSvg: String? = nil, lastError: String? = nil, registeredAt: Date? = nil, settledAt: Date? = nil
    ) {
        self.invoiceId = invoiceId
        self.status = status
        self.bank = bank
        self.ourNumber = ourNumber
        self.amount = amount
        self.dueDate = dueDate
        self.finePercent = finePercent
        self.monthlyInterestPercent = monthlyInterestPercent
        self.digitableLine = digitableLine
        self.formattedDigitableLine = formattedDigitableLine
        self.barcode = barcode
        self.barcodeSvg = barcodeSvg
        self.pixCopyPaste = pixCopyPaste
        self.pixQrCodeSvg = pixQrCodeSvg
        self.lastError = lastError
        self.registeredAt = registeredAt
        self.settledAt = settledAt
    }
}

/// The bank's webhook, forwarded by the gateway: the title ids (`id`, numeroTituloCliente, 20 digits) it reports settled or written
/// off. Only the ids are taken from it: each boleto is read back from the bank before anything is recorded.
public struct BoletoNotification: Codable, Sendable, Equatable {
    public var ids: [String]
    public init(ids: [String]) { self.ids = ids }
}

/// What each id did, in order: `PAYMENT_RECORDED`, `CANCELED`, `UNCHANGED` (open at the bank, or applied before) or
/// `UNKNOWN_BOLETO`.
public struct BoletoNotificationResult: Codable, Sendable, Equatable {
    public var outcomes: [String]
    public init(outcomes: [String]) { self.outcomes = outcomes }
}
