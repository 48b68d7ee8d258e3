import BillingCore
import Foundation

/// What the next invoice of an account (or of one of its subscriptions) will hold, computed now; nothing is written.
public struct UpcomingInvoiceRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID?
    public var subscriptionId: SubscriptionID?

    public init(billingAccountId: AccountID? = nil, subscriptionId: SubscriptionID? = nil) {
        self.billingAccountId = billingAccountId
        self.subscriptionId = subscriptionId
    }
}

/// A preview of the next invoice (Stripe's upcoming invoice): the lines the draft will have as things stand — the next period's
/// plan and add-ons (a change scheduled for the period's end included), the current period's usage so far priced, proration lines
/// and one-off items waiting, the coupon in force — with the account's credit it would take. Usage still to come, and credit
/// overage billed when the period starts, are not in it.
public struct UpcomingInvoice: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    /// The subscription whose next period it bills; nil for an invoice of one-off items alone.
    public var subscriptionId: SubscriptionID?
    public var currency: String
    public var periodStart: Date?
    public var periodEnd: Date?
    /// When it will be drafted: the start of the subscription's next period (now, for items alone).
    public var nextInvoiceDate: Date
    public var lines: [InvoiceLine]
    /// Every line but the account credit (taxes included).
    public var subtotal: Money
    /// The account's credit it would take (not below zero, at most the subtotal).
    public var accountCredit: Money
    public var total: Money
    public var amountDue: Money
    /// The taxes it would carry (TAX and WITHHOLDING lines are among `lines`), as the tenant's rates stand now; absent: none.
    public var taxes: [InvoiceTax]?

    public init(
        billingAccountId: AccountID, subscriptionId: SubscriptionID?, currency: String, periodStart: Date?, periodEnd: Date?,
        nextInvoiceDate: Date, lines: [InvoiceLine], subtotal: Money, accountCredit: Money, total: Money, amountDue: Money,
        taxes: [InvoiceTax]? = nil
    ) {
        self.taxes = taxes
        self.billingAccountId = billingAccountId
        self.subscriptionId = subscriptionId
        self.currency = currency
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.nextInvoiceDate = nextInvoiceDate
        self.lines = lines
        self.subtotal = subtotal
        self.accountCredit = accountCredit
        self.total = total
        self.amountDue = amountDue
    }
}

/// Apply a coupon to one DRAFT invoice (by id, or through a promotion code).
public struct InvoiceDiscountRequest: Codable, Sendable, Equatable {
    public var invoiceId: InvoiceID
    public var couponId: CatalogItemID?
    public var promotionCode: String?

    public init(invoiceId: InvoiceID, couponId: CatalogItemID? = nil, promotionCode: String? = nil) {
        self.invoiceId = invoiceId
        self.couponId = couponId
        self.promotionCode = promotionCode
    }
}
