import BillingCore
import BillingEvents
import Foundation

/// What invoice events say about the invoice (seed 001).
public struct InvoiceSummary: Codable, Sendable, Equatable {
    public var id: InvoiceID
    public var billingAccountId: AccountID
    /// The gapless per-tenant number, once finalized (`2026-000123`).
    public var number: String?
    /// DRAFT, PENDING, PAID, OVERDUE, CANCELED, VOID or CREDITED.
    public var status: String
    public var total: Money
    public var amountDue: Money
    public var periodStart: Date?
    public var periodEnd: Date?
    public var dueDate: Date?
    /// The subscription the invoice bills, when it bills one.
    public var subscriptionId: SubscriptionID?

    public init(
        id: InvoiceID, billingAccountId: AccountID, number: String?, status: String, total: Money, amountDue: Money, periodStart: Date?,
        periodEnd: Date?, dueDate: Date?, subscriptionId: SubscriptionID? = nil
    ) {
        self.subscriptionId = subscriptionId
        self.id = id
        self.billingAccountId = billingAccountId
        self.number = number
        self.status = status
        self.total = total
        self.amountDue = amountDue
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.dueDate = dueDate
    }
}

/// `billing.invoice.created` (seed 001).
public struct InvoiceCreated: IntegrationEvent {
    public static let eventType = "billing.invoice.created"
    public var invoice: InvoiceSummary
    public var subject: String { invoice.id.description }
    public init(invoice: InvoiceSummary) { self.invoice = invoice }
}

/// `billing.invoice.finalized` (seed 001): lines frozen, number assigned, awaiting payment.
public struct InvoiceFinalized: IntegrationEvent {
    public static let eventType = "billing.invoice.finalized"
    public var invoice: InvoiceSummary
    public var subject: String { invoice.id.description }
    public init(invoice: InvoiceSummary) { self.invoice = invoice }
}

/// A credit package sold on an invoice; the ledger grants it once the invoice is paid.
/// The references of the grants an invoice's credit packages bought: `invoice:<id>:<index of the purchase>`, so a paid
/// invoice granted twice grants once, and a refund finds what it takes back.
public enum CreditPurchaseReference {
    public static func prefix(_ invoice: InvoiceID) -> String { "invoice:\(invoice):" }
    public static func of(_ invoice: InvoiceID, purchase index: Int) -> String { prefix(invoice) + String(index) }
}

public struct InvoiceCreditPurchase: Codable, Sendable, Equatable {
    public var packageCode: String
    public var credits: Credits
    /// Days the credits stay valid from payment; absent: they never expire (seed 000).
    public var validityDays: Int?
    /// Set when the purchase answers a `billing.credits.recharge_requested`.
    public var rechargeRequestId: RechargeRequestID?

    public init(packageCode: String, credits: Credits, validityDays: Int? = nil, rechargeRequestId: RechargeRequestID? = nil) {
        self.packageCode = packageCode
        self.credits = credits
        self.validityDays = validityDays
        self.rechargeRequestId = rechargeRequestId
    }
}

/// `billing.invoice.paid` (seed 001): paid in full.
public struct InvoicePaid: IntegrationEvent {
    public static let eventType = "billing.invoice.paid"
    public var invoice: InvoiceSummary
    public var paidAt: Date
    /// Credit packages on the invoice, one grant each.
    public var creditPurchases: [InvoiceCreditPurchase]?
    /// Paid add-ons the invoice bought; subscriptions turns them on.
    public var addonActivations: [InvoiceAddonActivation]?
    public var subject: String { invoice.id.description }

    public init(
        invoice: InvoiceSummary, paidAt: Date, creditPurchases: [InvoiceCreditPurchase]? = nil, addonActivations: [InvoiceAddonActivation]? = nil
    ) {
        self.addonActivations = addonActivations
        self.invoice = invoice
        self.paidAt = paidAt
        self.creditPurchases = creditPurchases
    }
}

/// `billing.payment.failed` (seed 000): a payment attempt failed.
/// A paid add-on an invoice line bought (seed 000: "para pagos, você será redirecionado ao checkout").
public struct InvoiceAddonActivation: Codable, Sendable, Equatable {
    public var subscriptionId: SubscriptionID
    public var addonId: CatalogItemID

    public init(subscriptionId: SubscriptionID, addonId: CatalogItemID) {
        self.subscriptionId = subscriptionId
        self.addonId = addonId
    }
}

/// `billing.account_credit.changed`: the money an account has in credit moved (an overpayment, or credit applied to an invoice);
/// the accounts context shows `balance` from it.
public struct AccountCreditChanged: IntegrationEvent {
    public static let eventType = "billing.account_credit.changed"
    public var billingAccountId: AccountID
    /// The balance after the change.
    public var balance: Money
    /// Positive when credit arrived, negative when it was used.
    public var change: Money
    /// OVERPAYMENT, APPLIED_TO_INVOICE or RETURNED_FROM_INVOICE.
    public var reason: String
    public var invoiceId: InvoiceID?
    public var subject: String { billingAccountId.description }

    public init(billingAccountId: AccountID, balance: Money, change: Money, reason: String, invoiceId: InvoiceID?) {
        self.billingAccountId = billingAccountId
        self.balance = balance
        self.change = change
        self.reason = reason
        self.invoiceId = invoiceId
    }
}

/// `billing.invoice.overdue`: a PENDING invoice passed its due date unpaid (its subscription becomes PAST_DUE).
public struct InvoiceOverdue: IntegrationEvent {
    public static let eventType = "billing.invoice.overdue"
    public var invoice: InvoiceSummary
    public var subject: String { invoice.id.description }

    public init(invoice: InvoiceSummary) { self.invoice = invoice }
}

public struct PaymentFailed: IntegrationEvent {
    public static let eventType = "billing.payment.failed"
    public var paymentId: PaymentID
    public var invoiceId: InvoiceID?
    public var billingAccountId: AccountID
    public var reason: String?
    /// The auto-recharge requests the failed invoice was paying for.
    public var rechargeRequestIds: [RechargeRequestID]?
    /// Automatic collection: which charge of the invoice this was (1 = the first), and when the next one is tried (nil: no more).
    public var attempt: Int?
    public var nextPaymentAttempt: Date?
    public var subject: String { paymentId.description }

    public init(
        paymentId: PaymentID, invoiceId: InvoiceID?, billingAccountId: AccountID, reason: String?, rechargeRequestIds: [RechargeRequestID]? = nil,
        attempt: Int? = nil, nextPaymentAttempt: Date? = nil
    ) {
        self.paymentId = paymentId
        self.invoiceId = invoiceId
        self.billingAccountId = billingAccountId
        self.reason = reason
        self.rechargeRequestIds = rechargeRequestIds
        self.attempt = attempt
        self.nextPaymentAttempt = nextPaymentAttempt
    }
}

/// `billing.payment.completed` (seed 001; seed 000 "Pagamento confirmado").
public struct PaymentCompleted: IntegrationEvent {
    public static let eventType = "billing.payment.completed"
    public var paymentId: PaymentID
    public var invoiceId: InvoiceID?
    public var billingAccountId: AccountID
    public var amount: Money
    /// PIX or CARD.
    public var paymentMethod: String
    public var externalRef: String?
    public var subject: String { paymentId.description }

    public init(paymentId: PaymentID, invoiceId: InvoiceID?, billingAccountId: AccountID, amount: Money, paymentMethod: String, externalRef: String?)
    {
        self.paymentId = paymentId
        self.invoiceId = invoiceId
        self.billingAccountId = billingAccountId
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.externalRef = externalRef
    }
}

/// `billing.payment.refunded` (seed 001).
public struct PaymentRefunded: IntegrationEvent {
    public static let eventType = "billing.payment.refunded"
    public var paymentId: PaymentID
    public var billingAccountId: AccountID
    public var amount: Money
    /// Whether the whole payment is refunded now.
    public var fullyRefunded: Bool
    /// The invoice the payment paid.
    public var invoiceId: InvoiceID?
    /// Credits of the invoice's credit packages this refund takes back (the ledger removes them from the package's grants,
    /// `REFUND_REVERSAL`, and what was spent meanwhile becomes the wallet's debt).
    public var reversedCredits: Credits?
    /// Add-ons the invoice activated, canceled now because what paid for them is refunded in full.
    public var canceledAddons: [InvoiceAddonActivation]?
    public var subject: String { paymentId.description }

    public init(
        paymentId: PaymentID, billingAccountId: AccountID, amount: Money, fullyRefunded: Bool, invoiceId: InvoiceID? = nil,
        reversedCredits: Credits? = nil, canceledAddons: [InvoiceAddonActivation]? = nil
    ) {
        self.paymentId = paymentId
        self.billingAccountId = billingAccountId
        self.amount = amount
        self.fullyRefunded = fullyRefunded
        self.invoiceId = invoiceId
        self.reversedCredits = reversedCredits
        self.canceledAddons = canceledAddons
    }
}

/// `billing.payment.refund_failed`: the provider did not make a refund (a PIX devolução NAO_REALIZADO, a Stripe refund failed):
/// the money is still with the merchant, and its amount is refundable again on the payment.
public struct PaymentRefundFailed: IntegrationEvent {
    public static let eventType = "billing.payment.refund_failed"
    public var paymentId: PaymentID
    public var refundId: RefundID
    public var billingAccountId: AccountID
    public var amount: Money
    /// The provider's reason.
    public var reason: String
    public var invoiceId: InvoiceID?
    public var subject: String { paymentId.description }

    public init(paymentId: PaymentID, refundId: RefundID, billingAccountId: AccountID, amount: Money, reason: String, invoiceId: InvoiceID?) {
        self.paymentId = paymentId
        self.refundId = refundId
        self.billingAccountId = billingAccountId
        self.amount = amount
        self.reason = reason
        self.invoiceId = invoiceId
    }
}

/// `billing.invoice.usage_unpriced`: a meter's usage could not be priced (its product archived or changed), so the invoice
/// bills it as a flagged zero line instead of waiting; the tenant fixes the price and bills the usage by hand.
public struct InvoiceUsageUnpriced: IntegrationEvent {
    public static let eventType = "billing.invoice.usage_unpriced"
    public var invoiceId: InvoiceID
    public var billingAccountId: AccountID
    public var subscriptionId: SubscriptionID
    public var meterCode: String
    public var quantity: DecimalNumber
    public var periodStart: Date
    public var periodEnd: Date
    /// What the catalog said.
    public var reason: String
    public var subject: String { invoiceId.description }

    public init(
        invoiceId: InvoiceID, billingAccountId: AccountID, subscriptionId: SubscriptionID, meterCode: String, quantity: DecimalNumber,
        periodStart: Date, periodEnd: Date, reason: String
    ) {
        self.invoiceId = invoiceId
        self.billingAccountId = billingAccountId
        self.subscriptionId = subscriptionId
        self.meterCode = meterCode
        self.quantity = quantity
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.reason = reason
    }
}
