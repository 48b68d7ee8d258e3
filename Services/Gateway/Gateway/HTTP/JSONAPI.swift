import BillingCore
import Foundation
import HTTPTypes
import NIOCore

/// JSON:API documents (seed 001's shape: `{"data":{"type","id","attributes"}}`).
enum JSONAPI {
    static let mediaType = "application/vnd.api+json"
    static let encoder = JSONValueEncoder(moneyEncoding: .amountNumber)

    /// A resource object from a contract view: its `id` becomes the resource id, the rest its attributes.
    static func resource(type: String, from view: some Encodable, selfLink: String) throws -> JSONValue {
        guard case .object(var attributes) = try encoder.encode(view) else { throw APIError.internalRendering }
        guard case .string(let id)? = attributes["id"] else { throw APIError.internalRendering }
        attributes["id"] = nil
        return .object(
            JSONObject([
                ("type", .string(type)), ("id", .string(id)), ("attributes", .object(attributes)),
                ("links", .object(JSONObject([("self", .string(selfLink))]))),
            ]))
    }

    /// A resource object whose id is given (previews, versions).
    static func resource(type: String, id: some CustomStringConvertible, from view: some Encodable, selfLink: String? = nil) throws -> JSONValue {
        guard case .object(var attributes) = try encoder.encode(view) else { throw APIError.internalRendering }
        attributes["id"] = nil
        var object = JSONObject([("type", .string(type)), ("id", .string(id.description)), ("attributes", .object(attributes))])
        if let selfLink { object["links"] = .object(JSONObject([("self", .string(selfLink))])) }
        return .object(object)
    }

    /// A collection document with `self` and `next` links that repeat the filters.
    static func collection(_ items: [JSONValue], base: String, filters: [(String, String)], pageSize: Int, after: String?, next: String?) -> JSONValue
    {
        var selfQuery = filters + [("page[size]", String(pageSize))]
        if let after { selfQuery.append(("page[after]", after)) }
        let links: [(String, JSONValue)] = [
            ("self", .string(base + "?" + QueryParameters.encode(selfQuery))),
            (
                "next",
                next.map { .string(base + "?" + QueryParameters.encode(filters + [("page[size]", String(pageSize)), ("page[after]", $0)])) } ?? .null
            ),
        ]
        return document(.array(items), links: links, meta: [("pageSize", .number(pageSize))])
    }

    static func document(_ data: JSONValue, links: [(String, JSONValue)] = [], meta: [(String, JSONValue)] = []) -> JSONValue {
        var object = JSONObject([("data", data)])
        if !links.isEmpty { object["links"] = .object(JSONObject(links)) }
        if !meta.isEmpty { object["meta"] = .object(JSONObject(meta)) }
        return .object(object)
    }

    /// The decoded `data.attributes` of a request document for resources of `type`.
    ///
    /// Refuses a missing or wrong `data.type` (409, as JSON:API asks), a client-generated `id`, members
    /// other than `type`/`attributes`, unknown attributes and wrongly typed ones (422, with a pointer).
    static func attributes<T: Decodable>(_ type: T.Type, resourceType: String, from body: JSONValue, allowEmpty: Bool = false) throws -> T {
        guard case .object(let document) = body else {
            throw APIError.unprocessable("the request body must be a JSON:API document {\"data\": {...}}", pointer: "")
        }
        for key in document.keys where !["data", "meta", "jsonapi"].contains(key) {
            throw APIError.unprocessable("unknown top-level member '\(key)'", pointer: "/" + JSONPointer.escape(key))
        }
        guard case .object(let data)? = document["data"] else {
            if allowEmpty, document["data"] == nil { return try decode(type, from: .object(JSONObject())) }
            throw APIError.unprocessable("'data' must be a resource object", pointer: "/data")
        }
        guard case .string(let givenType)? = data["type"] else {
            throw APIError.unprocessable("'data.type' is required and must be \"\(resourceType)\"", pointer: "/data/type")
        }
        guard givenType == resourceType else {
            throw APIError(
                .conflict, code: "TYPE_MISMATCH", title: "Conflict",
                detail: "'data.type' must be \"\(resourceType)\", not \"\(givenType.prefix(60))\"",
                pointer: "/data/type")
        }
        if data["id"] != nil {
            throw APIError(
                .forbidden, code: "CLIENT_ID_UNSUPPORTED", title: "Client-generated id", detail: "ids are assigned by the server; remove 'data.id'",
                pointer: "/data/id")
        }
        for key in data.keys where !["type", "attributes", "meta"].contains(key) {
            throw APIError.unprocessable("unknown member '\(key)' in data", pointer: "/data/" + JSONPointer.escape(key))
        }
        let attributes = data["attributes"] ?? .object(JSONObject())
        guard case .object = attributes else { throw APIError.unprocessable("'data.attributes' must be an object", pointer: "/data/attributes") }
        return try decode(type, from: attributes)
    }

    private static func decode<T: Decodable>(_ type: T.Type, from attributes: JSONValue) throws -> T {
        do {
            return try JSONValueDecoder().decode(T.self, from: attributes, pointerPrefix: "/data/attributes")
        } catch {
            let code = error.unknownKeys.isEmpty ? "INVALID_ATTRIBUTE" : "UNKNOWN_ATTRIBUTE"
            let field = error.pointer.split(separator: "/").last.map(String.init) ?? ""
            let detail = error.unknownKeys.isEmpty ? "\(field): \(error.message)" : error.message
            throw APIError.unprocessable(detail, pointer: error.pointer, code: code)
        }
    }
}

extension APIError {
    static let internalRendering = APIError(.internalServerError, code: "INTERNAL", title: "Internal error", detail: "could not render the response")
}
