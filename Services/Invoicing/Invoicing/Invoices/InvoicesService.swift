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

/// Invoices: drafts by request or from subscription events, finalization with gapless numbers (one at a time or by the
/// batch job), void and cancel, overdue marking, the printable invoice and its PIX code.
struct InvoicesService: Sendable {
    let database: Database
    let clock: any BillingClock
    let accounts: AccountsClient
    let subscriptions: SubscriptionsClient
    let catalog: CatalogClient
    let ledger: RPCClient
    let store: InvoiceStore
    /// A new invoice of an account takes its PENDING one-off charges; a canceled draft gives them back.
    let items: InvoiceItemStore
    /// Voiding fails the invoice's PIX charges still waiting.
    let payments: PaymentStore
    let credit: AccountCreditBook
    /// Finalizing queues a period invoice for collection when its account has a default saved card.
    let collections: CardCollectionStore
    let paymentMethods: PaymentMethodStore
    let outbox: Outbox
    let merchant: PixMerchant
    let sellerTaxID: String?
    /// How invoices are paid by PIX; `pixCharges` holds the PSP's charges when it is one.
    let pixRail: PixRail
    let pixCharges: PixCharges?
    /// Boletos híbridos at the bank, when one is configured (`BILLING_INVOICING_BOLETO_PROVIDER`).
    var boletos: Boletos? = nil
    /// Usage priced here from the catalog's product versions, kept per process.
    let productPrices = ProductPrices()

    func register(on router: inout RPCRouter) {
        router.register(InvoicingAPI.create) { request, context in try await create(request, context: context) }
        router.register(InvoicingAPI.get) { request, context in try await get(request.id, tenant: context.tenant) }
        router.register(InvoicingAPI.upcoming) { request, context in try await upcoming(request, context: context) }
        router.register(InvoicingAPI.applyDiscount) { request, context in try await applyDiscount(request, context: context) }
        router.register(InvoicingAPI.list) { request, context in try await list(request, tenant: context.tenant) }
        router.register(InvoicingAPI.finalize) { request, context in
            try await finalize(request.id, paymentMethod: request.paymentMethod, context: context)
        }
        router.register(InvoicingAPI.boleto) { request, context in try await boleto(of: request.id, tenant: context.tenant) }
        router.register(InvoicingAPI.bankTransfer) { request, context in try await bankTransferInstructions(request.id, tenant: context.tenant) }
        router.register(InvoicingAPI.void) { request, context in try await void(request.id, context: context) }
        router.register(InvoicingAPI.cancel) { request, context in try await cancel(request.id, context: context) }
        router.register(InvoicingAPI.update) { request, context in try await update(request, context: context) }
        router.register(InvoicingAPI.addLine) { request, context in try await addLine(request, context: context) }
        router.register(InvoicingAPI.updateLine) { request, context in try await updateLine(request, context: context) }
        router.register(InvoicingAPI.removeLine) { request, context in try await removeLine(request, context: context) }
        router.register(InvoicingAPI.pix) { request, context in
            try await pix(for: get(request.id, tenant: context.tenant), tenant: context.tenant)
        }
        router.register(InvoicingAPI.document) { request, context in try await document(request.id, context: context) }
        router.register(InvoicingAPI.pdf) { request, context in try await pdf(request.id, context: context) }
        router.register(InvoicingAPI.settings) { _, context in try await settings(tenant: context.tenant) }
        router.register(InvoicingAPI.setSettings) { request, context in try await setSettings(request, tenant: context.tenant) }
        router.register(InvoicingAPI.markOverdue) { request, _ in RunOverdueResult(marked: try await markOverdue(limit: request.limit ?? 500)) }
    }

    func create(_ request: CreateInvoiceRequest, context: RPCServerContext) async throws -> Invoice {
        var period: TimeSpan?
        switch (request.periodStart, request.periodEnd) {
        case (nil, nil): break
        case (let start?, let end?):
            guard start < end else { throw InvoicingError.invalid("periodEnd", "periodEnd must be after periodStart") }
            period = TimeSpan(start: start, end: end)
        case (nil, _): throw InvoicingError.invalid("periodStart", "periodStart and periodEnd go together")
        case (_, nil): throw InvoicingError.invalid("periodEnd", "periodStart and periodEnd go together")
        }
        if let terms = request.netTermsDays, !(0...365).contains(terms) {
            throw InvoicingError.invalid("netTermsDays", "netTermsDays must be between 0 and 365")
        }
        let options = context.outgoing(timeout: .seconds(5))
        guard
            let account = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await accounts.get(request.billingAccountId, options: options)
            })
        else {
            throw InvoicingError.invalid("billingAccountId", "billing account \(request.billingAccountId) not found", reason: "ACCOUNT_NOT_FOUND")
        }
        guard account.status != .closed else {
            throw InvoicingError.conflict("billing account is CLOSED", reason: "ACCOUNT_CLOSED", field: "billingAccountId")
        }
        let currency = Currency(code: account.currency) ?? .brl
        let page = try await subscriptions.call(
            SubscriptionsAPI.list, ListSubscriptionsRequest(billingAccountId: request.billingAccountId, pageSize: 100),
            options: options)
        let tenant = context.tenant
        // A period is billed once: those the system (or an earlier call) billed already are left out, checked again under the lock below.
        let billedAlready = try await database.withTenant(tenant) { connection in
            var billed: [SubscriptionID: (id: InvoiceID, status: InvoiceStatus)] = [:]
            for subscription in page.items where [.active, .pastDue].contains(subscription.status) {
                billed[subscription.id] = try await store.invoiceBilling(
                    subscription: subscription.id.rawValue, periodStart: subscription.currentPeriodStart, tenant: tenant, on: connection)
            }
            return billed
        }
        var lines = try InvoiceComposer.lines(
            for: page.items.filter { billedAlready[$0.id] == nil }, period: period, currency: currency)
        // Usage of each billed (non-trial) subscription's current period so far; the period is closed when its own invoice is drafted.
        var usage: [(subscription: SubscriptionID, billing: UsageBilling)] = []
        for subscription in page.items where lines.contains(where: { $0.kind == "SUBSCRIPTION" && $0.subscriptionId == subscription.id }) {
            let billing = try await usageLines(
                subscription, period: TimeSpan(start: subscription.currentPeriodStart, end: min(subscription.currentPeriodEnd, clock.now())),
                currency: currency, closing: false, options: options)
            lines += billing.lines
            usage.append((subscription.id, billing))
        }
        for subscription in page.items where lines.contains(where: { $0.kind == "SUBSCRIPTION" && $0.subscriptionId == subscription.id }) {
            lines = try Discounts.apply(
                subscription, periodStart: subscription.currentPeriodStart, to: Taxes.stampTaxCodes(lines, subscription: subscription))
        }
        // One-off charges waiting: an invoice holds them even when no subscription period is left to bill (taken under lock below).
        let itemsWaiting = try await database.withTenant(tenant) { try await items.hasPending(account: account.id, tenant: tenant, on: $0) }
        guard !lines.isEmpty || itemsWaiting else {
            // Every period is billed already: the draft that bills them is the answer; one already finalized is a conflict.
            if let draft = billedAlready.values.first(where: { $0.status == .draft }) { return try await get(draft.id, tenant: tenant) }
            if let billed = billedAlready.first {
                throw InvoicingError.conflict(
                    "subscription \(billed.key)'s current period is already billed by invoice \(billed.value.id) (\(billed.value.status.rawValue))",
                    reason: "PERIOD_ALREADY_INVOICED", field: "billingAccountId")
            }
            throw InvoicingError.invalid(
                "billingAccountId", "the account has no live subscription in that period: nothing to bill", reason: "NOTHING_TO_BILL")
        }
        let total = try InvoiceComposer.total(lines, currency: currency)
        let billed = Set(lines.compactMap(\.subscriptionId))
        return try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.create.name, key: context.metadata.idempotencyKey,
            request: request
        ) { connection in
            let now = clock.now()
            var terms = request.netTermsDays ?? 0
            if request.netTermsDays == nil { terms = try await store.settings(tenant: tenant, on: connection).netTermsDays }
            var invoice = Invoice(
                id: .generate(at: now), billingAccountId: account.id, number: nil, status: .draft, currency: currency.code, lines: lines,
                total: total, amountPaid: .zero(currency), amountDue: total, periodStart: period?.start ?? lines.compactMap(\.periodStart).min(),
                periodEnd: period?.end ?? lines.compactMap(\.periodEnd).max(), subscriptionId: billed.count == 1 ? billed.first : nil,
                netTermsDays: terms, dueDate: nil, finalizedAt: nil, paidAt: nil, voidedAt: nil, createdAt: now, updatedAt: now)
            invoice.livemode = account.testClockId == nil
            invoice.createdBy = context.metadata.actor
            // A period is billed once: not again by hand when the system (or an earlier call) billed it, and the system's own draft of
            // it skips it once this commits (both look under the subscription's lock).
            for subscription in billed.sorted(by: { $0.rawValue.text < $1.rawValue.text }) {
                try await store.lockSubscription(subscription.rawValue, tenant: tenant, on: connection)
            }
            for line in lines where line.kind == "SUBSCRIPTION" {
                guard let subscription = line.subscriptionId, let start = line.periodStart,
                    let existing = try await store.invoiceBilling(
                        subscription: subscription.rawValue, periodStart: start, tenant: tenant, on: connection)
                else { continue }
                // Drafted meanwhile (the system's draft at the period's start, committed while the lines were composed): that draft.
                if existing.status == .draft, let draft = try await store.find(existing.id, tenant: tenant, on: connection) { return draft }
                throw InvoicingError.conflict(
                    "subscription \(subscription)'s period from \(RFC3339.format(start)) is already billed by invoice \(existing.id)",
                    reason: "PERIOD_ALREADY_INVOICED", field: "billingAccountId")
            }
            try await takeInvoiceItems(into: &invoice, at: now, tenant: tenant, on: connection)
            guard !invoice.lines.isEmpty else {
                // Only items were left to bill, and another draft took them meanwhile: that draft, as when every period is billed.
                if let draft = billedAlready.values.first(where: { $0.status == .draft }),
                    let existing = try await store.find(draft.id, tenant: tenant, on: connection)
                {
                    return existing
                }
                throw InvoicingError.invalid(
                    "billingAccountId", "the account has no live subscription in that period and no pending invoice item: nothing to bill",
                    reason: "NOTHING_TO_BILL")
            }
            try await credit.apply(to: &invoice, at: now, tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
            try await store.insert(invoice, tenant: tenant, on: connection)
            let unpriced = usage.flatMap {
                $0.billing.unpricedEvents(invoice: invoice.id, account: invoice.billingAccountId, subscription: $0.subscription)
            }
            try await outbox.append(
                ([InvoiceCreated(invoice: invoice.summary)] as [any IntegrationEvent] + unpriced).map {
                    PendingEvent($0, tenant: tenant, at: now, traceparent: context.metadata.traceparent)
                },
                on: connection, logger: database.logger)
            return invoice
        }
    }

    func get(_ id: InvoiceID, tenant: String) async throws -> Invoice {
        try await database.withTenant(tenant) { connection in
            guard let invoice = try await store.find(id, tenant: tenant, on: connection) else {
                throw InvoicingError.notFound("invoice", id.description, reason: "INVOICE_NOT_FOUND")
            }
            return try await withCreditNotes([invoice], tenant: tenant, on: connection)[0]
        }
    }

    func list(_ request: ListInvoicesRequest, tenant: String) async throws -> InvoicePage {
        guard (1...100).contains(request.pageSize) else {
            throw InvoicingError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        let account = request.billingAccountId?.rawValue
        return try await database.withTenant(tenant) { connection in
            var page = try await store.list(request, account: account, tenant: tenant, on: connection)
            page.items = try await withCreditNotes(page.items, tenant: tenant, on: connection)
            return page
        }
    }

    func void(_ id: InvoiceID, context: RPCServerContext) async throws -> Invoice {
        try await change(id, context: context) { invoice, now, connection in
            if InvoiceLifecycle.isPayable(invoice.status) && !invoice.amountPaid.isZero {
                throw InvoicingError.conflict(
                    "invoice has payments (\(invoice.amountPaid)); refund them before voiding it", reason: "INVOICE_HAS_PAYMENTS")
            }
            try InvoiceLifecycle.move(&invoice, to: .void)
            invoice.voidedAt = now
            try await payments.failPending(of: invoice.id, reason: "the invoice was voided", at: now, tenant: context.tenant, on: connection)
            // Its boleto is written off at the bank (baixa) by the job, with no row locked.
            try await BoletoStore(logger: database.logger).requestCancellation(of: invoice.id, at: now, tenant: context.tenant, on: connection)
            try await credit.giveBack(of: invoice, at: now, tenant: context.tenant, traceparent: context.metadata.traceparent, on: connection)
            return []
        }
    }

    func cancel(_ id: InvoiceID, context: RPCServerContext) async throws -> Invoice {
        try await change(id, context: context) { invoice, now, connection in
            try InvoiceLifecycle.move(&invoice, to: .canceled)
            try await items.release(of: invoice.id, at: now, tenant: context.tenant, on: connection)
            try await credit.giveBack(of: invoice, at: now, tenant: context.tenant, traceparent: context.metadata.traceparent, on: connection)
            return []
        }
    }

    /// Locks the invoice, applies `body`, stores it and appends the events it returns, in one transaction; once per idempotency
    /// key (a resent finalize, void or cancel answers what the first did).
    func change(
        _ id: InvoiceID, context: RPCServerContext,
        _ body: (inout Invoice, Date, PostgresConnection) async throws -> [any IntegrationEvent]
    ) async throws -> Invoice {
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: context.method, key: context.metadata.idempotencyKey, request: id
        ) { connection in
            guard var invoice = try await store.find(id, tenant: tenant, forUpdate: true, on: connection) else {
                throw InvoicingError.notFound("invoice", id.description, reason: "INVOICE_NOT_FOUND")
            }
            let now = clock.now()
            let events = try await body(&invoice, now, connection)
            invoice.updatedAt = now
            try await store.save(invoice, tenant: tenant, on: connection)
            try await outbox.append(
                events.map { PendingEvent($0, tenant: tenant, at: now, traceparent: context.metadata.traceparent) }, on: connection,
                logger: database.logger)
            return invoice
        }
    }

    func settings(tenant: String) async throws -> InvoiceSettings {
        try await database.withTenant(tenant) { connection in
            var settings = try await store.settings(tenant: tenant, on: connection)
            settings.bankAccount = try await bankTransfers.account(tenant: tenant, on: connection)
            return settings
        }
    }

    func setSettings(_ request: InvoiceSettings, tenant: String) async throws -> InvoiceSettings {
        guard (0...365).contains(request.netTermsDays) else {
            throw InvoicingError.invalid("netTermsDays", "netTermsDays must be between 0 and 365")
        }
        if let text = request.cardRetrySchedule {
            guard let schedule = CardRetrySchedule(text), schedule.delays.count <= 10, schedule.delays.allSatisfy({ $0 <= 60 * 86_400 }) else {
                throw InvoicingError.invalid(
                    "cardRetrySchedule", "cardRetrySchedule must be up to 10 delays of at most 60 days, like 1d,3d,5d (s, m, h, d)")
            }
        }
        for (field, percent) in [("pixFinePercent", request.pixFinePercent), ("pixMonthlyInterestPercent", request.pixMonthlyInterestPercent)] {
            guard let percent else { continue }
            guard !percent.isNegative, percent <= DecimalNumber(100), percent.exactSignificand(atScale: 4) != nil else {
                throw InvoicingError.invalid(field, "\(field) is a percentage from 0 to 100 with at most 4 decimal places")
            }
        }
        var request = request
        if let details = request.bankAccount { request.bankAccount = try BankTransferRules.account(details) }
        return try await database.withTenant(tenant) { connection in
            try await store.setSettings(request, at: clock.now(), tenant: tenant, on: connection)
            try await bankTransfers.setAccount(request.bankAccount, at: clock.now(), tenant: tenant, on: connection)
            return request
        }
    }
}
