import BillingCore
import BillingRPC
import Foundation
import InvoicingContract
import PostgresNIO

/// Bank transfer (issue 29): an invoice finalized with BANK_TRANSFER gets an ISO 11649 reference (from its number) in the
/// finalizing transaction; its instructions show it with the amount due and the tenant's bank account from the settings.
extension InvoicesService {
    var bankTransfers: BankTransferStore { BankTransferStore(logger: database.logger) }

    /// In the finalizing transaction: the reference of `invoice` (numbered already). The tenant must have a bank account.
    func giveTransferReference(to invoice: Invoice, at now: Date, tenant: String, on connection: PostgresConnection) async throws {
        guard try await bankTransfers.account(tenant: tenant, on: connection) != nil else {
            throw InvoicingError.conflict(
                "BANK_TRANSFER needs the tenant's bank account (invoice settings bankAccount)", reason: "BANK_TRANSFER_NOT_CONFIGURED",
                field: "paymentMethod")
        }
        guard let number = invoice.number, let reference = BankTransferRules.reference(forInvoiceNumber: number) else {
            throw InvoicingError.invalid("paymentMethod", "invoice number \(invoice.number ?? "-") cannot be a transfer reference")
        }
        try await bankTransfers.addReference(reference, invoice: invoice.id, at: now, tenant: tenant, on: connection)
    }

    /// `GET /invoices/{id}/bank-transfer`.
    func bankTransferInstructions(_ id: InvoiceID, tenant: String) async throws -> BankTransferInstructions {
        try await database.withTenant(tenant) { connection in
            guard let invoice = try await store.find(id, tenant: tenant, on: connection) else {
                throw InvoicingError.notFound("invoice", id.description, reason: "INVOICE_NOT_FOUND")
            }
            guard let reference = try await bankTransfers.reference(of: id, tenant: tenant, on: connection), let number = invoice.number else {
                throw InvoicingError.notFound("bank transfer of invoice", id.description, reason: "BANK_TRANSFER_NOT_FOUND")
            }
            guard let account = try await bankTransfers.account(tenant: tenant, on: connection) else {
                throw InvoicingError.conflict(
                    "the tenant's bank account was removed from the invoice settings", reason: "BANK_TRANSFER_NOT_CONFIGURED")
            }
            return BankTransferInstructions(
                invoiceId: id, invoiceNumber: number, reference: reference, amountDue: invoice.amountDue, dueDate: invoice.dueDate,
                bankAccount: account)
        }
    }
}
