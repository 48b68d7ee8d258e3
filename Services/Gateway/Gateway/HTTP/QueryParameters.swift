import BillingCore
import BillingRPC
import Foundation

/// The query string of a request, keys and values percent-decoded (`filter%5Bstatus%5D` is `filter[status]`).
struct QueryParameters: Sendable {
    private(set) var values: [String: String] = [:]
    private(set) var order: [String] = []

    init(query: String?) {
        for pair in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(pieces[0])
            let value = pieces.count > 1 ? Self.decode(pieces[1]) : ""
            if values[key] == nil { order.append(key) }
            values[key] = value
        }
    }

    subscript(_ key: String) -> String? { values[key] }

    /// Sets a parameter as if the client had sent it (a customer's lists are narrowed to its account).
    mutating func set(_ key: String, to value: String) {
        if values[key] == nil { order.append(key) }
        values[key] = value
    }

    /// Refuses parameters the route does not support (JSON:API asks for 400).
    func requireOnly(_ allowed: Set<String>) throws {
        for key in order where !allowed.contains(key) {
            let supported = allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
            throw APIError.badRequest(
                "unsupported query parameter '\(key.prefix(60))' (supported: \(supported))", parameter: key,
                code: "UNSUPPORTED_PARAMETER")
        }
        // No stored text holds U+0000 (PostgreSQL refuses it), so no filter can match one.
        for key in order where values[key]?.contains("\u{0}") == true {
            throw APIError.badRequest("query parameter '\(key.prefix(60))' holds a NUL character", parameter: key, code: "INVALID_PARAMETER")
        }
    }

    /// `page[size]`, 1…100, default `defaultSize`.
    func pageSize(default defaultSize: Int = 20) throws -> Int {
        guard let text = values["page[size]"] else { return defaultSize }
        guard let size = Int(text), (1...100).contains(size) else {
            throw APIError.badRequest("page[size] must be a whole number from 1 to 100", parameter: "page[size]", code: "INVALID_PAGE_SIZE")
        }
        return size
    }

    /// `filter[name]` as one of an enumeration's values (400 naming the allowed values otherwise).
    func filter<Value: RawRepresentable & CaseIterable>(_ name: String, as type: Value.Type) throws -> Value? where Value.RawValue == String {
        guard let text = values[name] else { return nil }
        guard let value = Value(rawValue: text) else {
            throw APIError.badRequest(
                "\(name) must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))", parameter: name,
                code: "INVALID_FILTER")
        }
        return value
    }

    /// A filter naming an id of `type` (400 when it is not one).
    func id<ID: TypedIdentifier>(_ name: String, as type: ID.Type) throws -> ID? {
        guard let text = values[name] else { return nil }
        guard let id = ID(text) else { throw APIError.badRequest("\(name) must be a UUID", parameter: name, code: "INVALID_FILTER") }
        return id
    }

    /// `page[after]` as the id type of the collection (400 when it is not one of its cursors).
    func cursor<ID: TypedIdentifier>(_ type: ID.Type) throws -> ID? {
        guard let text = values["page[after]"] else { return nil }
        guard let id = ID(text) else {
            throw APIError.badRequest("page[after] must be the cursor from links.next", parameter: "page[after]", code: "INVALID_CURSOR")
        }
        return id
    }

    /// The given parameters that are present, in the given order (to repeat them in links).
    func present(_ names: [String]) -> [(String, String)] { names.compactMap { name in values[name].map { (name, $0) } } }

    private static func decode(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }

    /// `key=value&…` with the same percent-encoding for links.
    static func encode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~[]")
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return pairs.map { key, value in "\(encode(key))=\(encode(value))" }.joined(separator: "&")
    }
}

extension QueryParameters {
    /// An RFC 3339 instant parameter, nil when absent; malformed → 400 naming it.
    func instant(_ name: String) throws -> Date? {
        guard let text = self[name] else { return nil }
        guard let date = RFC3339.parse(text) else {
            throw APIError.badRequest("\(name) must be an RFC 3339 instant such as 2026-11-01T03:00:00Z", parameter: name, code: "INVALID_FILTER")
        }
        return date
    }
}

extension QueryParameters {
    /// Runs a read whose RPC errors name query parameters: the service's `month` is `filter[month]` here.
    static func naming<Value>(_ call: () async throws(RPCError) -> Value) async throws -> Value {
        do {
            return try await call()
        } catch {
            var error = error
            if let field = error.details["field"] { error.details["field"] = "filter[\(field)]" }
            throw error
        }
    }
}
