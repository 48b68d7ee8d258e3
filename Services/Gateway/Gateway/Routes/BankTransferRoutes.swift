import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import InvoicingContract

/// Bank transfer, the manual payment method of issue 29: an invoice's transfer instructions, and `/api/v1/bank-transfers`, the
/// transfers an operator records from the bank statement (reconciled by reference). Operators only (not in ``CustomerRoutes``).
enum BankTransferRoutes {
    static let transferType = "bank-transfers"
    static let base = "/api/v1/bank-transfers"
    static let tag = InvoiceRoutes.tag

    static func routes(client: RPCClient) -> [APIRoute] {
        let transfer = CodableSchema.of(BankTransfer.self)
        return [
            APIRoute(
                method: .get, path: InvoiceRoutes.invoices + "/{id}/bank-transfer", operationID: "getInvoiceBankTransfer", tag: tag,
                summary:
                    """
                    How to pay an invoice finalized with `paymentMethod` BANK_TRANSFER: its ISO 11649 reference (`RF` + check digits + \
                    the invoice number), the amount due and the tenant's bank account (invoice settings `bankAccount`). 404 \
                    BANK_TRANSFER_NOT_FOUND for an invoice finalized otherwise.
                    """,
                permission: .invoicesRead, requestBody: nil,
                response: .init(
                    status: .ok, resourceType: "bank-transfer-instructions", attributes: .of(BankTransferInstructions.self), isCollection: false),
                queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(InvoiceID.self, resource: "invoice")
                let instructions = try await client.call(InvoicingAPI.bankTransfer, InvoiceRequest(id: id), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: "bank-transfer-instructions", id: id.description, from: instructions)))
            },
            APIRoute(
                method: .post, path: base, operationID: "recordBankTransfer", tag: tag,
                summary:
                    """
                    Record a transfer seen on the bank statement: `reference` as the payer quoted it, `amount` (above zero, exact), \
                    `currency` (default BRL), `receivedOn` (YYYY-MM-DD, not in the future) and the statement line's `bankTransactionId` \
                    (recorded once: again, the first record is answered). Never refused for what it pays: exactly the amount due of \
                    the PENDING or OVERDUE invoice its reference names pays it (MATCHED, a BANK_TRANSFER payment); anything else is kept \
                    UNMATCHED with `unmatchedReason` (UNKNOWN_REFERENCE, CURRENCY_MISMATCH, AMOUNT_MISMATCH, INVOICE_NOT_OPEN) for review.
                    """,
                permission: .paymentsCreate,
                requestBody: .init(resourceType: transferType, attributes: .of(RecordBankTransferRequest.self), optional: false),
                response: .init(status: .created, resourceType: transferType, attributes: transfer, isCollection: false), queryParameters: [],
                additionalErrors: [409: "The bankTransactionId was recorded with another amount or reference (BANK_TRANSACTION_IN_USE)"]
            ) { request in
                let attributes = try request.attributes(RecordBankTransferRequest.self, resourceType: transferType)
                let recorded = try await client.call(InvoicingAPI.recordBankTransfer, attributes, options: request.options)
                return .created(try document(recorded), location: "\(base)/\(recorded.id)")
            },
            APIRoute(
                method: .get, path: base, operationID: "listBankTransfers", tag: tag,
                summary: "Recorded bank transfers, oldest first, with cursor pagination; `filter[status]=UNMATCHED` is the review queue.",
                permission: .paymentsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: transferType, attributes: transfer, isCollection: true),
                queryParameters: [
                    .init(name: "filter[status]", summary: "MATCHED or UNMATCHED", schema: .of(BankTransferStatus.self)),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[status]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(BankTransferID.self)
                let size = try query.pageSize()
                let status = try query.filter("filter[status]", as: BankTransferStatus.self)
                let page = try await client.call(
                    InvoicingAPI.listBankTransfers, ListBankTransfersRequest(status: status, pageSize: size, after: after), options: request.options)
                return .ok(
                    JSONAPI.collection(
                        try page.items.map { try resource($0) }, base: base, filters: query.present(filters), pageSize: size,
                        after: after?.description, next: page.nextCursor?.description))
            },
        ]
    }

    static func resource(_ transfer: BankTransfer) throws -> JSONValue {
        try JSONAPI.resource(type: transferType, from: transfer, selfLink: "\(base)/\(transfer.id)")
    }

    static func document(_ transfer: BankTransfer) throws -> JSONValue { JSONAPI.document(try resource(transfer)) }
}
