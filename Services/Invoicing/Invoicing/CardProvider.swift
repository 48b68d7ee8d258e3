import BillingCore
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
        default: throw .invalid("cardToken", "unknown card token for the sandbox provider (tok_visa, tok_mastercard, tok_declined, tok_insufficient_funds)")
        }
    }
}
