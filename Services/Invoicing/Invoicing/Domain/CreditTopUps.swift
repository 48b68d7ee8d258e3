import BillingCore
import Foundation
import InvoicingContract

/// The credit packages an invoice sells, as top-ups (seed 002 `credit_topups`; pure): the n-th package is priced by the invoice's
/// n-th CREDIT_PACKAGE line.
enum CreditTopUps {
    static let autoRecharge = "system:auto-recharge"

    static func of(
        _ invoice: Invoice, status: PaymentStatus, payment: (id: PaymentID, method: PaymentMethod?, failure: String?)?
    ) -> [CreditTopUp] {
        let prices = invoice.lines.filter { $0.kind == "CREDIT_PACKAGE" }.map(\.amount)
        return (invoice.creditPurchases ?? []).enumerated().map { index, purchase in
            CreditTopUp(
                id: "\(invoice.id):\(index + 1)", invoiceId: invoice.id, billingAccountId: invoice.billingAccountId,
                purchasedBy: invoice.createdBy, packageCode: purchase.packageCode, credits: purchase.credits,
                price: index < prices.count ? prices[index] : .zero(invoice.total.currency), status: status, paymentId: payment?.id,
                paymentMethod: status == .completed ? invoice.paymentMethod ?? payment?.method : payment?.method,
                failureReason: status == .failed ? payment?.failure ?? "the invoice was \(invoice.status.rawValue)" : nil,
                automatic: purchase.rechargeRequestId != nil, createdAt: invoice.createdAt, paidAt: invoice.paidAt)
        }
    }
}
