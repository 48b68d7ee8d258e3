import BillingCore
import BillingEvents

/// `billing.catalog_item.published`: an item was created (version 1) or got a new version.
public struct CatalogItemPublished: IntegrationEvent {
    public static let eventType = "billing.catalog_item.published"
    /// `product`, `plan`, `addon`, `meter`, `ai_model` or `credit_package`.
    public var kind: String
    public var id: CatalogItemID
    public var code: String?
    public var version: Int
    public var subject: String { id.description }

    public init(kind: String, id: CatalogItemID, code: String?, version: Int) {
        self.kind = kind
        self.id = id
        self.code = code
        self.version = version
    }
}

/// `billing.catalog_item.archived`.
public struct CatalogItemArchived: IntegrationEvent {
    public static let eventType = "billing.catalog_item.archived"
    public var kind: String
    public var id: CatalogItemID
    public var code: String?
    public var subject: String { id.description }

    public init(kind: String, id: CatalogItemID, code: String?) {
        self.kind = kind
        self.id = id
        self.code = code
    }
}
