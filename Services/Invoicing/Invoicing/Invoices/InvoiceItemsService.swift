import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingService
import Foundation
import InvoicingContract
import PostgresNIO

/// One-off charges (Stripe's invoice items): added to an account's next invoice (PENDING until a new invoice of the account takes
/// them, see ``InvoicesService/takeInvoiceItems(into:at:tenant:on:)``) or to one of its DRAFTs at once; listed, and removed while
/// PENDING.
struct InvoiceItemsService: Sendable {
    let database: Database
    let clock: any BillingClock
    let accounts: AccountsClient
    let store: InvoiceItemStore
    /// Adding an item to a DRAFT goes through the draft's line editing.
    let invoices: InvoicesService

    func register(on router: inout RPCRouter) {
        router.register(InvoicingAPI.createInvoiceItem) { request, context in try await create(request, context: context) }
        router.register(InvoicingAPI.listInvoiceItems) { request, context in try await list(request, tenant: context.tenant) }
        router.register(InvoicingAPI.deleteInvoiceItem) { request, context in try await delete(request, context: context) }
    }

    /// A new item in the account's currency (asked of accounts before any lock is held): PENDING, or with `invoiceId` a line of that
    /// DRAFT and INVOICED; once per idempotency key. 404 for an unknown account, 422 naming the field at fault, 409 for a CLOSED
    /// account or an `invoiceId` that is no longer a DRAFT.
    func create(_ request: CreateInvoiceItemRequest, context: RPCServerContext) async throws -> InvoiceItem {
        let accountID = request.billingAccountId
        guard
            let account = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await accounts.get(accountID, options: context.outgoing(timeout: .seconds(5)))
            })
        else { throw InvoicingError.notFound("billing account", accountID.description, reason: "ACCOUNT_NOT_FOUND") }
        guard account.status != .closed else {
            throw InvoicingError.conflict("billing account is CLOSED", reason: "ACCOUNT_CLOSED", field: "billingAccountId")
        }
        let currency = Currency(code: account.currency) ?? .brl
        let now = clock.now()
        var item = try InvoiceItemRules.item(request.attributes, account: accountID, currency: currency, id: .generate(at: now), at: now)
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.createInvoiceItem.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            if let draftID = request.attributes.invoiceId {
                try await addToDraft(item, draft: draftID, at: now, tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
                item.status = .invoiced
                item.invoiceId = draftID
            }
            try await store.insert(item, tenant: tenant, on: connection)
            return item
        }
    }

    func list(_ request: ListInvoiceItemsRequest, tenant: String) async throws -> InvoiceItemPage {
        guard (1...100).contains(request.pageSize) else {
            throw InvoicingError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        return try await database.withTenant(tenant) { try await store.list(request, tenant: tenant, on: $0) }
    }

    /// A PENDING item becomes DELETED (answered so); 404 when the account has no such item, 409 naming the status of one an invoice
    /// took (or that was removed already).
    func delete(_ request: InvoiceItemRequest, context: RPCServerContext) async throws -> InvoiceItem {
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.deleteInvoiceItem.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            // Locked: a draft taking the account's items at the same time either waits for this, or this sees the item INVOICED.
            guard var item = try await store.find(request.id, account: request.billingAccountId, forUpdate: true, tenant: tenant, on: connection)
            else { throw InvoicingError.notFound("invoice item", request.id.description, reason: "INVOICE_ITEM_NOT_FOUND") }
            try InvoiceItemRules.requirePending(item)
            let now = clock.now()
            try await store.markDeleted(item.id, at: now, tenant: tenant, on: connection)
            item.status = .deleted
            item.updatedAt = now
            return item
        }
    }

    /// The item as a line of the account's DRAFT `draft`, through the draft editing path (totals and account credit computed again;
    /// a total below zero is refused naming `unitAmount`).
    private func addToDraft(
        _ item: InvoiceItem, draft id: InvoiceID, at now: Date, tenant: String, traceparent: String?, on connection: PostgresConnection
    ) async throws {
        guard var invoice = try await invoices.store.find(id, tenant: tenant, forUpdate: true, on: connection),
            invoice.billingAccountId == item.billingAccountId
        else {
            throw InvoicingError.invalid(
                "invoiceId", "invoice \(id) is not an invoice of billing account \(item.billingAccountId)", reason: "INVOICE_NOT_FOUND")
        }
        guard invoice.status == .draft else {
            throw InvoicingError.conflict(
                "invoice \(id) is \(invoice.status.rawValue); only a DRAFT takes an item", reason: "INVOICE_NOT_EDITABLE", field: "invoiceId")
        }
        guard invoice.currency == item.currency else {
            throw InvoicingError.invalid("invoiceId", "invoice \(id) is in \(invoice.currency), the item in \(item.currency)")
        }
        try await invoices.editDraftLines(&invoice, at: now, tenant: tenant, traceparent: traceparent, on: connection) { invoice, _ in
            invoice.lines.append(InvoiceItemRules.line(item))
        }
        invoice.updatedAt = now
        try await invoices.store.save(invoice, tenant: tenant, on: connection)
    }
}
