import BillingCore
import Foundation
import InvoicingContract
import PostgresNIO

/// What credit notes did to invoices, shown on them as read (Stripe's pre- and post-payment credit note amounts).
extension InvoicesService {
    /// `invoices` with the sums of their credit notes: taken off the amount due, and credited beyond it.
    func withCreditNotes(_ invoices: [Invoice], tenant: String, on connection: PostgresConnection) async throws -> [Invoice] {
        guard !invoices.isEmpty else { return invoices }
        let sums = try await CreditNoteStore(logger: database.logger).sums(of: invoices.map(\.id), tenant: tenant, on: connection)
        return invoices.map { invoice in
            guard let (pre, post) = sums[invoice.id] else { return invoice }
            var invoice = invoice
            invoice.prePaymentCreditNotesAmount = Money(minorUnits: pre, currency: invoice.total.currency)
            invoice.postPaymentCreditNotesAmount = Money(minorUnits: post, currency: invoice.total.currency)
            return invoice
        }
    }
}

extension Invoice {
    /// All its credit notes credited, for the printed invoice; nil without credit notes.
    var creditNotesTotal: Money? {
        guard let pre = prePaymentCreditNotesAmount, let post = postPaymentCreditNotesAmount else { return nil }
        return Money(minorUnits: pre.minorUnits + post.minorUnits, currency: pre.currency)
    }
}
