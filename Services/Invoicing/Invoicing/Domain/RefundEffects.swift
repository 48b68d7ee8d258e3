import BillingCore
import InvoicingContract

/// What a refund takes back besides the money: the refunded share of the credits the invoice's packages granted, and the
/// add-ons it activated once the payment's part of the invoice is refunded in full. Only a PAID invoice granted them: a part
/// payment refunded before that takes nothing back. The part of a payment that became account credit (an overpayment) is
/// refunded first, so only what is refunded beyond it counts against the invoice.
struct RefundEffects: Equatable {
    var reversedCredits: Credits
    var canceledAddons: [InvoiceAddonActivation]

    static let none = RefundEffects(reversedCredits: .zero, canceledAddons: [])

    /// `overpaid`: minor units of the payment that became account credit; `refundedBefore`/`refundedAfter`: of this payment,
    /// around this refund. Shares are taken of the invoice's total, so refunds that add up to the invoice take back exactly
    /// its credits (each rounds down what it takes in all, never what one refund alone would round).
    static func of(invoice: Invoice, paid: Money, overpaid: Int64, refundedBefore: Money, refundedAfter: Money) -> RefundEffects {
        let part = max(0, paid.minorUnits - overpaid)
        let total = invoice.total.minorUnits
        guard invoice.status == .paid, part > 0, total > 0 else { return .none }
        func invoiceShare(_ refunded: Money) -> Int64 { min(part, max(0, refunded.minorUnits - overpaid)) }
        let (before, after) = (invoiceShare(refundedBefore), invoiceShare(refundedAfter))
        let packages = (invoice.creditPurchases ?? []).reduce(Int128(0)) { $0 + Int128($1.credits.units) }
        func taken(_ share: Int64) -> Int128 { packages * Int128(min(share, total)) / Int128(total) }
        let reversed = Credits(units: Int64(taken(after) - taken(before)))
        let canceled = after == part && before < part ? invoice.addonActivations ?? [] : []
        return RefundEffects(reversedCredits: reversed, canceledAddons: canceled)
    }
}
