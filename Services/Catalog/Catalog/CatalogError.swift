import BillingCore
import BillingRPC
import CatalogContract

/// Everything the catalog refuses, mapped once to RPC codes.
public struct CatalogError: Error, RPCErrorConvertible, Equatable, CustomStringConvertible {
    private enum Kind: Equatable {
        case invalid(field: String, message: String, reason: String)
        case notFound(kind: String, reference: String)
        case codeTaken(kind: String, code: String)
        case archivedReference(kind: String, id: CatalogItemID)
    }

    private let kind: Kind

    public static func invalid(_ field: String, _ message: String, reason: String = "INVALID_ATTRIBUTE") -> CatalogError {
        CatalogError(kind: .invalid(field: field, message: message, reason: reason))
    }

    public static func notFound(_ kind: String, _ reference: String) -> CatalogError {
        CatalogError(kind: .notFound(kind: kind, reference: reference))
    }
    public static func codeTaken(_ kind: String, _ code: String) -> CatalogError { CatalogError(kind: .codeTaken(kind: kind, code: code)) }
    public static func archivedReference(_ kind: String, _ id: CatalogItemID) -> CatalogError {
        CatalogError(kind: .archivedReference(kind: kind, id: id))
    }

    public var rpcError: RPCError {
        switch kind {
        case .invalid(let field, let message, let reason):
            return RPCError(.invalidArgument, message, reason: reason, details: ["field": field])
        case .notFound(let kind, let reference):
            return RPCError(.notFound, "\(CatalogError.noun(kind)) \(reference) not found", reason: "\(kind.uppercased())_NOT_FOUND")
        case .codeTaken(let kind, let code):
            return RPCError(
                .alreadyExists, "a \(CatalogError.noun(kind)) with code '\(code)' already exists", reason: "CODE_IN_USE",
                details: ["field": kind == "ai_model" ? "modelId" : "code"])
        case .archivedReference(let kind, let id):
            return RPCError(.failedPrecondition, "\(CatalogError.noun(kind)) \(id) is ARCHIVED and cannot be used anew", reason: "ITEM_ARCHIVED")
        }
    }

    public var description: String { rpcError.description }

    static func noun(_ kind: String) -> String {
        switch kind {
        case "product": return "billing product"
        case "plan": return "subscription plan"
        case "addon": return "add-on"
        case "meter": return "usage meter"
        case "ai_model": return "AI model"
        case "credit_package": return "credit package"
        case "promotion_code": return "promotion code"
        default: return kind
        }
    }
}
