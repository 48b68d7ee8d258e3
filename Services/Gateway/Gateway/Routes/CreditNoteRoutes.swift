import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import InvoicingContract

/// `/api/v1/credit-notes`: credit notes against finalized invoices (Stripe's and Lago's), their list and printable document.
/// Operators only (not in ``CustomerRoutes``).
enum CreditNoteRoutes {
    static let noteType = "credit-notes"
    static let base = "/api/v1/credit-notes"
    static let tag = InvoiceRoutes.tag

    static func routes(client: RPCClient) -> [APIRoute] {
        let note = CodableSchema.of(CreditNote.self)
        let single = APIRoute.ResponseSpec(status: .ok, resourceType: noteType, attributes: note, isCollection: false)
        return [
            APIRoute(
                method: .post, path: base, operationID: "createCreditNote", tag: tag,
                summary:
                    """
                    Issue a credit note against a PENDING, PAID or OVERDUE invoice: `lines` (`invoiceLineIndex` from 0 or `invoiceLineId`, \
                    and an `amount` or a `quantity` of it) or one `amount` for the invoice as a whole, never more than is left to credit (per \
                    line and in all); a `reason` (DUPLICATE, PRODUCT_UNSATISFACTORY, ORDER_CHANGE, OTHER) and a `memo`. Its total first \
                    reduces what is due (`prePaymentAmount`); the rest must be split exactly into `refundAmount` (refunded through the \
                    provider of the invoice's payments), `creditAmount` (the account's credit) and `outOfBandAmount`. An unpaid invoice \
                    credited to zero due becomes CREDITED, a partly paid one PAID. Numbered `NC-<year>-<n>`, gapless per tenant.
                    """,
                permission: .creditNotesCreate,
                requestBody: .init(resourceType: noteType, attributes: .of(CreateCreditNoteRequest.self), optional: false),
                response: .init(status: .created, resourceType: noteType, attributes: note, isCollection: false), queryParameters: [],
                additionalErrors: [
                    409:
                        "The invoice is not finalized or no longer collectable (INVOICE_NOT_CREDITABLE, meta: field invoiceId), or what a "
                        + "refund takes back was spent (CREDITS_SPENT)"
                ]
            ) { request in
                let attributes = try request.attributes(CreateCreditNoteRequest.self, resourceType: noteType)
                let created = try await client.call(InvoicingAPI.createCreditNote, attributes, options: request.options)
                return .created(try document(created), location: "\(base)/\(created.id)")
            },
            APIRoute(
                method: .get, path: base, operationID: "listCreditNotes", tag: tag,
                summary: "Credit notes, newest first, with cursor pagination; by invoice and by account.",
                permission: .creditNotesRead, requestBody: nil,
                response: .init(status: .ok, resourceType: noteType, attributes: note, isCollection: true),
                queryParameters: [
                    .init(name: "filter[invoiceId]", summary: "one invoice's notes", schema: .string(format: "uuid")),
                    .init(name: "filter[billingAccountId]", summary: "one account's notes", schema: .string(format: "uuid")),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[invoiceId]", "filter[billingAccountId]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(CreditNoteID.self)
                let size = try query.pageSize()
                let page = try await client.call(
                    InvoicingAPI.listCreditNotes,
                    ListCreditNotesRequest(
                        invoiceId: try query.id("filter[invoiceId]", as: InvoiceID.self),
                        billingAccountId: try query.id("filter[billingAccountId]", as: AccountID.self), pageSize: size, after: after),
                    options: request.options)
                let items = try page.items.map { try resource($0) }
                return .ok(
                    JSONAPI.collection(
                        items, base: base, filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .get, path: base + "/{id}", operationID: "getCreditNote", tag: tag,
                summary: "One credit note: lines, total, where its money went, its refunds and where they stand at the provider.",
                permission: .creditNotesRead, requestBody: nil, response: single, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(CreditNoteID.self, resource: "credit note")
                return .ok(try document(try await client.call(InvoicingAPI.getCreditNote, CreditNoteRequest(id: id), options: request.options)))
            },
            APIRoute(
                method: .get, path: base + "/{id}/document", operationID: "getCreditNoteDocument", tag: tag,
                summary:
                    """
                    The printable credit note: HTML (`text/html`, the default), or with `Accept: application/pdf` the same as an A4 PDF: \
                    seller, buyer, the invoice credited, reason, lines, total and where the money went.
                    """,
                permission: .creditNotesRead, requestBody: nil, response: single, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(CreditNoteID.self, resource: "credit note")
                if request.wantsPDF {
                    let file = try await client.call(InvoicingAPI.creditNotePdf, CreditNoteRequest(id: id), options: request.options)
                    guard let bytes = file.bytes else { throw RPCError.internal("the credit note PDF came back malformed") }
                    return .pdf(bytes)
                }
                return .page(try await client.call(InvoicingAPI.creditNoteDocument, CreditNoteRequest(id: id), options: request.options).html)
            },
        ]
    }

    static func resource(_ note: CreditNote) throws -> JSONValue {
        try JSONAPI.resource(type: noteType, from: note, selfLink: "\(base)/\(note.id)")
    }

    static func document(_ note: CreditNote) throws -> JSONValue { JSONAPI.document(try resource(note)) }
}
