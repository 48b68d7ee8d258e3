import BillingCore
import Foundation
import InvoicingContract
import Testing

@testable import Invoicing

@Suite("What a refund takes back besides the money (pure)")
struct RefundEffectsTests {
    static let now = RFC3339.parse("2027-03-10T00:00:00Z")!

    static func invoice(total: Int64, credits: Int64, addon: Bool = false) -> Invoice {
        let money = Money(minorUnits: total, currency: .brl)
        return Invoice(
            id: .generate(at: now), billingAccountId: .generate(), number: "2027-000001", status: .paid, currency: "BRL", lines: [],
            total: money, amountPaid: money, amountDue: .zero(.brl), periodStart: nil, periodEnd: nil, subscriptionId: nil,
            netTermsDays: 0, dueDate: now, finalizedAt: now, paidAt: now, voidedAt: nil,
            creditPurchases: credits > 0 ? [InvoiceCreditPurchase(packageCode: "growth", credits: try! Credits(whole: credits))] : nil,
            addonActivations: addon ? [InvoiceAddonActivation(subscriptionId: .generate(), addonId: .generate())] : nil,
            createdAt: now, updatedAt: now)
    }

    static func brl(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .brl) }

    @Test("refunds in three parts of a 100-credit package take back their shares, rounded down in all, adding up to exactly the package")
    func thirds() throws {
        let invoice = Self.invoice(total: 9_970, credits: 100)
        var refunded: Int64 = 0
        var taken: [Credits] = []
        for part: Int64 in [3_323, 3_323, 3_324] {
            let effects = RefundEffects.of(
                invoice: invoice, paid: Self.brl(9_970), overpaid: 0, refundedBefore: Self.brl(refunded),
                refundedAfter: Self.brl(refunded + part))
            taken.append(effects.reversedCredits)
            refunded += part
        }
        #expect(taken.map(\.text) == ["33.32998996", "33.32998997", "33.34002007"])
        #expect(taken.reduce(Credits.zero) { Credits(units: $0.units + $1.units) } == (try Credits(whole: 100)))
    }

    @Test("an overpayment is refunded first and takes back no credit; the add-on is canceled only when the payment's part is all refunded")
    func overpaymentFirstAndAddons() {
        let invoice = Self.invoice(total: 10_000, credits: 300, addon: true)
        let first = RefundEffects.of(
            invoice: invoice, paid: Self.brl(100_000), overpaid: 90_000, refundedBefore: Self.brl(0), refundedAfter: Self.brl(90_000))
        #expect(first == .none, "the 900.00 that became account credit bought nothing")
        let half = RefundEffects.of(
            invoice: invoice, paid: Self.brl(100_000), overpaid: 90_000, refundedBefore: Self.brl(90_000), refundedAfter: Self.brl(95_000))
        #expect(half.reversedCredits == (try! Credits(whole: 150)) && half.canceledAddons.isEmpty)
        let rest = RefundEffects.of(
            invoice: invoice, paid: Self.brl(100_000), overpaid: 90_000, refundedBefore: Self.brl(95_000), refundedAfter: Self.brl(100_000))
        #expect(rest.reversedCredits == (try! Credits(whole: 150)) && rest.canceledAddons == invoice.addonActivations)
    }

    @Test("an invoice that sold nothing, paid by account credit alone, or not paid yet (nothing granted) takes nothing back")
    func nothingSold() {
        var unpaid = Self.invoice(total: 2_500, credits: 5_000, addon: true)
        unpaid.status = .pending
        #expect(
            RefundEffects.of(invoice: unpaid, paid: Self.brl(100), overpaid: 0, refundedBefore: Self.brl(0), refundedAfter: Self.brl(100))
                == .none)
        #expect(
            RefundEffects.of(
                invoice: Self.invoice(total: 5_000, credits: 0), paid: Self.brl(5_000), overpaid: 0, refundedBefore: Self.brl(0),
                refundedAfter: Self.brl(5_000)) == .none)
        #expect(
            RefundEffects.of(
                invoice: Self.invoice(total: 0, credits: 100), paid: Self.brl(1_000), overpaid: 1_000, refundedBefore: Self.brl(0),
                refundedAfter: Self.brl(1_000)) == .none)
    }
}
