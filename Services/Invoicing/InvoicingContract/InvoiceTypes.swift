import BillingCore
import Foundation

/// An invoice's status (seed 001 "Status da Fatura").
public enum InvoiceStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// Editable; no number yet.
    case draft = "DRAFT"
    /// Finalized: lines frozen, numbered, waiting for payment.
    case pending = "PENDING"
    case paid = "PAID"
    case overdue = "OVERDUE"
    /// Canceled before it was finalized.
    case canceled = "CANCELED"
    /// Annulled after it was finalized (its number stays used).
    case void = "VOID"
    /// Finalized, nothing paid, and credit notes took all that was due: VOID-like, nothing is collected (its number stays used).
    case credited = "CREDITED"
}

/// One invoice line (seed 001 step 4): description, quantity, unit amount, amount, period.
public struct InvoiceLine: Codable, Sendable, Equatable {
    /// Names the line within its invoice (a DRAFT's ONE_OFF lines are changed and removed by it).
    public var id: InvoiceLineID?
    /// SUBSCRIPTION, TRIAL, ADDON, PRORATION, USAGE, CREDIT_OVERAGE, CREDIT_PACKAGE, ACCOUNT_CREDIT, ONE_OFF (added to a
    /// DRAFT by hand), INVOICE_ITEM (an account's one-off charge, `InvoiceItem`), MINIMUM_TRUE_UP (a plan's minimum commitment) or
    /// DISCOUNT (a coupon's discount of the line before it, negative); at finalization TAX (an exclusive tax rate's tax) and
    /// WITHHOLDING (a federal tax the buyer withholds, negative).
    public var kind: String
    public var description: String
    /// Units, or the metered quantity (which may be fractional) of a USAGE line.
    public var quantity: DecimalNumber
    /// Price per unit; a usage tier's may be finer than the currency's minor unit (0.0025 per message).
    public var unitAmount: DecimalNumber
    /// Exact in the currency's minor units.
    public var amount: Money
    public var periodStart: Date?
    public var periodEnd: Date?
    public var subscriptionId: SubscriptionID?
    /// USAGE lines: the meter and the pricing tier (1-based) the line bills.
    public var meterCode: String?
    public var tier: Int?
    /// ONE_OFF lines: the catalog product sold, when one is named.
    public var productId: CatalogItemID?
    /// The tax code of what the line bills (its plan's, add-on's or product's), which tax rates match; absent: the tenant's
    /// default tax code.
    public var taxCode: String?

    public init(
        id: InvoiceLineID = .generate(), kind: String, description: String, quantity: DecimalNumber, unitAmount: DecimalNumber, amount: Money,
        periodStart: Date?, periodEnd: Date?, subscriptionId: SubscriptionID?, meterCode: String? = nil, tier: Int? = nil,
        productId: CatalogItemID? = nil, taxCode: String? = nil
    ) {
        self.id = id
        self.taxCode = taxCode
        self.kind = kind
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
        self.amount = amount
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.subscriptionId = subscriptionId
        self.meterCode = meterCode
        self.tier = tier
        self.productId = productId
    }

    /// A line of whole units at a price exact in the currency.
    public init(
        kind: String, description: String, quantity: Int, unitAmount: Money, amount: Money, periodStart: Date?, periodEnd: Date?,
        subscriptionId: SubscriptionID?
    ) {
        self.init(
            kind: kind, description: description, quantity: DecimalNumber(Int64(quantity)), unitAmount: unitAmount.amount, amount: amount,
            periodStart: periodStart, periodEnd: periodEnd, subscriptionId: subscriptionId)
    }
}

/// An invoice (seeds 000, 001).
public struct Invoice: Codable, Sendable, Equatable {
    public var id: InvoiceID
    public var billingAccountId: AccountID
    /// `2026-000123`: gapless per tenant and year, assigned at finalize.
    public var number: String?
    public var status: InvoiceStatus
    public var currency: String
    public var lines: [InvoiceLine]
    public var total: Money
    public var amountPaid: Money
    public var amountDue: Money
    public var periodStart: Date?
    public var periodEnd: Date?
    public var subscriptionId: SubscriptionID?
    public var netTermsDays: Int
    public var dueDate: Date?
    public var finalizedAt: Date?
    public var paidAt: Date?
    /// How a PAID invoice was paid: the method of the payment that settled it (nil when account credit or a zero total did).
    public var paymentMethod: PaymentMethod?
    public var voidedAt: Date?
    /// Credit packages the invoice sells: the ledger grants them when it is paid.
    public var creditPurchases: [InvoiceCreditPurchase]?
    /// Paid add-ons the invoice sells: subscriptions turns them on when it is paid.
    public var addonActivations: [InvoiceAddonActivation]?
    /// Automatic collection (a subscription's period invoice and a default saved card): card charges tried so far.
    public var paymentAttempts: Int?
    /// When the saved card is charged next (the first attempt right after finalize, retries per the retry schedule); nil when
    /// nothing is scheduled.
    public var nextPaymentAttempt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// False for a test account's invoice (its account lives on a test clock): numbered `TEST-…` apart from the real sequence,
    /// never charged to a real card.
    public var livemode: Bool = true
    /// A note printed on the invoice (set on a DRAFT).
    public var memo: String?
    /// The buyer's purchase-order number (seed 003's enterprise PO), printed on the invoice (set on a DRAFT).
    public var purchaseOrder: String?
    /// Who created it: the subject of the token that asked (`POST /invoices`, a checkout), or `system:auto-recharge`; nil for the
    /// system's period drafts.
    public var createdBy: String?
    /// What its credit notes took off the amount due (Stripe's `pre_payment_credit_notes_amount`); absent without credit notes.
    public var prePaymentCreditNotesAmount: Money?
    /// What its credit notes credited beyond that: refunded, account credit, out of band (`post_payment_credit_notes_amount`).
    public var postPaymentCreditNotesAmount: Money?
    /// From finalization on: every tax rate that matched its lines — exclusive ones (a TAX line each), inclusive ones (inside the
    /// prices, broken out here only) and withholdings (a WITHHOLDING line each, or why none). Absent on drafts and untaxed invoices.
    public var taxes: [InvoiceTax]?

    public init(
        id: InvoiceID, billingAccountId: AccountID, number: String?, status: InvoiceStatus, currency: String, lines: [InvoiceLine], total: Money,
        amountPaid: Money, amountDue: Money, periodStart: Date?, periodEnd: Date?, subscriptionId: SubscriptionID?, netTermsDays: Int, dueDate: Date?,
        finalizedAt: Date?, paidAt: Date?, voidedAt: Date?, creditPurchases: [InvoiceCreditPurchase]? = nil,
        addonActivations: [InvoiceAddonActivation]? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.creditPurchases = creditPurchases
        self.addonActivations = addonActivations
        self.id = id
        self.billingAccountId = billingAccountId
        self.number = number
        self.status = status
        self.currency = currency
        self.lines = lines
        self.total = total
        self.amountPaid = amountPaid
        self.amountDue = amountDue
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.subscriptionId = subscriptionId
        self.netTermsDays = netTermsDays
        self.dueDate = dueDate
        self.finalizedAt = finalizedAt
        self.paidAt = paidAt
        self.voidedAt = voidedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// `billing.invoice.paid` for it, with what it sold.
    public func paidEvent(at time: Date) -> InvoicePaid {
        InvoicePaid(invoice: summary, paidAt: time, creditPurchases: creditPurchases, addonActivations: addonActivations)
    }

    /// What events say about it.
    public var summary: InvoiceSummary {
        InvoiceSummary(
            id: id, billingAccountId: billingAccountId, number: number, status: status.rawValue, total: total, amountDue: amountDue,
            periodStart: periodStart, periodEnd: periodEnd, dueDate: dueDate, subscriptionId: subscriptionId)
    }
}

/// `POST /invoices` (seed 001 step 4): the account's subscriptions billed for a period.
public struct CreateInvoiceRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    /// The period billed; with both absent, each live subscription's current period.
    public var periodStart: Date?
    public var periodEnd: Date?
    /// Days from finalize to the due date; default 7.
    public var netTermsDays: Int?

    public init(billingAccountId: AccountID, periodStart: Date? = nil, periodEnd: Date? = nil, netTermsDays: Int? = nil) {
        self.billingAccountId = billingAccountId
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.netTermsDays = netTermsDays
    }
}

/// `PATCH /invoices/{id}` of a DRAFT: absent attributes stay as they are; an empty `memo` or `purchaseOrder` removes it. A `dueDate`
/// is kept at finalize instead of one from net terms; `netTermsDays` sets the terms and drops a `dueDate` set before.
public struct InvoiceChanges: Codable, Sendable, Equatable {
    /// Up to 1,000 characters.
    public var memo: String?
    /// Up to 100 characters.
    public var purchaseOrder: String?
    /// Not before today (UTC).
    public var dueDate: Date?
    /// 0 to 365.
    public var netTermsDays: Int?

    public init(memo: String? = nil, purchaseOrder: String? = nil, dueDate: Date? = nil, netTermsDays: Int? = nil) {
        self.memo = memo
        self.purchaseOrder = purchaseOrder
        self.dueDate = dueDate
        self.netTermsDays = netTermsDays
    }
}

public struct UpdateInvoiceRequest: Codable, Sendable, Equatable {
    public var id: InvoiceID
    public var changes: InvoiceChanges
    public init(id: InvoiceID, changes: InvoiceChanges) {
        self.id = id
        self.changes = changes
    }
}

/// A ONE_OFF line of a DRAFT (`POST /invoices/{id}/lines`, `PATCH …/lines/{lineId}`). Adding one needs `quantity` and either
/// `unitAmount` or a `productId` whose price gives it; `description` defaults to the product's name. On a change, absent
/// attributes stay as they are. The line's amount is `quantity × unitAmount` rounded half-even to the currency; a negative
/// unit amount is a discount, as long as the invoice's total stays at or above zero.
public struct InvoiceLineAttributes: Codable, Sendable, Equatable {
    /// Up to 500 characters.
    public var description: String?
    /// Above zero, up to 1,000,000, at most 6 decimal places.
    public var quantity: DecimalNumber?
    /// In the invoice's currency, up to 6 decimal places.
    public var unitAmount: DecimalNumber?
    /// An ACTIVE catalog product in the invoice's currency.
    public var productId: CatalogItemID?

    public init(description: String? = nil, quantity: DecimalNumber? = nil, unitAmount: DecimalNumber? = nil, productId: CatalogItemID? = nil) {
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
        self.productId = productId
    }
}

/// Adds (`lineId` absent), changes or removes a ONE_OFF line of a DRAFT.
public struct InvoiceLineRequest: Codable, Sendable, Equatable {
    public var invoiceId: InvoiceID
    public var lineId: InvoiceLineID?
    public var attributes: InvoiceLineAttributes?

    public init(invoiceId: InvoiceID, lineId: InvoiceLineID? = nil, attributes: InvoiceLineAttributes? = nil) {
        self.invoiceId = invoiceId
        self.lineId = lineId
        self.attributes = attributes
    }
}

public struct InvoiceRequest: Codable, Sendable, Equatable {
    public var id: InvoiceID
    /// Finalize only: BOLETO registers a boleto híbrido for what is due (the invoice is offered no separate PIX charge);
    /// BANK_TRANSFER gives it a transfer reference, shown with the tenant's bank account (`InvoiceSettings.bankAccount`).
    public var paymentMethod: PaymentMethod?
    public init(id: InvoiceID, paymentMethod: PaymentMethod? = nil) {
        self.id = id
        self.paymentMethod = paymentMethod
    }
}

public struct ListInvoicesRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID?
    public var status: InvoiceStatus?
    public var pageSize: Int
    public var after: InvoiceID?
    public init(billingAccountId: AccountID? = nil, status: InvoiceStatus? = nil, pageSize: Int = 20, after: InvoiceID? = nil) {
        self.billingAccountId = billingAccountId
        self.status = status
        self.pageSize = pageSize
        self.after = after
    }
}

public struct InvoicePage: Codable, Sendable, Equatable {
    public var items: [Invoice]
    public var nextCursor: InvoiceID?
    public init(items: [Invoice], nextCursor: InvoiceID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// PIX or CARD (seed 000).
public enum PaymentMethod: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case pix = "PIX", card = "CARD"
    /// A boleto híbrido registered at the bank (issue 29), paid by its bar code or its PIX QR.
    case boleto = "BOLETO"
    /// A bank transfer (TED/PIX to the tenant's account) quoting the invoice's reference, recorded by an operator (issue 29).
    case bankTransfer = "BANK_TRANSFER"
}

/// seed 001 "Status do Pagamento", each stored as it happens.
public enum PaymentStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// A PIX charge issued at checkout, waiting to be paid; paying it by PIX completes this payment.
    case pending = "PENDING"
    /// A card charge in flight: the provider was asked and its answer is not yet recorded, or the customer is to authenticate the
    /// card (3-D Secure, at `nextActionUrl`) and the provider's notification decides it.
    case processing = "PROCESSING"
    case completed = "COMPLETED"
    /// Declined, or the PIX charge it waited on no longer applies (the invoice paid otherwise or voided): `failureReason` says why.
    case failed = "FAILED"
    /// Refunded in full (a partial refund leaves it COMPLETED, with `refunded` below `amount`).
    case refunded = "REFUNDED"

    /// PENDING or PROCESSING: money that may still arrive.
    public var isWaiting: Bool { self == .pending || self == .processing }
}

/// `POST /payments` (seed 001 step 6).
public struct CreatePaymentRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var invoiceId: InvoiceID
    /// In major units of the invoice's currency (`299.90`); at most the amount due.
    public var amount: DecimalNumber
    public var paymentMethod: PaymentMethod
    /// The provider's reference (a PIX end-to-end id `E…`, a card charge id); unique per tenant.
    public var externalRef: String?

    public init(billingAccountId: AccountID, invoiceId: InvoiceID, amount: DecimalNumber, paymentMethod: PaymentMethod, externalRef: String?) {
        self.billingAccountId = billingAccountId
        self.invoiceId = invoiceId
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.externalRef = externalRef
    }
}

/// A payment (seed 001 "Pagamentos").
public struct Payment: Codable, Sendable, Equatable {
    public var id: PaymentID
    public var billingAccountId: AccountID
    public var invoiceId: InvoiceID
    public var amount: Money
    public var paymentMethod: PaymentMethod
    public var externalRef: String?
    public var status: PaymentStatus
    /// What has been refunded of it so far.
    public var refunded: Money
    /// FAILED: why (the provider's decline reason, or what made a waiting PIX charge moot).
    public var failureReason: String?
    public var createdAt: Date
    /// When its status last changed.
    public var updatedAt: Date?
    /// PROCESSING card payment waiting on the customer: where they authenticate the card (3-D Secure).
    public var nextActionUrl: String?

    public init(
        id: PaymentID, billingAccountId: AccountID, invoiceId: InvoiceID, amount: Money, paymentMethod: PaymentMethod, externalRef: String?,
        status: PaymentStatus, refunded: Money, failureReason: String? = nil, createdAt: Date, updatedAt: Date? = nil, nextActionUrl: String? = nil
    ) {
        self.nextActionUrl = nextActionUrl
        self.refunded = refunded
        self.failureReason = failureReason
        self.updatedAt = updatedAt ?? createdAt
        self.id = id
        self.billingAccountId = billingAccountId
        self.invoiceId = invoiceId
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.externalRef = externalRef
        self.status = status
        self.createdAt = createdAt
    }
}

/// `GET /payments`: filters, oldest first, cursor pages.
public struct ListPaymentsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID?
    public var invoiceId: InvoiceID?
    public var status: PaymentStatus?
    public var paymentMethod: PaymentMethod?
    /// Created at or after.
    public var since: Date?
    /// Created before.
    public var until: Date?
    public var pageSize: Int
    public var after: PaymentID?

    public init(
        billingAccountId: AccountID? = nil, invoiceId: InvoiceID? = nil, status: PaymentStatus? = nil, paymentMethod: PaymentMethod? = nil,
        since: Date? = nil, until: Date? = nil, pageSize: Int = 20, after: PaymentID? = nil
    ) {
        self.billingAccountId = billingAccountId
        self.invoiceId = invoiceId
        self.status = status
        self.paymentMethod = paymentMethod
        self.since = since
        self.until = until
        self.pageSize = pageSize
        self.after = after
    }
}

public struct PaymentPage: Codable, Sendable, Equatable {
    public var items: [Payment]
    public var nextCursor: PaymentID?
    public init(items: [Payment], nextCursor: PaymentID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// A credit package bought (seed 002 `credit_topups`): one per package on an invoice that sells credits (a checkout or an
/// auto-recharge), with who bought it, the price, and how its payment stands.
public struct CreditTopUp: Codable, Sendable, Equatable {
    /// `<invoiceId>:<n>`, the n-th package of the invoice (from 1).
    public var id: String
    public var invoiceId: InvoiceID
    public var billingAccountId: AccountID
    /// The subject of the token that bought it, or `system:auto-recharge`.
    public var purchasedBy: String?
    public var packageCode: String
    public var credits: Credits
    public var price: Money
    /// COMPLETED (its invoice paid), FAILED (the last payment declined, or the invoice voided), or PENDING.
    public var status: PaymentStatus
    public var paymentId: PaymentID?
    public var paymentMethod: PaymentMethod?
    public var failureReason: String?
    /// Bought by auto-recharge (seed 003), not by hand.
    public var automatic: Bool
    public var createdAt: Date
    public var paidAt: Date?

    public init(
        id: String, invoiceId: InvoiceID, billingAccountId: AccountID, purchasedBy: String?, packageCode: String, credits: Credits, price: Money,
        status: PaymentStatus, paymentId: PaymentID?, paymentMethod: PaymentMethod?, failureReason: String?, automatic: Bool, createdAt: Date,
        paidAt: Date?
    ) {
        self.id = id
        self.invoiceId = invoiceId
        self.billingAccountId = billingAccountId
        self.purchasedBy = purchasedBy
        self.packageCode = packageCode
        self.credits = credits
        self.price = price
        self.status = status
        self.paymentId = paymentId
        self.paymentMethod = paymentMethod
        self.failureReason = failureReason
        self.automatic = automatic
        self.createdAt = createdAt
        self.paidAt = paidAt
    }
}

/// `GET /credit-topups`: filters, oldest first, cursor pages (by invoice).
public struct ListCreditTopUpsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID?
    /// PENDING, COMPLETED or FAILED.
    public var status: PaymentStatus?
    public var since: Date?
    public var until: Date?
    public var pageSize: Int
    public var after: InvoiceID?

    public init(
        billingAccountId: AccountID? = nil, status: PaymentStatus? = nil, since: Date? = nil, until: Date? = nil, pageSize: Int = 20,
        after: InvoiceID? = nil
    ) {
        self.billingAccountId = billingAccountId
        self.status = status
        self.since = since
        self.until = until
        self.pageSize = pageSize
        self.after = after
    }
}

public struct CreditTopUpPage: Codable, Sendable, Equatable {
    public var items: [CreditTopUp]
    /// The last invoice of the page.
    public var nextCursor: InvoiceID?
    public init(items: [CreditTopUp], nextCursor: InvoiceID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

public struct PaymentRequest: Codable, Sendable, Equatable {
    public var id: PaymentID
    public init(id: PaymentID) { self.id = id }
}

/// `POST /payments/{id}/refunds` (`PAYMENTS_REFUND`): part or all of what is left of a payment.
public struct RefundAttributes: Codable, Sendable, Equatable {
    /// Major units; what is left of the payment when absent.
    public var amount: DecimalNumber?
    public var reason: String?
    /// A payment for credit packages takes back the share of their credits it refunds; when some were spent the refund is
    /// refused (409 CREDITS_SPENT) unless this is true, which takes them back all the same and leaves the wallet owing them.
    public var leaveWalletInDebt: Bool?
    public init(amount: DecimalNumber? = nil, reason: String? = nil, leaveWalletInDebt: Bool? = nil) {
        self.amount = amount
        self.reason = reason
        self.leaveWalletInDebt = leaveWalletInDebt
    }
}

public struct RefundRequest: Codable, Sendable, Equatable {
    public var paymentId: PaymentID
    public var amount: DecimalNumber?
    public var reason: String?
    public var leaveWalletInDebt: Bool?
    public init(paymentId: PaymentID, amount: DecimalNumber?, reason: String?, leaveWalletInDebt: Bool? = nil) {
        self.paymentId = paymentId
        self.amount = amount
        self.reason = reason
        self.leaveWalletInDebt = leaveWalletInDebt
    }
}

/// A refund and the payment after it.
public struct Refund: Codable, Sendable, Equatable {
    public var id: RefundID
    public var paymentId: PaymentID
    public var amount: Money
    public var reason: String?
    public var payment: Payment
    public var createdAt: Date
    /// Where the money stands when a provider returns it (a PIX refund at the PSP, a card refund at Stripe): PROCESSING, REFUNDED,
    /// or NOT_DONE with `settlementReason`; absent when no provider is asked.
    public var settlement: String?
    public var settlementReason: String?
    public init(
        id: RefundID, paymentId: PaymentID, amount: Money, reason: String?, payment: Payment, createdAt: Date, settlement: String? = nil,
        settlementReason: String? = nil
    ) {
        self.settlement = settlement
        self.settlementReason = settlementReason
        self.id = id
        self.paymentId = paymentId
        self.amount = amount
        self.reason = reason
        self.payment = payment
        self.createdAt = createdAt
    }
}

/// A payment's refunds, oldest first.
public struct RefundList: Codable, Sendable, Equatable {
    public var items: [Refund]
    public init(items: [Refund]) { self.items = items }
}

public struct RunOverdueRequest: Codable, Sendable, Equatable {
    public var limit: Int?
    public init(limit: Int? = nil) { self.limit = limit }
}

public struct RunOverdueResult: Codable, Sendable, Equatable {
    public var marked: Int
    public init(marked: Int) { self.marked = marked }
}

/// How to pay an invoice by PIX: the BR Code "copia e cola" for its amount due (seed 000 "Pagamento instantaneo via QR Code").
public struct PixCharge: Codable, Sendable, Equatable {
    public var invoiceId: InvoiceID
    /// The EMV payload to paste in a bank app, or to draw as a QR code.
    public var copyPaste: String
    /// What the PSP's notification names: the charge's txid (dynamic), or the invoice number without its dash (static).
    public var txid: String
    public var amount: Money
    public var key: String
    public var merchantName: String
    public var merchantCity: String
    /// The BR Code drawn as a QR code (SVG), when the service can draw it.
    public var qrCodeSvg: String?
    /// A dynamic code's charge at the PSP: its payload URL (no scheme) and when it stops being payable; absent for a static code.
    public var location: String?
    public var expiresAt: Date?

    public init(
        invoiceId: InvoiceID, copyPaste: String, txid: String, amount: Money, key: String, merchantName: String, merchantCity: String,
        qrCodeSvg: String? = nil, location: String? = nil, expiresAt: Date? = nil
    ) {
        self.qrCodeSvg = qrCodeSvg
        self.location = location
        self.expiresAt = expiresAt
        self.invoiceId = invoiceId
        self.copyPaste = copyPaste
        self.txid = txid
        self.amount = amount
        self.key = key
        self.merchantName = merchantName
        self.merchantCity = merchantCity
    }
}

/// A payment provider's notification, its signature already checked by the gateway (`POST /webhooks/payments/{provider}`).
public struct ProviderNotification: Codable, Sendable, Equatable {
    public var provider: String
    /// The provider's event id: the same id handled twice changes nothing.
    public var eventId: String
    /// `payment.succeeded` or `payment.failed`.
    public var type: String
    public var billingAccountId: AccountID
    public var invoiceId: InvoiceID
    public var amount: DecimalNumber
    public var paymentMethod: PaymentMethod
    /// The provider's charge reference (PIX end-to-end id, card charge id).
    public var externalRef: String
    public var failureReason: String?

    public init(
        provider: String, eventId: String, type: String, billingAccountId: AccountID, invoiceId: InvoiceID, amount: DecimalNumber,
        paymentMethod: PaymentMethod, externalRef: String, failureReason: String? = nil
    ) {
        self.provider = provider
        self.eventId = eventId
        self.type = type
        self.billingAccountId = billingAccountId
        self.invoiceId = invoiceId
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.externalRef = externalRef
        self.failureReason = failureReason
    }
}

/// What a notification did: `PAYMENT_RECORDED`, `PAYMENT_FAILED`, `DUPLICATE` or `IGNORED` (with the reason, e.g. the invoice was paid already).
public struct ProviderNotificationResult: Codable, Sendable, Equatable {
    public var outcome: String
    public var detail: String?
    public var paymentId: PaymentID?
    public init(outcome: String, detail: String?, paymentId: PaymentID?) {
        self.outcome = outcome
        self.detail = detail
        self.paymentId = paymentId
    }
}

/// A PIX the PSP received (API Pix `Pix`): its end-to-end id, the charge's txid, the amount and when it was settled.
public struct ReceivedPixItem: Codable, Sendable, Equatable {
    public var endToEndId: String
    public var txid: String?
    public var amount: DecimalNumber
    public var time: Date
    public init(endToEndId: String, txid: String?, amount: DecimalNumber, time: Date) {
        self.endToEndId = endToEndId
        self.txid = txid
        self.amount = amount
        self.time = time
    }
}

/// A card provider's webhook event, as the gateway read it from the signed body: the provider's event id and type, and the charge
/// it is about (a Stripe PaymentIntent id).
public struct CardProviderEvent: Codable, Sendable, Equatable {
    public var provider: String
    public var eventId: String
    public var type: String
    public var chargeId: String
    public init(provider: String, eventId: String, type: String, chargeId: String) {
        self.provider = provider
        self.eventId = eventId
        self.type = type
        self.chargeId = chargeId
    }
}

/// The PSP's webhook body (`{"pix": [...]}`), as the gateway received it.
public struct PixReceivedNotification: Codable, Sendable, Equatable {
    public var pix: [ReceivedPixItem]
    public init(pix: [ReceivedPixItem]) { self.pix = pix }
}

/// What each PIX did, in order: `PAYMENT_RECORDED`, `DUPLICATE` (its endToEndId was applied before) or `UNKNOWN_CHARGE` (no
/// charge of ours has its txid).
public struct PixReceivedResult: Codable, Sendable, Equatable {
    public var outcomes: [String]
    public init(outcomes: [String]) { self.outcomes = outcomes }
}

/// One thing bought at checkout: a paid add-on of a subscription (activated first, so it is PENDING) or a credit package.
public struct CheckoutItem: Codable, Sendable, Equatable {
    /// ADDON or CREDIT_PACKAGE.
    public var type: String
    public var subscriptionId: SubscriptionID?
    public var addonId: CatalogItemID?
    /// The package's code (seed 002: `start`, `growth`, …).
    public var packageCode: String?
    /// Packages only; default 1, at most 100.
    public var quantity: Int?

    public init(type: String, subscriptionId: SubscriptionID? = nil, addonId: CatalogItemID? = nil, packageCode: String? = nil, quantity: Int? = nil)
    {
        self.type = type
        self.subscriptionId = subscriptionId
        self.addonId = addonId
        self.packageCode = packageCode
        self.quantity = quantity
    }
}

/// `POST /checkouts` (seed 000 "você será redirecionado ao checkout"; seed 002's packages).
public struct CheckoutRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var items: [CheckoutItem]
    public var paymentMethod: PaymentMethod
    /// CARD only: the provider's card token (sandbox: `tok_visa` is approved, `tok_declined` is declined).
    public var cardToken: String?

    public init(billingAccountId: AccountID, items: [CheckoutItem], paymentMethod: PaymentMethod, cardToken: String? = nil) {
        self.billingAccountId = billingAccountId
        self.items = items
        self.paymentMethod = paymentMethod
        self.cardToken = cardToken
    }
}

/// A checkout: its PENDING (or, once a card is charged, PAID) invoice and how to pay it.
public struct Checkout: Codable, Sendable, Equatable {
    public var id: InvoiceID
    public var invoice: Invoice
    /// PIX: the BR Code to show as a QR code or to copy.
    public var pix: PixCharge?
    /// CARD: the charge's outcome (APPROVED, DECLINED, or REQUIRES_ACTION: the customer authenticates at the payment's
    /// `nextActionUrl` and the provider's notification decides) and its payment when approved or waiting.
    public var cardStatus: String?
    public var payment: Payment?
    public var declineReason: String?

    public init(id: InvoiceID, invoice: Invoice, pix: PixCharge?, cardStatus: String?, payment: Payment?, declineReason: String?) {
        self.id = id
        self.invoice = invoice
        self.pix = pix
        self.cardStatus = cardStatus
        self.payment = payment
        self.declineReason = declineReason
    }
}

/// The printable invoice as HTML (`GET /invoices/{id}` with `Accept: text/html`).
public struct InvoiceHTML: Codable, Sendable, Equatable {
    public var html: String
    public init(html: String) { self.html = html }
}

/// The printable invoice as a PDF file.
public struct InvoicePDFFile: Codable, Sendable, Equatable {
    public var base64: String
    public init(bytes: [UInt8]) { self.base64 = Data(bytes).base64EncodedString() }
    public var bytes: [UInt8]? { Data(base64Encoded: base64).map(Array.init) }
}

/// A tenant's invoicing settings (`GET`/`PUT /invoice-settings`).
public struct InvoiceSettings: Codable, Sendable, Equatable {
    /// Period invoices drafted from subscription events are finalized (numbered, PENDING) at once. Default false.
    public var autoFinalize: Bool
    /// Days from finalize to the due date for new invoices; default 7.
    public var netTermsDays: Int
    /// Automatic collection: the delays after each declined card charge before the next one (`1d,3d,5d`; units s, m, h, d; at
    /// most 10, each at most 60 days; empty: no retry). Absent: the platform's default (`BILLING_INVOICING_CARD_RETRY_SCHEDULE`).
    public var cardRetrySchedule: String?
    /// PIX charges with a due date: the fine after it, percent of the amount (0 to 100, up to 4 decimals); absent: none.
    public var pixFinePercent: DecimalNumber?
    /// PIX charges with a due date: interest a month after it, percent (0 to 100, up to 4 decimals); absent: none.
    public var pixMonthlyInterestPercent: DecimalNumber?
    /// The tenant (the provider) is on Simples Nacional: no federal withholding on its invoices. Default false.
    public var simplesNacional: Bool
    /// The tax code of invoice lines whose plan, add-on or product names none (1 to 32 of `A-Z a-z 0-9 . _ -`); absent: none.
    public var defaultTaxCode: String?
    /// How each tax line is rounded to the currency: `HALF_EVEN` (the default), `HALF_UP`, `CEILING`, `FLOOR` or `TOWARD_ZERO`.
    public var taxRounding: RoundingRule
    /// The tenant's bank account, printed on invoices finalized with BANK_TRANSFER (required to finalize with it); absent: none.
    public var bankAccount: BankAccountDetails?

    public init(
        autoFinalize: Bool = false, netTermsDays: Int = 7, cardRetrySchedule: String? = nil, pixFinePercent: DecimalNumber? = nil,
        pixMonthlyInterestPercent: DecimalNumber? = nil, simplesNacional: Bool = false, defaultTaxCode: String? = nil,
        taxRounding: RoundingRule = .halfEven
    ) {
        self.taxRounding = taxRounding
        self.autoFinalize = autoFinalize
        self.netTermsDays = netTermsDays
        self.cardRetrySchedule = cardRetrySchedule
        self.pixFinePercent = pixFinePercent
        self.pixMonthlyInterestPercent = pixMonthlyInterestPercent
        self.simplesNacional = simplesNacional
        self.defaultTaxCode = defaultTaxCode
    }

    private enum CodingKeys: String, CodingKey {
        case autoFinalize, netTermsDays, cardRetrySchedule, pixFinePercent, pixMonthlyInterestPercent, simplesNacional, defaultTaxCode
        case taxRounding
        case bankAccount
    }

    /// `simplesNacional`, `defaultTaxCode` and `taxRounding` came later: absent, they are false, none and `HALF_EVEN`, so earlier
    /// clients keep working.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        autoFinalize = try container.decode(Bool.self, forKey: .autoFinalize)
        netTermsDays = try container.decode(Int.self, forKey: .netTermsDays)
        cardRetrySchedule = try container.decodeIfPresent(String.self, forKey: .cardRetrySchedule)
        pixFinePercent = try container.decodeIfPresent(DecimalNumber.self, forKey: .pixFinePercent)
        pixMonthlyInterestPercent = try container.decodeIfPresent(DecimalNumber.self, forKey: .pixMonthlyInterestPercent)
        simplesNacional = try container.decodeIfPresent(Bool.self, forKey: .simplesNacional) ?? false
        defaultTaxCode = try container.decodeIfPresent(String.self, forKey: .defaultTaxCode)
        taxRounding = try container.decodeIfPresent(RoundingRule.self, forKey: .taxRounding) ?? .halfEven
        bankAccount = try container.decodeIfPresent(BankAccountDetails.self, forKey: .bankAccount)
    }
}

public struct GetInvoiceSettingsRequest: Codable, Sendable, Equatable {
    public init() {}
}

/// `POST /billing-accounts/{id}/payment-methods`: a card saved with the provider, by its token (sandbox: `tok_visa`, …).
public struct SavePaymentMethodAttributes: Codable, Sendable, Equatable {
    public var cardToken: String
    /// Shown to people (`Visa •••• 4242`).
    public var label: String?
    public init(cardToken: String, label: String? = nil) {
        self.cardToken = cardToken
        self.label = label
    }
}

public struct SavePaymentMethodRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var cardToken: String
    public var label: String?
    public init(billingAccountId: AccountID, cardToken: String, label: String?) {
        self.billingAccountId = billingAccountId
        self.cardToken = cardToken
        self.label = label
    }
}

/// A saved card as the API shows it (its token stays inside invoicing). The newest saved card is the default.
public struct SavedPaymentMethod: Codable, Sendable, Equatable {
    public var id: PaymentMethodID
    public var billingAccountId: AccountID
    public var provider: String
    public var label: String?
    public var isDefault: Bool
    public var createdAt: Date
    public init(id: PaymentMethodID, billingAccountId: AccountID, provider: String, label: String?, isDefault: Bool, createdAt: Date) {
        self.id = id
        self.billingAccountId = billingAccountId
        self.provider = provider
        self.label = label
        self.isDefault = isDefault
        self.createdAt = createdAt
    }
}

public struct ListPaymentMethodsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public init(billingAccountId: AccountID) { self.billingAccountId = billingAccountId }
}

public struct PaymentMethodList: Codable, Sendable, Equatable {
    public var items: [SavedPaymentMethod]
    public init(items: [SavedPaymentMethod]) { self.items = items }
}
