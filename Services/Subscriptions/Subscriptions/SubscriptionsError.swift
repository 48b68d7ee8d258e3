import BillingCore
import BillingRPC
import SubscriptionsContract

/// Everything the subscriptions context refuses, mapped once to RPC codes.
public struct SubscriptionsError: Error, RPCErrorConvertible, CustomStringConvertible {
    enum Kind {
        case invalid(field: String, message: String, reason: String)
        case notFound(what: String, id: String, reason: String)
        case illegalTransition(current: SubscriptionStatus, operation: SubscriptionLifecycle.Operation)
        case conflict(message: String, reason: String, field: String?)
    }

    let kind: Kind

    static func invalid(_ field: String, _ message: String, reason: String = "INVALID_ATTRIBUTE") -> SubscriptionsError {
        SubscriptionsError(kind: .invalid(field: field, message: message, reason: reason))
    }
    static func notFound(_ id: SubscriptionID) -> SubscriptionsError {
        SubscriptionsError(kind: .notFound(what: "subscription", id: id.description, reason: "SUBSCRIPTION_NOT_FOUND"))
    }
    static func accountNotFound(_ id: AccountID) -> SubscriptionsError {
        SubscriptionsError(kind: .notFound(what: "billing account", id: id.description, reason: "ACCOUNT_NOT_FOUND"))
    }
    static func testClockNotFound(_ id: TestClockID) -> SubscriptionsError {
        SubscriptionsError(kind: .notFound(what: "test clock", id: id.description, reason: "TEST_CLOCK_NOT_FOUND"))
    }
    static func addonNotOnSubscription(_ id: CatalogItemID) -> SubscriptionsError {
        SubscriptionsError(kind: .notFound(what: "add-on on this subscription", id: id.description, reason: "ADDON_NOT_ACTIVE"))
    }
    static func illegalTransition(from current: SubscriptionStatus, operation: SubscriptionLifecycle.Operation) -> SubscriptionsError {
        SubscriptionsError(kind: .illegalTransition(current: current, operation: operation))
    }
    static func conflict(_ message: String, reason: String, field: String? = nil) -> SubscriptionsError {
        SubscriptionsError(kind: .conflict(message: message, reason: reason, field: field))
    }

    public var rpcError: RPCError {
        switch kind {
        case .invalid(let field, let message, let reason):
            return RPCError(.invalidArgument, message, reason: reason, details: ["field": field])
        case .notFound(let what, let id, let reason):
            return RPCError(.notFound, "\(what) \(id) not found", reason: reason)
        case .illegalTransition(let current, let operation):
            let requested = operation.requested.map { " (\($0.rawValue))" } ?? ""
            var details = ["status": current.rawValue, "operation": operation.rawValue]
            if let status = operation.requested { details["requestedStatus"] = status.rawValue }
            return RPCError(
                .failedPrecondition, "subscription is \(current.rawValue); \(operation.rawValue)\(requested) is not allowed from it",
                reason: "INVALID_STATUS_TRANSITION", details: details)
        case .conflict(let message, let reason, let field):
            return RPCError(.failedPrecondition, message, reason: reason, details: field.map { ["field": $0] } ?? [:])
        }
    }

    public var description: String { rpcError.description }
}
