import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import InvoicingContract
import PostgresNIO

/// Bank transfers recorded by an operator from the bank statement (issue 29), reconciled by reference.
///
/// What a billing operator expects: money that reached the account is never refused. Malformed input (no reference, an amount
/// not above zero or not exact in the currency, a bad date) is a 422 naming the field; everything else is recorded. A transfer
/// whose reference names an invoice finalized with BANK_TRANSFER, in its currency, PENDING or OVERDUE, for exactly its amount
/// due, pays it (a COMPLETED BANK_TRANSFER payment; `invoice.paid`) and is MATCHED. Any other is UNMATCHED with the reason
/// (UNKNOWN_REFERENCE, CURRENCY_MISMATCH, AMOUNT_MISMATCH, INVOICE_NOT_OPEN), nothing paid, for review in
/// `GET /bank-transfers?filter[status]=UNMATCHED` (a short or excess amount, or a second transfer for a paid invoice, is the
/// operator's decision: record a payment by hand or refund). Once: per idempotency key, and per `bankTransactionId` (the
/// statement line recorded again answers the first record, whatever key it comes with).
extension PaymentsService {
    var bankTransfers: BankTransferStore { BankTransferStore(logger: database.logger) }

    func registerBankTransfers(on router: inout RPCRouter) {
        router.register(InvoicingAPI.recordBankTransfer) { request, context in try await recordBankTransfer(request, context: context) }
        router.register(InvoicingAPI.listBankTransfers) { request, context in try await listBankTransfers(request, tenant: context.tenant) }
    }

    func recordBankTransfer(_ request: RecordBankTransferRequest, context: RPCServerContext) async throws -> BankTransfer {
        let typed = request.reference.uppercased().filter { !$0.isWhitespace }
        guard (1...35).contains(typed.count) else { throw InvoicingError.invalid("reference", "reference must have 1 to 35 characters") }
        let code = request.currency ?? "BRL"
        guard let currency = Currency(code: code) else { throw InvoicingError.invalid("currency", "'\(code.prefix(10))' is not an ISO 4217 code") }
        let amount: Money
        do { amount = try Money(exactly: request.amount, currency: currency) } catch {
            throw InvoicingError.invalid(
                "amount", "amount must be exact in \(currency.code) (at most \(currency.minorUnitExponent) decimal places)")
        }
        guard amount.isPositive else { throw InvoicingError.invalid("amount", "amount must be above zero") }
        let receivedOn = try BankTransferRules.receivedOn(request.receivedOn, today: clock.now())
        if let id = request.bankTransactionId, !(1...100).contains(id.count) {
            throw InvoicingError.invalid("bankTransactionId", "bankTransactionId must have 1 to 100 characters")
        }
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.recordBankTransfer.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            if let line = request.bankTransactionId {
                try await bankTransfers.lockTransaction(line, tenant: tenant, on: connection)
                if let earlier = try await bankTransfers.transfer(bankTransactionId: line, tenant: tenant, on: connection) {
                    guard earlier.amount == amount, earlier.reference == typed else {
                        throw InvoicingError.conflict(
                            "bankTransactionId \(line) was recorded for another transfer (\(earlier.amount), \(earlier.reference))",
                            reason: "BANK_TRANSACTION_IN_USE", field: "bankTransactionId")
                    }
                    return earlier
                }
            }
            let now = clock.now()
            let id = BankTransferID(rawValue: UUIDv7.generate(at: now))
            var transfer = BankTransfer(
                id: id, reference: typed, amount: amount, receivedOn: receivedOn, bankTransactionId: request.bankTransactionId,
                status: .unmatched, unmatchedReason: nil, message: nil, invoiceId: nil, paymentId: nil, recordedBy: context.metadata.actor,
                createdAt: now)
            let unmatched = { (reason: String, message: String) in
                transfer.unmatchedReason = reason
                transfer.message = message
            }
            if let reference = BankTransferRules.normalized(typed),
                let invoiceID = try await bankTransfers.invoice(withReference: reference, tenant: tenant, on: connection),
                let invoice = try await store.find(invoiceID, tenant: tenant, forUpdate: true, on: connection)
            {
                transfer.invoiceId = invoiceID
                if invoice.amountDue.currency != currency {
                    unmatched(
                        "CURRENCY_MISMATCH",
                        "invoice \(invoice.number ?? "") is in \(invoice.amountDue.currency.code), the transfer in \(currency.code)")
                } else if !InvoiceLifecycle.isPayable(invoice.status) {
                    unmatched("INVOICE_NOT_OPEN", "invoice \(invoice.number ?? "") is \(invoice.status.rawValue): nothing is due on it")
                } else if invoice.amountDue != amount {
                    unmatched("AMOUNT_MISMATCH", "invoice \(invoice.number ?? "") has \(invoice.amountDue) due; the transfer is \(amount)")
                } else {
                    let payment = try await recordPayment(
                        CreatePaymentRequest(
                            billingAccountId: invoice.billingAccountId, invoiceId: invoiceID, amount: amount.amount, paymentMethod: .bankTransfer,
                            externalRef: "bank-transfer:\(id)"), tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
                    transfer.status = .matched
                    transfer.paymentId = payment.id
                    transfer.message = "paid invoice \(invoice.number ?? "")"
                }
            } else {
                unmatched(
                    "UNKNOWN_REFERENCE",
                    BankTransferRules.normalized(typed) == nil
                        ? "'\(typed)' is not a valid RF reference (its check digits fail)"
                        : "no invoice finalized with BANK_TRANSFER has reference \(typed)")
            }
            try await bankTransfers.insert(transfer, tenant: tenant, on: connection)
            return transfer
        }
    }

    func listBankTransfers(_ request: ListBankTransfersRequest, tenant: String) async throws -> BankTransferPage {
        guard (1...100).contains(request.pageSize) else {
            throw InvoicingError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        return try await database.withTenant(tenant) { try await bankTransfers.list(request, tenant: tenant, on: $0) }
    }
}
