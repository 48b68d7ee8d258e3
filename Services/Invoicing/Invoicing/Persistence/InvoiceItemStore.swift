import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `invoice_items`: an account's one-off charges, PENDING until an invoice takes them. Every statement filters by tenant
/// (row-level security is the second wall); rows map to the contract's `InvoiceItem` in `InvoiceItemRow`.
struct InvoiceItemStore {
    let logger: Logger

    func insert(_ item: InvoiceItem, tenant: String, on connection: PostgresConnection) async throws {
        let row = try InvoiceItemRow(item)
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO invoice_items (
                        tenant_id, id, billing_account_id, description, quantity, currency, unit_amount_minor, amount_minor, status,
                        invoice_id, metadata, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)
                    """,
                binds: try .of(
                    tenant, row.id, row.accountID, row.description, row.quantity, row.currency, row.unitAmountMinor, row.amountMinor,
                    row.status, row.invoiceID, row.metadata, row.createdAt, row.updatedAt)), logger: logger)
    }

    /// The account's item `id`; with `forUpdate`, locked until the caller's transaction ends.
    func find(
        _ id: InvoiceItemID, account: AccountID, forUpdate: Bool = false, tenant: String, on connection: PostgresConnection
    ) async throws -> InvoiceItem? {
        try await items(
            where: "billing_account_id = $2 AND id = $3" + (forUpdate ? " FOR UPDATE" : ""), binds: try .of(tenant, account.rawValue, id.rawValue),
            on: connection
        ).first
    }

    /// A page of the account's items, newest first; without a status, those not DELETED.
    func list(_ request: ListInvoiceItemsRequest, tenant: String, on connection: PostgresConnection) async throws -> InvoiceItemPage {
        var items = try await items(
            where: """
                billing_account_id = $2 AND (CASE WHEN $3::text IS NULL THEN status <> 'DELETED' ELSE status = $3 END)
                  AND ($4::uuid IS NULL OR id < $4) ORDER BY id DESC LIMIT $5
                """,
            binds: try .of(tenant, request.billingAccountId.rawValue, request.status?.rawValue, request.after?.rawValue, request.pageSize + 1),
            on: connection)
        let next: InvoiceItemID? = items.trimPage(to: request.pageSize)?.id
        return InvoiceItemPage(items: items, nextCursor: next)
    }

    /// Whether the account has items waiting (read without locks: the drafting transaction takes them under lock).
    func hasPending(account: AccountID, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT 1 FROM invoice_items WHERE tenant_id = $1 AND billing_account_id = $2 AND status = 'PENDING' LIMIT 1",
                binds: try .of(tenant, account.rawValue)), logger: logger
        ).isEmpty
    }

    /// The account's PENDING items, oldest first, read without locking them (the upcoming invoice).
    func pending(account: AccountID, tenant: String, on connection: PostgresConnection) async throws -> [InvoiceItem] {
        try await items(where: "billing_account_id = $2 AND status = 'PENDING' ORDER BY id", binds: try .of(tenant, account.rawValue), on: connection)
    }

    /// The account's PENDING items, oldest first, locked (in id order, so two drafts lock them alike) until the caller's transaction
    /// ends. A draft racing another waits here, and then sees only what the other left PENDING.
    func lockPending(account: AccountID, tenant: String, on connection: PostgresConnection) async throws -> [InvoiceItem] {
        try await items(
            where: "billing_account_id = $2 AND status = 'PENDING' ORDER BY id FOR UPDATE", binds: try .of(tenant, account.rawValue),
            on: connection)
    }

    /// Marks the (locked) PENDING items INVOICED by `invoice`; answers how many changed.
    @discardableResult
    func markInvoiced(
        _ ids: [InvoiceItemID], invoice: InvoiceID, at time: Date, tenant: String, on connection: PostgresConnection
    ) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE invoice_items SET status = 'INVOICED', invoice_id = $3, updated_at = $4
                    WHERE tenant_id = $1 AND id = ANY($2) AND status = 'PENDING' RETURNING id
                    """, binds: try .of(tenant, ids.map(\.rawValue), invoice.rawValue, time)), logger: logger
        ).count
    }

    /// The items a DRAFT took go back to PENDING (the draft was canceled before it billed them).
    func release(of invoice: InvoiceID, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE invoice_items SET status = 'PENDING', invoice_id = NULL, updated_at = $3
                    WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'INVOICED'
                    """, binds: try .of(tenant, invoice.rawValue, time)), logger: logger)
    }

    /// Marks a (locked) PENDING item DELETED.
    func markDeleted(_ id: InvoiceItemID, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE invoice_items SET status = 'DELETED', updated_at = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'PENDING'
                    """, binds: try .of(tenant, id.rawValue, time)), logger: logger)
    }

    private func items(where condition: String, binds: PostgresBindings, on connection: PostgresConnection) async throws -> [InvoiceItem] {
        try await connection.rows(
            PostgresQuery(unsafeSQL: "SELECT \(InvoiceItemRow.columns) FROM invoice_items WHERE tenant_id = $1 AND \(condition)", binds: binds),
            logger: logger
        ).map { try InvoiceItemRow($0).item }
    }
}

/// An invoice item as `invoice_items` holds it, apart from the contract's `InvoiceItem`; the mapping is here and nowhere else.
struct InvoiceItemRow {
    /// The columns `init(_ row:)` reads, in its order.
    static let columns = """
        id, billing_account_id, description, quantity, currency, unit_amount_minor, amount_minor, status, invoice_id, metadata::text,
        created_at, updated_at
        """

    var id: UUID
    var accountID: UUID
    var description: String
    var quantity: Int
    var currency: String
    var unitAmountMinor: Int64
    var amountMinor: Int64
    var status: String
    var invoiceID: UUID?
    /// jsonb of `[String: String]`.
    var metadata: String
    var createdAt: Date
    var updatedAt: Date

    init(_ item: InvoiceItem) throws {
        id = item.id.rawValue
        accountID = item.billingAccountId.rawValue
        description = item.description
        quantity = item.quantity
        currency = item.amount.currency.code
        unitAmountMinor = item.unitAmount.minorUnits
        amountMinor = item.amount.minorUnits
        status = item.status.rawValue
        invoiceID = item.invoiceId?.rawValue
        metadata = try StoredJSON.text(item.metadata)
        createdAt = item.createdAt
        updatedAt = item.updatedAt
    }

    init(_ row: PostgresRow) throws {
        var columns = ColumnReader(row)
        id = try columns.next()
        accountID = try columns.next()
        description = try columns.next()
        quantity = try columns.next()
        currency = try columns.next(String.self).trimmingCharacters(in: .whitespaces)
        unitAmountMinor = try columns.next()
        amountMinor = try columns.next()
        status = try columns.next()
        invoiceID = try columns.next()
        metadata = try columns.next()
        createdAt = try columns.next()
        updatedAt = try columns.next()
    }

    var item: InvoiceItem {
        get throws {
            guard let code = Currency(code: currency), let status = InvoiceItemStatus(rawValue: status) else {
                throw InvoiceRowError.unreadable(id, "invoice item currency \(currency) or status \(status)")
            }
            return InvoiceItem(
                id: InvoiceItemID(rawValue: id), billingAccountId: AccountID(rawValue: accountID), description: description, quantity: quantity,
                unitAmount: Money(minorUnits: unitAmountMinor, currency: code), amount: Money(minorUnits: amountMinor, currency: code),
                status: status, invoiceId: invoiceID.map(InvoiceID.init(rawValue:)), metadata: try StoredJSON.decode([String: String].self, metadata),
                createdAt: createdAt, updatedAt: updatedAt)
        }
    }
}
