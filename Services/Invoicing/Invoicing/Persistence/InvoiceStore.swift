import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `invoices` and their lines, `invoice_counters`, the finalization queue and pending proration lines; every statement
/// filters by tenant (row-level security is the second wall). Rows map to and from the contract's types in `InvoiceRows`.
struct InvoiceStore {
    let logger: Logger

    /// Inserts the invoice and its lines in one statement; false when `sourceKey` was invoiced before (nothing is written then).
    @discardableResult
    func insert(_ invoice: Invoice, sourceKey: String? = nil, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        let row = try InvoiceRow(invoice)
        let lines = try StoredJSON.text(row.lines)
        return try await !connection.rows(
            InsertInvoice(
                bindings: try .of(
                    tenant, row.id, row.accountID, row.number, row.status, row.currency, row.totalMinor, row.amountPaidMinor, row.amountDueMinor,
                    row.periodStart, row.periodEnd, row.subscriptionID, row.netTermsDays, row.dueAt, row.finalizedAt, row.paidAt, row.voidedAt,
                    row.paymentAttempts, row.nextPaymentAttemptAt, row.creditPurchases, row.addonActivations, row.createdAt, row.updatedAt, sourceKey,
                    lines, StoredJSON.digest(lines), row.livemode, row.memo, row.purchaseOrder, row.paymentMethod, row.createdBy, row.taxes)),
            logger: logger
        ).isEmpty
    }

    /// The subscription's first DRAFT period invoice starting at or after `start`, locked. `starts_with`, not `LIKE`: under
    /// row-level security only leakproof functions reach the index, and `LIKE` is not, so it read every invoice of the tenant.
    func nextDraft(subscription: String, startingAtOrAfter start: Date, tenant: String, on connection: PostgresConnection) async throws -> Invoice? {
        try await invoices(
            where: "status = 'DRAFT' AND starts_with(source_key, $2) AND period_start >= $3 ORDER BY period_start LIMIT 1 FOR UPDATE",
            binds: try .of(tenant, "subscription:\(subscription):", start), tenant: tenant, on: connection
        ).first
    }

    /// The tenant's settings (defaults when never set), read in the caller's transaction: finalization reads `simplesNacional`,
    /// `defaultTaxCode` and `taxRounding` here.
    func settings(tenant: String, on connection: PostgresConnection) async throws -> InvoiceSettings {
        let rows = try await connection.rows(InvoiceSettingsOf(tenant: tenant), logger: logger)
        guard let row = rows.first else { return InvoiceSettings() }
        let (autoFinalize, terms, retries, fine, interest, simplesNacional, taxCode, rounding) = try row.decode(
            (Bool, Int, String?, String?, String?, Bool, String?, String).self)
        return InvoiceSettings(
            autoFinalize: autoFinalize, netTermsDays: terms, cardRetrySchedule: retries, pixFinePercent: fine.flatMap(DecimalNumber.init),
            pixMonthlyInterestPercent: interest.flatMap(DecimalNumber.init), simplesNacional: simplesNacional, defaultTaxCode: taxCode,
            taxRounding: RoundingRule(rawValue: rounding) ?? .halfEven)
    }

    func setSettings(_ settings: InvoiceSettings, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        // Checked here as well as by the table: the settings RPC passes the tax code through.
        if let code = settings.defaultTaxCode { try TaxRateRules.checkTaxCode(code, field: "defaultTaxCode") }
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO invoice_settings (tenant_id, auto_finalize, net_terms_days, card_retry_schedule, pix_fine_percent,
                        pix_monthly_interest_percent, updated_at, simples_nacional, default_tax_code, tax_rounding)
                    VALUES ($1, $2, $3, $4, $5::numeric, $6::numeric, $7, $8, $9, $10)
                    ON CONFLICT (tenant_id) DO UPDATE SET auto_finalize = EXCLUDED.auto_finalize, net_terms_days = EXCLUDED.net_terms_days,
                        card_retry_schedule = EXCLUDED.card_retry_schedule, pix_fine_percent = EXCLUDED.pix_fine_percent,
                        pix_monthly_interest_percent = EXCLUDED.pix_monthly_interest_percent, updated_at = EXCLUDED.updated_at,
                        simples_nacional = EXCLUDED.simples_nacional, default_tax_code = EXCLUDED.default_tax_code,
                        tax_rounding = EXCLUDED.tax_rounding
                    """,
                binds: try .of(
                    tenant, settings.autoFinalize, settings.netTermsDays, settings.cardRetrySchedule, settings.pixFinePercent?.text,
                    settings.pixMonthlyInterestPercent?.text, time, settings.simplesNacional, settings.defaultTaxCode,
                    settings.taxRounding.rawValue)), logger: logger)
    }

    /// Serializes the transactions handling one subscription's events across consumer replicas (until commit): a period's draft
    /// and a plan change's proration lines, applied at once by two replicas, would each miss the other's uncommitted rows.
    func lockSubscription(_ id: UUID, tenant: String, on connection: PostgresConnection) async throws {
        _ = try await connection.rows(LockSubscription(key: "invoicing-subscription:\(tenant):\(id.text)"), logger: logger)
    }

    /// The invoice (neither canceled nor voided) that bills the subscription's period starting at `periodStart`, drafted by the system or
    /// created by hand, and its status; read under ``lockSubscription(_:tenant:on:)`` so two never bill it at once.
    func invoiceBilling(
        subscription: UUID, periodStart: Date, tenant: String, on connection: PostgresConnection
    ) async throws -> (id: InvoiceID, status: InvoiceStatus)? {
        try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT l.invoice_id, i.status \(Self.billingLines("$2", "$3")) ORDER BY i.created_at LIMIT 1
                    """, binds: try .of(tenant, subscription, periodStart)), logger: logger
        ).map { row in
            let (id, status) = try row.decode((UUID, String).self)
            return (InvoiceID(rawValue: id), InvoiceStatus(rawValue: status) ?? .pending)
        }
    }

    /// The FROM and WHERE of the SUBSCRIPTION lines (`l`, of invoices `i` neither canceled nor voided) that bill the tenant's (`$1`)
    /// subscription `subscription` for the period starting at `periodStart` (both parameter names).
    static func billingLines(_ subscription: String, _ periodStart: String) -> String {
        """
        FROM invoice_lines l JOIN invoices i ON i.tenant_id = l.tenant_id AND i.id = l.invoice_id
        WHERE l.tenant_id = $1 AND l.subscription_id = \(subscription) AND l.kind = 'SUBSCRIPTION' AND l.period_start = \(periodStart)
          AND i.status NOT IN ('VOID', 'CANCELED')
        """
    }

    /// Whether the period's invoice exists: the one drafted with `sourceKey`, or another (neither canceled nor voided) billing the
    /// subscription's period from `periodStart`; one statement.
    func periodBilled(
        sourceKey: String, subscription: UUID, periodStart: Date, tenant: String, on connection: PostgresConnection
    ) async throws -> Bool {
        try await !connection.rows(
            PeriodBilled(bindings: try .of(tenant, sourceKey, subscription, periodStart)), logger: logger
        ).isEmpty
    }

    func hasInvoice(sourceKey: String, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT 1 FROM invoices WHERE tenant_id = $1 AND source_key = $2",
                binds: try .of(tenant, sourceKey)), logger: logger
        ).isEmpty
    }

    /// Keeps proration lines for the subscription's next invoice; answers false when the event was recorded before (nothing added).
    @discardableResult
    func addPendingLines(
        _ lines: [InvoiceLine], subscription: UUID, event: UUID, at time: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws -> Bool {
        guard let currency = lines.first?.amount.currency.code else { return false }
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO pending_lines (
                        tenant_id, id, subscription_id, source_event, created_at, currency, position, kind, description, quantity, unit_amount,
                        amount_minor, period_start, period_end, line_subscription_id, meter_code, tier, tax_code)
                    SELECT $1, gen_random_uuid(), $2, $3, $4, $5, \(InvoiceLineRow.sharedValues)
                    FROM jsonb_to_recordset($6::jsonb) AS \(InvoiceLineRow.recordset)
                    ON CONFLICT (tenant_id, source_event, position) DO NOTHING RETURNING id
                    """,
                binds: try .of(
                    tenant, subscription, event, time, currency,
                    try StoredJSON.text(try lines.enumerated().map { try InvoiceLineRow($0.element, position: $0.offset) }))), logger: logger)
        return !rows.isEmpty
    }

    /// Takes the subscription's waiting lines that end by `periodStart` for `invoice` (they are then no longer waiting), oldest first.
    func takePendingLines(
        subscription: UUID, endingBy periodStart: Date, invoice: InvoiceID, tenant: String,
        on connection: PostgresConnection
    ) async throws -> [InvoiceLine] {
        let rows = try await connection.rows(
            TakePendingLines(bindings: try .of(tenant, subscription, invoice.rawValue, periodStart)), logger: logger)
        return try Self.pendingLines(rows, subscription: subscription)
    }

    /// The lines that `takePendingLines` would take now, read without taking them (the upcoming invoice).
    func waitingLines(subscription: UUID, endingBy periodStart: Date, tenant: String, on connection: PostgresConnection) async throws -> [InvoiceLine]
    {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(TakePendingLines.columns) FROM pending_lines
                    WHERE tenant_id = $1 AND subscription_id = $2 AND invoice_id IS NULL AND coalesce(period_end, '-infinity') <= $3
                    """, binds: try .of(tenant, subscription, periodStart)), logger: logger)
        return try Self.pendingLines(rows, subscription: subscription)
    }

    /// Waiting lines as `TakePendingLines.columns` read them, oldest first.
    private static func pendingLines(_ rows: [PostgresRow], subscription: UUID) throws -> [InvoiceLine] {
        try rows.map { row in
            var columns = ColumnReader(row)
            let created: Date = try columns.next()
            let currency = try columns.next(String.self).trimmingCharacters(in: .whitespaces)
            let line = try InvoiceLineRow(row, offset: 2, identity: false)
            guard let code = Currency(code: currency) else {
                throw InvoiceRowError.unreadable(subscription, "pending line currency \(currency)")
            }
            return (created, line.position, try line.line(currency: code))
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }

    /// Records that the pending lines `from` took which ended by `periodStart` went on to `to`.
    func moveTakenLines(
        subscription: UUID, endingBy periodStart: Date, from: InvoiceID, to: InvoiceID, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE pending_lines SET invoice_id = $4
                    WHERE tenant_id = $1 AND subscription_id = $2 AND invoice_id = $3 AND coalesce(period_end, '-infinity') <= $5
                    """, binds: try .of(tenant, subscription, from.rawValue, to.rawValue, periodStart)), logger: logger)
    }

    /// Writes the invoice's columns and, when their digest differs from the one last written, its lines: changed lines rewritten,
    /// lines past the new last one removed. A save that changes no line (finalizing, paying, marking overdue) leaves them alone.
    func save(_ invoice: Invoice, tenant: String, on connection: PostgresConnection) async throws {
        let row = try InvoiceRow(invoice)
        let lines = try StoredJSON.text(row.lines)
        _ = try await connection.rows(
            SaveInvoice(
                bindings: try .of(
                    tenant, row.id, row.number, row.status, row.totalMinor, row.amountPaidMinor, row.amountDueMinor, row.periodStart,
                    row.periodEnd, row.subscriptionID, row.netTermsDays, row.dueAt, row.finalizedAt, row.paidAt, row.voidedAt,
                    row.paymentAttempts, row.nextPaymentAttemptAt, row.creditPurchases, row.addonActivations, row.updatedAt,
                    lines, row.lines.count, StoredJSON.digest(lines), row.memo, row.purchaseOrder, row.paymentMethod, row.taxes)),
            logger: logger)
    }

    func find(_ id: InvoiceID, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> Invoice? {
        let rows =
            forUpdate
            ? try await connection.rows(InvoiceForUpdate(tenant: tenant, id: id.rawValue), logger: logger)
            : try await connection.rows(InvoiceByID(tenant: tenant, id: id.rawValue), logger: logger)
        return try await withLines(try rows.map { try InvoiceRow($0) }, tenant: tenant, on: connection).first
    }

    func list(_ request: ListInvoicesRequest, account: UUID?, tenant: String, on connection: PostgresConnection) async throws -> InvoicePage {
        var items = try await invoices(
            where: """
                ($2::uuid IS NULL OR billing_account_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR id > $4)
                ORDER BY id LIMIT $5
                """,
            binds: try .of(tenant, account, request.status?.rawValue, request.after?.rawValue, request.pageSize + 1), tenant: tenant,
            on: connection)
        let next: InvoiceID? = items.trimPage(to: request.pageSize)?.id
        return InvoicePage(items: items, nextCursor: next)
    }

    /// Invoices that sell credit packages, with their top-up status (COMPLETED when paid, FAILED when voided, canceled or last declined,
    /// PENDING otherwise) and their last payment, filtered by `request`, in id order.
    func topUps(
        _ request: ListCreditTopUpsRequest, tenant: String, on connection: PostgresConnection
    ) async throws -> [(invoice: Invoice, status: PaymentStatus, payment: (id: PaymentID, method: PaymentMethod?, failure: String?)?)] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(InvoiceRow.columns), s.topup_status, s.payment_id, s.paid_with, s.failure
                    FROM invoices CROSS JOIN LATERAL (
                        SELECT last.payment_id, last.paid_with, last.failure,
                               CASE WHEN invoices.status = 'PAID' THEN 'COMPLETED'
                                    WHEN invoices.status IN ('VOID', 'CANCELED', 'CREDITED') OR last.payment_status = 'FAILED' THEN 'FAILED'
                                    ELSE 'PENDING' END AS topup_status
                        FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                            SELECT p.id AS payment_id, p.status AS payment_status, p.payment_method AS paid_with, p.failure_reason AS failure
                            FROM payments p WHERE p.tenant_id = invoices.tenant_id AND p.invoice_id = invoices.id ORDER BY p.id DESC LIMIT 1
                        ) AS last ON true
                    ) AS s
                    WHERE invoices.tenant_id = $1 AND invoices.credit_purchases IS NOT NULL AND ($2::uuid IS NULL OR billing_account_id = $2)
                      AND ($3::text IS NULL OR s.topup_status = $3) AND ($4::timestamptz IS NULL OR created_at >= $4)
                      AND ($5::timestamptz IS NULL OR created_at < $5) AND ($6::uuid IS NULL OR id > $6)
                    ORDER BY id LIMIT $7
                    """,
                binds: try .of(
                    tenant, request.billingAccountId?.rawValue, request.status?.rawValue, request.since, request.until, request.after?.rawValue,
                    request.pageSize + 1)), logger: logger)
        let extras = try rows.map { row in
            var columns = ColumnReader(row, from: InvoiceRow.columnCount)
            let status: String = try columns.next(), payment: UUID? = try columns.next(), method: String? = try columns.next()
            let failure: String? = try columns.next()
            return (
                status: PaymentStatus(rawValue: status) ?? .pending,
                payment: payment.map { (id: PaymentID(rawValue: $0), method: method.flatMap(PaymentMethod.init(rawValue:)), failure: failure) }
            )
        }
        let invoices = try await withLines(try rows.map { try InvoiceRow($0) }, tenant: tenant, on: connection)
        return zip(invoices, extras).map { (invoice: $0, status: $1.status, payment: $1.payment) }
    }

    /// The tenant's invoices that `condition` selects (`$1` is the tenant; it may end with ORDER BY, LIMIT and a lock), in its
    /// order, each with its lines (read in one more statement for all of them).
    private func invoices(
        where condition: String, binds: PostgresBindings, tenant: String, on connection: PostgresConnection
    ) async throws -> [Invoice] {
        let rows = try await connection.rows(
            PostgresQuery(unsafeSQL: "SELECT \(InvoiceRow.columns) FROM invoices WHERE tenant_id = $1 AND \(condition)", binds: binds),
            logger: logger)
        return try await withLines(try rows.map { try InvoiceRow($0) }, tenant: tenant, on: connection)
    }

    /// The rows as invoices, with their lines from `invoice_lines`.
    private func withLines(_ rows: [InvoiceRow], tenant: String, on connection: PostgresConnection) async throws -> [Invoice] {
        guard !rows.isEmpty else { return [] }
        let lines = try await connection.rows(InvoiceLines(tenant: tenant, ids: rows.map(\.id)), logger: logger)
        var byInvoice: [UUID: [InvoiceLineRow]] = [:]
        for line in lines {
            var columns = ColumnReader(line)
            byInvoice[try columns.next(UUID.self), default: []].append(try InvoiceLineRow(line, offset: 1))
        }
        return try rows.map { row in
            var row = row
            row.lines = byInvoice[row.id] ?? []
            return try row.invoice
        }
    }

    /// The next `count` numbers of the tenant's year, in order; the counter row stays locked until the caller's transaction
    /// ends, so two finalizations never share a number and a rolled-back one gives its numbers back.
    /// `livemode` false: the test accounts' own sequence, numbered `TEST-2027-000001`, so test invoices leave no gap in the real one.
    func nextNumbers(_ count: Int, year: Int, livemode: Bool = true, tenant: String, on connection: PostgresConnection) async throws -> [String] {
        let series = livemode ? "" : "TEST-"
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO invoice_counters (tenant_id, series, year, last_number) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (tenant_id, series, year) DO UPDATE SET last_number = invoice_counters.last_number + EXCLUDED.last_number
                    RETURNING last_number
                    """, binds: try .of(tenant, series, year, Int64(count))), logger: logger)
        let last = try rows.first!.decode(Int64.self)
        return (last - Int64(count) + 1...last).map { series + String(format: "%04d-%06lld", year, $0) }
    }

    /// The queued drafts due now, oldest first, without taking them.
    func queuedFinalizations(limit: Int, at time: Date, on connection: PostgresConnection) async throws -> [(tenant: String, invoice: InvoiceID)] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT tenant_id, invoice_id FROM finalize_queue WHERE queued_at <= $2 ORDER BY queued_at, invoice_id LIMIT $1
                    """, binds: try .of(limit, time)), logger: logger
        ).map { try $0.decode((String, UUID).self) }.map { (tenant: $0.0, invoice: InvoiceID(rawValue: $0.1)) }
    }

    /// Tries a draft that could not be finalized again later.
    func postponeFinalization(_ invoice: InvoiceID, until time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE finalize_queue SET queued_at = $3 WHERE tenant_id = $1 AND invoice_id = $2
                    """, binds: try .of(tenant, invoice.rawValue, time)), logger: logger)
    }

    /// Queues a draft for the finalization batch job.
    func queueFinalization(_ invoice: InvoiceID, traceparent: String?, at time: Date, tenant: String, on connection: PostgresConnection) async throws
    {
        _ = try await connection.rows(QueueFinalization(bindings: try .of(tenant, invoice.rawValue, traceparent, time)), logger: logger)
    }

    /// Takes up to `limit` queued drafts due now, oldest first, that no other replica holds (`SKIP LOCKED`) — or only `only`
    /// when given; removed when the caller commits.
    func claimQueuedFinalizations(
        limit: Int, only: (tenant: String, invoice: InvoiceID)? = nil, at time: Date,
        on connection: PostgresConnection
    ) async throws -> [(tenant: String, invoice: InvoiceID, traceparent: String?)] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    DELETE FROM finalize_queue WHERE (tenant_id, invoice_id) IN (
                        SELECT tenant_id, invoice_id FROM finalize_queue
                        WHERE queued_at <= $2 AND ($3::text IS NULL OR (tenant_id = $3 AND invoice_id = $4))
                        ORDER BY queued_at, invoice_id LIMIT $1 FOR UPDATE SKIP LOCKED)
                    RETURNING tenant_id, invoice_id, traceparent, queued_at
                    """, binds: try .of(limit, time, only?.tenant, only?.invoice.rawValue)), logger: logger)
        return try rows.map { try $0.decode((String, UUID, String?, Date).self) }.sorted { ($0.3, $0.1.uuidString) < ($1.3, $1.1.uuidString) }
            .map { (tenant: $0.0, invoice: InvoiceID(rawValue: $0.1), traceparent: $0.2) }
    }

    /// PENDING invoices of every tenant past their due date, locked; rows another replica holds are skipped.
    func claimOverdue(at time: Date, limit: Int, on connection: PostgresConnection) async throws -> [(tenant: String, invoice: Invoice)] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT tenant_id, \(InvoiceRow.columns) FROM invoices WHERE status = 'PENDING' AND due_at <= $1
                    ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
                    """, binds: try .of(time, limit)), logger: logger)
        var claimed: [(tenant: String, invoice: Invoice)] = []
        var byTenant: [String: [InvoiceRow]] = [:]
        for row in rows {
            var columns = ColumnReader(row)
            byTenant[try columns.next(String.self), default: []].append(try InvoiceRow(row, offset: 1))
        }
        for (tenant, group) in byTenant { claimed += try await withLines(group, tenant: tenant, on: connection).map { (tenant, $0) } }
        return claimed
    }
}

// The invoice writes every draft, finalization and payment runs, as named prepared statements: PostgreSQL parses (and, once it
// settles on a generic plan, plans) them once per connection instead of on every call (issue 21's bench-invoicing spent more time
// planning than executing).

/// ``InvoiceStore/insert(_:sourceKey:tenant:on:)``'s statement.
struct InsertInvoice: PreparedSQL {
    static let name = "invoicing_insert_invoice"
    static let sql = """
                WITH invoice AS (
                    INSERT INTO invoices (
                        tenant_id, id, billing_account_id, number, status, currency, total_minor, amount_paid_minor, amount_due_minor,
                        period_start, period_end, subscription_id, net_terms_days, due_at, finalized_at, paid_at, voided_at,
                        payment_attempts, next_payment_attempt_at, credit_purchases, addon_activations, created_at, updated_at,
                        source_key, lines_digest, livemode, memo, purchase_order, payment_method, created_by, taxes)
                    VALUES (
                        $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20::jsonb, $21::jsonb,
                        $22, $23, $24, $26, $27, $28, $29, $30, $31, $32::jsonb)
                    ON CONFLICT (tenant_id, source_key) WHERE source_key IS NOT NULL DO NOTHING
                    RETURNING id
                ), lines AS (
                    INSERT INTO invoice_lines (tenant_id, invoice_id, \(InvoiceLineRow.names))
                    SELECT $1, invoice.id, l.* FROM invoice, jsonb_to_recordset($25::jsonb) AS \(InvoiceLineRow.recordset)
                )
                SELECT id FROM invoice
                
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .uuid, .uuid, .text, .text, .text, .int8, .int8, .int8, .timestamptz, .timestamptz, .uuid, .int8, .timestamptz, .timestamptz,
        .timestamptz, .timestamptz, .int8, .timestamptz, .text, .text, .timestamptz, .timestamptz, .text, .text, .text, .bool, .text, .text,
        .text, .text, .text,
    ]
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
}

/// ``InvoiceStore/save(_:tenant:on:)``'s statement.
struct SaveInvoice: PreparedSQL {
    static let name = "invoicing_save_invoice"
    static let sql = """
                WITH previous AS (
                    SELECT lines_digest IS DISTINCT FROM $23 AS changed FROM invoices WHERE tenant_id = $1 AND id = $2
                ), invoice AS (
                    UPDATE invoices SET
                        number = $3, status = $4, total_minor = $5, amount_paid_minor = $6, amount_due_minor = $7, period_start = $8,
                        period_end = $9, subscription_id = $10, net_terms_days = $11, due_at = $12, finalized_at = $13, paid_at = $14,
                        voided_at = $15, payment_attempts = $16, next_payment_attempt_at = $17, credit_purchases = $18::jsonb,
                        addon_activations = $19::jsonb, updated_at = $20, lines_digest = $23, memo = $24, purchase_order = $25,
                        payment_method = $26, taxes = $27::jsonb
                    WHERE tenant_id = $1 AND id = $2
                ), written AS (
                    INSERT INTO invoice_lines AS o (tenant_id, invoice_id, \(InvoiceLineRow.names))
                    SELECT $1, $2, l.* FROM jsonb_to_recordset($21::jsonb) AS \(InvoiceLineRow.recordset)
                    WHERE (SELECT changed FROM previous)
                    ON CONFLICT (tenant_id, invoice_id, position) DO UPDATE SET
                        kind = EXCLUDED.kind, description = EXCLUDED.description, quantity = EXCLUDED.quantity,
                        unit_amount = EXCLUDED.unit_amount, amount_minor = EXCLUDED.amount_minor, period_start = EXCLUDED.period_start,
                        period_end = EXCLUDED.period_end, subscription_id = EXCLUDED.subscription_id, meter_code = EXCLUDED.meter_code,
                        tier = EXCLUDED.tier, id = EXCLUDED.id, product_id = EXCLUDED.product_id, tax_code = EXCLUDED.tax_code
                )
                DELETE FROM invoice_lines
                WHERE tenant_id = $1 AND invoice_id = $2 AND position >= $22 AND (SELECT changed FROM previous)
                
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .uuid, .text, .text, .int8, .int8, .int8, .timestamptz, .timestamptz, .uuid, .int8, .timestamptz, .timestamptz, .timestamptz,
        .timestamptz, .int8, .timestamptz, .text, .text, .timestamptz, .text, .int8, .text, .text, .text, .text, .text,
    ]
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
}

struct InvoiceByID: PreparedSQL {
    static let name = "invoicing_invoice_by_id"
    static let sql = "SELECT \(InvoiceRow.columns) FROM invoices WHERE tenant_id = $1 AND id = $2"
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid]
    let tenant: String
    let id: UUID
    func makeBindings() throws -> PostgresBindings { try .of(tenant, id) }
}

struct InvoiceForUpdate: PreparedSQL {
    static let name = "invoicing_invoice_by_id_for_update"
    static let sql = InvoiceByID.sql + " FOR UPDATE"
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid]
    let tenant: String
    let id: UUID
    func makeBindings() throws -> PostgresBindings { try .of(tenant, id) }
}

/// The lines of some invoices, by invoice and position.
struct InvoiceLines: PreparedSQL {
    static let name = "invoicing_invoice_lines"
    static let sql = """
        SELECT invoice_id, \(InvoiceLineRow.columns) FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = ANY($2)
            ORDER BY invoice_id, position
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuidArray]
    let tenant: String
    let ids: [UUID]
    func makeBindings() throws -> PostgresBindings { try .of(tenant, ids) }
}

// What drafting a period invoice runs besides the invoice write, also prepared once per connection.

/// ``InvoiceStore/settings(tenant:on:)``'s statement.
struct InvoiceSettingsOf: PreparedSQL {
    static let name = "invoicing_settings"
    static let sql = """
        SELECT auto_finalize, net_terms_days, card_retry_schedule, pix_fine_percent::text, pix_monthly_interest_percent::text,
            simples_nacional, default_tax_code, tax_rounding
        FROM invoice_settings WHERE tenant_id = $1
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]
    let tenant: String
    func makeBindings() throws -> PostgresBindings { try .of(tenant) }
}

/// ``InvoiceStore/lockSubscription(_:tenant:on:)``'s statement.
struct LockSubscription: PreparedSQL {
    static let name = "invoicing_lock_subscription"
    static let sql = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"
    static let bindingDataTypes: [PostgresDataType] = [.text]
    let key: String
    func makeBindings() throws -> PostgresBindings { try .of(key) }
}

/// ``InvoiceStore/periodBilled(sourceKey:subscription:periodStart:tenant:on:)``'s statement.
struct PeriodBilled: PreparedSQL {
    static let name = "invoicing_period_billed"
    static let sql = """
        SELECT 1 FROM invoices WHERE tenant_id = $1 AND source_key = $2
        UNION ALL
        SELECT 1 \(InvoiceStore.billingLines("$3", "$4"))
        LIMIT 1
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .uuid, .timestamptz]
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
}

/// ``InvoiceStore/takePendingLines(subscription:endingBy:invoice:tenant:on:)``'s statement.
struct TakePendingLines: PreparedSQL {
    static let name = "invoicing_take_pending_lines"
    static let sql = """
        UPDATE pending_lines SET invoice_id = $3
        WHERE tenant_id = $1 AND subscription_id = $2 AND invoice_id IS NULL AND coalesce(period_end, '-infinity') <= $4
        RETURNING \(columns)
        """
    /// What a waiting line is read as.
    static let columns = """
        created_at, currency, position, kind, description, quantity::text, unit_amount::text, amount_minor, period_start, period_end,
        line_subscription_id, meter_code, tier, tax_code
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid, .uuid, .timestamptz]
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
}

/// ``InvoiceStore/queueFinalization(_:traceparent:at:tenant:on:)``'s statement.
struct QueueFinalization: PreparedSQL {
    static let name = "invoicing_queue_finalization"
    static let sql = """
        INSERT INTO finalize_queue (tenant_id, invoice_id, traceparent, queued_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid, .text, .timestamptz]
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
}
