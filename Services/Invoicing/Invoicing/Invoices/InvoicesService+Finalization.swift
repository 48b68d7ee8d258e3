import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import BillingService
import CatalogContract
import Foundation
import InvoicingContract
import Logging
import PostgresNIO
import SubscriptionsContract

/// Finalization (one draft, or the queued ones in batches), the overdue job, and the queueing of card collection.
extension InvoicesService {
    /// DRAFT → PENDING with the next number; a zero total is PAID at once (nothing to collect).
    func finalize(_ id: InvoiceID, paymentMethod: PaymentMethod? = nil, context: RPCServerContext) async throws -> Invoice {
        if let paymentMethod, paymentMethod != .boleto, paymentMethod != .bankTransfer {
            throw InvoicingError.invalid("paymentMethod", "finalize takes paymentMethod BOLETO or BANK_TRANSFER, or none")
        }
        if paymentMethod == .boleto && boletos == nil { throw BoletoRail.unavailable }
        try await recordTaxProfile(of: id, tenant: context.tenant, options: context.outgoing(timeout: .seconds(5)))
        let invoice = try await change(id, context: context) { invoice, now, connection in
            try await finalizeDraft(&invoice, at: now, paymentMethod: paymentMethod, tenant: context.tenant, on: connection)
        }
        // The boleto queued with it is registered now that the transaction committed (the job retries a failure).
        if paymentMethod == .boleto, let boletos {
            _ = try? await boletos.current(for: invoice.id, tenant: context.tenant)
        }
        return invoice
    }

    /// DRAFT → PENDING in the caller's transaction: its taxes (``applyTaxes(to:buyer:at:tenant:on:)``; `buyer` when the caller
    /// has the account), the next number (or `number`, reserved by the caller), the due date (the draft's own, or from its net
    /// terms); a zero total is PAID at once (nothing to collect).
    func finalizeDraft(
        _ invoice: inout Invoice, at now: Date, number: String? = nil, buyer: Taxes.Buyer? = nil, taxRates rates: [TaxRate]? = nil,
        paymentMethod: PaymentMethod? = nil, tenant: String, on connection: PostgresConnection
    ) async throws -> [any IntegrationEvent] {
        guard invoice.status == .draft else { throw InvoicingError.illegalTransition(from: invoice.status, to: .pending) }
        try await applyTaxes(to: &invoice, buyer: buyer, rates: rates, at: now, tenant: tenant, on: connection)
        try InvoiceLifecycle.move(&invoice, to: .pending)
        if let number {
            invoice.number = number
        } else {
            invoice.number = try await store.nextNumbers(
                1, year: Self.numberingYear(now), livemode: invoice.livemode, tenant: tenant, on: connection)[0]
        }
        invoice.finalizedAt = now
        // A due date set on the draft stays; otherwise the net terms give it.
        invoice.dueDate = invoice.dueDate ?? now.addingTimeInterval(TimeInterval(invoice.netTermsDays) * 86_400)
        var events: [any IntegrationEvent] = [InvoiceFinalized(invoice: invoice.summary)]
        if invoice.total.isZero {
            try InvoiceLifecycle.move(&invoice, to: .paid)
            invoice.paidAt = now
            events.append(invoice.paidEvent(at: now))
        }
        try await scheduleCollection(of: &invoice, at: now, tenant: tenant, on: connection)
        // An invoice finalized with BOLETO gets a boleto híbrido (its own PIX QR included), registered once this transaction commits.
        if paymentMethod == .boleto, let boletos {
            try await boletos.queue(for: invoice, at: now, tenant: tenant, on: connection)
        } else if paymentMethod == .bankTransfer {
            // Paid by a transfer quoting its reference, which an operator records (`PaymentsService.recordBankTransfer`).
            try await giveTransferReference(to: invoice, at: now, tenant: tenant, on: connection)
        } else if invoice.nextPaymentAttempt == nil, invoice.livemode, let pixCharges {
            // An invoice no saved card pays is offered a PIX charge at the PSP, created once this transaction commits.
            try await pixCharges.queue(for: invoice, at: now, tenant: tenant, on: connection)
        }
        return events
    }

    /// Invoice numbers run per tenant and UTC year.
    static func numberingYear(_ time: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.component(.year, from: time)
    }

    /// One pass of the finalization job (every replica runs it; `SKIP LOCKED` gives each its own rows): the queued drafts,
    /// a tenant at a time — their numbers reserved with one counter update, all finalized and announced in one commit.
    /// A draft finalized, edited away or canceled by hand meanwhile is left as it is. When the batch fails, the drafts are
    /// taken one at a time, each in its own transaction, and one that still fails waits a minute: it holds no other back.
    public func finalizeQueued(limit: Int) async throws -> Int {
        do {
            return try await database.withSystemScope { connection in
                try await finalize(try await store.claimQueuedFinalizations(limit: limit, at: clock.now(), on: connection), on: connection)
            }
        } catch {
            database.logger.warning("automatic finalization: the batch failed, finalizing one draft at a time", metadata: ["error": "\(error)"])
            let queued = try await database.withSystemScope { try await store.queuedFinalizations(limit: limit, at: clock.now(), on: $0) }
            for entry in queued {
                do {
                    // A draft of an account whose tax standing invoicing does not know yet learns it first, outside any transaction.
                    try await recordTaxProfile(
                        of: entry.invoice, onlyWhenMissing: true, tenant: entry.tenant,
                        options: RPCCallOptions(metadata: RPCMetadata(tenant: entry.tenant, actor: "system:finalize"), timeout: .seconds(5)))
                    _ = try await database.withSystemScope { connection in
                        try await finalize(
                            try await store.claimQueuedFinalizations(limit: 1, only: entry, at: clock.now(), on: connection), on: connection)
                    }
                } catch {
                    database.logger.error(
                        "automatic finalization failed; retried in a minute",
                        metadata: ["tenant": "\(entry.tenant)", "invoice": "\(entry.invoice)", "error": "\(error)"])
                    try await database.withSystemScope { connection in
                        try await store.postponeFinalization(
                            entry.invoice, until: clock.now().addingTimeInterval(60), tenant: entry.tenant, on: connection)
                    }
                }
            }
            return 0  // the next pass waits for the job's interval
        }
    }

    /// Finalizes claimed drafts in the caller's transaction, a tenant at a time.
    private func finalize(
        _ claimed: [(tenant: String, invoice: InvoiceID, traceparent: String?)], on connection: PostgresConnection
    ) async throws -> Int {
        let now = clock.now()
        var tenants: [String] = []
        var byTenant: [String: [(invoice: InvoiceID, traceparent: String?)]] = [:]
        for entry in claimed {
            if byTenant[entry.tenant] == nil { tenants.append(entry.tenant) }
            byTenant[entry.tenant, default: []].append((entry.invoice, entry.traceparent))
        }
        for tenant in tenants {
            var drafts: [(invoice: Invoice, traceparent: String?)] = []
            for entry in byTenant[tenant]! {
                if let invoice = try await store.find(entry.invoice, tenant: tenant, forUpdate: true, on: connection), invoice.status == .draft {
                    drafts.append((invoice, entry.traceparent))
                }
            }
            guard !drafts.isEmpty else { continue }
            // Live and test invoices are numbered in their own sequences.
            var numbers: [InvoiceID: String] = [:]
            for livemode in [true, false] {
                let series = drafts.filter { $0.invoice.livemode == livemode }
                guard !series.isEmpty else { continue }
                let assigned = try await store.nextNumbers(
                    series.count, year: Self.numberingYear(now), livemode: livemode, tenant: tenant, on: connection)
                for (draft, number) in zip(series, assigned) { numbers[draft.invoice.id] = number }
            }
            // The tenant's tax rates, read once for its whole batch.
            let rates = try await taxRates.active(tenant: tenant, on: connection)
            var pending: [PendingEvent] = []
            for draft in drafts {
                var invoice = draft.invoice
                let events = try await finalizeDraft(
                    &invoice, at: now, number: numbers[draft.invoice.id], taxRates: rates, tenant: tenant, on: connection)
                invoice.updatedAt = now
                try await store.save(invoice, tenant: tenant, on: connection)
                pending += events.map { PendingEvent($0, tenant: tenant, at: now, traceparent: draft.traceparent) }
            }
            try await outbox.append(pending, on: connection, logger: database.logger)
        }
        return claimed.count
    }

    /// PENDING invoices past their due date become OVERDUE (`billing.invoice.overdue`, which makes their subscription PAST_DUE);
    /// every tenant, one transaction per batch, rows claimed with `SKIP LOCKED` so replicas never mark one twice.
    public func markOverdue(limit: Int) async throws -> Int {
        guard (1...10_000).contains(limit) else { throw InvoicingError.invalid("limit", "limit must be between 1 and 10000") }
        return try await database.withSystemScope { connection in
            let now = clock.now()
            let due = try await store.claimOverdue(at: now, limit: limit, on: connection)
            var events: [PendingEvent] = []
            for (tenant, var invoice) in due {
                try InvoiceLifecycle.move(&invoice, to: .overdue)
                invoice.updatedAt = now
                try await store.save(invoice, tenant: tenant, on: connection)
                events.append(PendingEvent(InvoiceOverdue(invoice: invoice.summary), tenant: tenant, at: now))
            }
            try await outbox.append(events, on: connection, logger: database.logger)
            return due.count
        }
    }

    /// At finalize: a period or auto-recharge invoice with something to pay, of an account with a default card, is queued for its
    /// first charge now (the collection job charges it after this transaction commits, never inside it).
    func scheduleCollection(of invoice: inout Invoice, at now: Date, tenant: String, on connection: PostgresConnection) async throws {
        guard invoice.collectedByCard, invoice.status == .pending, invoice.amountDue.isPositive,
            try await paymentMethods.defaultToken(of: invoice.billingAccountId.rawValue, tenant: tenant, on: connection) != nil
        else { return }
        try await collections.schedule(invoice.id, at: now, tenant: tenant, on: connection)
        invoice.paymentAttempts = 0
        invoice.nextPaymentAttempt = now
    }
}
