import BillingCore
import BillingPostgres
import CatalogContract
import Foundation
import Logging
import PostgresNIO

/// One stored item at one version, its definition still as JSON.
struct StoredItem: Sendable {
    let id: CatalogItemID
    let code: String?
    let status: CatalogItemStatus
    let currentVersion: Int
    let createdAt: Date
    let version: Int
    let versionCreatedAt: Date
    let definition: JSONValue
}

/// SQL for `catalog_items` and `catalog_item_versions`; every statement names the tenant.
struct CatalogStore: Sendable {
    let logger: Logger

    private static let selectColumns = """
        SELECT i.id, i.code, i.status, i.current_version, i.created_at, v.version, v.created_at, v.definition::text
        FROM catalog_items i JOIN catalog_item_versions v ON v.tenant_id = i.tenant_id AND v.item_id = i.id
        """

    func insert(
        kind: String, id: CatalogItemID, code: String?, definition: JSONValue, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        do {
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO catalog_items (tenant_id, id, kind, code, status, current_version, created_at, updated_at)
                        VALUES ($1, $2, $3, $4, 'ACTIVE', 1, $5, $5)
                        """, binds: try .of(tenant, id.rawValue, kind, code, now)), logger: logger)
        } catch  where DatabaseErrors.isUniqueViolation(error, constraint: "catalog_items_code") {
            throw CatalogError.codeTaken(kind, code ?? "")
        }
        try await insertVersion(id: id, version: 1, definition: definition, at: now, tenant: tenant, on: connection)
    }

    func addVersion(
        id: CatalogItemID, version: Int, definition: JSONValue, at now: Date, tenant: String, on connection: PostgresConnection
    ) async throws {
        try await insertVersion(id: id, version: version, definition: definition, at: now, tenant: tenant, on: connection)
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE catalog_items SET current_version = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4
                    """, binds: try .of(version, now, tenant, id.rawValue)), logger: logger)
    }

    private func insertVersion(
        id: CatalogItemID, version: Int, definition: JSONValue, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO catalog_item_versions (tenant_id, item_id, version, definition, created_at)
                    VALUES ($1, $2, $3, $4::jsonb, $5)
                    """, binds: try .of(tenant, id.rawValue, version, JSONWriter.string(definition), now)), logger: logger)
    }

    /// The item at `version` (current when nil); `forUpdate` locks the item row.
    func find(
        kind: String, id: CatalogItemID, version: Int? = nil, tenant: String, forUpdate: Bool = false,
        on connection: PostgresConnection
    ) async throws -> StoredItem? {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: Self.selectColumns + """

                    WHERE i.tenant_id = $1 AND i.kind = $2 AND i.id = $3 AND v.version = COALESCE($4, i.current_version)
                    \(forUpdate ? "FOR UPDATE OF i" : "")
                    """, binds: try .of(tenant, kind, id.rawValue, version)), logger: logger)
        return try rows.first.map(Self.item)
    }

    func find(kind: String, code: String, tenant: String, on connection: PostgresConnection) async throws -> StoredItem? {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: Self.selectColumns + """

                    WHERE i.tenant_id = $1 AND i.kind = $2 AND i.code = $3 AND v.version = i.current_version
                    """, binds: try .of(tenant, kind, code)), logger: logger)
        return try rows.first.map(Self.item)
    }

    /// A page at current versions, oldest first, one extra row telling whether another page follows.
    func list(kind: String, _ request: ListItemsRequest, tenant: String, on connection: PostgresConnection) async throws -> [StoredItem] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: Self.selectColumns + """

                    WHERE i.tenant_id = $1 AND i.kind = $2 AND v.version = i.current_version
                      AND ($3::text IS NULL OR i.status = $3) AND ($4::text IS NULL OR i.code = $4) AND ($5::uuid IS NULL OR i.id > $5)
                    ORDER BY i.id LIMIT $6
                    """, binds: try .of(tenant, kind, request.status?.rawValue, request.code, request.after?.rawValue, request.pageSize + 1)),
            logger: logger
        ).map(Self.item)
    }

    func versions(kind: String, id: CatalogItemID, tenant: String, on connection: PostgresConnection) async throws -> [StoredItem] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: Self.selectColumns + """

                    WHERE i.tenant_id = $1 AND i.kind = $2 AND i.id = $3 ORDER BY v.version DESC
                    """, binds: try .of(tenant, kind, id.rawValue)), logger: logger
        ).map(Self.item)
    }

    func archive(id: CatalogItemID, at now: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE catalog_items SET status = 'ARCHIVED', archived_at = $1, updated_at = $1
                    WHERE tenant_id = $2 AND id = $3 AND status = 'ACTIVE'
                    """, binds: try .of(now, tenant, id.rawValue)), logger: logger)
    }

    private static func item(_ row: PostgresRow) throws -> StoredItem {
        let (id, code, status, current, created, version, versionCreated, definition) =
            try row.decode((UUID, String?, String, Int, Date, Int, Date, String).self)
        return StoredItem(
            id: CatalogItemID(rawValue: id), code: code, status: CatalogItemStatus(rawValue: status) ?? .archived,
            currentVersion: current, createdAt: created, version: version, versionCreatedAt: versionCreated,
            definition: try JSONParser.parse(definition))
    }
}
