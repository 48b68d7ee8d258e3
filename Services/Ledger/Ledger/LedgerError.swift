import BillingCore
import BillingRPC

/// Everything the ledger refuses as a whole request (single events are refused per item instead), mapped once to RPC codes.
public struct LedgerError: Error, RPCErrorConvertible, Equatable, CustomStringConvertible {
    private enum Kind: Equatable {
        case invalid(field: String, message: String, reason: String)
        case accountNotFound(String)
        case accountClosed(String)
        case meterNotFound(String)
        case limitReached(resource: String, limit: Int64, used: Int64, quantity: Int64)
        case accountSuspended(String)
        case modelNotFound(String)
        case modelArchived(String)
        case packageNotFound(String)
        case executionNotFound(String)
        case holdResolved(id: String, status: String)
        case keyReused(String)
        case insufficientCredits(available: String, required: String)
        case spendingCapReached(period: String, userId: String?, featureId: String?, cap: String, spent: String, required: String)
        case rateLimited(period: String, limit: Int)
        case thresholdBlock(percent: Int)
        case conflict(reason: String, message: String)
    }

    private let kind: Kind

    public static func invalid(_ field: String, _ message: String, reason: String = "INVALID_ATTRIBUTE") -> LedgerError {
        LedgerError(kind: .invalid(field: field, message: message, reason: reason))
    }

    public static func accountNotFound(_ id: some CustomStringConvertible) -> LedgerError { LedgerError(kind: .accountNotFound(id.description)) }
    public static func accountClosed(_ id: some CustomStringConvertible) -> LedgerError { LedgerError(kind: .accountClosed(id.description)) }
    public static func meterNotFound(_ code: String) -> LedgerError { LedgerError(kind: .meterNotFound(code)) }

    /// Seed 004: HARD limits block with "Limite de [recurso] atingido - faça upgrade".
    /// Seed 004's words for a HARD limit reached.
    static func limitReachedMessage(resource: String) -> String { "Limite de \(resource) atingido - faça upgrade" }

    public static func limitReached(resource: String, limit: Int64, used: Int64, quantity: Int64) -> LedgerError {
        LedgerError(kind: .limitReached(resource: resource, limit: limit, used: used, quantity: quantity))
    }

    public static func accountSuspended(_ id: String) -> LedgerError { LedgerError(kind: .accountSuspended(id)) }
    public static func modelNotFound(_ model: String) -> LedgerError { LedgerError(kind: .modelNotFound(model)) }
    public static func modelArchived(_ model: String) -> LedgerError { LedgerError(kind: .modelArchived(model)) }
    public static func packageNotFound(_ code: String) -> LedgerError { LedgerError(kind: .packageNotFound(code)) }
    public static func executionNotFound(_ id: some CustomStringConvertible) -> LedgerError { LedgerError(kind: .executionNotFound(id.description)) }
    /// A hold settled, released or expired already: exactly one of them wins.
    public static func holdResolved(id: some CustomStringConvertible, status: String) -> LedgerError {
        LedgerError(kind: .holdResolved(id: id.description, status: status))
    }
    public static func keyReused(_ key: String) -> LedgerError { LedgerError(kind: .keyReused(key)) }
    /// Seed 002: "Você precisa recarregar créditos".
    public static func insufficientCredits(available: Credits, required: Credits) -> LedgerError {
        LedgerError(kind: .insufficientCredits(available: available.text, required: required.text))
    }
    public static func spendingCapReached(
        period: String, userId: String?, featureId: String? = nil, cap: Credits, spent: Credits, required: Credits
    ) -> LedgerError {
        LedgerError(
            kind: .spendingCapReached(
                period: period, userId: userId, featureId: featureId, cap: cap.text, spent: spent.text, required: required.text))
    }
    public static func rateLimited(period: String, limit: Int) -> LedgerError { LedgerError(kind: .rateLimited(period: period, limit: limit)) }
    public static func thresholdBlock(percent: Int) -> LedgerError { LedgerError(kind: .thresholdBlock(percent: percent)) }
    public static func conflict(_ reason: String, _ message: String) -> LedgerError { LedgerError(kind: .conflict(reason: reason, message: message)) }

    public var rpcError: RPCError {
        switch kind {
        case .invalid(let field, let message, let reason):
            return RPCError(.invalidArgument, message, reason: reason, details: ["field": field])
        case .accountNotFound(let id):
            return RPCError(
                .notFound, "billing account \(id.prefix(60)) not found", reason: "ACCOUNT_NOT_FOUND", details: ["field": "billingAccountId"])
        case .accountClosed(let id):
            return RPCError(.failedPrecondition, "billing account \(id) is CLOSED and accepts no new operation", reason: "ACCOUNT_CLOSED")
        case .meterNotFound(let code):
            return RPCError(.notFound, "usage meter '\(code.prefix(64))' not found", reason: "METER_NOT_FOUND", details: ["field": "meterCode"])
        case .limitReached(let resource, let limit, let used, let quantity):
            return RPCError(
                .resourceExhausted, Self.limitReachedMessage(resource: resource), reason: "LIMIT_REACHED",
                details: ["resource": resource, "limit": String(limit), "used": String(used), "requested": String(quantity)])
        case .accountSuspended(let id):
            return RPCError(
                .failedPrecondition, "billing account \(id) is SUSPENDED: its AI credits cannot be spent until it is reactivated",
                reason: "ACCOUNT_SUSPENDED")
        case .modelNotFound(let model):
            return RPCError(
                .notFound, "AI model '\(model.prefix(100))' has no rate in the catalog", reason: "MODEL_NOT_FOUND", details: ["field": "model"])
        case .modelArchived(let model):
            return RPCError(
                .failedPrecondition, "AI model '\(model.prefix(100))' is archived in the catalog and takes no new executions",
                reason: "MODEL_ARCHIVED", details: ["field": "model"])
        case .packageNotFound(let code):
            return RPCError(
                .notFound, "credit package '\(code.prefix(64))' not found", reason: "PACKAGE_NOT_FOUND",
                details: ["field": "autoRecharge.packageCode"])
        case .executionNotFound(let id):
            return RPCError(.notFound, "credit authorization or charge \(id.prefix(60)) not found", reason: "EXECUTION_NOT_FOUND")
        case .holdResolved(let id, let status):
            let reason =
                status == "SETTLED"
                ? "HOLD_ALREADY_SETTLED"
                : status == "RELEASED"
                    ? "HOLD_ALREADY_RELEASED"
                    : status == "EXPIRED" ? "HOLD_EXPIRED" : "NOT_A_HOLD"
            return RPCError(
                .failedPrecondition, "authorization \(id) is \(status), not HELD: it was resolved already", reason: reason,
                details: ["status": status])
        case .keyReused(let key):
            return RPCError(
                .alreadyExists, "idempotency key '\(key.prefix(100))' was used for a different execution", reason: "IDEMPOTENCY_KEY_REUSED",
                details: ["field": "idempotencyKey"])
        case .insufficientCredits(let available, let required):
            return RPCError(
                .resourceExhausted, "Você precisa recarregar créditos: \(required) credits required, \(available) available",
                reason: "INSUFFICIENT_CREDITS", details: ["available": available, "required": required])
        case .spendingCapReached(let period, let userId, let featureId, let cap, let spent, let required):
            var details = ["period": period, "cap": cap, "spent": spent, "required": required]
            if let userId { details["userId"] = userId }
            if let featureId { details["featureId"] = featureId }
            let scope = (userId.map { " for user \($0.prefix(100))" } ?? "") + (featureId.map { " for feature \($0.prefix(100))" } ?? "")
            return RPCError(
                .resourceExhausted,
                "spending cap of \(cap) credits per \(period.lowercased())\(scope) reached (\(spent) spent, \(required) required)",
                reason: "SPENDING_CAP_REACHED", details: details)
        case .thresholdBlock(let percent):
            return RPCError(
                .resourceExhausted,
                "\(percent) % of the credit allowance is used and the wallet blocks spending there; buy credits, or save its settings to lift the block",
                reason: "CREDIT_THRESHOLD_BLOCK", details: ["thresholdPercent": String(percent)])
        case .rateLimited(let period, let limit):
            return RPCError(
                .resourceExhausted, "at most \(limit) AI executions per \(period.lowercased()); try again later", reason: "RATE_LIMITED",
                details: ["period": period, "limit": String(limit)])
        case .conflict(let reason, let message):
            return RPCError(.failedPrecondition, message, reason: reason)
        }
    }

    public var description: String { rpcError.description }
}
