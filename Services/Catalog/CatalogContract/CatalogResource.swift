import BillingCore
import BillingRPC

/// The RPC methods of one catalog kind (`billing.catalog.v1.<Service>/<Method>`), declared once.
public struct CatalogResource<Attributes: Codable & Sendable & Equatable>: Sendable {
    /// Stored kind (`product`).
    public let kind: String
    /// Wire service name (`Products`).
    public let serviceName: String
    public let create: UnaryMethod<CreateItemRequest<Attributes>, CatalogItem<Attributes>>
    public let get: UnaryMethod<GetItemRequest, CatalogItem<Attributes>>
    public let getByCode: UnaryMethod<GetItemByCodeRequest, CatalogItem<Attributes>>
    public let list: UnaryMethod<ListItemsRequest, ItemPage<Attributes>>
    public let update: UnaryMethod<UpdateItemRequest, CatalogItem<Attributes>>
    public let archive: UnaryMethod<ArchiveItemRequest, CatalogItem<Attributes>>
    public let versions: UnaryMethod<GetItemRequest, ItemVersions<Attributes>>

    init(kind: String, serviceName: String, noun: String) {
        self.kind = kind
        self.serviceName = serviceName
        let service = CatalogAPI.package + "." + serviceName
        create = UnaryMethod(
            service: service, method: "Create", retry: .withKey,
            callers: .gateway, summary: "Creates \(noun) (version 1). Emits `billing.catalog_item.published`.")
        get = UnaryMethod(
            service: service, method: "Get", retry: .always, callers: .gateway(and: "subscriptions", "ledger", "invoicing"),
            summary: "\(noun.capitalized) at its current version, or at `version`.")
        getByCode = UnaryMethod(
            service: service, method: "GetByCode", retry: .always, callers: .gateway(and: "subscriptions", "ledger", "invoicing"),
            summary: "The current version of the \(kind) with this code.")
        list = UnaryMethod(
            service: service, method: "List", retry: .always, callers: .gateway(and: "subscriptions", "ledger", "invoicing"),
            summary: "A page of the tenant's \(kind)s, oldest first.")
        update = UnaryMethod(
            service: service, method: "Update", retry: .withKey,
            callers: .gateway,
            summary:
                """
                Creates the next version with the given attributes replaced; earlier versions stay as they were. Emits \
                `billing.catalog_item.published`.
                """
        )
        archive = UnaryMethod(
            service: service, method: "Archive",
            callers: .gateway,
            summary: "Archives \(noun): it keeps working where referenced and cannot be referenced anew. Emits `billing.catalog_item.archived`.")
        versions = UnaryMethod(
            service: service, method: "Versions", retry: .always, callers: .gateway(and: "subscriptions", "ledger", "invoicing"),
            summary: "Every version of \(noun), newest first.")
    }

    public var methods: [any RPCMethodDescriptor] { [create, get, getByCode, list, update, archive, versions] }
}
