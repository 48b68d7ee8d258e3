import AccountsContract
import BillingCore
import BillingPostgres
import Foundation
import Logging
import PostgresNIO

/// Invoicing's copy of each billing account's tax standing (`account_tax_profiles`), kept from the accounts' events and from the
/// accounts service when a finalization finds none: finalization reads it in its own transaction.
struct AccountTaxProfileStore: Sendable {
    let logger: Logger

    /// Records `account`'s tax standing unless a newer one is recorded already (by the account's `updatedAt`).
    func record(_ account: BillingAccount, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO account_tax_profiles (tenant_id, billing_account_id, tax_id_type, tax_exempt, account_updated_at)
                    VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (tenant_id, billing_account_id) DO UPDATE SET
                        tax_id_type = EXCLUDED.tax_id_type, tax_exempt = EXCLUDED.tax_exempt, account_updated_at = EXCLUDED.account_updated_at
                    WHERE account_tax_profiles.account_updated_at <= EXCLUDED.account_updated_at
                    """,
                binds: try .of(tenant, account.id.rawValue, account.taxIdType?.rawValue, account.taxExempt, account.updatedAt)), logger: logger)
    }

    /// The account's tax standing as a buyer, or nil when none is recorded.
    func buyer(_ account: AccountID, tenant: String, on connection: PostgresConnection) async throws -> Taxes.Buyer? {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT tax_id_type, tax_exempt FROM account_tax_profiles WHERE tenant_id = $1 AND billing_account_id = $2",
                binds: try .of(tenant, account.rawValue)), logger: logger)
        guard let row = rows.first else { return nil }
        let (type, exempt) = try row.decode((String?, Bool).self)
        return Taxes.Buyer(exempt: exempt, company: type == TaxIDType.cnpj.rawValue)
    }
}

extension Taxes.Buyer {
    init(_ account: BillingAccount) {
        self.init(exempt: account.taxExempt, company: account.taxIdType == .cnpj)
    }
}
