import BillingCore
import BillingRPC

/// A typed client of the catalog context.
public struct CatalogClient: Sendable {
    public let rpc: RPCClient

    public init(rpc: RPCClient) { self.rpc = rpc }

    public func call<Request, Response>(
        _ method: UnaryMethod<Request, Response>, _ request: Request, options: RPCCallOptions
    ) async throws(RPCError) -> Response {
        try await rpc.call(method, request, options: options)
    }

    /// A plan at a version (the one a subscription pinned), or its current one.
    public func plan(_ id: CatalogItemID, version: Int? = nil, options: RPCCallOptions) async throws(RPCError) -> CatalogItem<PlanAttributes> {
        try await rpc.call(CatalogAPI.plans.get, GetItemRequest(id: id, version: version), options: options)
    }

    public func meter(code: String, options: RPCCallOptions) async throws(RPCError) -> CatalogItem<MeterAttributes> {
        try await rpc.call(CatalogAPI.meters.getByCode, GetItemByCodeRequest(code: code), options: options)
    }

    public func aiModel(modelId: String, options: RPCCallOptions) async throws(RPCError) -> CatalogItem<AIModelAttributes> {
        try await rpc.call(CatalogAPI.aiModels.getByCode, GetItemByCodeRequest(code: modelId), options: options)
    }
}
