import BillingCore
import BillingRPC
import HTTPTypes
import NIOCore

/// One public operation: declared once, registered with the router and documented in OpenAPI from here.
struct APIRoute: Sendable {
    let method: HTTPRequest.Method
    /// OpenAPI-style template: `/api/v1/billing-accounts/{id}`.
    let path: String
    let operationID: String
    let tag: String
    let summary: String
    let permission: Permission
    /// The JSON:API type and attribute schema of the request body, if the operation takes one.
    let requestBody: BodySpec?
    let response: ResponseSpec
    let queryParameters: [QueryParameterSpec]
    /// Error statuses beyond the common ones, documented in OpenAPI (402 for plan limits).
    var additionalErrors: [Int: String] = [:]
    /// Whether customer tokens reach it, and on which account; nil: operators only.
    var customer: CustomerAccess? = nil
    let handler: @Sendable (APIRequest) async throws -> APIResponse

    /// The same route, open to customer tokens on their own account.
    func forCustomers(_ access: CustomerAccess) -> APIRoute {
        var route = self
        route.customer = access
        return route
    }

    struct BodySpec: Sendable {
        let resourceType: String
        let attributes: CodableSchema
        /// Whether the body may be omitted (actions with optional attributes, like a reason).
        let optional: Bool
        /// Resources carry the client's `id`, and `data` may be an array of up to this many of them (usage events).
        var batchWithClientIDs: Int?
    }

    struct ResponseSpec: Sendable {
        let status: HTTPResponse.Status
        let resourceType: String
        let attributes: CodableSchema
        let isCollection: Bool
        /// The JSON Schema format of resource ids (nil: free text, like a client's event id).
        var idFormat: String? = "uuid"
        /// A pattern the ids match instead of a format (catalog versions: `<uuid>:<version>`).
        var idPattern: String? = nil
    }

    struct QueryParameterSpec: Sendable {
        let name: String
        let summary: String
        let schema: CodableSchema
        /// Whether the operation refuses a request without it (its summary says "(required").
        var isRequired: Bool { summary.contains("(required") }
    }

    /// The names of the path's `{parameters}`.
    var pathParameters: [String] {
        path.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    /// The path in Hummingbird's syntax (`:id`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }
}

/// What a route handler gets: the caller, the parsed request parts, and ready RPC options.
struct APIRequest: Sendable {
    let principal: Principal
    let pathParameters: [String: String]
    var query: QueryParameters
    /// The parsed JSON body, nil when there was none.
    let body: JSONValue?
    /// Tenant, actor, request id, idempotency key, trace context and deadline for downstream calls.
    let options: RPCCallOptions
    /// The `Accept` header, for the few routes that also answer HTML.
    var accept: String? = nil

    var wantsHTML: Bool { accept?.lowercased().contains("text/html") == true }
    var wantsPDF: Bool { accept?.lowercased().contains("application/pdf") == true }
    var wantsCSV: Bool { accept?.lowercased().contains("text/csv") == true }

    /// The attributes of the request document.
    func attributes<T: Decodable>(_ type: T.Type, resourceType: String, optional: Bool = false) throws -> T {
        guard let body else {
            if optional { return try JSONAPI.attributes(type, resourceType: resourceType, from: .object(JSONObject()), allowEmpty: true) }
            throw APIError.unprocessable("a JSON:API document with data.attributes is required", pointer: "")
        }
        return try JSONAPI.attributes(type, resourceType: resourceType, from: body, allowEmpty: optional)
    }

    /// A typed id from the path; one that cannot exist is simply not found.
    func id<ID: TypedIdentifier>(_ type: ID.Type, _ name: String = "id", resource: String) throws -> ID {
        guard let text = pathParameters[name], let id = ID(text) else {
            throw APIError.notFound("\(resource) '\((pathParameters[name] ?? "").prefix(60))' not found")
        }
        return id
    }
}

/// A handler's answer: a status and a JSON:API document.
struct APIResponse: Sendable {
    var status: HTTPResponse.Status
    var document: JSONValue
    var location: String?
    /// A file (a printable HTML page, a PDF) instead of the JSON:API document.
    var file: (contentType: String, bytes: [UInt8])? = nil
    /// A body written chunk by chunk as `next` yields them, until it answers nil (CSV exports, issue 26).
    var stream: (contentType: String, next: @Sendable () async throws -> [UInt8]?)? = nil

    static func ok(_ document: JSONValue) -> APIResponse { APIResponse(status: .ok, document: document) }
    static func page(_ html: String) -> APIResponse {
        APIResponse(status: .ok, document: .null, file: ("text/html; charset=utf-8", Array(html.utf8)))
    }
    static func pdf(_ bytes: [UInt8]) -> APIResponse { APIResponse(status: .ok, document: .null, file: ("application/pdf", bytes)) }
    static func created(_ document: JSONValue, location: String) -> APIResponse {
        APIResponse(status: .created, document: document, location: location)
    }
}

extension APIRoute {
    /// `POST <base>/{id}/<action>` without a body (finalize, pause, …): the RPC takes the path's typed id, and the answer is the
    /// resource's document with a 409 for a status that does not allow the action.
    static func idAction<ID: TypedIdentifier, Request, Response>(
        base: String, action: String, operationID: String, tag: String, summary: String, permission: Permission, response: ResponseSpec,
        conflict: String, resource: String, client: RPCClient, method: UnaryMethod<Request, Response>,
        request makeRequest: @escaping @Sendable (ID) -> Request, document: @escaping @Sendable (Response) throws -> JSONValue
    ) -> APIRoute {
        APIRoute(
            method: .post, path: base + "/{id}/" + action, operationID: operationID, tag: tag, summary: summary, permission: permission,
            requestBody: nil, response: response, queryParameters: [], additionalErrors: [409: conflict]
        ) { request in
            let id = try request.id(ID.self, resource: resource)
            return .ok(try document(try await client.call(method, makeRequest(id), options: request.options)))
        }
    }
}
