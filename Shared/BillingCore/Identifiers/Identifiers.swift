import Foundation

// The ids every contract shares, one struct per kind: a field typed `AccountID` cannot be given an invoice's id,
// a decoder refuses a value that is not a UUID (naming the field), and the text form is `UUID.text` everywhere.

/// Identifies a billing account.
public struct AccountID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a catalog item (product, plan, add-on, meter, AI model, credit package).
public struct CatalogItemID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a subscription.
public struct SubscriptionID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a test clock.
public struct TestClockID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies an invoice.
public struct InvoiceID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies one line of an invoice.
public struct InvoiceLineID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a payment.
public struct PaymentID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a credit grant in a wallet.
public struct GrantID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a credit execution: a charge or an authorization (hold) and its settlement.
public struct ExecutionID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies an automatic recharge a wallet asked for.
public struct RechargeRequestID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a refund.
public struct RefundID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a saved payment method (a card).
public struct PaymentMethodID: TypedIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}
