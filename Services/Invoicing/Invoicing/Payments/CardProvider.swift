import BillingCore
import BillingService
import Foundation

/// What a card payment provider answers to a charge.
public struct CardCharge: Sendable, Equatable {
    public let approved: Bool
    /// The provider's charge id: the payment's externalRef.
    public let chargeId: String
    public let declineReason: String?
}

/// A card payment provider. The platform charges saved cards (auto-recharge) and card checkouts through it.
public protocol CardProvider: Sendable {
    var name: String { get }
    /// Charges `amount` to the card behind `token`. `reference` makes retries safe: the same reference is the same charge.
    func charge(token: String, amount: Money, reference: String) async throws(InvoicingError) -> CardCharge
}

/// No card provider configured (production until a real one is set up): every card operation is refused, nothing is charged.
public struct DisabledCardProvider: CardProvider {
    public let name = "none"
    public init() {}

    public func charge(token: String, amount: Money, reference: String) async throws(InvoicingError) -> CardCharge { throw Self.unavailable }

    static let unavailable = InvoicingError.conflict(
        "card payments are not available: no card provider is configured (BILLING_INVOICING_CARD_PROVIDER)",
        reason: "CARD_PAYMENTS_UNAVAILABLE", field: "paymentMethod")
}

/// Chooses the card provider from `BILLING_INVOICING_CARD_PROVIDER`: `sandbox` (development only, its default there) or `none`
/// (the default elsewhere). The sandbox outside development refuses to start: it would mark invoices paid without money.
public enum CardProviderSelection {
    public static func provider(named name: String?, environment: DeploymentEnvironment) throws -> any CardProvider {
        switch name ?? (environment.isDevelopment ? "sandbox" : "none") {
        case "sandbox":
            try environment.requireDevelopment(for: variable, "the sandbox card provider (tok_visa approves without money)")
            return SandboxCardProvider()
        case "none":
            return DisabledCardProvider()
        case let other:
            throw ConfigurationError(variable: variable, message: "'\(other)' is not a card provider (sandbox in development, none)")
        }
    }

    static let variable = "BILLING_INVOICING_CARD_PROVIDER"
}

/// The development and test provider (no network): `tok_visa` and `tok_mastercard` are approved, `tok_declined` is declined
/// (`card_declined`), `tok_insufficient_funds` too (`insufficient_funds`); any other token is refused as invalid. Charge ids are
/// derived from the reference, so a retried charge is the same charge.
public struct SandboxCardProvider: CardProvider {
    public let name = "sandbox"
    public init() {}

    public func charge(token: String, amount: Money, reference: String) async throws(InvoicingError) -> CardCharge {
        let chargeId = "sandbox_ch_" + reference.replacingOccurrences(of: "-", with: "")
        switch token {
        case "tok_visa", "tok_mastercard": return CardCharge(approved: true, chargeId: chargeId, declineReason: nil)
        case "tok_declined": return CardCharge(approved: false, chargeId: chargeId, declineReason: "card_declined")
        case "tok_insufficient_funds": return CardCharge(approved: false, chargeId: chargeId, declineReason: "insufficient_funds")
        default:
            throw .invalid(
                "cardToken", "unknown card token for the sandbox provider (tok_visa, tok_mastercard, tok_declined, tok_insufficient_funds)")
        }
    }
}
