import AccountsContract
import BillingCore
import BillingEvents
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import InvoicingContract
import Logging
import NIOCore
import PostgresNIO
import SubscriptionsContract
import Synchronization
import Testing

@testable import Invoicing

/// Answers `Accounts.Get` with one account: the other contexts' read side, which these tests do not run.
private struct CreditNoteAccount: RPCClientTransport {
    let account: BillingAccount

    func unary(path: String, request: ByteBuffer, options: RPCCallOptions, retryable: Bool) async throws(RPCError) -> ByteBuffer {
        guard path == AccountsAPI.get.path else { throw RPCError(.unavailable, "no \(path) in this test") }
        return try RPCSerialization.encode(account)
    }

    func serverStreaming(
        path: String, request: ByteBuffer, options: RPCCallOptions
    ) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error> {
        throw RPCError(.unavailable, "no streams in this test")
    }
}

/// A card provider that holds every charge (so refunds of card payments are settled through it) and, when asked to refund,
/// checks in its own transaction that nobody holds the invoice's row.
private final class RefundingProvider: ChargeOnlyCardProvider, @unchecked Sendable {
    let name = "refunding"
    let database: Mutex<Database?> = Mutex(nil)
    let probe: Mutex<(tenant: String, invoice: UUID)?> = Mutex(nil)
    let refunds = Mutex<[(chargeId: String, id: String, amount: Money, invoiceLocked: Bool)]>([])

    func charge(_ request: CardChargeRequest) async throws(InvoicingError) -> CardCharge {
        CardCharge(approved: true, chargeId: "held_" + request.reference, declineReason: nil)
    }

    func holds(_ chargeId: String) -> Bool { chargeId.hasPrefix("held_") }

    func refund(chargeId: String, id: String, amount: Money) async throws(InvoicingError) -> ProviderRefundStatus {
        var locked = false
        if let database = database.withLock({ $0 }), let probe = probe.withLock({ $0 }) {
            do {
                _ = try await database.withTenant(probe.tenant) { connection in
                    try await connection.rows(
                        PostgresQuery(
                            unsafeSQL: "SELECT id FROM invoices WHERE tenant_id = $1 AND id = $2 FOR UPDATE NOWAIT",
                            binds: try .of(probe.tenant, probe.invoice)), logger: database.logger)
                }
            } catch {
                locked = true
            }
        }
        refunds.withLock { $0.append((chargeId, id, amount, locked)) }
        return .refunded
    }

    func refundStatus(chargeId: String, id: String) async throws(InvoicingError) -> ProviderRefundStatus { .refunded }
}

@Suite("Credit notes: against finalized invoices, what is due first, the rest refunded, credited or returned out of band")
struct CreditNotesTests {
    static let now = RFC3339.parse("2027-05-01T00:00:00Z")!

    static func money(_ text: String) -> Money { try! Money.parse(text, currency: .brl) }
    static func decimal(_ text: String) -> DecimalNumber { DecimalNumber(text)! }

    /// A finalized BRL invoice of `lines` (description, quantity, unit amount), with `paid` paid.
    static func invoice(
        status: InvoiceStatus = .pending, lines: [(String, String, String)] = [("Plano Pro", "1", "70.00"), ("Assentos", "3", "10.00")],
        paid: String = "0.00", account: AccountID = .generate()
    ) -> Invoice {
        let built = lines.map { description, quantity, unit in
            InvoiceLine(
                kind: "ONE_OFF", description: description, quantity: decimal(quantity), unitAmount: decimal(unit),
                amount: try! Money(decimal(quantity).multiplied(by: decimal(unit))!, currency: .brl, rounding: .halfEven), periodStart: nil,
                periodEnd: nil, subscriptionId: nil)
        }
        let total = Money(minorUnits: built.reduce(0) { $0 + $1.amount.minorUnits }, currency: .brl)
        let amountPaid = money(paid)
        return Invoice(
            id: .generate(), billingAccountId: account, number: status == .draft ? nil : "2027-000001", status: status, currency: "BRL", lines: built,
            total: total, amountPaid: amountPaid, amountDue: Money(minorUnits: total.minorUnits - amountPaid.minorUnits, currency: .brl),
            periodStart: nil, periodEnd: nil, subscriptionId: nil, netTermsDays: 7,
            dueDate: status == .draft ? nil : now.addingTimeInterval(7 * 86_400),
            finalizedAt: status == .draft ? nil : now, paidAt: nil, voidedAt: nil, createdAt: now, updatedAt: now)
    }

    static func request(
        _ invoice: Invoice, amount: String? = nil, lines: [CreditNoteLineAttributes]? = nil, refund: String? = nil, credit: String? = nil,
        outOfBand: String? = nil, reason: CreditNoteReason? = .productUnsatisfactory
    ) -> CreateCreditNoteRequest {
        CreateCreditNoteRequest(
            invoiceId: invoice.id, reason: reason, memo: nil, lines: lines, amount: amount.map(decimal), refundAmount: refund.map(decimal),
            creditAmount: credit.map(decimal), outOfBandAmount: outOfBand.map(decimal))
    }

    static func plan(
        _ request: CreateCreditNoteRequest, _ invoice: Invoice, credited: CreditNoteRules.Credited = .init(), refundable: String = "1000.00"
    ) throws -> CreditNoteRules.Plan {
        try CreditNoteRules.plan(request, invoice: invoice, credited: credited, refundable: money(refundable), at: now)
    }

    /// The field and reason of the refusal `call` throws (nil, nil when it succeeds).
    static func refusal(_ call: () throws -> Any) -> (RPCCode?, String?, String?) {
        do {
            _ = try call()
            return (nil, nil, nil)
        } catch let error as InvoicingError {
            return (error.rpcError.code, error.rpcError.reason, error.rpcError.details["field"])
        } catch {
            return (.internal, "\(error)", nil)
        }
    }

    // MARK: Allocation rules (pure)

    @Test("Stripe's partly paid example: invoice 100.00, paid 60.00, due 40.00; a 50.00 note takes 40.00 off what is due, 10.00 goes back")
    func partlyPaid() throws {
        let invoice = Self.invoice(paid: "60.00")
        let refused = Self.refusal { try Self.plan(Self.request(invoice, amount: "50.00"), invoice) }
        #expect(refused.0 == .invalidArgument && refused.1 == "CREDIT_SPLIT_MISMATCH" && refused.2 == "refundAmount", "10.00 must be allocated")
        let wrong = Self.refusal { try Self.plan(Self.request(invoice, amount: "50.00", credit: "5.00"), invoice) }
        #expect(wrong.0 == .invalidArgument && wrong.2 == "creditAmount", "5.00 is not 10.00")

        let plan = try Self.plan(Self.request(invoice, amount: "50.00", refund: "10.00"), invoice)
        #expect(plan.total == Self.money("50.00") && plan.prePayment == Self.money("40.00") && plan.refund == Self.money("10.00"))
        #expect(plan.invoice.amountDue.isZero && plan.invoice.amountPaid == Self.money("60.00") && plan.invoice.total == Self.money("100.00"))
        #expect(plan.invoice.status == .paid && plan.paidByNote && plan.invoice.paidAt == Self.now, "something was paid: PAID")

        let split = try Self.plan(Self.request(invoice, amount: "50.00", refund: "4.00", credit: "5.00", outOfBand: "1.00"), invoice)
        #expect(split.refund == Self.money("4.00") && split.credit == Self.money("5.00") && split.outOfBand == Self.money("1.00"))
        let smaller = try Self.plan(Self.request(invoice, amount: "30.00"), invoice)
        #expect(smaller.prePayment == Self.money("30.00") && smaller.invoice.amountDue == Self.money("10.00") && smaller.invoice.status == .pending)
        let tooMuchRefund = Self.refusal { try Self.plan(Self.request(invoice, amount: "50.00", refund: "10.00"), invoice, refundable: "9.99") }
        #expect(tooMuchRefund.0 == .invalidArgument && tooMuchRefund.1 == "REFUND_EXCEEDS_PAYMENTS" && tooMuchRefund.2 == "refundAmount")
    }

    @Test(
        "worked examples: (paid, credited before, note) on a 100.00 invoice → taken off what is due, left to allocate, status after",
        arguments: [
            ("0.00", "0.00", "100.00", "100.00", "0.00", InvoiceStatus.credited),
            ("0.00", "0.00", "25.00", "25.00", "0.00", .pending),
            ("30.00", "0.00", "80.00", "70.00", "10.00", .paid),
            ("60.00", "0.00", "50.00", "40.00", "10.00", .paid),
            ("60.00", "0.00", "40.00", "40.00", "0.00", .paid),
            ("60.00", "0.00", "39.99", "39.99", "0.00", .pending),
            ("60.00", "20.00", "30.00", "20.00", "10.00", .paid),
            ("99.99", "0.00", "100.00", "0.01", "99.99", .paid),
        ])
    func workedExamples(paid: String, before: String, note: String, pre: String, post: String, status: InvoiceStatus) throws {
        var invoice = Self.invoice(paid: paid)
        let earlier = Self.money(before)
        invoice.amountDue = try invoice.amountDue.subtracting(earlier)
        let post = Self.money(post)
        let plan = try Self.plan(
            Self.request(invoice, amount: note, refund: post.isZero ? nil : post.amountText), invoice, credited: .init(total: earlier.minorUnits))
        #expect(plan.prePayment == Self.money(pre) && plan.refund == post && plan.invoice.status == status)
        #expect(plan.invoice.amountDue == (try invoice.amountDue.subtracting(Self.money(pre))) && plan.invoice.amountPaid == Self.money(paid))
    }

    @Test("an unpaid invoice credited to zero due is CREDITED; in part, what is due goes down and it stays PENDING (or OVERDUE)")
    func unpaid() throws {
        let invoice = Self.invoice()
        let full = try Self.plan(Self.request(invoice, amount: "100.00"), invoice)
        #expect(full.invoice.status == .credited && full.invoice.amountDue.isZero && !full.paidByNote && full.prePayment == Self.money("100.00"))
        let splitOnUnpaid = Self.refusal { try Self.plan(Self.request(invoice, amount: "20.00", credit: "20.00"), invoice) }
        #expect(splitOnUnpaid.2 == "creditAmount" && splitOnUnpaid.1 == "CREDIT_SPLIT_MISMATCH", "nothing was paid: all of it reduces what is due")
        let overdue = Self.invoice(status: .overdue)
        let part = try Self.plan(Self.request(overdue, amount: "25.50"), overdue)
        #expect(part.invoice.status == .overdue && part.invoice.amountDue == Self.money("74.50"))
        var lowered = overdue
        lowered.amountDue = Self.money("74.50")
        let after = try Self.plan(Self.request(lowered, amount: "74.50"), lowered, credited: .init(total: 2_550))
        #expect(after.invoice.status == .credited)
    }

    @Test("a PAID invoice: nothing is due, so the whole note is post-payment, split as asked; the invoice stays PAID")
    func paidInvoice() throws {
        var invoice = Self.invoice(status: .paid, paid: "100.00")
        invoice.paidAt = Self.now
        let plan = try Self.plan(Self.request(invoice, amount: "30.00", refund: "20.00", outOfBand: "10.00"), invoice)
        #expect(plan.prePayment.isZero && plan.refund == Self.money("20.00") && plan.invoice.status == .paid && plan.invoice == invoice)
        let over = Self.refusal { try Self.plan(Self.request(invoice, amount: "100.01", refund: "100.01"), invoice) }
        #expect(over.0 == .invalidArgument && over.1 == "CREDIT_EXCEEDS_INVOICE" && over.2 == "amount")
        let rest = Self.refusal {
            try Self.plan(Self.request(invoice, amount: "70.01", credit: "70.01"), invoice, credited: .init(total: 3_000, byLine: [:]))
        }
        #expect(rest.1 == "CREDIT_EXCEEDS_INVOICE", "70.00 is left after 30.00 credited")
    }

    @Test("lines: by index or id, by amount or quantity (× unit amount, half-even), never more than each line has left")
    func lines() throws {
        let invoice = Self.invoice(lines: [("Plano Pro", "1", "70.00"), ("Assentos", "3", "10.00"), ("Uso", "7", "0.333")])
        #expect(invoice.total == Self.money("102.33"), "2.331 rounds to 2.33")
        let byQuantity = try Self.plan(
            Self.request(
                invoice, lines: [.init(invoiceLineIndex: 1, quantity: Self.decimal("2")), .init(invoiceLineIndex: 2, quantity: Self.decimal("5"))]),
            invoice)
        #expect(byQuantity.lines.map(\.amount) == [Self.money("20.00"), Self.money("1.66")], "5 × 0.333 = 1.665 → 1.66 (half-even)")
        #expect(byQuantity.lines.map(\.invoiceLineIndex) == [1, 2] && byQuantity.lines[0].unitAmount == Self.decimal("10.00"))
        let whole = try Self.plan(Self.request(invoice, lines: [.init(invoiceLineIndex: 2, quantity: Self.decimal("7"))]), invoice)
        #expect(whole.lines.first?.amount == Self.money("2.33"), "the whole quantity is the line's amount")
        let byID = try Self.plan(Self.request(invoice, lines: [.init(invoiceLineId: invoice.lines[0].id, amount: Self.decimal("15.5"))]), invoice)
        #expect(byID.lines.first?.invoiceLineIndex == 0 && byID.total == Self.money("15.50"))

        let credited = CreditNoteRules.Credited(total: 2_500, byLine: [1: 2_500])
        let overLine = Self.refusal {
            try Self.plan(Self.request(invoice, lines: [.init(invoiceLineIndex: 1, amount: Self.decimal("5.01"))]), invoice, credited: credited)
        }
        #expect(overLine.0 == .invalidArgument && overLine.1 == "CREDIT_EXCEEDS_LINE" && overLine.2 == "lines[0].amount")
        let twice = Self.refusal {
            try Self.plan(
                Self.request(
                    invoice,
                    lines: [.init(invoiceLineIndex: 1, amount: Self.decimal("3.00")), .init(invoiceLineIndex: 1, amount: Self.decimal("3.00"))]),
                invoice, credited: credited)
        }
        #expect(twice.2 == "lines[1].amount", "one note's lines add up on the same invoice line")
        #expect(
            try Self.plan(Self.request(invoice, lines: [.init(invoiceLineIndex: 1, amount: Self.decimal("5.00"))]), invoice, credited: credited).total
                == Self.money("5.00"))

        for (lines, amount, field) in [
            ([CreditNoteLineAttributes(invoiceLineIndex: 3, amount: Self.decimal("1"))], nil, "lines[0].invoiceLineIndex"),
            ([.init(invoiceLineIndex: -1, amount: Self.decimal("1"))], nil, "lines[0].invoiceLineIndex"),
            ([.init(invoiceLineId: .generate(), amount: Self.decimal("1"))], nil, "lines[0].invoiceLineId"),
            ([.init(amount: Self.decimal("1"))], nil, "lines[0].invoiceLineIndex"),
            ([.init(invoiceLineIndex: 0)], nil, "lines[0].amount"),
            ([.init(invoiceLineIndex: 0, amount: Self.decimal("1"), quantity: Self.decimal("1"))], nil, "lines[0].quantity"),
            ([.init(invoiceLineIndex: 0, amount: Self.decimal("1.001"))], nil, "lines[0].amount"),
            ([.init(invoiceLineIndex: 0, amount: Self.decimal("0"))], nil, "lines[0].amount"),
            ([.init(invoiceLineIndex: 0, quantity: Self.decimal("2"))], nil, "lines[0].quantity"),
            ([], nil, "lines"),
            ([.init(invoiceLineIndex: 0, amount: Self.decimal("1"))], "1.00", "amount"),
            (nil, nil, "amount"),
            (nil, "-1.00", "amount"),
            (nil, "0.001", "amount"),
        ] as [([CreditNoteLineAttributes]?, String?, String)] {
            let refused = Self.refusal { try Self.plan(Self.request(invoice, amount: amount, lines: lines), invoice) }
            #expect(refused.0 == .invalidArgument && refused.2 == field, "\(String(describing: lines)) \(amount ?? ""): \(refused)")
        }
        let negative = Self.invoice(lines: [("Plano", "1", "100.00"), ("Desconto", "1", "-10.00")])
        let discount = Self.refusal {
            try Self.plan(Self.request(negative, lines: [.init(invoiceLineIndex: 1, amount: Self.decimal("1"))]), negative)
        }
        #expect(discount.2 == "lines[0].invoiceLineIndex", "a discount line credits nothing")
        let beyondTotal = Self.refusal {
            try Self.plan(Self.request(negative, lines: [.init(invoiceLineIndex: 0, amount: Self.decimal("95.00"))]), negative)
        }
        #expect(beyondTotal.1 == "CREDIT_EXCEEDS_INVOICE" && beyondTotal.2 == "lines", "the line has 100.00, the invoice 90.00")
    }

    @Test(
        "only a finalized invoice takes a note: DRAFT, CANCELED, VOID and CREDITED are refused (409 naming invoiceId)",
        arguments: [InvoiceStatus.draft, .canceled, .void, .credited])
    func notCreditable(status: InvoiceStatus) {
        let invoice = Self.invoice(status: status)
        let refused = Self.refusal { try Self.plan(Self.request(invoice, amount: "1.00"), invoice) }
        #expect(refused.0 == .failedPrecondition && refused.1 == "INVOICE_NOT_CREDITABLE" && refused.2 == "invoiceId")
    }

    // MARK: On PostgreSQL

    struct Setup {
        let database: Database
        let service: InvoicingService
        let account: BillingAccount
        let tenant: String
        fileprivate let cards: RefundingProvider

        static func run(_ body: (Setup) async throws -> Void) async throws {
            try await TestEnvironment.withFreshSchema("cn", migrations: try InvoicingService.migrations, maximumConnections: 30) { database in
                let account = BillingAccount(
                    id: .generate(), name: "Acme", email: "billing@acme.example", currency: "BRL", taxId: nil, taxIdType: nil, timezone: "UTC",
                    metadata: [:], status: .active, statusReason: nil, balance: .zero(.brl), createdAt: CreditNotesTests.now,
                    updatedAt: CreditNotesTests.now, closedAt: nil)
                let rpc = RPCClient(transport: CreditNoteAccount(account: account))
                let cards = RefundingProvider()
                cards.database.withLock { $0 = database }
                let service = InvoicingService(
                    database: database, clock: ManualClock(CreditNotesTests.now), accounts: AccountsClient(rpc: rpc),
                    subscriptions: SubscriptionsClient(rpc: rpc), catalog: CatalogClient(rpc: rpc), ledger: rpc, cards: cards)
                try await body(
                    Setup(
                        database: database, service: service, account: account,
                        tenant: "notes-" + UUIDv7.generate().uuidString.suffix(8).lowercased(), cards: cards))
            }
        }

        func context(key: String? = nil) -> RPCServerContext {
            RPCServerContext(method: "test", metadata: RPCMetadata(tenant: tenant, idempotencyKey: key), deadline: nil, logger: Logger(label: "test"))
        }

        /// A DRAFT of `lines` finalized (PENDING, numbered).
        func finalized(_ lines: [(String, String, String)] = [("Plano Pro", "1", "70.00"), ("Assentos", "3", "10.00")]) async throws -> Invoice {
            var draft = CreditNotesTests.invoice(status: .draft, lines: lines, account: account.id)
            draft.dueDate = nil
            draft.finalizedAt = nil
            let inserted = draft
            try await database.withTenant(tenant) { try await service.invoices.store.insert(inserted, tenant: tenant, on: $0) }
            return try await service.invoices.finalize(draft.id, context: context())
        }

        func pay(_ invoice: Invoice, _ amount: String, method: PaymentMethod = .pix, reference: String? = nil) async throws -> Payment {
            try await service.payments.pay(
                CreatePaymentRequest(
                    billingAccountId: account.id, invoiceId: invoice.id, amount: CreditNotesTests.decimal(amount), paymentMethod: method,
                    externalRef: reference), context: context())
        }

        func issue(_ request: CreateCreditNoteRequest, key: String? = nil) async throws -> CreditNote {
            try await service.creditNotes.create(request, context: context(key: key))
        }

        func invoice(_ id: InvoiceID) async throws -> Invoice { try await service.invoices.get(id, tenant: tenant) }

        func events(_ type: String) async throws -> [String] {
            try await database.withTenant(tenant) { connection in
                try await connection.rows(
                    PostgresQuery(
                        unsafeSQL: "SELECT subject FROM outbox WHERE tenant_id = $1 AND type = $2 ORDER BY position", binds: try .of(tenant, type)),
                    logger: database.logger
                ).map { try $0.decode(String.self) }
            }
        }
    }

    static func code<T>(_ call: () async throws -> T) async -> (RPCCode?, String?, String?) {
        do {
            _ = try await call()
            return (nil, nil, nil)
        } catch let error as InvoicingError {
            return (error.rpcError.code, error.rpcError.reason, error.rpcError.details["field"])
        } catch {
            return (.internal, "\(error)", nil)
        }
    }

    @Test("notes on an unpaid invoice: numbered NC-2027-000001 on, what is due goes down, CREDITED at zero; replayed by key; listed")
    func unpaidOnPostgres() async throws {
        try await Setup.run { setup in
            let invoice = try await setup.finalized()
            let first = try await setup.issue(
                Self.request(invoice, lines: [.init(invoiceLineIndex: 1, quantity: Self.decimal("1"))], reason: .orderChange), key: "note-1")
            #expect(first.number == "NC-2027-000001" && first.total == Self.money("10.00") && first.prePaymentAmount == first.total)
            #expect(first.invoiceStatus == .pending && first.invoiceAmountDue == Self.money("90.00") && first.invoiceNumber == invoice.number)
            #expect(
                try await setup.issue(
                    Self.request(invoice, lines: [.init(invoiceLineIndex: 1, quantity: Self.decimal("1"))], reason: .orderChange), key: "note-1")
                    == first, "the same key answers the first note")
            #expect((try await setup.invoice(invoice.id)).amountDue == Self.money("90.00"), "once")
            let overLine = await Self.code {
                try await setup.issue(Self.request(invoice, lines: [.init(invoiceLineIndex: 1, amount: Self.decimal("20.01"))]))
            }
            #expect(overLine.0 == .invalidArgument && overLine.2 == "lines[0].amount", "20.00 of that line is left")

            let second = try await setup.issue(Self.request(invoice, amount: "90.00", reason: .duplicate))
            #expect(second.number == "NC-2027-000002" && second.invoiceStatus == .credited)
            let credited = try await setup.invoice(invoice.id)
            #expect(credited.status == .credited && credited.amountDue.isZero && credited.total == Self.money("100.00"))
            let payment = await Self.code { try await setup.pay(invoice, "1.00") }
            #expect(payment.0 == .failedPrecondition && payment.1 == "INVOICE_NOT_PAYABLE", "a CREDITED invoice collects nothing")
            let pix = await Self.code { try await setup.service.invoices.pix(for: credited, tenant: setup.tenant) }
            #expect(pix.0 == .failedPrecondition)
            let again = await Self.code { try await setup.issue(Self.request(invoice, amount: "0.01")) }
            #expect(again.0 == .failedPrecondition && again.1 == "INVOICE_NOT_CREDITABLE")

            let listed = try await setup.service.creditNotes.list(ListCreditNotesRequest(invoiceId: invoice.id), tenant: setup.tenant)
            #expect(listed.items.map(\.number) == ["NC-2027-000002", "NC-2027-000001"], "newest first")
            #expect(
                try await setup.service.creditNotes.list(
                    ListCreditNotesRequest(billingAccountId: setup.account.id, pageSize: 1), tenant: setup.tenant
                )
                .nextCursor == second.id)
            #expect(try await setup.service.creditNotes.get(first.id, tenant: setup.tenant).lines == first.lines)
            #expect(try await setup.events(CreditNoteIssued.eventType) == [invoice.id.description, invoice.id.description])
        }
    }

    @Test("an unknown invoice is 404; a DRAFT or VOID one 409; a key reused with another body is refused")
    func refusalsOnPostgres() async throws {
        try await Setup.run { setup in
            let unknown = await Self.code { try await setup.issue(Self.request(Self.invoice(), amount: "1.00")) }
            #expect(unknown.0 == .notFound && unknown.1 == "INVOICE_NOT_FOUND")
            let draft = Self.invoice(status: .draft, account: setup.account.id)
            try await setup.database.withTenant(setup.tenant) { try await setup.service.invoices.store.insert(draft, tenant: setup.tenant, on: $0) }
            let notFinal = await Self.code { try await setup.issue(Self.request(draft, amount: "1.00")) }
            #expect(notFinal.0 == .failedPrecondition && notFinal.1 == "INVOICE_NOT_CREDITABLE" && notFinal.2 == "invoiceId")
            let invoice = try await setup.finalized()
            _ = try await setup.service.invoices.void(invoice.id, context: setup.context())
            let void = await Self.code { try await setup.issue(Self.request(invoice, amount: "1.00")) }
            #expect(void.0 == .failedPrecondition && void.1 == "INVOICE_NOT_CREDITABLE")

            let open = try await setup.finalized()
            _ = try await setup.issue(Self.request(open, amount: "1.00"), key: "k")
            await #expect(throws: (any Error).self) { try await setup.issue(Self.request(open, amount: "2.00"), key: "k") }
            #expect(try await setup.invoice(open.id).amountDue == Self.money("99.00"))
        }
    }

    @Test("a partly paid invoice (60.00 of 100.00): a 50.00 note takes the 40.00 due and refunds 10.00 of the payment; PAID")
    func partlyPaidOnPostgres() async throws {
        try await Setup.run { setup in
            let invoice = try await setup.finalized()
            let payment = try await setup.pay(invoice, "60.00")
            let unsplit = await Self.code { try await setup.issue(Self.request(invoice, amount: "50.00")) }
            #expect(unsplit.0 == .invalidArgument && unsplit.2 == "refundAmount")
            let tooMuch = await Self.code { try await setup.issue(Self.request(invoice, amount: "100.00", refund: "60.01")) }
            #expect(tooMuch.2 == "amount" || tooMuch.2 == "refundAmount", "\(tooMuch)")
            let note = try await setup.issue(Self.request(invoice, amount: "50.00", refund: "10.00"))
            #expect(note.prePaymentAmount == Self.money("40.00") && note.postPaymentAmount == Self.money("10.00"))
            #expect(note.refunds.count == 1 && note.refunds.first?.paymentId == payment.id && note.refunds.first?.settlement == nil)
            #expect(note.invoiceStatus == .paid)
            let after = try await setup.invoice(invoice.id)
            #expect(after.status == .paid && after.amountPaid == Self.money("60.00") && after.amountDue.isZero)
            #expect(after.prePaymentCreditNotesAmount == Self.money("40.00") && after.postPaymentCreditNotesAmount == Self.money("10.00"))
            let refunded = try await setup.service.payments.payment(payment.id, tenant: setup.tenant)
            #expect(refunded.refunded == Self.money("10.00") && refunded.status == .completed)
            #expect(try await setup.events(InvoicePaid.eventType) == [invoice.id.description])
            #expect(try await setup.events(PaymentRefunded.eventType) == [payment.id.description])

            // The rest of it: 50.00 left to credit, 50.00 of the payment left to refund.
            let rest = try await setup.issue(Self.request(invoice, amount: "50.00", refund: "20.00", credit: "25.00", outOfBand: "5.00"))
            #expect(rest.prePaymentAmount.isZero && rest.creditAmount == Self.money("25.00") && rest.invoiceStatus == .paid)
            let balance = try await setup.database.withTenant(setup.tenant) {
                try await setup.service.creditNotes.credit.balance(account: setup.account.id, currency: .brl, tenant: setup.tenant, on: $0)
            }
            #expect(balance == Self.money("25.00"))
            let none = await Self.code { try await setup.issue(Self.request(invoice, amount: "0.01", credit: "0.01")) }
            #expect(none.1 == "CREDIT_EXCEEDS_INVOICE")
        }
    }

    @Test("a refund to a provider that holds the charge is asked once the note commits, never while the invoice is locked")
    func refundThroughProvider() async throws {
        try await Setup.run { setup in
            let invoice = try await setup.finalized()
            let payment = try await setup.pay(invoice, "100.00", method: .card, reference: "held_charge_1")
            setup.cards.probe.withLock { $0 = (setup.tenant, invoice.id.rawValue) }
            let note = try await setup.issue(
                Self.request(invoice, lines: [.init(invoiceLineIndex: 0, amount: Self.decimal("70.00"))], refund: "70.00"), key: "refund-note")
            #expect(note.refunds.map(\.settlement) == ["REFUNDED"] && note.refunds.first?.paymentId == payment.id)
            let asked = setup.cards.refunds.withLock { $0 }
            #expect(asked.count == 1 && asked.first?.chargeId == "held_charge_1" && asked.first?.amount == Self.money("70.00"))
            #expect(asked.first?.invoiceLocked == false, "the provider is asked with no row locked")
            #expect(try await setup.service.creditNotes.get(note.id, tenant: setup.tenant).refunds.first?.settlement == "REFUNDED")
            let refunds = try await setup.service.payments.refunds(of: payment.id, tenant: setup.tenant)
            #expect(refunds.items.map(\.amount) == [Self.money("70.00")] && refunds.items.first?.settlement == "REFUNDED")
            // The same key: the same note, the provider not asked for another refund.
            #expect(
                try await setup.issue(
                    Self.request(invoice, lines: [.init(invoiceLineIndex: 0, amount: Self.decimal("70.00"))], refund: "70.00"), key: "refund-note"
                )
                .id == note.id)
            #expect(setup.cards.refunds.withLock { $0.count } == 1)
            #expect(try await setup.invoice(invoice.id).status == .paid)
        }
    }

    @Test("50 notes racing on one invoice never credit more than it: 33 of 3.00 on 100.00, numbered without a gap")
    func racingNotes() async throws {
        try await Setup.run { setup in
            let invoice = try await setup.finalized()
            let outcomes = try await withThrowingTaskGroup(of: Result<CreditNote, InvoicingError>.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        do { return .success(try await setup.issue(Self.request(invoice, amount: "3.00"))) } catch let error as InvoicingError {
                            return .failure(error)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let issued = outcomes.compactMap { try? $0.get() }
            #expect(issued.count == 33, "\(outcomes.count - issued.count) refused")
            let reasons = outcomes.compactMap { if case .failure(let error) = $0 { error.rpcError.reason } else { nil } }
            #expect(reasons.count == 17 && reasons.allSatisfy { $0 == "CREDIT_EXCEEDS_INVOICE" }, "\(Set(reasons))")
            #expect(Set(issued.map(\.number)) == Set((1...33).map { String(format: "NC-2027-%06d", $0) }), "gapless")
            let after = try await setup.invoice(invoice.id)
            #expect(after.amountDue == Self.money("1.00") && after.status == .pending)
            let credited = try await setup.database.withTenant(setup.tenant) {
                try await setup.service.creditNotes.store.credited(invoice.id, tenant: setup.tenant, on: $0)
            }
            #expect(credited.total == 9_900)
        }
    }

    @Test("the printable note, HTML and PDF: number, invoice, reason, lines, total and where the money went")
    func printable() async throws {
        try await Setup.run { setup in
            let invoice = try await setup.finalized()
            _ = try await setup.pay(invoice, "100.00")
            let note = try await setup.issue(
                CreateCreditNoteRequest(
                    invoiceId: invoice.id, reason: .productUnsatisfactory, memo: "Falha <grave> no serviço",
                    lines: [.init(invoiceLineIndex: 1, quantity: Self.decimal("2"))], creditAmount: Self.decimal("20.00")))
            let invoiceHTML = try await setup.service.invoices.document(invoice.id, context: setup.context()).html
            #expect(invoiceHTML.contains("Notas de crédito") && invoiceHTML.contains("R$ 20,00"), "the invoice shows what its notes credited")
            let html = try await setup.service.creditNotes.document(note.id, context: setup.context()).html
            for text in [
                "Nota de crédito NC-2027-000001", invoice.number ?? "?", "Produto insatisfatório", "Assentos", "Crédito em conta", "Acme",
                "Falha &lt;grave&gt; no serviço",
            ] {
                #expect(html.contains(text), "\(text)")
            }
            let pdf = try await setup.service.creditNotes.pdf(note.id, context: setup.context())
            let bytes = try #require(pdf.bytes)
            #expect(bytes.starts(with: Array("%PDF-1.4".utf8)) && bytes.count > 1000)
            let missing = await Self.code { try await setup.service.creditNotes.get(.generate(), tenant: setup.tenant) }
            #expect(missing.0 == .notFound && missing.1 == "CREDIT_NOTE_NOT_FOUND")
        }
    }
}
