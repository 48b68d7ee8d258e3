import BillingRPC
import InvoicingContract

/// Everything the invoicing context refuses, mapped once to RPC codes.
public struct InvoicingError: Error, RPCErrorConvertible, CustomStringConvertible {
    public let rpcError: RPCError

    static func invalid(_ field: String, _ message: String, reason: String = "INVALID_ATTRIBUTE") -> InvoicingError {
        InvoicingError(rpcError: RPCError(.invalidArgument, message, reason: reason, details: ["field": field]))
    }
    static func notFound(_ what: String, _ id: String, reason: String) -> InvoicingError {
        InvoicingError(rpcError: RPCError(.notFound, "\(what) \(id) not found", reason: reason))
    }
    /// The invoice's status does not allow the operation: 409 naming the current and the requested status.
    static func illegalTransition(from current: InvoiceStatus, to requested: InvoiceStatus) -> InvoicingError {
        InvoicingError(
            rpcError: RPCError(
                .failedPrecondition, "invoice is \(current.rawValue); it cannot become \(requested.rawValue)",
                reason: "INVALID_STATUS_TRANSITION", details: ["status": current.rawValue, "requestedStatus": requested.rawValue]))
    }
    /// A provider the operation needs could not be reached: 503, worth retrying.
    static func unavailable(_ message: String) -> InvoicingError {
        InvoicingError(rpcError: RPCError(.unavailable, message, reason: "PROVIDER_UNAVAILABLE"))
    }
    static func conflict(_ message: String, reason: String, field: String? = nil) -> InvoicingError {
        InvoicingError(rpcError: RPCError(.failedPrecondition, message, reason: reason, details: field.map { ["field": $0] } ?? [:]))
    }

    public var description: String { rpcError.description }
}
