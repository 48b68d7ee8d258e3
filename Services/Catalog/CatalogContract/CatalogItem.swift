import BillingCore
import Foundation

/// ACTIVE items can be used in new plans, subscriptions and purchases; ARCHIVED ones keep working
/// where they are already referenced but cannot be referenced anew. Nothing referenced is deleted.
public enum CatalogItemStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case active = "ACTIVE"
    case archived = "ARCHIVED"
}

/// A catalog item at one version: its attributes plus identity and history, as one flat object.
///
/// Versions are immutable: an update creates version n+1 and references made earlier (a subscription
/// pinning a plan version) keep the version they pinned.
public struct CatalogItem<Attributes: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var id: CatalogItemID
    public var version: Int
    public var status: CatalogItemStatus
    public var attributes: Attributes
    /// When the item was first created.
    public var createdAt: Date
    /// When this version was created.
    public var versionCreatedAt: Date

    public init(id: CatalogItemID, version: Int, status: CatalogItemStatus, attributes: Attributes, createdAt: Date, versionCreatedAt: Date) {
        self.id = id
        self.version = version
        self.status = status
        self.attributes = attributes
        self.createdAt = createdAt
        self.versionCreatedAt = versionCreatedAt
    }

    private enum MetadataKeys: String, CodingKey { case id, version, status, createdAt, versionCreatedAt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: MetadataKeys.self)
        id = try container.decode(CatalogItemID.self, forKey: .id)
        version = try container.decode(Int.self, forKey: .version)
        status = try container.decode(CatalogItemStatus.self, forKey: .status)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        versionCreatedAt = try container.decode(Date.self, forKey: .versionCreatedAt)
        attributes = try Attributes(from: decoder)
    }

    /// One object: `id`, `version`, `status`, the attributes, then the timestamps.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: MetadataKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(version, forKey: .version)
        try container.encode(status, forKey: .status)
        try attributes.encode(to: encoder)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(versionCreatedAt, forKey: .versionCreatedAt)
    }
}

/// Create an item from its attributes.
public struct CreateItemRequest<Attributes: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var attributes: Attributes
    public init(attributes: Attributes) { self.attributes = attributes }
}

/// Fetch an item: its current version, or a given one.
public struct GetItemRequest: Codable, Sendable, Equatable {
    public var id: CatalogItemID
    public var version: Int?
    public init(id: CatalogItemID, version: Int? = nil) {
        self.id = id
        self.version = version
    }
}

/// Fetch the current version of the item with this code (a meter's code, an AI model's id).
public struct GetItemByCodeRequest: Codable, Sendable, Equatable {
    public var code: String
    public init(code: String) { self.code = code }
}

/// A page of items, oldest first.
public struct ListItemsRequest: Codable, Sendable, Equatable {
    public var status: CatalogItemStatus?
    public var code: String?
    public var pageSize: Int
    public var after: CatalogItemID?
    public init(status: CatalogItemStatus? = nil, code: String? = nil, pageSize: Int = 20, after: CatalogItemID? = nil) {
        self.status = status
        self.code = code
        self.pageSize = pageSize
        self.after = after
    }
}

public struct ItemPage<Attributes: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var items: [CatalogItem<Attributes>]
    public var nextCursor: CatalogItemID?
    public init(items: [CatalogItem<Attributes>], nextCursor: CatalogItemID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// Make a new version: `changes` holds the attributes to replace (JSON:API PATCH semantics).
public struct UpdateItemRequest: Codable, Sendable, Equatable {
    public var id: CatalogItemID
    public var changes: JSONValue
    public init(id: CatalogItemID, changes: JSONValue) {
        self.id = id
        self.changes = changes
    }
}

/// Archive an item (it stays readable and referenced; it cannot be referenced anew).
public struct ArchiveItemRequest: Codable, Sendable, Equatable {
    public var id: CatalogItemID
    public init(id: CatalogItemID) { self.id = id }
}

/// Every version of one item, newest first.
public struct ItemVersions<Attributes: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var versions: [CatalogItem<Attributes>]
    public init(versions: [CatalogItem<Attributes>]) { self.versions = versions }
}
