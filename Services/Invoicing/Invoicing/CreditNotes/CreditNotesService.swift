import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import Foundation
import InvoicingContract
import PostgresNIO

/// Credit notes (Stripe's and Lago's): issued against a finalized invoice with the invoice row locked (so notes racing on one
/// invoice are applied one after the other and never credit more than it), numbered gapless per tenant and year, with their
/// refunds, account credit and `credit_note.issued` event in the same transaction; the providers holding refunded money are
/// asked once it commits. The rules are ``CreditNoteRules``.
struct CreditNotesService: Sendable {
    let database: Database
    let clock: any BillingClock
    let accounts: AccountsClient
    let store: CreditNoteStore
    let invoices: InvoiceStore
    let paymentStore: PaymentStore
    let credit: AccountCreditBook
    /// Refunds go through the payments' refund path (and its providers).
    let payments: PaymentsService
    let outbox: Outbox
    let merchant: PixMerchant
    let sellerTaxID: String?

    func register(on router: inout RPCRouter) {
        router.register(InvoicingAPI.createCreditNote) { request, context in try await create(request, context: context) }
        router.register(InvoicingAPI.getCreditNote) { request, context in try await get(request.id, tenant: context.tenant) }
        router.register(InvoicingAPI.listCreditNotes) { request, context in try await list(request, tenant: context.tenant) }
        router.register(InvoicingAPI.creditNoteDocument) { request, context in try await document(request.id, context: context) }
        router.register(InvoicingAPI.creditNotePdf) { request, context in try await pdf(request.id, context: context) }
    }

    /// Issues the note once per idempotency key. 404 for an unknown invoice, 409 INVOICE_NOT_CREDITABLE for one not finalized (or
    /// VOID, CANCELED, CREDITED), 422 naming the field for anything else (see ``CreditNoteRules/plan(_:invoice:credited:refundable:at:)``).
    func create(_ request: CreateCreditNoteRequest, context: RPCServerContext) async throws -> CreditNote {
        try CreditNoteRules.checkShape(request)
        let tenant = context.tenant
        let traceparent = context.metadata.traceparent
        // Read before any lock: the invoice exists, and when money goes back on one that sold credit packages, the ledger says how
        // many of their credits are unspent (asked with no row locked).
        let (found, firstPayment) = try await database.withTenant(tenant) { connection in
            let invoice = try await invoices.find(request.invoiceId, tenant: tenant, on: connection)
            let page = try await paymentStore.list(
                ListPaymentsRequest(invoiceId: request.invoiceId, status: .completed, pageSize: 1), tenant: tenant, on: connection)
            return (invoice, page.items.first?.id)
        }
        guard let found else { throw InvoicingError.notFound("invoice", request.invoiceId.description, reason: "INVOICE_NOT_FOUND") }
        var unspent: Credits?
        if let refund = request.refundAmount, refund > .zero, !(found.creditPurchases ?? []).isEmpty, let firstPayment {
            unspent = try await payments.unspentPackageCredits(of: firstPayment, context: context)
        }
        var note = try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.createCreditNote.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            guard let invoice = try await invoices.find(request.invoiceId, tenant: tenant, forUpdate: true, on: connection) else {
                throw InvoicingError.notFound("invoice", request.invoiceId.description, reason: "INVOICE_NOT_FOUND")
            }
            let now = clock.now()
            let credited = try await store.credited(invoice.id, tenant: tenant, on: connection)
            let refundable =
                request.refundAmount.map { $0 > .zero } == true ? try await refundablePayments(of: invoice, tenant: tenant, on: connection) : []
            let plan = try CreditNoteRules.plan(
                request, invoice: invoice, credited: credited,
                refundable: Money(minorUnits: refundable.reduce(0) { $0 + $1.available.minorUnits }, currency: invoice.total.currency), at: now)
            let number = try await store.nextNumber(
                year: InvoicesService.numberingYear(now), livemode: invoice.livemode, tenant: tenant, on: connection)
            var refunds: [CreditNoteRefund] = []
            var left = plan.refund.minorUnits
            for (payment, available) in refundable where left > 0 {
                var payment = payment
                let amount = Money(minorUnits: min(left, available.minorUnits), currency: available.currency)
                let refund = try await payments.recordRefund(
                    of: &payment, amount: amount, reason: "credit note \(number)", leaveWalletInDebt: false, unspent: unspent,
                    takingBackCredit: false, field: "refundAmount", at: now, tenant: tenant, traceparent: traceparent, on: connection)
                refunds.append(CreditNoteRefund(refundId: refund.id, paymentId: payment.id, amount: amount, settlement: refund.settlement))
                left -= amount.minorUnits
            }
            if plan.credit.isPositive {
                try await credit.move(
                    plan.credit, account: invoice.billingAccountId, reason: "CREDIT_NOTE", invoice: invoice.id, payment: nil, at: now,
                    tenant: tenant, traceparent: traceparent, on: connection)
            }
            var after = plan.invoice
            var events: [any IntegrationEvent] = []
            if after.status != invoice.status {
                // Nothing more is collected: the PIX charges still offered are withdrawn, as when it is paid or voided.
                try await paymentStore.failPending(
                    of: invoice.id, reason: "the invoice was \(after.status == .paid ? "settled" : "credited") by a credit note", at: now,
                    tenant: tenant, on: connection)
                if after.status == .credited {
                    // VOID-like: the account credit it took goes back, as a voided invoice's does.
                    try await credit.giveBack(of: after, at: now, tenant: tenant, traceparent: traceparent, on: connection)
                }
                if plan.paidByNote { events.append(after.paidEvent(at: now)) }
            }
            if after != invoice {
                after.updatedAt = now
                try await invoices.save(after, tenant: tenant, on: connection)
            }
            let note = CreditNote(
                id: .generate(at: now), number: number, invoiceId: invoice.id, invoiceNumber: invoice.number,
                billingAccountId: invoice.billingAccountId,
                reason: request.reason, memo: request.memo.flatMap { $0.isEmpty ? nil : $0 }, lines: plan.lines, total: plan.total,
                prePaymentAmount: plan.prePayment, refundAmount: plan.refund, creditAmount: plan.credit, outOfBandAmount: plan.outOfBand,
                refunds: refunds, invoiceStatus: after.status, invoiceAmountDue: after.amountDue, livemode: invoice.livemode,
                createdBy: context.metadata.actor, createdAt: now)
            try await store.insert(note, tenant: tenant, on: connection)
            events.insert(CreditNoteIssued(creditNote: note, invoice: after.summary), at: 0)
            try await outbox.append(
                events.map { PendingEvent($0, tenant: tenant, at: now, traceparent: traceparent) }, on: connection, logger: database.logger)
            return note
        }
        // The providers are asked once the note is committed. A replayed key reads where its refunds stand now, and asks again only
        // for what is still processing (the same refund at the provider, by its id).
        guard note.refunds.contains(where: { $0.settlement == "PROCESSING" }) else { return note }
        note = try await get(note.id, tenant: tenant)
        for index in note.refunds.indices where note.refunds[index].settlement == "PROCESSING" {
            note.refunds[index].settlement = await settle(note.refunds[index], note: note, tenant: tenant)
        }
        return note
    }

    /// The invoice's COMPLETED payments (newest first), locked, with what a note may refund of each: what is left of it, less
    /// what of its overpayment is still account credit (that part is refunded by the payment's own refunds, which take it back).
    private func refundablePayments(
        of invoice: Invoice, tenant: String, on connection: PostgresConnection
    ) async throws -> [(payment: Payment, available: Money)] {
        let page = try await paymentStore.list(
            ListPaymentsRequest(invoiceId: invoice.id, status: .completed, pageSize: 100), tenant: tenant, on: connection)
        var refundable: [(payment: Payment, available: Money)] = []
        for listed in page.items.sorted(by: { $0.id > $1.id }) {
            guard let payment = try await paymentStore.payment(listed.id, tenant: tenant, forUpdate: true, on: connection),
                payment.status == .completed
            else { continue }
            let inCredit = try await credit.store.credited(by: payment.id, tenant: tenant, on: connection)
            let available = payment.amount.minorUnits - payment.refunded.minorUnits - max(0, inCredit)
            if available > 0 { refundable.append((payment, Money(minorUnits: available, currency: payment.amount.currency))) }
        }
        return refundable
    }

    /// Asks the payment's provider for a refund the note made; answers where it stands.
    private func settle(_ refund: CreditNoteRefund, note: CreditNote, tenant: String) async -> String? {
        guard
            let payment = try? await database.withTenant(tenant, { try await paymentStore.payment(refund.paymentId, tenant: tenant, on: $0) })
        else { return refund.settlement }
        let settled = await payments.settleAtProvider(
            Refund(
                id: refund.refundId, paymentId: refund.paymentId, amount: refund.amount, reason: "credit note \(note.number)", payment: payment,
                createdAt: note.createdAt, settlement: refund.settlement), tenant: tenant)
        return settled.settlement
    }

    func get(_ id: CreditNoteID, tenant: String) async throws -> CreditNote {
        try await database.withTenant(tenant) { connection in
            guard let note = try await store.find(id, tenant: tenant, on: connection) else {
                throw InvoicingError.notFound("credit note", id.description, reason: "CREDIT_NOTE_NOT_FOUND")
            }
            return note
        }
    }

    func list(_ request: ListCreditNotesRequest, tenant: String) async throws -> CreditNotePage {
        guard (1...100).contains(request.pageSize) else {
            throw InvoicingError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        return try await database.withTenant(tenant) { try await store.list(request, tenant: tenant, on: $0) }
    }

    /// The printable note; the buyer as the accounts context knows them now.
    func document(_ id: CreditNoteID, context: RPCServerContext) async throws -> InvoiceHTML {
        let (note, buyer) = try await printable(id, context: context)
        return InvoiceHTML(html: CreditNoteDocument.html(note, buyer: buyer, seller: merchant, sellerTaxID: sellerTaxID))
    }

    func pdf(_ id: CreditNoteID, context: RPCServerContext) async throws -> InvoicePDFFile {
        let (note, buyer) = try await printable(id, context: context)
        return InvoicePDFFile(bytes: CreditNoteDocument.pdf(note, buyer: buyer, seller: merchant, sellerTaxID: sellerTaxID))
    }

    private func printable(_ id: CreditNoteID, context: RPCServerContext) async throws -> (CreditNote, BillingAccount?) {
        let note = try await get(id, tenant: context.tenant)
        let options = context.outgoing(timeout: .seconds(5))
        let buyer = try await RPCError.unlessNotFound({ () async throws(RPCError) in
            try await accounts.get(note.billingAccountId, options: options)
        })
        return (note, buyer)
    }
}
