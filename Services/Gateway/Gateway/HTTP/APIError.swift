import BillingCore
import BillingRPC
import HTTPTypes

/// A failed public request, rendered as a JSON:API error document.
struct APIError: Error, Sendable {
    struct Entry: Sendable {
        var status: HTTPResponse.Status
        var code: String
        var title: String
        var detail: String
        /// JSON Pointer into the request document (`/data/attributes/taxId`).
        var pointer: String?
        /// The query parameter at fault (`page[size]`).
        var parameter: String?
        var meta: [String: String] = [:]
    }

    var entries: [Entry]
    var status: HTTPResponse.Status { entries.first?.status ?? .internalServerError }

    init(
        _ status: HTTPResponse.Status, code: String, title: String, detail: String, pointer: String? = nil, parameter: String? = nil,
        meta: [String: String] = [:]
    ) {
        entries = [Entry(status: status, code: code, title: title, detail: detail, pointer: pointer, parameter: parameter, meta: meta)]
    }

    static func unauthenticated(_ detail: String) -> APIError {
        APIError(.unauthorized, code: "UNAUTHENTICATED", title: "Not authenticated", detail: detail)
    }

    static func forbidden(_ permission: Permission) -> APIError {
        APIError(
            .forbidden, code: "PERMISSION_DENIED", title: "Permission denied",
            detail: "this operation needs the \(permission.name) permission (or the owner/admin role)", meta: ["permission": permission.name])
    }

    /// A customer token on a route for the tenant's operators only.
    static func operatorsOnly(_ permission: Permission) -> APIError {
        APIError(
            .forbidden, code: "OPERATOR_ONLY", title: "Permission denied",
            detail: "this operation is for the tenant's operators; a customer token (billingAccountId) cannot use it",
            meta: ["permission": permission.name])
    }

    /// A customer token sending an attribute only the tenant's operators choose (a trial, an overdraft): 403 pointing at it.
    static func operatorOnlyAttribute(_ name: String) -> APIError {
        APIError(
            .forbidden, code: "ATTRIBUTE_NOT_ALLOWED", title: "Permission denied",
            detail: "\(name) can be chosen only by the tenant's operators", pointer: "/data/attributes/\(name)")
    }

    static func notFound(_ detail: String) -> APIError { APIError(.notFound, code: "NOT_FOUND", title: "Not found", detail: detail) }

    static func badRequest(_ detail: String, parameter: String? = nil, pointer: String? = nil, code: String = "BAD_REQUEST") -> APIError {
        APIError(.badRequest, code: code, title: "Bad request", detail: detail, pointer: pointer, parameter: parameter)
    }

    static func unprocessable(_ detail: String, pointer: String?, code: String = "INVALID_ATTRIBUTE") -> APIError {
        APIError(.unprocessableContent, code: code, title: "Invalid attribute", detail: detail, pointer: pointer)
    }

    /// The one mapping from RPC status codes to HTTP (DESIGN.md section 6).
    static func from(_ error: RPCError) -> APIError {
        let status: HTTPResponse.Status
        switch error.code {
        case .invalidArgument: status = .unprocessableContent
        case .notFound: status = .notFound
        case .alreadyExists, .aborted, .failedPrecondition: status = .conflict
        case .permissionDenied: status = .forbidden
        case .unauthenticated: status = .unauthorized
        case .resourceExhausted:
            switch error.reason {
            case "RATE_LIMITED": status = .tooManyRequests
            case "MESSAGE_TOO_LARGE": status = .contentTooLarge
            default: status = HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
            }
        case .unavailable: status = .serviceUnavailable
        case .deadlineExceeded: status = .gatewayTimeout
        case .cancelled: status = HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
        case .unimplemented: status = .notImplemented
        case .internal, .ok: status = .internalServerError
        }
        var pointer: String?
        var parameter: String?
        if let field = error.field {
            if field.hasPrefix("page[") || field.hasPrefix("filter[") { parameter = field } else { pointer = attributePointer(field) }
        }
        var meta = error.details
        meta.removeValue(forKey: "field")
        let message = error.code == .internal ? "internal error; the request id identifies it in the logs" : error.message
        return APIError(
            status, code: error.reason ?? error.code.rawValue.uppercased(), title: title(for: status), detail: message,
            pointer: pointer, parameter: parameter, meta: meta)
    }

    /// `tiers[1].upTo` → `/data/attributes/tiers/1/upTo` (`resource`: where the resource object is, `/data/3` in a batch).
    static func attributePointer(_ field: String, resource: String = "/data") -> String {
        let tokens = field.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
            .split(separator: ".", omittingEmptySubsequences: true).map { JSONPointer.escape(String($0)) }
        return resource + "/attributes/" + tokens.joined(separator: "/")
    }

    static func title(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: return "Bad request"
        case 401: return "Not authenticated"
        case 402: return "Payment required"
        case 403: return "Permission denied"
        case 404: return "Not found"
        case 409: return "Conflict"
        case 413: return "Request too large"
        case 415: return "Unsupported media type"
        case 422: return "Invalid attribute"
        case 429: return "Too many requests"
        case 503: return "Service unavailable"
        case 504: return "Gateway timeout"
        default: return status.reasonPhrase
        }
    }

    /// `{"errors":[{"status","code","title","detail","source":{…},"meta":{…}}]}`.
    var document: JSONValue {
        .object(
            JSONObject([
                (
                    "errors",
                    .array(
                        entries.map { entry in
                            var object = JSONObject()
                            object["status"] = .string(String(entry.status.code))
                            object["code"] = .string(entry.code)
                            object["title"] = .string(entry.title)
                            object["detail"] = .string(entry.detail)
                            if let pointer = entry.pointer { object["source"] = .object(JSONObject([("pointer", .string(pointer))])) }
                            if let parameter = entry.parameter { object["source"] = .object(JSONObject([("parameter", .string(parameter))])) }
                            if !entry.meta.isEmpty {
                                object["meta"] = .object(JSONObject(entry.meta.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
                            }
                            return .object(object)
                        })
                )
            ]))
    }
}
