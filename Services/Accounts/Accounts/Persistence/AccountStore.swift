import AccountsContract
import BillingCore
import BillingPostgres
import Foundation
import Logging
import PostgresNIO

/// SQL for the `accounts.billing_accounts` table. Every statement filters by tenant explicitly;
/// row-level security is the second wall.
struct AccountStore {
    let logger: Logger

    private static let columns = """
        id, name, email, currency, tax_id, tax_id_type, timezone, metadata::text, status, status_reason,
        balance_minor, created_at, updated_at, closed_at, test_clock_id, locale, contacts::text, notification_opt_outs, tax_exempt
        """

    /// A contact as stored (not the wire type).
    private struct StoredContact: Codable {
        var email: String
        var name: String?
        var types: [String]
    }

    func insert(_ account: BillingAccount, tenant: String, on connection: PostgresConnection) async throws {
        do {
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO billing_accounts (tenant_id, id, name, email, currency, tax_id, tax_id_type, timezone, metadata, status,
                                                      balance_minor, created_at, updated_at, test_clock_id, locale, contacts,
                                                      notification_opt_outs, tax_exempt)
                        VALUES ($1, $2, $3, $4, $5, $6,
                                $7, $8, $9::jsonb, $10,
                                $11, $12, $13, $14, $15, $16::jsonb, $17, $18)
                        """,
                    binds: try .of(
                        tenant, account.id.rawValue, account.name, account.email, account.currency, account.taxId, account.taxIdType?.rawValue,
                        account.timezone, try Self.json(account.metadata), account.status.rawValue, account.balance.minorUnits, account.createdAt,
                        account.updatedAt, account.testClockId, account.locale.rawValue, try Self.json(account.contacts),
                        account.notificationOptOuts.map(\.rawValue), account.taxExempt)), logger: logger)
        } catch  where DatabaseErrors.isUniqueViolation(error, constraint: "billing_accounts_open_tax_id") {
            throw AccountsError.taxIDInUse(account.taxIdType ?? .other, account.taxId ?? "")
        }
    }

    /// The account, locked for update when `forUpdate`.
    func find(_ id: AccountID, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> BillingAccount? {
        let lock = forUpdate ? " FOR UPDATE" : ""
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.columns) FROM billing_accounts WHERE tenant_id = $1 AND id = $2\(lock)
                    """, binds: try .of(tenant, id.rawValue)), logger: logger)
        return try rows.first.map(Self.account)
    }

    func update(_ account: BillingAccount, tenant: String, on connection: PostgresConnection) async throws {
        do {
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE billing_accounts SET name = $1, email = $2, tax_id = $3,
                            tax_id_type = $4, timezone = $5, metadata = $6::jsonb,
                            status = $7, status_reason = $8, updated_at = $9,
                            closed_at = $10, locale = $13, contacts = $14::jsonb, notification_opt_outs = $15,
                            tax_exempt = $16
                        WHERE tenant_id = $11 AND id = $12
                        """,
                    binds: try .of(
                        account.name, account.email, account.taxId, account.taxIdType?.rawValue, account.timezone, try Self.json(account.metadata),
                        account.status.rawValue, account.statusReason, account.updatedAt, account.closedAt, tenant, account.id.rawValue,
                        account.locale.rawValue, try Self.json(account.contacts), account.notificationOptOuts.map(\.rawValue),
                        account.taxExempt)),
                logger: logger)
        } catch  where DatabaseErrors.isUniqueViolation(error, constraint: "billing_accounts_open_tax_id") {
            throw AccountsError.taxIDInUse(account.taxIdType ?? .other, account.taxId ?? "")
        }
    }

    /// Sets the balance learned from invoicing, unless a newer one was learned already.
    func updateBalance(_ id: AccountID, balance: Money, asOf time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE billing_accounts SET balance_minor = $3, balance_as_of = $4
                    WHERE tenant_id = $1 AND id = $2 AND (balance_as_of IS NULL OR balance_as_of <= $4)
                    """, binds: try .of(tenant, id.rawValue, balance.minorUnits, time)), logger: logger)
    }

    /// One page, oldest first; asks for one row more than the page to know whether another follows.
    func list(_ request: ListAccountsRequest, taxID: String?, tenant: String, on connection: PostgresConnection) async throws -> AccountPage {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.columns) FROM billing_accounts
                    WHERE tenant_id = $1
                      AND ($2::text IS NULL OR status = $2)
                      AND ($3::text IS NULL OR lower(email) = lower($3))
                      AND ($4::text IS NULL OR tax_id = $4)
                      AND ($5::uuid IS NULL OR id > $5)
                    ORDER BY id
                    LIMIT $6
                    """, binds: try .of(tenant, request.status?.rawValue, request.email, taxID, request.after?.rawValue, request.pageSize + 1)),
            logger: logger)
        var items = try rows.map(Self.account)
        let next: AccountID? = items.trimPage(to: request.pageSize)?.id
        return AccountPage(items: items, nextCursor: next)
    }

    private static func account(_ row: PostgresRow) throws -> BillingAccount {
        var columns = ColumnReader(row)
        let id: UUID = try columns.next(), name: String = try columns.next(), email: String = try columns.next()
        let currency: String = try columns.next(), taxID: String? = try columns.next(), taxIDType: String? = try columns.next()
        let timezone: String = try columns.next(), metadata: String = try columns.next(), status: String = try columns.next()
        let statusReason: String? = try columns.next(), balance: Int64 = try columns.next(), created: Date = try columns.next()
        let updated: Date = try columns.next(), closed: Date? = try columns.next(), clock: UUID? = try columns.next()
        let locale: String = try columns.next(), contacts: String = try columns.next(), optOuts: [String] = try columns.next()
        let taxExempt: Bool = try columns.next()
        let code = currency.trimmingCharacters(in: .whitespaces)
        return BillingAccount(
            id: AccountID(rawValue: id), name: name, email: email, currency: code, taxId: taxID,
            taxIdType: taxIDType.flatMap(TaxIDType.init(rawValue:)),
            timezone: timezone, metadata: (try? StoredJSON.decode([String: String].self, metadata)) ?? [:],
            status: AccountStatus(rawValue: status) ?? .closed, statusReason: statusReason,
            balance: Money(minorUnits: balance, currency: Currency(code: code) ?? .brl), createdAt: created, updatedAt: updated, closedAt: closed,
            testClockId: clock.map(TestClockID.init(rawValue:)), locale: AccountLocale(rawValue: locale),
            contacts: ((try? StoredJSON.decode([StoredContact].self, contacts)) ?? []).map { stored in
                AccountContact(
                    email: stored.email, name: stored.name,
                    notifications: stored.types.isEmpty ? nil : stored.types.compactMap(NotificationType.init(rawValue:)))
            },
            notificationOptOuts: optOuts.compactMap(NotificationType.init(rawValue:)), taxExempt: taxExempt)
    }

    private static func json(_ metadata: [String: String]) throws -> String { try StoredJSON.text(metadata) }

    private static func json(_ contacts: [AccountContact]) throws -> String {
        try StoredJSON.text(
            contacts.map { StoredContact(email: $0.email, name: $0.name, types: ($0.notifications ?? []).map(\.rawValue)) })
    }
}
