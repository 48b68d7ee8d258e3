import AccountsContract
import BillingCore
import BillingPostgres
import CatalogContract
import Foundation
import Logging
import PostgresNIO

/// The ledger's view of an account: enough to validate usage and place periods.
struct LedgerAccount: Sendable, Equatable {
    let id: UUID
    let status: AccountStatus
    let timezone: String
    let updatedAt: Date
    /// False for an account on a test clock: its credits are test credits.
    let livemode: Bool
    var closedUntil: Date?

    init(id: UUID, status: AccountStatus, timezone: String, updatedAt: Date, livemode: Bool = true, closedUntil: Date? = nil) {
        self.id = id
        self.status = status
        self.timezone = timezone
        self.updatedAt = updatedAt
        self.livemode = livemode
        self.closedUntil = closedUntil
    }

    init(_ account: BillingAccount) {
        self.init(
            id: account.id.rawValue, status: account.status, timezone: account.timezone, updatedAt: account.updatedAt,
            livemode: account.testClockId == nil)
    }

    /// The account's zone; one the runtime does not know falls back to UTC rather than failing a bill.
    var timeZone: TimeZone { TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")! }
}

/// SQL for the read models of accounts and meters (other contexts' data, kept locally).
struct LedgerDirectory: Sendable {
    let logger: Logger

    /// The accounts among `ids` the ledger knows; `lockShared` holds them against a concurrent period close.
    func accounts(_ ids: [UUID], tenant: String, lockShared: Bool = false, on connection: PostgresConnection) async throws -> [UUID: LedgerAccount] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, status, timezone, source_updated_at, livemode, closed_until FROM ledger_accounts
                    WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id \(lockShared ? "FOR SHARE" : "")
                    """, binds: try .of(tenant, ids)), logger: logger)
        var accounts: [UUID: LedgerAccount] = [:]
        for row in rows {
            let (id, status, timezone, updatedAt, livemode, closedUntil) = try row.decode((UUID, String, String, Date, Bool, Date?).self)
            accounts[id] = LedgerAccount(
                id: id, status: AccountStatus(rawValue: status) ?? .closed, timezone: timezone, updatedAt: updatedAt, livemode: livemode,
                closedUntil: closedUntil)
        }
        return accounts
    }

    /// Records what the accounts context said, unless newer news is already here.
    func upsert(_ account: LedgerAccount, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO ledger_accounts (tenant_id, id, status, timezone, source_updated_at, livemode)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (tenant_id, id) DO UPDATE
                        SET status = EXCLUDED.status, timezone = EXCLUDED.timezone, source_updated_at = EXCLUDED.source_updated_at,
                            livemode = EXCLUDED.livemode
                        WHERE ledger_accounts.source_updated_at <= EXCLUDED.source_updated_at
                    """, binds: try .of(tenant, account.id, account.status.rawValue, account.timezone, account.updatedAt, account.livemode)),
            logger: logger)
    }

    /// Moves the account's closing instant forward (never back); waits for ingestions holding the account.
    func close(_ id: UUID, until instant: Date, tenant: String, on connection: PostgresConnection) async throws -> Date? {
        try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE ledger_accounts SET closed_until = GREATEST(COALESCE(closed_until, $1), $1)
                    WHERE tenant_id = $2 AND id = $3 RETURNING closed_until
                    """, binds: try .of(instant, tenant, id)), logger: logger)?.decode(Date.self)
    }

    func meters(codes: [String], tenant: String, on connection: PostgresConnection) async throws -> [MeterDefinition] {
        try await meters(where: "code = ANY($2)", try .of(tenant, codes), on: connection)
    }

    func meters(ids: [UUID], tenant: String, on connection: PostgresConnection) async throws -> [MeterDefinition] {
        try await meters(where: "id = ANY($2)", try .of(tenant, ids), on: connection)
    }

    private func meters(where condition: String, _ binds: PostgresBindings, on connection: PostgresConnection) async throws -> [MeterDefinition] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, code, aggregation, property, filters::text, limit_resource FROM ledger_meters WHERE tenant_id = $1 AND \(condition)
                    """, binds: binds), logger: logger
        ).map { row in
            let (id, code, aggregation, property, filters, limitResource) = try row.decode((UUID, String, String, String?, String, String?).self)
            return MeterDefinition(
                id: id, code: code, aggregation: MeterAggregation(rawValue: aggregation) ?? .count, property: property,
                filters: try JSONValueDecoder(rejectUnknownKeys: false).decode([String: [String]].self, from: JSONParser.parse(filters)),
                limitResource: limitResource)
        }
    }

    func insert(_ meter: MeterDefinition, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO ledger_meters (tenant_id, id, code, aggregation, property, filters, limit_resource)
                    VALUES ($1, $2, $3, $4, $5,
                            $6::jsonb, $7)
                    ON CONFLICT DO NOTHING
                    """,
                binds: try .of(
                    tenant, meter.id, meter.code, meter.aggregation.rawValue, meter.property,
                    JSONWriter.string(try JSONValueEncoder().encode(meter.filters)), meter.limitResource)), logger: logger)
    }
}
