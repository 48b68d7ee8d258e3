import BillingCore
import InvoicingContract

/// The one table of invoice status changes (seed 001): a DRAFT is finalized (PENDING, or PAID at once when it totals zero) or
/// canceled; a finalized invoice is paid, falls OVERDUE past its due date, or is voided while nothing was paid, or is CREDITED
/// when credit notes take all it had due while nothing was paid. PAID, CANCELED, VOID and CREDITED are final.
enum InvoiceLifecycle {
    static let allowed: [InvoiceStatus: Set<InvoiceStatus>] = [
        .draft: [.pending, .paid, .canceled],
        .pending: [.paid, .overdue, .void, .credited],
        .overdue: [.paid, .void, .credited],
        .paid: [],
        .canceled: [],
        .void: [],
        .credited: [],
    ]

    /// Whether an invoice in `status` still waits for money (payments, PIX charges, collection).
    static func isPayable(_ status: InvoiceStatus) -> Bool { status == .pending || status == .overdue }

    /// Moves `invoice` to `target`, or refuses with 409 INVALID_STATUS_TRANSITION naming both statuses.
    static func move(_ invoice: inout Invoice, to target: InvoiceStatus) throws(InvoicingError) {
        guard allowed[invoice.status]?.contains(target) == true else { throw .illegalTransition(from: invoice.status, to: target) }
        invoice.status = target
    }
}

extension Invoice {
    /// The automatic recharges this invoice sells (the ledger's requests): charged to the saved card once, never retried.
    var rechargeRequests: [RechargeRequestID] { (creditPurchases ?? []).compactMap(\.rechargeRequestId) }

    /// Charged automatically to the account's default card when one is saved: a subscription's period invoice, or an auto-recharge.
    var collectedByCard: Bool { (subscriptionId != nil && periodStart != nil) || !rechargeRequests.isEmpty }
}
