import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import InvoicingContract

/// `/api/v1/tax-rates`: the tenant's tax rates (issue 26, Stripe's TaxRate with the Brazilian withholdings), which invoices
/// finalized while they are active apply. Operators only (not in ``CustomerRoutes``).
enum TaxRateRoutes {
    static let rateType = "tax-rates"
    static let base = "/api/v1/tax-rates"
    static let tag = InvoiceRoutes.tag

    /// What `PATCH /tax-rates/{id}` may change: the terms (percentage, inclusive, withholding, tax codes) are fixed once created.
    struct TaxRateChanges: Codable, Sendable {
        var name: String?
        /// An empty string removes it.
        var description: String?
        /// An empty string removes it.
        var jurisdiction: String?
        var active: Bool?
    }

    static func routes(client: RPCClient) -> [APIRoute] {
        let rate = CodableSchema.of(TaxRate.self)
        let single = APIRoute.ResponseSpec(status: .ok, resourceType: rateType, attributes: rate, isCollection: false)
        return [
            APIRoute(
                method: .post, path: base, operationID: "createTaxRate", tag: tag,
                summary:
                    """
                    Create a tax rate, active at once: a `name` (1 to 100 characters), a `percentage` above 0 and below 100 with at most 4 \
                    decimals, `inclusive` (inside the prices, only broken out on the invoice) or exclusive (the default: a TAX line added at \
                    finalization), a `jurisdiction` (free text, at most 100 characters: `São Paulo/SP`), the `taxCodes` of the lines it \
                    taxes (at most 50, each 1 to 32 of `A-Z a-z 0-9 . _ -`, no repeats; none: every taxable line) and, for a federal tax a \
                    company buyer withholds, a `withholding` (PIS, COFINS, CSLL, IRRF; never inclusive). The terms never change: a new rate \
                    replaces one, the old one deactivated.
                    """,
                permission: .taxRatesCreate,
                requestBody: .init(resourceType: rateType, attributes: .of(CreateTaxRateRequest.self), optional: false),
                response: .init(status: .created, resourceType: rateType, attributes: rate, isCollection: false), queryParameters: []
            ) { request in
                let attributes = try request.attributes(CreateTaxRateRequest.self, resourceType: rateType)
                let created = try await client.call(InvoicingAPI.createTaxRate, attributes, options: request.options)
                return .created(try document(created), location: "\(base)/\(created.id)")
            },
            APIRoute(
                method: .get, path: base, operationID: "listTaxRates", tag: tag,
                summary: "The tenant's tax rates, oldest first, with cursor pagination; `filter[active]` true or false.",
                permission: .taxRatesRead, requestBody: nil,
                response: .init(status: .ok, resourceType: rateType, attributes: rate, isCollection: true),
                queryParameters: [
                    .init(name: "filter[active]", summary: "true: the rates invoices apply now; false: the deactivated ones", schema: .boolean),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[active]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(TaxRateID.self)
                let size = try query.pageSize()
                var active: Bool?
                if let text = query["filter[active]"] {
                    guard let flag = Bool(text) else {
                        throw APIError.badRequest("filter[active] must be true or false", parameter: "filter[active]", code: "INVALID_FILTER")
                    }
                    active = flag
                }
                let page = try await client.call(
                    InvoicingAPI.listTaxRates, ListTaxRatesRequest(active: active, pageSize: size, after: after), options: request.options)
                let items = try page.items.map { try resource($0) }
                return .ok(
                    JSONAPI.collection(
                        items, base: base, filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .get, path: base + "/{id}", operationID: "getTaxRate", tag: tag, summary: "One tax rate.",
                permission: .taxRatesRead, requestBody: nil, response: single, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(TaxRateID.self, resource: "tax rate")
                return .ok(try document(try await client.call(InvoicingAPI.getTaxRate, TaxRateRequest(id: id), options: request.options)))
            },
            APIRoute(
                method: .patch, path: base + "/{id}", operationID: "updateTaxRate", tag: tag,
                summary:
                    """
                    Change a tax rate's `name`, `description`, `jurisdiction` or `active` (false: invoices finalized from now on no longer \
                    apply it; those finalized before keep their taxes). Its terms — percentage, inclusive, withholding, tax codes — are \
                    fixed: they are unknown attributes here (422).
                    """,
                permission: .taxRatesUpdate,
                requestBody: .init(resourceType: rateType, attributes: .of(TaxRateChanges.self), optional: false), response: single,
                queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(TaxRateID.self, resource: "tax rate")
                let changes = try request.attributes(TaxRateChanges.self, resourceType: rateType)
                let updated = try await client.call(
                    InvoicingAPI.updateTaxRate,
                    UpdateTaxRateRequest(
                        id: id, name: changes.name, description: changes.description, jurisdiction: changes.jurisdiction, active: changes.active),
                    options: request.options)
                return .ok(try document(updated))
            },
        ]
    }

    static func resource(_ rate: TaxRate) throws -> JSONValue {
        try JSONAPI.resource(type: rateType, from: rate, selfLink: "\(base)/\(rate.id)")
    }

    static func document(_ rate: TaxRate) throws -> JSONValue { JSONAPI.document(try resource(rate)) }
}
