import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for `credit_notes`, their lines and the refunds they made, and the `NC-` series of `invoice_counters`; every statement
/// filters by tenant (row-level security is the second wall).
struct CreditNoteStore {
    let logger: Logger

    /// The columns `notes(where:)` reads, in its order.
    private static let columns = """
        id, number, invoice_id, billing_account_id, currency, reason, memo, total_minor, pre_payment_minor, refund_minor, credit_minor,
        out_of_band_minor, invoice_status, invoice_amount_due_minor, livemode, created_by, created_at
        """

    /// The next note number of the tenant's year, `NC-2027-000001` (test accounts: `TEST-NC-…`). The counter row stays locked
    /// until the caller's transaction ends, as for invoice numbers: two notes never share a number, a rolled-back one gives it back.
    func nextNumber(year: Int, livemode: Bool, tenant: String, on connection: PostgresConnection) async throws -> String {
        let series = livemode ? "NC-" : "TEST-NC-"
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO invoice_counters (tenant_id, series, year, last_number) VALUES ($1, $2, $3, 1)
                    ON CONFLICT (tenant_id, series, year) DO UPDATE SET last_number = invoice_counters.last_number + 1
                    RETURNING last_number
                    """, binds: try .of(tenant, series, year)), logger: logger)
        guard let last = try rows.first?.decode(Int64.self) else { throw InvoicingError.unavailable("no credit note number was assigned") }
        return series + String(format: "%04d-%06lld", year, last)
    }

    /// What the invoice's notes credited so far, in all and per invoice line; read under the invoice's lock.
    func credited(_ invoice: InvoiceID, tenant: String, on connection: PostgresConnection) async throws -> CreditNoteRules.Credited {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT invoice_line_position, sum(amount_minor)::int8 FROM credit_note_lines
                    WHERE tenant_id = $1 AND invoice_id = $2 GROUP BY invoice_line_position
                    """, binds: try .of(tenant, invoice.rawValue)), logger: logger)
        var credited = CreditNoteRules.Credited()
        for row in rows {
            let (position, amount) = try row.decode((Int?, Int64).self)
            credited.total += amount
            if let position { credited.byLine[position] = amount }
        }
        return credited
    }

    /// Per invoice with notes: what they took off its amount due, and what they credited beyond it (minor units).
    func sums(of invoices: [InvoiceID], tenant: String, on connection: PostgresConnection) async throws -> [InvoiceID: (Int64, Int64)] {
        var sums: [InvoiceID: (Int64, Int64)] = [:]
        for row in try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT invoice_id, sum(pre_payment_minor)::int8, sum(total_minor - pre_payment_minor)::int8 FROM credit_notes
                    WHERE tenant_id = $1 AND invoice_id = ANY($2) GROUP BY invoice_id
                    """, binds: try .of(tenant, invoices.map(\.rawValue))), logger: logger)
        {
            let (id, pre, post) = try row.decode((UUID, Int64, Int64).self)
            sums[InvoiceID(rawValue: id)] = (pre, post)
        }
        return sums
    }

    /// Writes the note, its lines and the refunds it made.
    func insert(_ note: CreditNote, tenant: String, on connection: PostgresConnection) async throws {
        let lines = try StoredJSON.text(
            note.lines.enumerated().map { position, line in
                LineRow(
                    position: position, linePosition: line.invoiceLineIndex, lineID: line.invoiceLineId?.rawValue, description: line.description,
                    quantity: line.quantity?.text, unitAmount: line.unitAmount?.text, amountMinor: line.amount.minorUnits)
            })
        let refunds = try StoredJSON.text(note.refunds.map { RefundRow(refundID: $0.refundId.rawValue, paymentID: $0.paymentId.rawValue) })
        _ = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    WITH note AS (
                        INSERT INTO credit_notes (tenant_id, id, number, invoice_id, billing_account_id, currency, reason, memo, total_minor,
                            pre_payment_minor, refund_minor, credit_minor, out_of_band_minor, invoice_status, invoice_amount_due_minor, livemode,
                            created_by, created_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                        RETURNING id
                    ), lines AS (
                        INSERT INTO credit_note_lines (tenant_id, credit_note_id, position, invoice_id, invoice_line_position, invoice_line_id,
                            description, quantity, unit_amount, amount_minor)
                        SELECT $1, note.id, l.position, $4, l."linePosition", l."lineID", l.description, l.quantity::numeric,
                            l."unitAmount"::numeric, l."amountMinor"
                        FROM note, jsonb_to_recordset($19::jsonb) AS l(position int, "linePosition" int, "lineID" uuid, description text,
                            quantity text, "unitAmount" text, "amountMinor" bigint)
                    )
                    INSERT INTO credit_note_refunds (tenant_id, credit_note_id, refund_id, payment_id)
                    SELECT $1, note.id, r."refundID", r."paymentID"
                    FROM note, jsonb_to_recordset($20::jsonb) AS r("refundID" uuid, "paymentID" uuid)
                    RETURNING refund_id
                    """,
                binds: try .of(
                    tenant, note.id.rawValue, note.number, note.invoiceId.rawValue, note.billingAccountId.rawValue, note.currency,
                    note.reason?.rawValue, note.memo, note.total.minorUnits, note.prePaymentAmount.minorUnits, note.refundAmount.minorUnits,
                    note.creditAmount.minorUnits, note.outOfBandAmount.minorUnits, note.invoiceStatus.rawValue, note.invoiceAmountDue.minorUnits,
                    note.livemode, note.createdBy, note.createdAt, lines, refunds)), logger: logger)
    }

    func find(_ id: CreditNoteID, tenant: String, on connection: PostgresConnection) async throws -> CreditNote? {
        try await notes(where: "id = $2", binds: try .of(tenant, id.rawValue), tenant: tenant, on: connection).first
    }

    /// Newest first, by invoice and account.
    func list(_ request: ListCreditNotesRequest, tenant: String, on connection: PostgresConnection) async throws -> CreditNotePage {
        var items = try await notes(
            where: """
                ($2::uuid IS NULL OR invoice_id = $2) AND ($3::uuid IS NULL OR billing_account_id = $3) AND ($4::uuid IS NULL OR id < $4)
                ORDER BY id DESC LIMIT $5
                """,
            binds: try .of(tenant, request.invoiceId?.rawValue, request.billingAccountId?.rawValue, request.after?.rawValue, request.pageSize + 1),
            tenant: tenant, on: connection)
        let next: CreditNoteID? = items.trimPage(to: request.pageSize)?.id
        return CreditNotePage(items: items, nextCursor: next)
    }

    /// The tenant's notes `condition` selects (`$1` is the tenant; it may end with ORDER BY and LIMIT), with their lines and refunds.
    private func notes(
        where condition: String, binds: PostgresBindings, tenant: String, on connection: PostgresConnection
    ) async throws
        -> [CreditNote]
    {
        let rows = try await connection.rows(
            PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM credit_notes WHERE tenant_id = $1 AND \(condition)", binds: binds),
            logger: logger)
        guard !rows.isEmpty else { return [] }
        var notes = try rows.map { row in
            var columns = ColumnReader(row)
            let id: UUID = try columns.next(), number: String = try columns.next(), invoice: UUID = try columns.next()
            let account: UUID = try columns.next(), code: String = try columns.next(), reason: String? = try columns.next()
            let memo: String? = try columns.next(), total: Int64 = try columns.next(), pre: Int64 = try columns.next()
            let refund: Int64 = try columns.next(), credit: Int64 = try columns.next(), outOfBand: Int64 = try columns.next()
            let status: String = try columns.next(), due: Int64 = try columns.next(), livemode: Bool = try columns.next()
            let createdBy: String? = try columns.next(), created: Date = try columns.next()
            let currency = Currency(code: code.trimmingCharacters(in: .whitespaces)) ?? .brl
            func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: currency) }
            return CreditNote(
                id: CreditNoteID(rawValue: id), number: number, invoiceId: InvoiceID(rawValue: invoice), invoiceNumber: nil,
                billingAccountId: AccountID(rawValue: account), reason: reason.flatMap(CreditNoteReason.init(rawValue:)), memo: memo, lines: [],
                total: money(total), prePaymentAmount: money(pre), refundAmount: money(refund), creditAmount: money(credit),
                outOfBandAmount: money(outOfBand), refunds: [], invoiceStatus: InvoiceStatus(rawValue: status) ?? .pending,
                invoiceAmountDue: money(due), livemode: livemode, createdBy: createdBy, createdAt: created)
        }
        let ids = notes.map(\.id.rawValue)
        var lines: [UUID: [CreditNoteLine]] = [:]
        for row in try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT credit_note_id, invoice_line_position, invoice_line_id, description, quantity::text, unit_amount::text, amount_minor
                    FROM credit_note_lines WHERE tenant_id = $1 AND credit_note_id = ANY($2) ORDER BY credit_note_id, position
                    """, binds: try .of(tenant, ids)), logger: logger)
        {
            let (note, position, lineID, description, quantity, unit, amount) = try row.decode(
                (UUID, Int?, UUID?, String, String?, String?, Int64).self)
            let currency = notes.first { $0.id.rawValue == note }?.total.currency ?? .brl
            lines[note, default: []].append(
                CreditNoteLine(
                    invoiceLineIndex: position, invoiceLineId: lineID.map(InvoiceLineID.init(rawValue:)), description: description,
                    quantity: quantity.flatMap(DecimalNumber.init), unitAmount: unit.flatMap(DecimalNumber.init),
                    amount: Money(minorUnits: amount, currency: currency)))
        }
        var refunds: [UUID: [CreditNoteRefund]] = [:]
        for row in try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT n.credit_note_id, r.id, r.payment_id, r.amount_minor, r.settlement
                    FROM credit_note_refunds n JOIN refunds r ON r.tenant_id = n.tenant_id AND r.id = n.refund_id
                    WHERE n.tenant_id = $1 AND n.credit_note_id = ANY($2) ORDER BY n.credit_note_id, r.created_at, r.id
                    """, binds: try .of(tenant, ids)), logger: logger)
        {
            let (note, refund, payment, amount, settlement) = try row.decode((UUID, UUID, UUID, Int64, String?).self)
            let currency = notes.first { $0.id.rawValue == note }?.total.currency ?? .brl
            refunds[note, default: []].append(
                CreditNoteRefund(
                    refundId: RefundID(rawValue: refund), paymentId: PaymentID(rawValue: payment),
                    amount: Money(minorUnits: amount, currency: currency), settlement: settlement))
        }
        let invoiceIDs = Array(Set(notes.map(\.invoiceId.rawValue)))
        var numbers: [UUID: String] = [:]
        for row in try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT id, number FROM invoices WHERE tenant_id = $1 AND id = ANY($2)", binds: try .of(tenant, invoiceIDs)),
            logger: logger)
        {
            let (id, number) = try row.decode((UUID, String?).self)
            numbers[id] = number
        }
        for index in notes.indices {
            let id = notes[index].id.rawValue
            notes[index].lines = lines[id] ?? []
            notes[index].refunds = refunds[id] ?? []
            notes[index].invoiceNumber = numbers[notes[index].invoiceId.rawValue]
        }
        return notes
    }

    /// A line as `jsonb_to_recordset` reads it.
    private struct LineRow: Encodable {
        var position: Int
        var linePosition: Int?
        var lineID: UUID?
        var description: String
        var quantity: String?
        var unitAmount: String?
        var amountMinor: Int64
    }

    private struct RefundRow: Encodable {
        var refundID: UUID
        var paymentID: UUID
    }
}
