import BillingCore
import BillingEvents
import Foundation
import InvoicingContract
import PostgresNIO

/// An account's credit with the platform (seed 001's account `balance`): overpayments go in, the next invoices take from it, and
/// an invoice canceled or voided gives back what it took. Every movement is in the caller's transaction, on the locked balance row,
/// with an entry and a `billing.account_credit.changed` event.
extension InvoicingService {
    /// Moves `change` (positive: credit arrives; negative: it is used) and answers the balance after.
    @discardableResult
    func moveCredit(_ change: Money, account: String, reason: String, invoice: InvoiceID?, payment: PaymentID?, at time: Date, tenant: String,
                    traceparent: String?, on connection: PostgresConnection) async throws -> Money {
        guard !change.isZero, let accountID = UUID(uuidString: account) else { return .zero(change.currency) }
        // Credit arriving may open the balance row; credit used moves a row that exists (it was read, locked, above zero). The CHECK
        // on the row is the last wall against using more than there is.
        let moveBalance = change.minorUnits > 0
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
        let rows = try await connection.rows(PostgresQuery(unsafeSQL: """
            WITH balance AS (\(moveBalance))
            INSERT INTO account_credit_entries (tenant_id, id, billing_account_id, amount_minor, balance_after_minor, reason, invoice_id, payment_id, created_at)
            SELECT $1, $6, $2, $4, balance_minor, $7, $8, $9, $5 FROM balance
            RETURNING balance_after_minor
            """, binds: try .of(tenant, accountID, change.currency.code, change.minorUnits, time, UUIDv7.generate(at: time), reason, invoice?.rawValue,
                                payment?.rawValue)), logger: database.logger)
        guard let row = rows.first else { throw InvoicingError.conflict("the account has no credit to use", reason: "NO_ACCOUNT_CREDIT") }
        let balance = Money(minorUnits: try row.decode(Int64.self), currency: change.currency)
        try await outbox.append(AccountCreditChanged(billingAccountId: account, balance: balance, change: change, reason: reason, invoiceId: invoice),
                                tenant: tenant, at: time, traceparent: traceparent, on: connection, logger: database.logger)
        return balance
    }

    /// The account's credit, its row locked until the caller's transaction ends.
    func creditBalance(account: String, currency: Currency, tenant: String, on connection: PostgresConnection) async throws -> Money {
        let rows = try await connection.rows(PostgresQuery(unsafeSQL: """
            SELECT balance_minor FROM account_credit_balances WHERE tenant_id = $1 AND billing_account_id = $2 FOR UPDATE
            """, binds: try .of(tenant, UUID(uuidString: account))), logger: database.logger)
        return Money(minorUnits: try rows.first?.decode(Int64.self) ?? 0, currency: currency)
    }

    /// Takes what the account has in credit (up to the total) as an ACCOUNT_CREDIT line of a new DRAFT invoice.
    func applyCredit(to invoice: inout Invoice, at time: Date, tenant: String, traceparent: String?, on connection: PostgresConnection) async throws {
        guard invoice.total.minorUnits > 0 else { return }
        let available = try await creditBalance(account: invoice.billingAccountId, currency: invoice.total.currency, tenant: tenant, on: connection)
        let applied = Money(minorUnits: min(available.minorUnits, invoice.total.minorUnits), currency: invoice.total.currency)
        guard applied.minorUnits > 0 else { return }
        invoice.lines.append(InvoiceLine(kind: "ACCOUNT_CREDIT", description: "Account credit applied", quantity: 1, unitAmount: applied.negated,
                                         amount: applied.negated, periodStart: invoice.periodStart, periodEnd: invoice.periodEnd, subscriptionId: invoice.subscriptionId))
        invoice.total = try invoice.total.subtracting(applied)
        invoice.amountDue = try invoice.amountDue.subtracting(applied)
        try await moveCredit(applied.negated, account: invoice.billingAccountId, reason: "APPLIED_TO_INVOICE", invoice: invoice.id, payment: nil, at: time,
                             tenant: tenant, traceparent: traceparent, on: connection)
    }

    /// An invoice that will not be paid (canceled or voided) gives back the credit it took.
    func returnCredit(of invoice: Invoice, at time: Date, tenant: String, traceparent: String?, on connection: PostgresConnection) async throws {
        let taken = invoice.lines.filter { $0.kind == "ACCOUNT_CREDIT" }.reduce(0) { $0 - $1.amount.minorUnits }
        guard taken > 0 else { return }
        try await moveCredit(Money(minorUnits: taken, currency: invoice.total.currency), account: invoice.billingAccountId, reason: "RETURNED_FROM_INVOICE",
                             invoice: invoice.id, payment: nil, at: time, tenant: tenant, traceparent: traceparent, on: connection)
    }
}
