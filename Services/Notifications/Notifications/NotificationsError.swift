import BillingRPC

/// Everything the notifications context refuses, mapped once to RPC codes.
public struct NotificationsError: Error, RPCErrorConvertible, Equatable, CustomStringConvertible {
    public let rpcError: RPCError

    public static func invalid(_ field: String, _ message: String, reason: String = "INVALID_ATTRIBUTE") -> NotificationsError {
        NotificationsError(rpcError: RPCError(.invalidArgument, message, reason: reason, details: ["field": field]))
    }

    public static func notFound(_ what: String, _ reference: String, reason: String) -> NotificationsError {
        NotificationsError(rpcError: RPCError(.notFound, "\(what) \(reference) not found", reason: reason))
    }

    public static func conflict(_ message: String, reason: String, field: String? = nil) -> NotificationsError {
        NotificationsError(rpcError: RPCError(.failedPrecondition, message, reason: reason, details: field.map { ["field": $0] } ?? [:]))
    }

    public var description: String { rpcError.description }
}
