import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `payment_methods`: an account's saved cards (provider tokens), the newest the default.
struct PaymentMethodStore {
    let logger: Logger

    /// Saves a card as the account's new default.
    func saveDefault(
        id: UUID, account: UUID, provider: String, token: String, label: String?, at time: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        // Two statements: in one, the INSERT may run before the CTE's UPDATE and meet the old default in the unique index.
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE payment_methods SET is_default = false WHERE tenant_id = $1 AND billing_account_id = $2 AND is_default
                    """, binds: try .of(tenant, account)), logger: logger)
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO payment_methods (tenant_id, id, billing_account_id, provider, token, label, is_default, created_at)
                    VALUES ($1, $3, $2, $4, $5, $6, true, $7)
                    """, binds: try .of(tenant, account, id, provider, token, label, time)), logger: logger)
    }

    /// The account's saved cards, newest first (never their tokens).
    func list(account: UUID, tenant: String, on connection: PostgresConnection) async throws -> [SavedPaymentMethod] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, provider, label, is_default, created_at FROM payment_methods WHERE tenant_id = $1 AND billing_account_id = $2
                    ORDER BY created_at DESC LIMIT 100
                    """, binds: try .of(tenant, account)), logger: logger)
        return try rows.map { row in
            let (id, provider, label, isDefault, created) = try row.decode((UUID, String, String?, Bool, Date).self)
            return SavedPaymentMethod(
                id: PaymentMethodID(rawValue: id), billingAccountId: AccountID(rawValue: account), provider: provider, label: label,
                isDefault: isDefault,
                createdAt: created)
        }
    }

    /// The token of the account's default saved card.
    func defaultToken(of account: UUID, tenant: String, on connection: PostgresConnection) async throws -> String? {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT token FROM payment_methods WHERE tenant_id = $1 AND billing_account_id = $2 AND is_default
                    """, binds: try .of(tenant, account)), logger: logger
        ).first.map { try $0.decode(String.self) }
    }
}
