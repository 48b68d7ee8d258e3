import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `invoices`, `invoice_counters`, the finalization queue and pending proration lines; every statement filters by tenant (row-level security is the second wall).
struct InvoiceStore {
    let logger: Logger
    private static let encoder = WireJSONEncoder()
    private static let decoder = WireJSONDecoder()

    /// Inserts the invoice; false when `sourceKey` was invoiced before (nothing is written then).
    @discardableResult
    func insert(_ invoice: Invoice, sourceKey: String? = nil, tenant: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO invoices (tenant_id, id, billing_account_id, number, status, total_minor, amount_paid_minor, due_at, document, created_at, updated_at,
                                          source_key)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)
                    ON CONFLICT (tenant_id, source_key) WHERE source_key IS NOT NULL DO NOTHING
                    RETURNING id
                    """,
                binds: try .of(
                    tenant, invoice.id.rawValue, UUID(uuidString: invoice.billingAccountId), invoice.number, invoice.status.rawValue,
                    invoice.total.minorUnits, invoice.amountPaid.minorUnits, invoice.dueDate, try Self.json(invoice), invoice.createdAt,
                    invoice.updatedAt, sourceKey)), logger: logger
        ).isEmpty
    }

    /// The subscription's first DRAFT period invoice starting at or after `start`, locked. `starts_with`, not `LIKE`: under
    /// row-level security only leakproof functions reach the index, and `LIKE` is not, so it read every invoice of the tenant.
    func nextDraft(subscription: String, startingAtOrAfter start: Date, tenant: String, on connection: PostgresConnection) async throws -> Invoice? {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT document::text FROM invoices
                    WHERE tenant_id = $1 AND status = 'DRAFT' AND starts_with(source_key, $2) AND (document->>'periodStart')::timestamptz >= $3
                    ORDER BY (document->>'periodStart')::timestamptz LIMIT 1 FOR UPDATE
                    """, binds: try .of(tenant, "subscription:\(subscription):", start)), logger: logger)
        return try rows.first.map { try Self.decoder.decode(Invoice.self, from: Array(try $0.decode(String.self).utf8)) }
    }

    func settings(tenant: String, on connection: PostgresConnection) async throws -> InvoiceSettings {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT auto_finalize, net_terms_days, card_retry_schedule FROM invoice_settings WHERE tenant_id = $1",
                binds: try .of(tenant)), logger: logger)
        guard let row = rows.first else { return InvoiceSettings() }
        let (autoFinalize, terms, retries) = try row.decode((Bool, Int, String?).self)
        return InvoiceSettings(autoFinalize: autoFinalize, netTermsDays: terms, cardRetrySchedule: retries)
    }

    func setSettings(_ settings: InvoiceSettings, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO invoice_settings (tenant_id, auto_finalize, net_terms_days, card_retry_schedule, updated_at) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (tenant_id) DO UPDATE SET auto_finalize = EXCLUDED.auto_finalize, net_terms_days = EXCLUDED.net_terms_days,
                                                         card_retry_schedule = EXCLUDED.card_retry_schedule, updated_at = EXCLUDED.updated_at
                    """, binds: try .of(tenant, settings.autoFinalize, settings.netTermsDays, settings.cardRetrySchedule, time)), logger: logger)
    }

    /// Serializes the transactions handling one subscription's events across consumer replicas (until commit): a period's draft
    /// and a plan change's proration lines, applied at once by two replicas, would each miss the other's uncommitted rows.
    func lockSubscription(_ id: UUID, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                binds: try .of("invoicing-subscription:\(tenant):\(id.text)")), logger: logger)
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
        var added = false
        for (position, line) in lines.enumerated() {
            added =
                try await !connection.rows(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO pending_lines (tenant_id, id, subscription_id, source_event, position, line, created_at)
                            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
                            ON CONFLICT (tenant_id, source_event, position) DO NOTHING RETURNING id
                            """,
                        binds: try .of(
                            tenant, UUIDv7.generate(at: time), subscription, event, position,
                            String(decoding: try Self.encoder.encode(line), as: UTF8.self),
                            time)), logger: logger
                ).isEmpty || added
        }
        return added
    }

    /// Takes the subscription's waiting lines that end by `periodStart` for `invoice` (they are then no longer waiting), oldest first.
    func takePendingLines(
        subscription: UUID, endingBy periodStart: Date, invoice: InvoiceID, tenant: String,
        on connection: PostgresConnection
    ) async throws -> [InvoiceLine] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE pending_lines SET invoice_id = $3
                    WHERE tenant_id = $1 AND subscription_id = $2 AND invoice_id IS NULL
                      AND coalesce((line->>'periodEnd')::timestamptz, '-infinity') <= $4
                    RETURNING created_at, position, line::text
                    """, binds: try .of(tenant, subscription, invoice.rawValue, periodStart)), logger: logger)
        return try rows.map { try $0.decode((Date, Int, String).self) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .map { try Self.decoder.decode(InvoiceLine.self, from: Array($0.2.utf8)) }
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
                    WHERE tenant_id = $1 AND subscription_id = $2 AND invoice_id = $3 AND coalesce((line->>'periodEnd')::timestamptz, '-infinity') <= $5
                    """, binds: try .of(tenant, subscription, from.rawValue, to.rawValue, periodStart)), logger: logger)
    }

    func save(_ invoice: Invoice, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE invoices SET number = $3, status = $4, total_minor = $5, amount_paid_minor = $6, due_at = $7, document = $8::jsonb, updated_at = $9
                    WHERE tenant_id = $1 AND id = $2
                    """,
                binds: try .of(
                    tenant, invoice.id.rawValue, invoice.number, invoice.status.rawValue, invoice.total.minorUnits, invoice.amountPaid.minorUnits,
                    invoice.dueDate, try Self.json(invoice), invoice.updatedAt)), logger: logger)
    }

    func find(_ id: InvoiceID, tenant: String, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> Invoice? {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT document::text FROM invoices WHERE tenant_id = $1 AND id = $2\(forUpdate ? " FOR UPDATE" : "")
                    """, binds: try .of(tenant, id.rawValue)), logger: logger)
        return try rows.first.map { try Self.decoder.decode(Invoice.self, from: Array(try $0.decode(String.self).utf8)) }
    }

    func list(_ request: ListInvoicesRequest, account: UUID?, tenant: String, on connection: PostgresConnection) async throws -> InvoicePage {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT document::text FROM invoices
                    WHERE tenant_id = $1 AND ($2::uuid IS NULL OR billing_account_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR id > $4)
                    ORDER BY id LIMIT $5
                    """, binds: try .of(tenant, account, request.status?.rawValue, request.after?.rawValue, request.pageSize + 1)), logger: logger)
        var items = try rows.map { try Self.decoder.decode(Invoice.self, from: Array(try $0.decode(String.self).utf8)) }
        var next: InvoiceID?
        if items.count > request.pageSize {
            items.removeLast()
            next = items.last?.id
        }
        return InvoicePage(items: items, nextCursor: next)
    }

    /// The next `count` numbers of the tenant's year, in order; the counter row stays locked until the caller's transaction
    /// ends, so two finalizations never share a number and a rolled-back one gives its numbers back.
    func nextNumbers(_ count: Int, year: Int, tenant: String, on connection: PostgresConnection) async throws -> [String] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO invoice_counters (tenant_id, year, last_number) VALUES ($1, $2, $3)
                    ON CONFLICT (tenant_id, year) DO UPDATE SET last_number = invoice_counters.last_number + EXCLUDED.last_number
                    RETURNING last_number
                    """, binds: try .of(tenant, year, Int64(count))), logger: logger)
        let last = try rows.first!.decode(Int64.self)
        return (last - Int64(count) + 1...last).map { String(format: "%04d-%06lld", year, $0) }
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
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO finalize_queue (tenant_id, invoice_id, traceparent, queued_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
                    """, binds: try .of(tenant, invoice.rawValue, traceparent, time)), logger: logger)
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
                    SELECT tenant_id, document::text FROM invoices WHERE status = 'PENDING' AND due_at <= $1
                    ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
                    """, binds: try .of(time, limit)), logger: logger)
        return try rows.map { row in
            let (tenant, document) = try row.decode((String, String).self)
            return (tenant, try Self.decoder.decode(Invoice.self, from: Array(document.utf8)))
        }
    }

    private static func json(_ invoice: Invoice) throws -> String { String(decoding: try encoder.encode(invoice), as: UTF8.self) }
}
