import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `account_credit_balances` and `account_credit_entries`: an account's credit with the platform and its journal.
struct AccountCreditStore {
    let logger: Logger

    /// Moves the balance by `change` and journals it, in one statement; the balance after, or nil when credit was to be used and
    /// the account has no balance row. Credit arriving may open the row; the CHECK on it is the last wall against overuse.
    func move(
        _ change: Money, account: UUID, reason: String, invoice: InvoiceID?, payment: PaymentID?, at time: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws -> Money? {
        let moveBalance =
            change.minorUnits > 0
            ? """
            INSERT INTO account_credit_balances (tenant_id, billing_account_id, currency, balance_minor, updated_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (tenant_id, billing_account_id) DO UPDATE
                SET balance_minor = account_credit_balances.balance_minor + EXCLUDED.balance_minor, updated_at = EXCLUDED.updated_at
            RETURNING balance_minor
            """
            : """
            UPDATE account_credit_balances SET balance_minor = balance_minor + $4, updated_at = $5
            WHERE tenant_id = $1 AND billing_account_id = $2 AND currency = $3
            RETURNING balance_minor
            """
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    WITH balance AS (\(moveBalance))
                    INSERT INTO account_credit_entries (tenant_id, id, billing_account_id, amount_minor, balance_after_minor, reason,
                        invoice_id, payment_id, created_at)
                    SELECT $1, $6, $2, $4, balance_minor, $7, $8, $9, $5 FROM balance
                    RETURNING balance_after_minor
                    """,
                binds: try .of(
                    tenant, account, change.currency.code, change.minorUnits, time, UUIDv7.generate(at: time), reason, invoice?.rawValue,
                    payment?.rawValue)), logger: logger)
        return try rows.first.map { Money(minorUnits: try $0.decode(Int64.self), currency: change.currency) }
    }

    /// What the payment put into the account's credit (its overpayment) and refunds have not yet taken back; with
    /// `reasons: ["OVERPAYMENT"]`, all it put there.
    func credited(
        by payment: PaymentID, reasons: [String] = ["OVERPAYMENT", "REFUNDED"], tenant: String, on connection: PostgresConnection
    ) async throws -> Int64 {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT coalesce(sum(amount_minor), 0)::int8 FROM account_credit_entries
                    WHERE tenant_id = $1 AND payment_id = $2 AND reason = ANY($3)
                    """, binds: try .of(tenant, payment.rawValue, reasons)), logger: logger)
        return try rows.first?.decode(Int64.self) ?? 0
    }

    /// The account's credit, its row locked until the caller's transaction ends (unless not `locking`: a read for a preview).
    func balance(of account: UUID, currency: Currency, tenant: String, locking: Bool = true, on connection: PostgresConnection) async throws -> Money
    {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT balance_minor FROM account_credit_balances WHERE tenant_id = $1 AND billing_account_id = $2 \(locking ? "FOR UPDATE" : "")
                    """, binds: try .of(tenant, account)), logger: logger)
        return Money(minorUnits: try rows.first?.decode(Int64.self) ?? 0, currency: currency)
    }
}
