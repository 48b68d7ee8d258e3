import BillingCore
import BillingRPC
import CatalogContract
import Foundation
import HTTPTypes

/// The catalog's public resources (seeds 000–003), all from one route builder.
enum CatalogRoutes {
    /// One catalog kind as the public API shows it.
    struct Kind<Attributes: Codable & Sendable & Equatable>: Sendable {
        let resource: CatalogResource<Attributes>
        let path: String
        let type: String
        let tag: String
        let noun: String
        let create: Permission, read: Permission, update: Permission, delete: Permission
        /// The attribute holding the item's code (`code`, or `modelId` for AI models).
        let codeAttribute: String
    }

    static let products = Kind(
        resource: CatalogAPI.products, path: "/api/v1/billing-products", type: "billing-products", tag: "Billing products",
        noun: "billing product", create: .productsCreate, read: .productsRead, update: .productsUpdate, delete: .productsDelete,
        codeAttribute: "code")
    static let plans = Kind(
        resource: CatalogAPI.plans, path: "/api/v1/subscription-plans", type: "subscription-plans", tag: "Subscription plans",
        noun: "subscription plan", create: .plansCreate, read: .plansRead, update: .plansUpdate, delete: .plansDelete,
        codeAttribute: "code")
    static let addons = Kind(
        resource: CatalogAPI.addons, path: "/api/v1/addons", type: "addons", tag: "Add-ons", noun: "add-on",
        create: .addonsCreate, read: .addonsRead, update: .addonsUpdate, delete: .addonsDelete, codeAttribute: "code")
    static let meters = Kind(
        resource: CatalogAPI.meters, path: "/api/v1/usage-meters", type: "usage-meters", tag: "Usage meters", noun: "usage meter",
        create: .metersCreate, read: .metersRead, update: .metersUpdate, delete: .metersDelete, codeAttribute: "code")
    static let aiModels = Kind(
        resource: CatalogAPI.aiModels, path: "/api/v1/ai-models", type: "ai-models", tag: "AI models", noun: "AI model",
        create: .aiModelsCreate, read: .aiModelsRead, update: .aiModelsUpdate, delete: .aiModelsDelete, codeAttribute: "modelId")
    static let creditPackages = Kind(
        resource: CatalogAPI.creditPackages, path: "/api/v1/credit-packages", type: "credit-packages",
        tag: "Credit packages", noun: "credit package", create: .creditPackagesCreate, read: .creditPackagesRead,
        update: .creditPackagesUpdate, delete: .creditPackagesDelete, codeAttribute: "code")

    static let coupons = Kind(
        resource: CatalogAPI.coupons, path: "/api/v1/coupons", type: "coupons", tag: "Coupons", noun: "coupon",
        create: .couponsCreate, read: .couponsRead, update: .couponsUpdate, delete: .couponsDelete, codeAttribute: "code")
    static let promotionCodes = Kind(
        resource: CatalogAPI.promotionCodes, path: "/api/v1/promotion-codes", type: "promotion-codes", tag: "Coupons",
        noun: "promotion code", create: .couponsCreate, read: .couponsRead, update: .couponsUpdate, delete: .couponsDelete,
        codeAttribute: "code")

    /// The catalog's routes; its reads are open to customer tokens too (the tenant's price list, to choose plans and packages), but
    /// for coupons and promotion codes (a customer types a code; listing them would give every code away).
    static func routes(client: RPCClient) -> [APIRoute] {
        let all =
            routes(products, client: client) + routes(plans, client: client) + routes(addons, client: client) + routes(meters, client: client)
            + routes(aiModels, client: client) + routes(creditPackages, client: client) + previews(client: client)
        return all.map { $0.method == .get ? $0.forCustomers(.tenantWide) : $0 } + routes(coupons, client: client)
            + routes(promotionCodes, client: client)
    }

    static func routes<Attributes>(_ kind: Kind<Attributes>, client: RPCClient) -> [APIRoute] {
        let item = CodableSchema.of(CatalogItem<Attributes>.self)
        let attributes = CodableSchema.of(Attributes.self)
        let operation = kind.type.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        func single(_ status: HTTPStatus = .ok) -> APIRoute.ResponseSpec {
            .init(status: status, resourceType: kind.type, attributes: item, isCollection: false)
        }
        @Sendable func document(_ value: CatalogItem<Attributes>) throws -> JSONValue {
            JSONAPI.document(try JSONAPI.resource(type: kind.type, from: value, selfLink: "\(kind.path)/\(value.id)"))
        }
        return [
            APIRoute(
                method: .post, path: kind.path, operationID: "create\(operation)", tag: kind.tag,
                summary: "Create a \(kind.noun) (version 1).", permission: kind.create,
                requestBody: .init(resourceType: kind.type, attributes: attributes, optional: false), response: single(.created),
                queryParameters: []
            ) { request in
                let attributes = try request.attributes(Attributes.self, resourceType: kind.type)
                let created = try await client.call(kind.resource.create, CreateItemRequest(attributes: attributes), options: request.options)
                return .created(try document(created), location: "\(kind.path)/\(created.id)")
            },
            APIRoute(
                method: .get, path: kind.path, operationID: "list\(operation)", tag: kind.tag,
                summary: "List the tenant's \(kind.noun)s at their current version, oldest first.", permission: kind.read, requestBody: nil,
                response: .init(status: .ok, resourceType: kind.type, attributes: item, isCollection: true),
                queryParameters: [
                    .init(name: "filter[status]", summary: "ACTIVE or ARCHIVED", schema: .of(CatalogItemStatus.self)),
                    .init(name: "filter[\(kind.codeAttribute)]", summary: "exact \(kind.codeAttribute)", schema: .string(format: nil)),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let codeFilter = "filter[\(kind.codeAttribute)]"
                try query.requireOnly(["filter[status]", codeFilter, "page[size]", "page[after]"])
                let after = try query.cursor(CatalogItemID.self)
                let size = try query.pageSize()
                let page = try await client.call(
                    kind.resource.list,
                    ListItemsRequest(
                        status: try query.filter("filter[status]", as: CatalogItemStatus.self),
                        code: query[codeFilter], pageSize: size, after: after),
                    options: request.options)
                let items = try page.items.map { try JSONAPI.resource(type: kind.type, from: $0, selfLink: "\(kind.path)/\($0.id)") }
                return .ok(
                    JSONAPI.collection(
                        items, base: kind.path, filters: query.present(["filter[status]", codeFilter]), pageSize: size,
                        after: after?.description, next: page.nextCursor?.description))
            },
            APIRoute(
                method: .get, path: kind.path + "/{id}", operationID: "get\(operation)", tag: kind.tag,
                summary: "One \(kind.noun): its current version, or `?version=N`.", permission: kind.read, requestBody: nil, response: single(),
                queryParameters: [.init(name: "version", summary: "a past version", schema: .integer)]
            ) { request in
                try request.query.requireOnly(["version"])
                var version: Int?
                if let text = request.query["version"] {
                    guard let number = Int(text), number > 0 else {
                        throw APIError.badRequest("version must be a positive whole number", parameter: "version")
                    }
                    version = number
                }
                let id = try request.id(CatalogItemID.self, resource: kind.noun)
                return .ok(try document(try await client.call(kind.resource.get, GetItemRequest(id: id, version: version), options: request.options)))
            },
            APIRoute(
                method: .patch, path: kind.path + "/{id}", operationID: "update\(operation)", tag: kind.tag,
                summary: "Make a new version with the given attributes replaced (earlier versions, and whatever pinned them, stay as they were).",
                permission: kind.update, requestBody: .init(resourceType: kind.type, attributes: attributes, optional: false), response: single(),
                queryParameters: []
            ) { request in
                let id = try request.id(CatalogItemID.self, resource: kind.noun)
                let changes = try request.attributes(JSONValue.self, resourceType: kind.type)
                return .ok(
                    try document(try await client.call(kind.resource.update, UpdateItemRequest(id: id, changes: changes), options: request.options)))
            },
            APIRoute(
                method: .delete, path: kind.path + "/{id}", operationID: "archive\(operation)", tag: kind.tag,
                summary: "Archive a \(kind.noun): it keeps working where it is referenced, and cannot be referenced anew.",
                permission: kind.delete, requestBody: nil, response: single(), queryParameters: []
            ) { request in
                let id = try request.id(CatalogItemID.self, resource: kind.noun)
                return .ok(try document(try await client.call(kind.resource.archive, ArchiveItemRequest(id: id), options: request.options)))
            },
            APIRoute(
                method: .get, path: kind.path + "/{id}/versions", operationID: "list\(operation)Versions", tag: kind.tag,
                summary: "Every version of a \(kind.noun), newest first.", permission: kind.read, requestBody: nil,
                response: .init(
                    status: .ok, resourceType: kind.type + "-versions", attributes: item, isCollection: true, idFormat: nil,
                    idPattern: "^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}:[1-9][0-9]*$"),
                queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(CatalogItemID.self, resource: kind.noun)
                let versions = try await client.call(kind.resource.versions, GetItemRequest(id: id), options: request.options).versions
                return .ok(
                    JSONAPI.document(
                        .array(
                            try versions.map {
                                try JSONAPI.resource(
                                    type: kind.type + "-versions", id: "\($0.id):\($0.version)", from: $0,
                                    selfLink: "\(kind.path)/\($0.id)?version=\($0.version)")
                            })))
            },
        ]
    }

    static func previews(client: RPCClient) -> [APIRoute] {
        [
            APIRoute(
                method: .post, path: products.path + "/{id}/price-preview", operationID: "previewBillingProductPrice", tag: products.tag,
                summary: "What a quantity of this product costs, with one line per tier touched.", permission: .productsRead,
                requestBody: .init(resourceType: "price-previews", attributes: .of(PricePreviewAttributes.self), optional: false),
                response: .init(status: .ok, resourceType: "price-previews", attributes: .of(PricePreview.self), isCollection: false),
                queryParameters: []
            ) { request in
                let id = try request.id(CatalogItemID.self, resource: products.noun)
                let attributes = try request.attributes(PricePreviewAttributes.self, resourceType: "price-previews")
                let preview = try await client.call(
                    CatalogAPI.pricePreview,
                    PricePreviewRequest(
                        productId: id, version: attributes.version,
                        quantity: attributes.quantity), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: "price-previews", id: id.description, from: preview)))
            },
            APIRoute(
                method: .post, path: aiModels.path + "/{id}/cost-preview", operationID: "previewAIModelCost", tag: aiModels.tag,
                summary: "The credits an AI call with these token counts costs under this model's rate.", permission: .aiModelsRead,
                requestBody: .init(resourceType: "cost-previews", attributes: .of(CostPreviewAttributes.self), optional: false),
                response: .init(status: .ok, resourceType: "cost-previews", attributes: .of(CostPreview.self), isCollection: false),
                queryParameters: []
            ) { request in
                let id = try request.id(CatalogItemID.self, resource: aiModels.noun)
                let attributes = try request.attributes(CostPreviewAttributes.self, resourceType: "cost-previews")
                let preview = try await client.call(
                    CatalogAPI.costPreview,
                    CostPreviewRequest(
                        modelId: id, version: attributes.version,
                        usage: TokenUsageAttributes(
                            inputTokens: attributes.inputTokens, outputTokens: attributes.outputTokens,
                            cachedInputTokens: attributes.cachedInputTokens)), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: "cost-previews", id: id.description, from: preview)))
            },
        ]
    }
}

/// The public body of a cost preview.
struct CostPreviewAttributes: Codable, Sendable, Equatable {
    var inputTokens: Int64
    var outputTokens: Int64
    var cachedInputTokens: Int64?
    var version: Int?
}
