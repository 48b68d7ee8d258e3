import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import BillingService
import CatalogContract
import Foundation
import Logging
import PostgresNIO

/// The catalog context: products, plans, add-ons, meters, AI model rates and credit packages, each a
/// versioned document in the `catalog` schema.
public struct CatalogService: Sendable {
    public static var migrations: [Migration] {
        get throws {
            EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations")))
        }
    }

    let database: Database
    let clock: any BillingClock
    let store: CatalogStore
    let outbox = Outbox(context: "catalog")

    public init(database: Database, clock: any BillingClock) {
        self.database = database
        self.clock = clock
        self.store = CatalogStore(logger: database.logger)
    }

    /// The RPC methods and the relay of the catalog's outbox.
    public static func components(runtime: ServiceRuntime) throws -> ServiceComponents {
        let service = CatalogService(database: runtime.database, clock: runtime.clock)
        return ServiceComponents(router: service.router(), background: [try runtime.outboxRelay()])
    }

    public func router() -> RPCRouter {
        var router = RPCRouter()
        register(ProductKind.self, CatalogAPI.products, into: &router)
        register(PlanKind.self, CatalogAPI.plans, into: &router)
        register(AddonKind.self, CatalogAPI.addons, into: &router)
        register(MeterKind.self, CatalogAPI.meters, into: &router)
        register(AIModelKind.self, CatalogAPI.aiModels, into: &router)
        register(CreditPackageKind.self, CatalogAPI.creditPackages, into: &router)
        register(CouponKind.self, CatalogAPI.coupons, into: &router)
        register(PromotionCodeKind.self, CatalogAPI.promotionCodes, into: &router)
        router.register(CatalogAPI.redeemCoupon) { request, context in try await redeem(request, context: context) }
        router.register(CatalogAPI.pricePreview) { request, context in try await pricePreview(request, tenant: context.tenant) }
        router.register(CatalogAPI.pricePreviews) { request, context in
            guard (1...100).contains(request.items.count) else { throw CatalogError.invalid("items", "between 1 and 100 previews per call") }
            var previews: [PricePreview] = []
            for item in request.items { previews.append(try await pricePreview(item, tenant: context.tenant)) }
            return PricePreviews(items: previews)
        }
        router.register(CatalogAPI.costPreview) { request, context in try await costPreview(request, tenant: context.tenant) }
        return router
    }

    private func register<Kind: CatalogKind>(_ kind: Kind.Type, _ resource: CatalogResource<Kind.Attributes>, into router: inout RPCRouter) {
        router.register(resource.create) { request, context in
            try await create(kind, request.attributes, context: context, method: resource.create.name)
        }
        router.register(resource.get) { request, context in try await get(kind, request.id, version: request.version, tenant: context.tenant) }
        router.register(resource.getByCode) { request, context in try await get(kind, code: request.code, tenant: context.tenant) }
        router.register(resource.list) { request, context in try await list(kind, request, tenant: context.tenant) }
        router.register(resource.update) { request, context in try await update(kind, request, context: context, method: resource.update.name) }
        router.register(resource.archive) { request, context in try await archive(kind, request.id, context: context) }
        router.register(resource.versions) { request, context in try await versions(kind, request.id, tenant: context.tenant) }
    }

    func create<Kind: CatalogKind>(
        _ kind: Kind.Type, _ attributes: Kind.Attributes, context: RPCServerContext, method: String
    ) async throws -> CatalogItem<Kind.Attributes> {
        let tenant = context.tenant
        let logger = database.logger
        return try await database.idempotent(tenant: tenant, operation: method, key: context.metadata.idempotencyKey, request: attributes) {
            connection in
            let validated = try await Kind.validate(attributes, references: References(store: store, tenant: tenant, connection: connection))
            let now = clock.now()
            let id = CatalogItemID.generate(at: now)
            try await store.insert(
                kind: Kind.kind, id: id, code: Kind.code(of: validated), definition: try Self.json(validated), at: now,
                tenant: tenant, on: connection)
            try await outbox.append(
                CatalogItemPublished(kind: Kind.kind, id: id, code: Kind.code(of: validated), version: 1), tenant: tenant, at: now,
                traceparent: context.metadata.traceparent, on: connection, logger: logger)
            return CatalogItem(id: id, version: 1, status: .active, attributes: validated, createdAt: now, versionCreatedAt: now)
        }
    }

    func get<Kind: CatalogKind>(_ kind: Kind.Type, _ id: CatalogItemID, version: Int?, tenant: String) async throws -> CatalogItem<Kind.Attributes> {
        try await database.withTenant(tenant) { connection in
            guard let stored = try await store.find(kind: Kind.kind, id: id, version: version, tenant: tenant, on: connection) else {
                throw CatalogError.notFound(Kind.kind, version.map { "\(id) version \($0)" } ?? id.description)
            }
            return try Self.item(kind, stored)
        }
    }

    func get<Kind: CatalogKind>(_ kind: Kind.Type, code: String, tenant: String) async throws -> CatalogItem<Kind.Attributes> {
        try await database.withTenant(tenant) { connection in
            guard let stored = try await store.find(kind: Kind.kind, code: Kind.lookupCode(code), tenant: tenant, on: connection) else {
                throw CatalogError.notFound(Kind.kind, "'\(code.prefix(64))'")
            }
            return try Self.item(kind, stored)
        }
    }

    func list<Kind: CatalogKind>(_ kind: Kind.Type, _ request: ListItemsRequest, tenant: String) async throws -> ItemPage<Kind.Attributes> {
        guard (1...100).contains(request.pageSize) else {
            throw CatalogError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        var request = request
        request.code = request.code.map(Kind.lookupCode)
        return try await database.withTenant(tenant) { [request] connection in
            var rows = try await store.list(kind: Kind.kind, request, tenant: tenant, on: connection)
            let next: CatalogItemID? = rows.trimPage(to: request.pageSize)?.id
            return ItemPage(items: try rows.map { try Self.item(kind, $0) }, nextCursor: next)
        }
    }

    /// A new version: current attributes with `changes` laid over them, validated again.
    func update<Kind: CatalogKind>(
        _ kind: Kind.Type, _ request: UpdateItemRequest, context: RPCServerContext, method: String
    ) async throws -> CatalogItem<Kind.Attributes> {
        let tenant = context.tenant
        let logger = database.logger
        guard case .object(let changes) = request.changes else { throw CatalogError.invalid("attributes", "attributes must be an object") }
        return try await database.idempotent(tenant: tenant, operation: method, key: context.metadata.idempotencyKey, request: request) {
            connection in
            guard let current = try await store.find(kind: Kind.kind, id: request.id, tenant: tenant, forUpdate: true, on: connection) else {
                throw CatalogError.notFound(Kind.kind, request.id.description)
            }
            guard current.status == .active else { throw CatalogError.archivedReference(Kind.kind, request.id) }
            guard case .object(var merged) = current.definition else {
                throw CatalogError.invalid("attributes", "stored definition is not an object")
            }
            for (key, value) in changes.pairs { merged[key] = value }
            let attributes: Kind.Attributes
            do {
                attributes = try JSONValueDecoder().decode(Kind.Attributes.self, from: .object(merged))
            } catch let error as JSONDecodingFailure {
                let field = error.pointer.split(separator: "/").first.map(String.init) ?? "attributes"
                throw CatalogError.invalid(
                    field, error.unknownKeys.isEmpty ? "\(field): \(error.message)" : error.message,
                    reason: error.unknownKeys.isEmpty ? "INVALID_ATTRIBUTE" : "UNKNOWN_ATTRIBUTE")
            }
            let validated = try await Kind.validate(attributes, references: References(store: store, tenant: tenant, connection: connection))
            let previous = try Self.item(kind, current)
            if Kind.code(of: validated) != Kind.code(of: previous.attributes) {
                throw CatalogError.invalid(
                    Kind.kind == AIModelKind.kind ? "modelId" : "code", "the code of an item cannot change once created",
                    reason: "CODE_IMMUTABLE")
            }
            try Kind.checkChange(from: previous.attributes, to: validated)
            guard validated != previous.attributes else { return previous }
            let now = clock.now()
            let version = current.currentVersion + 1
            try await store.addVersion(
                id: request.id, version: version, definition: try Self.json(validated), at: now, tenant: tenant, on: connection)
            try await outbox.append(
                CatalogItemPublished(kind: Kind.kind, id: request.id, code: Kind.code(of: validated), version: version),
                tenant: tenant, at: now, traceparent: context.metadata.traceparent, on: connection, logger: logger)
            return CatalogItem(
                id: request.id, version: version, status: .active, attributes: validated, createdAt: current.createdAt, versionCreatedAt: now)
        }
    }

    func archive<Kind: CatalogKind>(_ kind: Kind.Type, _ id: CatalogItemID, context: RPCServerContext) async throws -> CatalogItem<Kind.Attributes> {
        let tenant = context.tenant
        let logger = database.logger
        return try await database.withTenant(tenant) { connection in
            guard let current = try await store.find(kind: Kind.kind, id: id, tenant: tenant, forUpdate: true, on: connection) else {
                throw CatalogError.notFound(Kind.kind, id.description)
            }
            var item = try Self.item(kind, current)
            guard current.status == .active else { return item }
            let now = clock.now()
            try await store.archive(id: id, at: now, tenant: tenant, on: connection)
            try await outbox.append(
                CatalogItemArchived(kind: Kind.kind, id: id, code: current.code), tenant: tenant, at: now,
                traceparent: context.metadata.traceparent, on: connection, logger: logger)
            item.status = .archived
            return item
        }
    }

    func versions<Kind: CatalogKind>(_ kind: Kind.Type, _ id: CatalogItemID, tenant: String) async throws -> ItemVersions<Kind.Attributes> {
        try await database.withTenant(tenant) { connection in
            let rows = try await store.versions(kind: Kind.kind, id: id, tenant: tenant, on: connection)
            guard !rows.isEmpty else { throw CatalogError.notFound(Kind.kind, id.description) }
            return ItemVersions(versions: try rows.map { try Self.item(kind, $0) })
        }
    }

    func pricePreview(_ request: PricePreviewRequest, tenant: String) async throws -> PricePreview {
        let product = try await get(ProductKind.self, request.productId, version: request.version, tenant: tenant)
        guard let specification = product.attributes.priceSpecification else { throw CatalogError.invalid("currency", "unknown currency") }
        do {
            let breakdown = try PriceCalculator.price(specification, quantity: request.quantity)
            return PricePreview(
                productId: product.id, version: product.version, pricingModel: product.attributes.pricingModel, breakdown: breakdown,
                quantity: request.quantity)
        } catch {
            throw CatalogError.invalid(error.field, error.message, reason: "INVALID_QUANTITY")
        }
    }

    func costPreview(_ request: CostPreviewRequest, tenant: String) async throws -> CostPreview {
        let model = try await get(AIModelKind.self, request.modelId, version: request.version, tenant: tenant)
        do {
            let rate = model.attributes.modelRate
            return CostPreview(
                modelId: model.id, version: model.version, cost: try TokenCostCalculator.cost(rate, usage: request.usage.usage),
                markup: rate.markup)
        } catch {
            throw CatalogError.invalid(error.field, error.message, reason: "INVALID_USAGE")
        }
    }

    static func json<Attributes: Encodable>(_ attributes: Attributes) throws -> JSONValue {
        try JSONValueEncoder().encode(attributes)
    }

    static func item<Kind: CatalogKind>(_ kind: Kind.Type, _ stored: StoredItem) throws -> CatalogItem<Kind.Attributes> {
        CatalogItem(
            id: stored.id, version: stored.version, status: stored.status,
            attributes: try JSONValueDecoder(rejectUnknownKeys: false).decode(Kind.Attributes.self, from: stored.definition),
            createdAt: stored.createdAt, versionCreatedAt: stored.versionCreatedAt)
    }
}

/// Reference lookups inside the validating transaction.
private struct References: CatalogReferences {
    let store: CatalogStore
    let tenant: String
    let connection: PostgresConnection

    func item(kind: String, id: CatalogItemID, version: Int?) async throws -> StoredItem? {
        try await store.find(kind: kind, id: id, version: version, tenant: tenant, on: connection)
    }
}
