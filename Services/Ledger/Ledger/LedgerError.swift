import BillingRPC

/// Everything the ledger refuses as a whole request (single events are refused per item instead), mapped once to RPC codes.
public struct LedgerError: Error, RPCErrorConvertible, Equatable, CustomStringConvertible {
    private enum Kind: Equatable {
        case invalid(field: String, message: String, reason: String)
        case accountNotFound(String)
        case accountClosed(String)
        case meterNotFound(String)
        case limitReached(resource: String, limit: Int64, used: Int64, quantity: Int64)
    }

    private let kind: Kind

    public static func invalid(_ field: String, _ message: String, reason: String = "INVALID_ATTRIBUTE") -> LedgerError {
        LedgerError(kind: .invalid(field: field, message: message, reason: reason))
    }

    public static func accountNotFound(_ id: String) -> LedgerError { LedgerError(kind: .accountNotFound(id)) }
    public static func accountClosed(_ id: String) -> LedgerError { LedgerError(kind: .accountClosed(id)) }
    public static func meterNotFound(_ code: String) -> LedgerError { LedgerError(kind: .meterNotFound(code)) }

    /// Seed 004: HARD limits block with "Limite de [recurso] atingido - faça upgrade".
    public static func limitReached(resource: String, limit: Int64, used: Int64, quantity: Int64) -> LedgerError {
        LedgerError(kind: .limitReached(resource: resource, limit: limit, used: used, quantity: quantity))
    }

    public var rpcError: RPCError {
        switch kind {
        case .invalid(let field, let message, let reason):
            return RPCError(.invalidArgument, message, reason: reason, details: ["field": field])
        case .accountNotFound(let id):
            return RPCError(.notFound, "billing account \(id.prefix(60)) not found", reason: "ACCOUNT_NOT_FOUND", details: ["field": "billingAccountId"])
        case .accountClosed(let id):
            return RPCError(.failedPrecondition, "billing account \(id) is CLOSED and accepts no new operation", reason: "ACCOUNT_CLOSED")
        case .meterNotFound(let code):
            return RPCError(.notFound, "usage meter '\(code.prefix(64))' not found", reason: "METER_NOT_FOUND", details: ["field": "meterCode"])
        case .limitReached(let resource, let limit, let used, let quantity):
            return RPCError(.resourceExhausted, "Limite de \(resource) atingido - faça upgrade", reason: "LIMIT_REACHED",
                            details: ["resource": resource, "limit": String(limit), "used": String(used), "requested": String(quantity)])
        }
    }

    public var description: String { rpcError.description }
}
