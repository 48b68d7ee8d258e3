/// A failed call: the code, a message for people, a stable domain `reason` and string `details`.
///
/// This is exactly the JSON error message on the wire: `{"code","message","reason","details"}`.
/// `details["field"]` names the offending request field when there is one; the gateway turns it
/// into a JSON:API `source.pointer`.
public struct RPCError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: RPCCode
    public var message: String
    /// Stable UPPER_SNAKE reason (`INSUFFICIENT_CREDITS`, `INVALID_TAX_ID`), nil for generic failures.
    public var reason: String?
    public var details: [String: String]

    public init(_ code: RPCCode, _ message: String, reason: String? = nil, details: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.reason = reason
        self.details = details
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(RPCCode.self, forKey: .code)
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        details = try container.decodeIfPresent([String: String].self, forKey: .details) ?? [:]
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let reason { text += " [\(reason)]" }
        return text
    }

    /// The field named in `details["field"]`, if any.
    public var field: String? { details["field"] }

    public static func invalidArgument(_ message: String, field: String? = nil, reason: String? = nil) -> RPCError {
        RPCError(.invalidArgument, message, reason: reason, details: field.map { ["field": $0] } ?? [:])
    }

    public static func notFound(_ message: String) -> RPCError { RPCError(.notFound, message, reason: "NOT_FOUND") }
    public static func unavailable(_ message: String) -> RPCError { RPCError(.unavailable, message) }
    public static func deadlineExceeded(_ message: String = "deadline exceeded") -> RPCError { RPCError(.deadlineExceeded, message) }
    public static func `internal`(_ message: String = "internal error") -> RPCError { RPCError(.internal, message) }
}

/// Errors that know their RPC form; each context's error type conforms, so it is mapped once.
public protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}

extension RPCError: RPCErrorConvertible {
    public var rpcError: RPCError { self }
}

extension RPCError {
    /// The call's answer, or nil when it answered `not_found` (the caller turns that into its own error); other failures are thrown.
    public static func unlessNotFound<Value>(_ call: () async throws(RPCError) -> Value) async throws(RPCError) -> Value? {
        do {
            return try await call()
        } catch {
            guard error.code == .notFound else { throw error }
            return nil
        }
    }
}
