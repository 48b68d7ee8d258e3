import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `payments` and `refunds`; every statement filters by tenant (row-level security is the second wall).
struct PaymentStore {
    let logger: Logger

    /// The columns `payment(_:)` reads, in its order.
    private static let columns = """
        id, invoice_id, billing_account_id, amount_minor, currency, payment_method, external_ref, status, refunded_minor, failure_reason,
        created_at, updated_at, next_action_url
        """

    /// Records a payment; false when its external reference (or its attempt) was recorded before (the caller answers that one).
    func insert(_ payment: Payment, attemptKey: String? = nil, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO payments (tenant_id, id, invoice_id, billing_account_id, amount_minor, currency, payment_method, external_ref,
                        status, failure_reason, attempt_key, created_at, updated_at, next_action_url)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
                    ON CONFLICT DO NOTHING
                    RETURNING id
                    """,
                binds: try .of(
                    tenant, payment.id.rawValue, payment.invoiceId, payment.billingAccountId,
                    payment.amount.minorUnits, payment.amount.currency.code, payment.paymentMethod.rawValue, payment.externalRef,
                    payment.status.rawValue, payment.failureReason, attemptKey, payment.createdAt, payment.nextActionUrl)), logger: logger)
        return !rows.isEmpty
    }

    func payment(
        _ id: PaymentID? = nil, externalRef: String? = nil, attemptKey: String? = nil, tenant: String, forUpdate: Bool = false,
        on connection: PostgresConnection
    ) async throws -> Payment? {
        try await payments(
            where: """
                ($2::uuid IS NULL OR id = $2) AND ($3::text IS NULL OR external_ref = $3) AND ($4::text IS NULL OR attempt_key = $4)
                LIMIT 1\(forUpdate ? " FOR UPDATE" : "")
                """, binds: try .of(tenant, id?.rawValue, externalRef, attemptKey), on: connection
        ).first
    }

    /// The invoice's PIX charge waiting to be paid (issued at checkout), locked; nil when there is none.
    func pendingPix(of invoice: InvoiceID, tenant: String, on connection: PostgresConnection) async throws -> Payment? {
        try await payments(
            where: "invoice_id = $2 AND status = 'PENDING' AND payment_method = 'PIX' ORDER BY id LIMIT 1 FOR UPDATE",
            binds: try .of(tenant, invoice.rawValue), on: connection
        ).first
    }

    /// A PENDING or PROCESSING payment completed: the amount received and the provider's reference; false when it was no longer
    /// waiting (the caller records a new payment instead).
    func complete(
        _ id: PaymentID, amount: Money, externalRef: String?, at time: Date, tenant: String, on connection: PostgresConnection
    ) async throws -> Bool {
        try await !connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE payments SET status = 'COMPLETED', amount_minor = $3, external_ref = coalesce($4, external_ref), updated_at = $5
                    WHERE tenant_id = $1 AND id = $2 AND status IN ('PENDING', 'PROCESSING')
                    RETURNING id
                    """, binds: try .of(tenant, id.rawValue, amount.minorUnits, externalRef, time)), logger: logger
        ).isEmpty
    }

    /// The attempt's PROCESSING payment waits on the provider's charge (and the customer's authentication at `actionURL`).
    func awaitProvider(
        attemptKey: String, chargeId: String, actionURL: String?, at time: Date, tenant: String, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE payments SET external_ref = $3, next_action_url = $4, updated_at = $5
                    WHERE tenant_id = $1 AND attempt_key = $2 AND status = 'PROCESSING' AND external_ref IS NULL
                    """, binds: try .of(tenant, attemptKey, chargeId, actionURL, time)), logger: logger)
    }

    /// A PENDING or PROCESSING payment failed, with why.
    func fail(_ id: PaymentID, reason: String, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE payments SET status = 'FAILED', failure_reason = $3, updated_at = $4
                    WHERE tenant_id = $1 AND id = $2 AND status IN ('PENDING', 'PROCESSING')
                    """, binds: try .of(tenant, id.rawValue, String(reason.prefix(500)), time)), logger: logger)
    }

    /// The invoice's PIX charges still waiting fail (the PENDING payment shown at checkout, the charges at the PSP): it was paid
    /// otherwise, or voided.
    func failPending(of invoice: InvoiceID, reason: String, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE payments SET status = 'FAILED', failure_reason = $3, updated_at = $4
                    WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'PENDING'
                    """, binds: try .of(tenant, invoice.rawValue, reason, time)), logger: logger)
        // The charges at the PSP are no longer offered (one still paid later becomes the account's credit).
        try await PixChargeStore(logger: logger).removeWaiting(of: invoice, at: time, tenant: tenant, on: connection)
    }

    func list(_ request: ListPaymentsRequest, tenant: String, on connection: PostgresConnection) async throws -> PaymentPage {
        var items = try await payments(
            where: """
                ($2::uuid IS NULL OR billing_account_id = $2) AND ($3::uuid IS NULL OR invoice_id = $3) AND ($4::text IS NULL OR status = $4)
                AND ($5::text IS NULL OR payment_method = $5) AND ($6::timestamptz IS NULL OR created_at >= $6)
                AND ($7::timestamptz IS NULL OR created_at < $7) AND ($8::uuid IS NULL OR id > $8)
                ORDER BY id LIMIT $9
                """,
            binds: try .of(
                tenant, request.billingAccountId?.rawValue, request.invoiceId?.rawValue, request.status?.rawValue,
                request.paymentMethod?.rawValue, request.since, request.until, request.after?.rawValue, request.pageSize + 1),
            on: connection)
        let next: PaymentID? = items.trimPage(to: request.pageSize)?.id
        return PaymentPage(items: items, nextCursor: next)
    }

    /// The tenant's payments that `condition` selects (`$1` is the tenant; it may end with ORDER BY, LIMIT and a lock).
    private func payments(where condition: String, binds: PostgresBindings, on connection: PostgresConnection) async throws -> [Payment] {
        let rows = try await connection.rows(
            PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM payments WHERE tenant_id = $1 AND \(condition)", binds: binds), logger: logger)
        return try rows.map { row in
            var columns = ColumnReader(row)
            let id: UUID = try columns.next(), invoice: UUID = try columns.next(), account: UUID = try columns.next()
            let amount: Int64 = try columns.next(), currency: String = try columns.next(), method: String = try columns.next()
            let reference: String? = try columns.next(), status: String = try columns.next(), refunded: Int64 = try columns.next()
            let failure: String? = try columns.next(), created: Date = try columns.next(), updated: Date = try columns.next()
            let action: String? = try columns.next()
            let code = Currency(code: currency.trimmingCharacters(in: .whitespaces)) ?? .brl
            return Payment(
                id: PaymentID(rawValue: id), billingAccountId: AccountID(rawValue: account), invoiceId: InvoiceID(rawValue: invoice),
                amount: Money(minorUnits: amount, currency: code), paymentMethod: PaymentMethod(rawValue: method) ?? .pix,
                externalRef: reference, status: PaymentStatus(rawValue: status) ?? .completed, refunded: Money(minorUnits: refunded, currency: code),
                failureReason: failure, createdAt: created, updatedAt: updated, nextActionUrl: action)
        }
    }

    /// Records a refund and moves the payment's refunded total (and status) in one statement.
    func refund(
        id: UUID, of payment: Payment, amount: Money, reason: String?, settlement: String? = nil, at time: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        let fully = payment.refunded.minorUnits + amount.minorUnits == payment.amount.minorUnits
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    WITH refund AS (
                        INSERT INTO refunds (tenant_id, id, payment_id, amount_minor, reason, settlement, settlement_checked_at, created_at)
                        VALUES ($1, $2, $3, $4, $5, $8, $6, $6)
                    )
                    UPDATE payments SET refunded_minor = refunded_minor + $4, status = CASE WHEN $7 THEN 'REFUNDED' ELSE status END,
                        updated_at = $6
                    WHERE tenant_id = $1 AND id = $3
                    """, binds: try .of(tenant, id, payment.id.rawValue, amount.minorUnits, reason, time, fully, settlement)), logger: logger)
    }

    /// Where a refund's money stands at its provider now.
    /// Answers the refund's payment and amount when this settled it (nil: settled before).
    func settle(
        refund id: UUID, as settlement: String, reason: String?, at time: Date, tenant: String, on connection: PostgresConnection
    ) async throws -> (payment: PaymentID, amountMinor: Int64)? {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE refunds SET settlement = $3, settlement_reason = $4, settlement_checked_at = $5
                    WHERE tenant_id = $1 AND id = $2 AND settlement = 'PROCESSING'
                    RETURNING payment_id, amount_minor
                    """, binds: try .of(tenant, id, settlement, reason.map { String($0.prefix(500)) }, time)), logger: logger
        ).first.map { row in
            let (payment, amount) = try row.decode((UUID, Int64).self)
            return (PaymentID(rawValue: payment), amount)
        }
    }

    /// A refund the provider did not make gives its amount back to what is left to refund of the payment (REFUNDED → COMPLETED).
    func restoreRefundable(
        _ amountMinor: Int64, of payment: PaymentID, at time: Date, tenant: String, on connection: PostgresConnection
    )
        async throws
    {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE payments SET refunded_minor = refunded_minor - $3,
                        status = CASE WHEN status = 'REFUNDED' THEN 'COMPLETED' ELSE status END, updated_at = $4
                    WHERE tenant_id = $1 AND id = $2
                    """, binds: try .of(tenant, payment.rawValue, amountMinor, time)), logger: logger)
    }

    /// Every tenant's refunds still PROCESSING at their provider and last asked before `cutoff`, with their payment's provider
    /// reference and amount; each is marked asked at `time` (no other pass takes it meanwhile).
    func settling(
        before cutoff: Date, at time: Date, limit: Int, on connection: PostgresConnection
    ) async throws
        -> [(tenant: String, refund: UUID, method: PaymentMethod, externalRef: String, amount: Money)]
    {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE refunds r SET settlement_checked_at = $3
                    FROM (SELECT tenant_id, id FROM refunds WHERE settlement = 'PROCESSING' AND settlement_checked_at < $1
                          ORDER BY settlement_checked_at LIMIT $2 FOR UPDATE SKIP LOCKED) d, payments p
                    WHERE r.tenant_id = d.tenant_id AND r.id = d.id AND p.tenant_id = r.tenant_id AND p.id = r.payment_id
                    RETURNING r.tenant_id, r.id, p.payment_method, p.external_ref, r.amount_minor, p.currency
                    """, binds: try .of(cutoff, limit, time)), logger: logger
        ).compactMap { row in
            let (tenant, id, method, reference, amount, currency) = try row.decode((String, UUID, String, String?, Int64, String).self)
            guard let reference, let method = PaymentMethod(rawValue: method), let currency = Currency(code: currency) else { return nil }
            return (tenant, id, method, reference, Money(minorUnits: amount, currency: currency))
        }
    }

    /// The payment's refunds, oldest first.
    func refunds(of payment: Payment, tenant: String, on connection: PostgresConnection) async throws -> [Refund] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, amount_minor, reason, created_at, settlement, settlement_reason FROM refunds
                    WHERE tenant_id = $1 AND payment_id = $2 ORDER BY created_at, id
                    """, binds: try .of(tenant, payment.id.rawValue)), logger: logger
        ).map { row in
            let (id, amount, reason, created, settlement, why) = try row.decode((UUID, Int64, String?, Date, String?, String?).self)
            return Refund(
                id: RefundID(rawValue: id), paymentId: payment.id, amount: Money(minorUnits: amount, currency: payment.amount.currency),
                reason: reason, payment: payment, createdAt: created, settlement: settlement, settlementReason: why)
        }
    }

    /// The payment's refunds still PROCESSING at its provider.
    func settlingRefunds(of payment: PaymentID, tenant: String, on connection: PostgresConnection) async throws -> [UUID] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT id FROM refunds WHERE tenant_id = $1 AND payment_id = $2 AND settlement = 'PROCESSING' ORDER BY id",
                binds: try .of(tenant, payment.rawValue)), logger: logger
        ).map { try $0.decode(UUID.self) }
    }

    /// Every tenant's card payments a provider has not decided (PROCESSING with the provider's charge id) and last asked about
    /// before `cutoff`; each is marked asked at `time`.
    func atProvider(
        before cutoff: Date, at time: Date, limit: Int, on connection: PostgresConnection
    ) async throws -> [(tenant: String, payment: PaymentID, chargeId: String, createdAt: Date)] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE payments p SET checked_at = $3
                    FROM (SELECT tenant_id, id FROM payments
                          WHERE status = 'PROCESSING' AND payment_method = 'CARD' AND external_ref IS NOT NULL
                            AND coalesce(checked_at, created_at) < $1
                          ORDER BY coalesce(checked_at, created_at) LIMIT $2 FOR UPDATE SKIP LOCKED) d
                    WHERE p.tenant_id = d.tenant_id AND p.id = d.id
                    RETURNING p.tenant_id, p.id, p.external_ref, p.created_at
                    """, binds: try .of(cutoff, limit, time)), logger: logger
        ).map { row in
            let (tenant, id, reference, created) = try row.decode((String, UUID, String, Date).self)
            return (tenant, PaymentID(rawValue: id), reference, created)
        }
    }
}
