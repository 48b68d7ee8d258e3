import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `payments` and `refunds`; every statement filters by tenant (row-level security is the second wall).
struct PaymentStore {
    let logger: Logger

    /// Records a payment; nil when its external reference was recorded before (the caller answers that one).
    func insert(_ payment: Payment, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO payments (tenant_id, id, invoice_id, billing_account_id, amount_minor, currency, payment_method, external_ref,
                        status, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    ON CONFLICT (tenant_id, external_ref) WHERE external_ref IS NOT NULL DO NOTHING
                    RETURNING id
                    """,
                binds: try .of(
                    tenant, payment.id.rawValue, payment.invoiceId, payment.billingAccountId,
                    payment.amount.minorUnits, payment.amount.currency.code, payment.paymentMethod.rawValue, payment.externalRef,
                    payment.status.rawValue, payment.createdAt)), logger: logger)
        return !rows.isEmpty
    }

    func payment(
        _ id: PaymentID? = nil, externalRef: String? = nil, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection
    ) async throws -> Payment? {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, invoice_id, billing_account_id, amount_minor, currency, payment_method, external_ref, status, refunded_minor,
                        created_at FROM payments
                    WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id = $2) AND ($3::text IS NULL OR external_ref = $3)
                    LIMIT 1\(forUpdate ? " FOR UPDATE" : "")
                    """, binds: try .of(tenant, id?.rawValue, externalRef)), logger: logger)
        return try rows.first.map { row in
            let (id, invoice, account, amount, currency, method, reference, status, refunded, created) =
                try row.decode((UUID, UUID, UUID, Int64, String, String, String?, String, Int64, Date).self)
            let code = Currency(code: currency.trimmingCharacters(in: .whitespaces)) ?? .brl
            return Payment(
                id: PaymentID(rawValue: id), billingAccountId: AccountID(rawValue: account), invoiceId: InvoiceID(rawValue: invoice),
                amount: Money(minorUnits: amount, currency: code), paymentMethod: PaymentMethod(rawValue: method) ?? .pix,
                externalRef: reference, status: PaymentStatus(rawValue: status) ?? .completed, refunded: Money(minorUnits: refunded, currency: code),
                createdAt: created)
        }
    }

    /// Records a refund and moves the payment's refunded total (and status) in one statement.
    func refund(
        id: UUID, of payment: Payment, amount: Money, reason: String?, at time: Date, tenant: String, on connection: PostgresConnection
    ) async throws {
        let fully = payment.refunded.minorUnits + amount.minorUnits == payment.amount.minorUnits
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    WITH refund AS (
                        INSERT INTO refunds (tenant_id, id, payment_id, amount_minor, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)
                    )
                    UPDATE payments SET refunded_minor = refunded_minor + $4, status = CASE WHEN $7 THEN 'REFUNDED' ELSE status END
                    WHERE tenant_id = $1 AND id = $3
                    """, binds: try .of(tenant, id, payment.id.rawValue, amount.minorUnits, reason, time, fully)), logger: logger)
    }
}
