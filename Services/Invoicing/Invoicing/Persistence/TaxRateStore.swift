import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `tax_rates`: the tenant's tax rates. Every statement filters by tenant (row-level security is the second wall); rows map
/// to the contract's `TaxRate` in `TaxRateRow`.
struct TaxRateStore {
    let logger: Logger

    func insert(_ rate: TaxRate, tenant: String, on connection: PostgresConnection) async throws {
        let row = TaxRateRow(rate)
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO tax_rates (
                        tenant_id, id, name, description, percentage, inclusive, jurisdiction, tax_codes, withholding, active, created_at,
                        updated_at)
                    VALUES ($1, $2, $3, $4, $5::numeric, $6, $7, $8, $9, $10, $11, $12)
                    """,
                binds: try .of(
                    tenant, row.id, row.name, row.description, row.percentage, row.inclusive, row.jurisdiction, row.taxCodes, row.withholding,
                    row.active, row.createdAt, row.updatedAt)), logger: logger)
    }

    /// The tenant's rate `id`; with `forUpdate`, locked until the caller's transaction ends.
    func find(_ id: TaxRateID, forUpdate: Bool = false, tenant: String, on connection: PostgresConnection) async throws -> TaxRate? {
        try await rates(where: "id = $2" + (forUpdate ? " FOR UPDATE" : ""), binds: try .of(tenant, id.rawValue), on: connection).first
    }

    /// A page of the tenant's rates, oldest first, by `active`.
    func list(_ request: ListTaxRatesRequest, tenant: String, on connection: PostgresConnection) async throws -> TaxRatePage {
        var items = try await rates(
            where: "($2::bool IS NULL OR active = $2) AND ($3::uuid IS NULL OR id > $3) ORDER BY id LIMIT $4",
            binds: try .of(tenant, request.active, request.after?.rawValue, request.pageSize + 1), on: connection)
        let next: TaxRateID? = items.trimPage(to: request.pageSize)?.id
        return TaxRatePage(items: items, nextCursor: next)
    }

    /// Every active rate of the tenant, oldest first: what an invoice finalized now applies.
    func active(tenant: String, on connection: PostgresConnection) async throws -> [TaxRate] {
        try await rates(where: "active ORDER BY id", binds: try .of(tenant), on: connection)
    }

    /// Writes what may change of a rate (name, description, jurisdiction, active, updated_at); its terms never change.
    func update(_ rate: TaxRate, tenant: String, on connection: PostgresConnection) async throws {
        let row = TaxRateRow(rate)
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE tax_rates SET name = $3, description = $4, jurisdiction = $5, active = $6, updated_at = $7
                    WHERE tenant_id = $1 AND id = $2
                    """,
                binds: try .of(tenant, row.id, row.name, row.description, row.jurisdiction, row.active, row.updatedAt)), logger: logger)
    }

    private func rates(where condition: String, binds: PostgresBindings, on connection: PostgresConnection) async throws -> [TaxRate] {
        try await connection.rows(
            PostgresQuery(unsafeSQL: "SELECT \(TaxRateRow.columns) FROM tax_rates WHERE tenant_id = $1 AND \(condition)", binds: binds),
            logger: logger
        ).map { try TaxRateRow($0).rate }
    }
}

/// A tax rate as `tax_rates` holds it, apart from the contract's `TaxRate`; the mapping is here and nowhere else.
struct TaxRateRow {
    /// The columns `init(_ row:)` reads, in its order.
    static let columns = """
        id, name, description, percentage::text, inclusive, jurisdiction, tax_codes, withholding, active, created_at, updated_at
        """

    var id: UUID
    var name: String
    var description: String?
    /// numeric, as its digits.
    var percentage: String
    var inclusive: Bool
    var jurisdiction: String?
    var taxCodes: [String]
    var withholding: String?
    var active: Bool
    var createdAt: Date
    var updatedAt: Date

    init(_ rate: TaxRate) {
        id = rate.id.rawValue
        name = rate.name
        description = rate.description
        percentage = rate.percentage.text
        inclusive = rate.inclusive
        jurisdiction = rate.jurisdiction
        taxCodes = rate.taxCodes
        withholding = rate.withholding?.rawValue
        active = rate.active
        createdAt = rate.createdAt
        updatedAt = rate.updatedAt
    }

    init(_ row: PostgresRow) throws {
        var columns = ColumnReader(row)
        id = try columns.next()
        name = try columns.next()
        description = try columns.next()
        percentage = try columns.next()
        inclusive = try columns.next()
        jurisdiction = try columns.next()
        taxCodes = try columns.next()
        withholding = try columns.next()
        active = try columns.next()
        createdAt = try columns.next()
        updatedAt = try columns.next()
    }

    var rate: TaxRate {
        get throws {
            guard let value = DecimalNumber(percentage) else { throw InvoiceRowError.unreadable(id, "tax rate percentage \(percentage)") }
            var kind: TaxWithholding?
            if let withholding {
                guard let known = TaxWithholding(rawValue: withholding) else {
                    throw InvoiceRowError.unreadable(id, "tax rate withholding \(withholding)")
                }
                kind = known
            }
            return TaxRate(
                id: TaxRateID(rawValue: id), name: name, description: description, percentage: value, inclusive: inclusive,
                jurisdiction: jurisdiction, taxCodes: taxCodes, withholding: kind, active: active, createdAt: createdAt, updatedAt: updatedAt)
        }
    }
}
