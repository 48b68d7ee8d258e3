import BillingCore
import Foundation
import HTTPTypes

/// `Accept: text/csv` on the lists of invoices, payments, credit executions and usage events (issue 26): the same list, every page
/// of it, as one RFC 4180 CSV streamed page by page (a chunked response; each page fetched through the route's own handler, so its
/// filters, permissions and a customer's narrowing all apply). The columns are the resource's `id` and its documented attributes,
/// nested objects flattened as `parent.child`, arrays and maps as JSON text; numbers keep their exact digits.
enum CSVExport {
    /// The lists that export, and the attribute a gateway-side period filter reads where the list has none of its own.
    static let exports: [String: String?] = [
        "listInvoices": "createdAt", "listPayments": nil, "listCreditExecutions": nil, "listUsageEvents": nil,
    ]
    static let contentType = "text/csv; charset=utf-8"
    /// The page size each fetch asks for (the lists' maximum).
    static let pageSize = 100

    /// The route, answering CSV when asked; other routes as they are.
    static func wrap(_ route: APIRoute) -> APIRoute {
        guard let entry = exports[route.operationID] else { return route }
        let periodAttribute = entry
        let original = route.handler
        let columns = ["id"] + flattenedNames(route.response.attributes)
        var parameters = route.queryParameters
        if periodAttribute != nil {
            parameters += [
                .init(
                    name: "filter[since]", summary: "with Accept: text/csv only: created at or after (RFC 3339)",
                    schema: .string(format: "RFC 3339 date-time")),
                .init(
                    name: "filter[until]", summary: "with Accept: text/csv only: created before (RFC 3339)",
                    schema: .string(format: "RFC 3339 date-time")),
            ]
        }
        return APIRoute(
            method: route.method, path: route.path, operationID: route.operationID, tag: route.tag,
            summary: route.summary + " With `Accept: text/csv`, every page as one RFC 4180 CSV, streamed (chunked).",
            permission: route.permission, requestBody: route.requestBody, response: route.response, queryParameters: parameters,
            additionalErrors: route.additionalErrors, customer: route.customer
        ) { request in
            guard request.wantsCSV else { return try await original(request) }
            return try await export(request, handler: original, columns: columns, periodAttribute: periodAttribute)
        }
    }

    /// Fetches the first page now (so bad filters answer 4xx before anything is sent), then streams the rest.
    private static func export(
        _ request: APIRequest, handler: @escaping @Sendable (APIRequest) async throws -> APIResponse, columns: [String],
        periodAttribute: String?
    ) async throws -> APIResponse {
        var period: (since: Date?, until: Date?) = (nil, nil)
        var kept = request.query.order.filter { $0 != "page[size]" && $0 != "page[after]" }
        if periodAttribute != nil {
            period = (try request.query.instant("filter[since]"), try request.query.instant("filter[until]"))
            kept.removeAll { $0 == "filter[since]" || $0 == "filter[until]" }
        }
        let base = kept.map { ($0, request.query[$0] ?? "") }
        let pager = CSVPager(request: request, base: base, handler: handler, columns: columns, periodAttribute: periodAttribute, period: period)
        try await pager.prime()
        return APIResponse(status: .ok, document: .null, stream: (contentType, { try await pager.pull() }))
    }

    /// The names of a schema's fields, nested objects flattened (`parent.child`).
    static func flattenedNames(_ schema: CodableSchema, prefix: String = "") -> [String] {
        guard case .object(_, let fields) = schema else { return [] }
        return fields.flatMap { field -> [String] in
            let name = prefix + field.name
            if case .object = field.schema { return flattenedNames(field.schema, prefix: name + ".") }
            return [name]
        }
    }

    /// One CSV record (RFC 4180): fields with a comma, a quote, CR or LF quoted, quotes doubled; CRLF at the end.
    static func record(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",") + "\r\n"
    }

    /// A value's CSV text: strings as they are, numbers with their exact digits, booleans, nothing for null, JSON for the rest.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .none, .null: return ""
        case .string(let text), .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .some(let other): return JSONWriter.string(other)
        }
    }

    /// The value at a flattened name (`parent.child`) of a resource's attributes.
    static func value(_ attributes: JSONValue?, at name: String) -> JSONValue? {
        name.split(separator: ".").reduce(attributes) { current, key in current?[String(key)] }
    }
}

/// The pages of one export, fetched one at a time as the response is written.
actor CSVPager {
    let request: APIRequest
    let base: [(String, String)]
    let handler: @Sendable (APIRequest) async throws -> APIResponse
    let columns: [String]
    let periodAttribute: String?
    let period: (since: Date?, until: Date?)
    private var after: String?
    private var done = false
    private var headerWritten = false
    private var pending: [UInt8]?

    init(
        request: APIRequest, base: [(String, String)], handler: @escaping @Sendable (APIRequest) async throws -> APIResponse, columns: [String],
        periodAttribute: String?, period: (since: Date?, until: Date?)
    ) {
        self.request = request
        self.base = base
        self.handler = handler
        self.columns = columns
        self.periodAttribute = periodAttribute
        self.period = period
    }

    /// Fetches the first page (the header and its records) before the response starts, keeping it for the first pull.
    func prime() async throws { pending = try await page() }

    /// The next chunk to write; nil once the last page was written.
    func pull() async throws -> [UInt8]? {
        if let chunk = pending {
            pending = nil
            return chunk
        }
        return try await page()
    }

    private func page() async throws -> [UInt8]? {
        guard !done else { return nil }
        var pairs = base + [("page[size]", String(CSVExport.pageSize))]
        if let after { pairs.append(("page[after]", after)) }
        var pageRequest = request
        pageRequest.query = QueryParameters(query: QueryParameters.encode(pairs))
        let document = try await handler(pageRequest).document
        var text = headerWritten ? "" : CSVExport.record(columns)
        headerWritten = true
        for item in document["data"]?.arrayValue ?? [] {
            let attributes = item["attributes"]
            if let periodAttribute, !within(attributes?[periodAttribute]?.stringValue.flatMap(RFC3339.parse)) { continue }
            text += CSVExport.record(
                columns.map { $0 == "id" ? CSVExport.text(item["id"]) : CSVExport.text(CSVExport.value(attributes, at: $0)) })
        }
        after = document["links"]?["next"]?.stringValue.flatMap(Self.cursor)
        done = after == nil
        return Array(text.utf8)
    }

    private func within(_ instant: Date?) -> Bool {
        guard let instant else { return period.since == nil && period.until == nil }
        if let since = period.since, instant < since { return false }
        if let until = period.until, instant >= until { return false }
        return true
    }

    /// `page[after]` of a `links.next` URL.
    private static func cursor(_ link: String) -> String? {
        guard let query = link.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        return QueryParameters(query: String(query))["page[after]"]
    }
}
