import AccountsContract
import BillingCore
import BillingRPC

/// Everything the accounts context refuses, mapped once to RPC codes.
public struct AccountsError: Error, RPCErrorConvertible, Equatable, CustomStringConvertible {
    private enum Kind: Equatable {
        case invalid(field: String, message: String, reason: String)
        case notFound(AccountID)
        case closed(AccountID)
        case illegalTransition(current: AccountStatus, requested: AccountStatus)
        case taxIDInUse(type: TaxIDType, taxID: String)
    }

    private let kind: Kind

    /// A request attribute is wrong; `field` is its attribute name.
    public static func invalid(_ field: String, _ message: String, reason: String = "INVALID_ATTRIBUTE") -> AccountsError {
        AccountsError(kind: .invalid(field: field, message: message, reason: reason))
    }

    public static func notFound(_ id: AccountID) -> AccountsError { AccountsError(kind: .notFound(id)) }
    public static func closed(_ id: AccountID) -> AccountsError { AccountsError(kind: .closed(id)) }
    public static func illegalTransition(from current: AccountStatus, to requested: AccountStatus) -> AccountsError {
        AccountsError(kind: .illegalTransition(current: current, requested: requested))
    }
    public static func taxIDInUse(_ type: TaxIDType, _ taxID: String) -> AccountsError { AccountsError(kind: .taxIDInUse(type: type, taxID: taxID)) }

    public var rpcError: RPCError {
        switch kind {
        case .invalid(let field, let message, let reason):
            return RPCError(.invalidArgument, message, reason: reason, details: ["field": field])
        case .notFound(let id):
            return RPCError(.notFound, "billing account \(id) not found", reason: "ACCOUNT_NOT_FOUND")
        case .closed(let id):
            return RPCError(
                .failedPrecondition, "billing account \(id) is CLOSED and accepts no new operation", reason: "ACCOUNT_CLOSED",
                details: ["status": AccountStatus.closed.rawValue])
        case .illegalTransition(let current, let requested):
            return RPCError(
                .failedPrecondition, "billing account is \(current.rawValue); it cannot become \(requested.rawValue)",
                reason: "INVALID_STATUS_TRANSITION", details: ["status": current.rawValue, "requestedStatus": requested.rawValue])
        case .taxIDInUse(let type, let taxID):
            return RPCError(
                .alreadyExists, "\(type.rawValue) \(taxID) is already used by another open billing account",
                reason: "TAX_ID_IN_USE", details: ["field": "taxId"])
        }
    }

    public var description: String { rpcError.description }
}
