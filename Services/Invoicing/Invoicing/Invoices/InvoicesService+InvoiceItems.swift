import BillingCore
import Foundation
import InvoicingContract
import PostgresNIO

/// What drafting a new invoice does with the account's one-off charges (``InvoiceItemsService``).
extension InvoicesService {
    /// Takes the account's PENDING invoice items as INVOICE_ITEM lines of the new DRAFT `invoice` (before its account credit is
    /// applied and it is inserted, in the same transaction) and marks them INVOICED by it. The items are locked first: a draft
    /// racing this one waits, then finds them taken. Credit items that would take the total below zero wait for a later invoice
    /// (``InvoiceItemRules/taken(_:onto:)``). Answers how many it took.
    @discardableResult
    func takeInvoiceItems(into invoice: inout Invoice, at now: Date, tenant: String, on connection: PostgresConnection) async throws -> Int {
        let pending = try await items.lockPending(account: invoice.billingAccountId, tenant: tenant, on: connection)
        let taken = InvoiceItemRules.taken(pending, onto: invoice.total)
        guard !taken.isEmpty else { return 0 }
        let lines = taken.map(InvoiceItemRules.line)
        invoice.lines += lines
        invoice.total = try invoice.total.adding(try InvoiceComposer.total(lines, currency: invoice.total.currency))
        invoice.amountDue = try invoice.total.subtracting(invoice.amountPaid)
        try await items.markInvoiced(taken.map(\.id), invoice: invoice.id, at: now, tenant: tenant, on: connection)
        return taken.count
    }
}
