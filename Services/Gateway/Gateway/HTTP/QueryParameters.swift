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

    /// Refuses parameters the route does not support (JSON:API asks for 400).
    func requireOnly(_ allowed: Set<String>) throws {
        for key in order where !allowed.contains(key) {
            let supported = allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
            throw APIError.badRequest("unsupported query parameter '\(key.prefix(60))' (supported: \(supported))", parameter: key,
                                      code: "UNSUPPORTED_PARAMETER")
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

    private static func decode(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }

    /// `key=value&…` with the same percent-encoding for links.
    static func encode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~[]")
        return pairs.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }
}
