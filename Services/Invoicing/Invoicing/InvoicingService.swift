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

/// The invoicing context: invoices from subscriptions, finalize with gapless numbers, payments (seeds 000, 001).
public struct InvoicingService: Sendable {
    /// Migrations of the `invoicing` schema, after the platform and event ones.
    public static var migrations: [Migration] {
        get throws {
            EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations")))
        }
    }

    let database: Database
    let clock: any BillingClock
    let accounts: AccountsClient
    let subscriptions: SubscriptionsClient
    let catalog: CatalogClient
    let ledger: RPCClient
    let cards: any CardProvider
    let store: InvoiceStore
    let credits: AccountCreditStore
    let paymentMethods: PaymentMethodStore
    let collections: CardCollectionStore
    let providerEvents: ProviderEventStore
    let merchant: PixMerchant
    let sellerTaxID: String?
    let cardRetrySchedule: CardRetrySchedule
    let outbox = Outbox(context: InvoicingAPI.contextName)

    public init(
        database: Database, clock: any BillingClock, accounts: AccountsClient, subscriptions: SubscriptionsClient, catalog: CatalogClient,
        ledger: RPCClient, cards: any CardProvider = SandboxCardProvider(),
        merchant: PixMerchant = PixMerchant(key: "pix@billing.example", name: "Billing Dev", city: "Sao Paulo"), sellerTaxID: String? = nil,
        cardRetrySchedule: CardRetrySchedule = .default
    ) {
        self.sellerTaxID = sellerTaxID
        self.cardRetrySchedule = cardRetrySchedule
        self.catalog = catalog
        self.ledger = ledger
        self.cards = cards
        self.merchant = merchant
        self.database = database
        self.clock = clock
        self.accounts = accounts
        self.subscriptions = subscriptions
        self.store = InvoiceStore(logger: database.logger)
        self.credits = AccountCreditStore(logger: database.logger)
        self.paymentMethods = PaymentMethodStore(logger: database.logger)
        self.collections = CardCollectionStore(logger: database.logger)
        self.providerEvents = ProviderEventStore(logger: database.logger)
    }

    /// The RPC methods and the relay of the invoicing outbox.
    public static func components(runtime: ServiceRuntime) throws -> ServiceComponents {
        let reader = runtime.configuration.reader
        let merchant = PixMerchant(
            key: reader.string("BILLING_INVOICING_PIX_KEY", default: "pix@billing.example"),
            name: reader.string("BILLING_INVOICING_PIX_MERCHANT_NAME", default: "Billing Dev"),
            city: reader.string("BILLING_INVOICING_PIX_MERCHANT_CITY", default: "Sao Paulo"))
        // Outside development a static BR Code to a made-up key would send customers' money nowhere: the key must be set.
        if !runtime.configuration.environment.isDevelopment && reader.environment["BILLING_INVOICING_PIX_KEY"]?.isEmpty != false {
            throw ConfigurationError(variable: "BILLING_INVOICING_PIX_KEY", message: "set the tenant-facing PIX key outside development")
        }
        let cards = try CardProviderSelection.provider(
            named: reader.optionalString("BILLING_INVOICING_CARD_PROVIDER"),
            environment: runtime.configuration.environment)
        let retries = reader.string("BILLING_INVOICING_CARD_RETRY_SCHEDULE", default: "1d,3d,5d")
        guard let schedule = CardRetrySchedule(retries) else {
            throw ConfigurationError(
                variable: "BILLING_INVOICING_CARD_RETRY_SCHEDULE", message: "'\(retries)' is not a list of delays like 1d,3d,5d (s, m, h, d)")
        }
        let service = InvoicingService(
            database: runtime.database, clock: runtime.clock,
            accounts: AccountsClient(rpc: try runtime.client(for: "accounts", defaultEndpoint: "127.0.0.1:9101")),
            subscriptions: SubscriptionsClient(rpc: try runtime.client(for: "subscriptions", defaultEndpoint: "127.0.0.1:9103")),
            catalog: CatalogClient(rpc: try runtime.client(for: "catalog", defaultEndpoint: "127.0.0.1:9102")),
            ledger: try runtime.client(for: "ledger", defaultEndpoint: "127.0.0.1:9104"), cards: cards, merchant: merchant,
            sellerTaxID: reader.optionalString("BILLING_INVOICING_SELLER_TAX_ID"), cardRetrySchedule: schedule)
        let tick = try reader.int("BILLING_INVOICING_OVERDUE_INTERVAL_MS", default: 60_000, range: 10...86_400_000)
        let collectionTick = try reader.int("BILLING_INVOICING_COLLECTION_INTERVAL_MS", default: 5_000, range: 10...86_400_000)
        let finalizeTick = try reader.int("BILLING_INVOICING_FINALIZE_INTERVAL_MS", default: 250, range: 10...86_400_000)
        return ServiceComponents(
            router: service.router(),
            background: [
                try runtime.outboxRelay(), try runtime.eventConsumer(service.subscriptionEvents),
                PeriodicBatchJob(name: "overdue invoices", interval: .milliseconds(tick), batchSize: 200, logger: runtime.logger) { limit in
                    try await service.markOverdue(limit: limit)
                },
                PeriodicBatchJob(name: "automatic finalization", interval: .milliseconds(finalizeTick), batchSize: 500, logger: runtime.logger) {
                    limit in
                    try await service.finalizeQueued(limit: limit)
                },
                PeriodicBatchJob(name: "card collection", interval: .milliseconds(collectionTick), batchSize: 50, logger: runtime.logger) { limit in
                    try await service.collectCards(limit: limit)
                },
            ])
    }

    public func router() -> RPCRouter {
        var router = RPCRouter()
        router.register(InvoicingAPI.create) { request, context in try await create(request, context: context) }
        router.register(InvoicingAPI.get) { request, context in try await get(request.id, tenant: context.tenant) }
        router.register(InvoicingAPI.list) { request, context in try await list(request, tenant: context.tenant) }
        router.register(InvoicingAPI.finalize) { request, context in try await finalize(request.id, context: context) }
        router.register(InvoicingAPI.void) { request, context in try await void(request.id, context: context) }
        router.register(InvoicingAPI.cancel) { request, context in try await cancel(request.id, context: context) }
        router.register(InvoicingAPI.pay) { request, context in try await pay(request, context: context) }
        router.register(InvoicingAPI.getPayment) { request, context in try await payment(request.id, tenant: context.tenant) }
        router.register(InvoicingAPI.pix) { request, context in try await pix(for: get(request.id, tenant: context.tenant)) }
        router.register(InvoicingAPI.providerNotification) { request, context in try await providerNotification(request, context: context) }
        router.register(InvoicingAPI.document) { request, context in try await document(request.id, context: context) }
        router.register(InvoicingAPI.pdf) { request, context in try await pdf(request.id, context: context) }
        router.register(InvoicingAPI.settings) { _, context in
            try await database.withTenant(context.tenant) { try await store.settings(tenant: context.tenant, on: $0) }
        }
        router.register(InvoicingAPI.setSettings) { request, context in
            guard (0...365).contains(request.netTermsDays) else {
                throw InvoicingError.invalid("netTermsDays", "netTermsDays must be between 0 and 365")
            }
            if let text = request.cardRetrySchedule {
                guard let schedule = CardRetrySchedule(text), schedule.delays.count <= 10, schedule.delays.allSatisfy({ $0 <= 60 * 86_400 }) else {
                    throw InvoicingError.invalid(
                        "cardRetrySchedule", "cardRetrySchedule must be up to 10 delays of at most 60 days, like 1d,3d,5d (s, m, h, d)")
                }
            }
            return try await database.withTenant(context.tenant) { connection in
                try await store.setSettings(request, at: clock.now(), tenant: context.tenant, on: connection)
                return request
            }
        }
        router.register(InvoicingAPI.checkout) { request, context in try await checkout(request, context: context) }
        router.register(InvoicingAPI.savePaymentMethod) { request, context in try await savePaymentMethod(request, context: context) }
        router.register(InvoicingAPI.paymentMethods) { request, context in try await paymentMethods(request, tenant: context.tenant) }
        router.register(InvoicingAPI.refund) { request, context in try await refund(request, context: context) }
        router.register(InvoicingAPI.markOverdue) { request, _ in RunOverdueResult(marked: try await markOverdue(limit: request.limit ?? 500)) }
        return router
    }

    func create(_ request: CreateInvoiceRequest, context: RPCServerContext) async throws -> Invoice {
        guard let accountID = UUID(uuidString: request.billingAccountId) else {
            throw InvoicingError.invalid("billingAccountId", "billingAccountId must be a UUID")
        }
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
                try await accounts.get(AccountID(rawValue: accountID), options: options)
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
        var lines = try InvoiceComposer.lines(for: page.items, period: period, currency: currency)
        // Usage of each billed (non-trial) subscription's current period so far; the period is closed when its own invoice is drafted.
        for subscription in page.items where lines.contains(where: { $0.kind == "SUBSCRIPTION" && $0.subscriptionId == subscription.id.description })
        {
            lines += try await usageLines(
                subscription, period: TimeSpan(start: subscription.currentPeriodStart, end: min(subscription.currentPeriodEnd, clock.now())),
                currency: currency, closing: false, options: options)
        }
        guard !lines.isEmpty else {
            throw InvoicingError.invalid(
                "billingAccountId", "the account has no live subscription in that period: nothing to bill", reason: "NOTHING_TO_BILL")
        }
        let total = try InvoiceComposer.total(lines, currency: currency)
        let billed = Set(lines.compactMap(\.subscriptionId))
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.create.name, key: context.metadata.idempotencyKey,
            request: request
        ) { connection in
            let now = clock.now()
            var terms = request.netTermsDays ?? 0
            if request.netTermsDays == nil { terms = try await store.settings(tenant: tenant, on: connection).netTermsDays }
            var invoice = Invoice(
                id: .generate(at: now), billingAccountId: account.id.description, number: nil, status: .draft, currency: currency.code, lines: lines,
                total: total, amountPaid: .zero(currency), amountDue: total, periodStart: period?.start ?? lines.compactMap(\.periodStart).min(),
                periodEnd: period?.end ?? lines.compactMap(\.periodEnd).max(), subscriptionId: billed.count == 1 ? billed.first : nil,
                netTermsDays: terms, dueDate: nil, finalizedAt: nil, paidAt: nil, voidedAt: nil, createdAt: now, updatedAt: now)
            try await applyCredit(to: &invoice, at: now, tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
            try await store.insert(invoice, tenant: tenant, on: connection)
            try await outbox.append(
                InvoiceCreated(invoice: invoice.summary), tenant: tenant, at: now, traceparent: context.metadata.traceparent,
                on: connection, logger: database.logger)
            return invoice
        }
    }

    func get(_ id: InvoiceID, tenant: String) async throws -> Invoice {
        try await database.withTenant(tenant) { connection in
            guard let invoice = try await store.find(id, tenant: tenant, on: connection) else {
                throw InvoicingError.notFound("invoice", id.description, reason: "INVOICE_NOT_FOUND")
            }
            return invoice
        }
    }

    func list(_ request: ListInvoicesRequest, tenant: String) async throws -> InvoicePage {
        guard (1...100).contains(request.pageSize) else {
            throw InvoicingError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        var account: UUID?
        if let text = request.billingAccountId {
            guard let id = UUID(uuidString: text) else { throw InvoicingError.invalid("filter[billingAccountId]", "billingAccountId must be a UUID") }
            account = id
        }
        return try await database.withTenant(tenant) { connection in try await store.list(request, account: account, tenant: tenant, on: connection) }
    }

    /// DRAFT → PENDING with the next number; a zero total is PAID at once (nothing to collect).
    func finalize(_ id: InvoiceID, context: RPCServerContext) async throws -> Invoice {
        try await change(id, context: context) { invoice, now, connection in
            try await finalizeDraft(&invoice, at: now, tenant: context.tenant, on: connection)
        }
    }

    /// DRAFT → PENDING in the caller's transaction: the next number (or `number`, reserved by the caller), the due date; a zero
    /// total is PAID at once (nothing to collect).
    func finalizeDraft(
        _ invoice: inout Invoice, at now: Date, number: String? = nil, tenant: String,
        on connection: PostgresConnection
    ) async throws -> [any IntegrationEvent] {
        try InvoiceLifecycle.move(&invoice, to: .pending)
        if let number {
            invoice.number = number
        } else {
            invoice.number = try await store.nextNumbers(1, year: Self.numberingYear(now), tenant: tenant, on: connection)[0]
        }
        invoice.finalizedAt = now
        invoice.dueDate = now.addingTimeInterval(TimeInterval(invoice.netTermsDays) * 86_400)
        var events: [any IntegrationEvent] = [InvoiceFinalized(invoice: invoice.summary)]
        if invoice.total.isZero {
            try InvoiceLifecycle.move(&invoice, to: .paid)
            invoice.paidAt = now
            events.append(invoice.paidEvent(at: now))
        }
        try await scheduleCollection(of: &invoice, at: now, tenant: tenant, on: connection)
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
            let numbers = try await store.nextNumbers(drafts.count, year: Self.numberingYear(now), tenant: tenant, on: connection)
            var pending: [PendingEvent] = []
            for (draft, number) in zip(drafts, numbers) {
                var invoice = draft.invoice
                let events = try await finalizeDraft(&invoice, at: now, number: number, tenant: tenant, on: connection)
                invoice.updatedAt = now
                try await store.save(invoice, tenant: tenant, on: connection)
                pending += events.map { PendingEvent($0, tenant: tenant, at: now, traceparent: draft.traceparent) }
            }
            try await outbox.append(pending, on: connection, logger: database.logger)
        }
        return claimed.count
    }

    func void(_ id: InvoiceID, context: RPCServerContext) async throws -> Invoice {
        try await change(id, context: context) { invoice, now, connection in
            if InvoiceLifecycle.isPayable(invoice.status) && !invoice.amountPaid.isZero {
                throw InvoicingError.conflict(
                    "invoice has payments (\(invoice.amountPaid)); refund them before voiding it", reason: "INVOICE_HAS_PAYMENTS")
            }
            try InvoiceLifecycle.move(&invoice, to: .void)
            invoice.voidedAt = now
            try await returnCredit(of: invoice, at: now, tenant: context.tenant, traceparent: context.metadata.traceparent, on: connection)
            return []
        }
    }

    func cancel(_ id: InvoiceID, context: RPCServerContext) async throws -> Invoice {
        try await change(id, context: context) { invoice, now, connection in
            try InvoiceLifecycle.move(&invoice, to: .canceled)
            try await returnCredit(of: invoice, at: now, tenant: context.tenant, traceparent: context.metadata.traceparent, on: connection)
            return []
        }
    }

    /// The printable invoice; the buyer is read from the accounts context (its current name and tax id).
    func document(_ id: InvoiceID, context: RPCServerContext) async throws -> InvoiceHTML {
        let (invoice, buyer, pix) = try await printable(id, context: context)
        return InvoiceHTML(html: InvoiceDocument.html(invoice, buyer: buyer, seller: merchant, sellerTaxID: sellerTaxID, pix: pix))
    }

    /// The printable invoice as a PDF: the same content as `document`.
    func pdf(_ id: InvoiceID, context: RPCServerContext) async throws -> InvoicePDFFile {
        let (invoice, buyer, pix) = try await printable(id, context: context)
        return InvoicePDFFile(bytes: InvoicePDF.render(invoice, buyer: buyer, seller: merchant, sellerTaxID: sellerTaxID, pix: pix))
    }

    /// What a printed invoice shows besides itself: the buyer as the accounts context knows them now, and the PIX code while it
    /// can be paid.
    private func printable(_ id: InvoiceID, context: RPCServerContext) async throws -> (Invoice, BillingAccount?, PixCharge?) {
        let invoice = try await get(id, tenant: context.tenant)
        let options = context.outgoing(timeout: .seconds(5))
        var buyer: BillingAccount?
        if let account = UUID(uuidString: invoice.billingAccountId) {
            buyer = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await accounts.get(AccountID(rawValue: account), options: options)
            })
        }
        let payable = InvoiceLifecycle.isPayable(invoice.status) && invoice.currency == "BRL"
        return (invoice, buyer, payable ? try? await pix(for: invoice) : nil)
    }

    /// The BR Code of what is due on a PENDING or OVERDUE BRL invoice.
    func pix(for invoice: Invoice) async throws -> PixCharge {
        guard InvoiceLifecycle.isPayable(invoice.status), let number = invoice.number else {
            throw InvoicingError.conflict(
                "invoice is \(invoice.status.rawValue); only a PENDING or OVERDUE invoice is paid by PIX", reason: "INVOICE_NOT_PAYABLE")
        }
        guard invoice.currency == "BRL" else {
            throw InvoicingError.conflict("PIX charges BRL; the invoice is in \(invoice.currency)", reason: "PIX_NEEDS_BRL")
        }
        let txid = number.replacingOccurrences(of: "-", with: "")
        do {
            let code = try PixBRCode(
                key: merchant.key, merchantName: merchant.name, merchantCity: merchant.city, amount: invoice.amountDue, txid: txid,
                description: "Fatura \(number)")
            let payload = code.payload
            return PixCharge(
                invoiceId: invoice.id, copyPaste: payload, txid: txid, amount: invoice.amountDue, key: code.key, merchantName: code.merchantName,
                merchantCity: code.merchantCity, qrCodeSvg: await QRCodeRenderer().svg(payload))
        } catch {
            throw InvoicingError.conflict("the PIX merchant configuration is unusable: \(error.field) \(error.message)", reason: "PIX_NOT_CONFIGURED")
        }
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

    /// Locks the invoice, applies `body`, stores it and appends the events it returns, in one transaction.
    private func change(
        _ id: InvoiceID, context: RPCServerContext,
        _ body: (inout Invoice, Date, PostgresConnection) async throws -> [any IntegrationEvent]
    ) async throws -> Invoice {
        let tenant = context.tenant
        return try await database.withTenant(tenant) { connection in
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
}

/// Who receives PIX payments: the key, name and city the BR Code carries (`BILLING_INVOICING_PIX_*`).
public struct PixMerchant: Sendable {
    public let key: String
    public let name: String
    public let city: String
    public init(key: String, name: String, city: String) {
        self.key = key
        self.name = name
        self.city = city
    }
}
