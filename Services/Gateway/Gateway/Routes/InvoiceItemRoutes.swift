import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import InvoicingContract

/// `/api/v1/billing-accounts/{id}/invoice-items`: one-off charges for an account's next invoice (Stripe's invoice items). Operators
/// only (not in ``CustomerRoutes``).
enum InvoiceItemRoutes {
    static let itemType = "invoice-items"
    static let tag = InvoiceRoutes.tag

    static func base(_ account: AccountID) -> String { "/api/v1/billing-accounts/\(account)/invoice-items" }

    static func routes(client: RPCClient) -> [APIRoute] {
        let path = "/api/v1/billing-accounts/{id}/invoice-items"
        let item = CodableSchema.of(InvoiceItem.self)
        return [
            APIRoute(
                method: .post, path: path, operationID: "createInvoiceItem", tag: tag,
                summary:
                    """
                    Add a one-off charge to the account's next invoice: `description`, `quantity` (whole units, default 1), `unitAmount` \
                    exact in the account's currency (negative for a credit, taken only by an invoice it leaves at zero or above). PENDING \
                    until a new invoice of the account (a period's draft, or `POST /invoices`, which bills items alone too) takes it as an \
                    INVOICE_ITEM line; with `invoiceId`, a line of that DRAFT at once (INVOICED).
                    """,
                permission: .invoicesCreate,
                requestBody: .init(resourceType: itemType, attributes: .of(InvoiceItemAttributes.self), optional: false),
                response: .init(status: .created, resourceType: itemType, attributes: item, isCollection: false), queryParameters: [],
                additionalErrors: [
                    409: "The account is CLOSED (ACCOUNT_CLOSED), or `invoiceId` is no longer a DRAFT (INVOICE_NOT_EDITABLE, meta: field invoiceId)"
                ]
            ) { request in
                let account = try request.id(AccountID.self, resource: "billing account")
                let attributes = try request.attributes(InvoiceItemAttributes.self, resourceType: itemType)
                let created = try await client.call(
                    InvoicingAPI.createInvoiceItem, CreateInvoiceItemRequest(billingAccountId: account, attributes: attributes),
                    options: request.options)
                return .created(try document(created), location: "\(base(account))/\(created.id)")
            },
            APIRoute(
                method: .get, path: path, operationID: "listInvoiceItems", tag: tag,
                summary: "The account's invoice items, newest first, with cursor pagination; PENDING and INVOICED unless filtered.",
                permission: .invoicesRead, requestBody: nil,
                response: .init(status: .ok, resourceType: itemType, attributes: item, isCollection: true),
                queryParameters: [
                    .init(name: "filter[status]", summary: "PENDING, INVOICED or DELETED", schema: .of(InvoiceItemStatus.self)),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let account = try request.id(AccountID.self, resource: "billing account")
                let query = request.query
                let filters = ["filter[status]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(InvoiceItemID.self)
                let size = try query.pageSize()
                let page = try await client.call(
                    InvoicingAPI.listInvoiceItems,
                    ListInvoiceItemsRequest(
                        billingAccountId: account, status: try query.filter("filter[status]", as: InvoiceItemStatus.self), pageSize: size,
                        after: after), options: request.options)
                let items = try page.items.map { try resource($0) }
                return .ok(
                    JSONAPI.collection(
                        items, base: base(account), filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .delete, path: path + "/{itemId}", operationID: "deleteInvoiceItem", tag: tag,
                summary: "Remove a PENDING invoice item; answers it DELETED. One an invoice took is refused (409 INVOICE_ITEM_NOT_PENDING).",
                permission: .invoicesUpdate, requestBody: nil,
                response: .init(status: .ok, resourceType: itemType, attributes: item, isCollection: false), queryParameters: [],
                additionalErrors: [409: "The item is INVOICED or DELETED already (INVOICE_ITEM_NOT_PENDING, meta: field status)"]
            ) { request in
                try request.query.requireOnly([])
                let account = try request.id(AccountID.self, resource: "billing account")
                let id = try request.id(InvoiceItemID.self, "itemId", resource: "invoice item")
                return .ok(
                    try document(
                        try await client.call(
                            InvoicingAPI.deleteInvoiceItem, InvoiceItemRequest(billingAccountId: account, id: id), options: request.options)))
            },
        ]
    }

    static func resource(_ item: InvoiceItem) throws -> JSONValue {
        try JSONAPI.resource(type: itemType, from: item, selfLink: "\(base(item.billingAccountId))/\(item.id)")
    }

    static func document(_ item: InvoiceItem) throws -> JSONValue { JSONAPI.document(try resource(item)) }
}
