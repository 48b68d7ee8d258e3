import BillingCore
import BillingService
import Foundation
import InvoicingContract

/// A charge as the platform asks a card provider for it.
public struct CardChargeRequest: Sendable, Equatable {
    /// What the customer gave at checkout (a provider token), or a saved card's stored token.
    public var token: String
    public var amount: Money
    /// Names the attempt: asking again with the same reference is the same charge (the provider's idempotency key). It is also the
    /// attempt key of the payment that waits for the charge.
    public var reference: String
    /// A charge the customer is not present for (a renewal, an auto-recharge): a card that needs authentication is declined.
    public var offSession: Bool
    public var tenant: String
    /// The invoice the charge pays; none for the zero-amount check of a card being saved.
    public var invoice: InvoiceID?
}

/// What a card payment provider answers to a charge.
public struct CardCharge: Sendable, Equatable {
    public let approved: Bool
    /// The provider's charge id: the payment's externalRef.
    public let chargeId: String
    public let declineReason: String?
    /// Neither approved nor declined yet: the customer is to authenticate (3-D Secure), or the provider is still deciding. The
    /// payment waits PROCESSING and the provider's notification (or the job that reads the charge back) decides it.
    public var pending: Bool
    /// Where the customer finishes authenticating, when the provider gave one.
    public var actionURL: String?

    public init(approved: Bool, chargeId: String, declineReason: String?, pending: Bool = false, actionURL: String? = nil) {
        self.approved = approved
        self.chargeId = chargeId
        self.declineReason = declineReason
        self.pending = pending
        self.actionURL = actionURL
    }
}

/// A charge as the provider holds it now (read back for its notifications and for charges that waited on the customer).
public struct CardPaymentState: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case succeeded
        case failed(reason: String)
        /// Still deciding, or waiting for the customer.
        case pending
    }

    public var chargeId: String
    public var status: Status
    /// What was received (succeeded) or asked.
    public var amount: Money
    /// What the platform attached when it charged: whose charge it is.
    public var tenant: String?
    public var invoice: InvoiceID?
    public var reference: String?
}

/// A card payment provider. The platform charges saved cards (renewals, auto-recharge) and card checkouts through it.
public protocol CardProvider: Sendable {
    var name: String { get }
    func charge(_ request: CardChargeRequest) async throws(InvoicingError) -> CardCharge
    /// Saves the card behind a checkout token for charges without the customer; answers what to store (the saved card's token).
    /// `existing` is the account's saved token, if any (the provider's customer is reused). A card the provider refuses is refused.
    func save(token: String, existing: String?, account: AccountID, tenant: String, key: String) async throws(InvoicingError) -> String
    /// Whether the charge is one this provider made and holds the money of (its refunds are settled there).
    func holds(_ chargeId: String) -> Bool
    /// The charge as the provider holds it now; nil when the provider keeps no state to read (the sandbox) or does not know it.
    func state(of chargeId: String) async throws(InvoicingError) -> CardPaymentState?
    /// Refunds part of a charge it ``holds(_:)``; `id` (the refund's) makes asking again the same refund.
    func refund(chargeId: String, id: String, amount: Money) async throws(InvoicingError) -> ProviderRefundStatus
    /// Where the refund stands now.
    func refundStatus(chargeId: String, id: String) async throws(InvoicingError) -> ProviderRefundStatus
}

/// No card provider configured (production until a real one is set up): every card operation is refused, nothing is charged.
public struct DisabledCardProvider: CardProvider {
    public let name = "none"
    public init() {}

    public func charge(_ request: CardChargeRequest) async throws(InvoicingError) -> CardCharge { throw Self.unavailable }
    public func save(token: String, existing: String?, account: AccountID, tenant: String, key: String) async throws(InvoicingError) -> String {
        throw Self.unavailable
    }
    public func holds(_ chargeId: String) -> Bool { false }
    public func state(of chargeId: String) async throws(InvoicingError) -> CardPaymentState? { nil }
    public func refund(chargeId: String, id: String, amount: Money) async throws(InvoicingError) -> ProviderRefundStatus { throw Self.unavailable }
    public func refundStatus(chargeId: String, id: String) async throws(InvoicingError) -> ProviderRefundStatus { throw Self.unavailable }

    static let unavailable = InvoicingError.conflict(
        "card payments are not available: no card provider is configured (BILLING_INVOICING_CARD_PROVIDER)",
        reason: "CARD_PAYMENTS_UNAVAILABLE", field: "paymentMethod")
}

/// Chooses the card provider from `BILLING_INVOICING_CARD_PROVIDER`: `sandbox` (development only, its default there), `stripe`
/// (`BILLING_INVOICING_STRIPE_*`) or `none` (the default elsewhere). The sandbox outside development refuses to start: it would
/// mark invoices paid without money.
public enum CardProviderSelection {
    public static func provider(_ reader: ConfigurationReader, environment: DeploymentEnvironment) throws -> any CardProvider {
        switch reader.optionalString(variable) ?? (environment.isDevelopment ? "sandbox" : "none") {
        case "sandbox":
            try environment.requireDevelopment(for: variable, "the sandbox card provider (tok_visa approves without money)")
            return SandboxCardProvider()
        case "stripe":
            return try StripeCardProvider(configuration: try StripeConfiguration(reader))
        case "none":
            return DisabledCardProvider()
        case let other:
            throw ConfigurationError(variable: variable, message: "'\(other)' is not a card provider (sandbox in development, stripe, none)")
        }
    }

    static let variable = "BILLING_INVOICING_CARD_PROVIDER"
}

/// A provider that only charges and keeps nothing to read back (the sandbox, test doubles): a card is saved as its token, no
/// charge is held there, so refunds are recorded without a settlement.
public protocol ChargeOnlyCardProvider: CardProvider {}

extension ChargeOnlyCardProvider {
    /// A token the provider charges is saved as it is (a zero-amount charge checks it first).
    public func save(token: String, existing: String?, account: AccountID, tenant: String, key: String) async throws(InvoicingError) -> String {
        _ = try await charge(
            CardChargeRequest(
                token: token, amount: .zero(.brl), reference: key, offSession: false, tenant: tenant, invoice: nil))
        return token
    }

    public func holds(_ chargeId: String) -> Bool { false }
    public func state(of chargeId: String) async throws(InvoicingError) -> CardPaymentState? { nil }
    public func refund(chargeId: String, id: String, amount: Money) async throws(InvoicingError) -> ProviderRefundStatus { .refunded }
    public func refundStatus(chargeId: String, id: String) async throws(InvoicingError) -> ProviderRefundStatus { .refunded }
}

/// The development and test provider (no network): `tok_visa` and `tok_mastercard` are approved, `tok_declined` is declined
/// (`card_declined`), `tok_insufficient_funds` too (`insufficient_funds`); any other token is refused as invalid. Charge ids are
/// derived from the reference, so a retried charge is the same charge. It holds no money: refunds are recorded without a settlement.
public struct SandboxCardProvider: ChargeOnlyCardProvider {
    public let name = "sandbox"
    public init() {}

    public func charge(_ request: CardChargeRequest) async throws(InvoicingError) -> CardCharge {
        let chargeId = "sandbox_ch_" + request.reference.replacingOccurrences(of: "-", with: "")
        switch request.token {
        case "tok_visa", "tok_mastercard": return CardCharge(approved: true, chargeId: chargeId, declineReason: nil)
        case "tok_declined": return CardCharge(approved: false, chargeId: chargeId, declineReason: "card_declined")
        case "tok_insufficient_funds": return CardCharge(approved: false, chargeId: chargeId, declineReason: "insufficient_funds")
        default:
            throw .invalid(
                "cardToken", "unknown card token for the sandbox provider (tok_visa, tok_mastercard, tok_declined, tok_insufficient_funds)")
        }
    }

}
