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
import LedgerContract
import PostgresNIO
import SubscriptionsContract

/// The invoicing context (seeds 000, 001): `InvoicesService` (drafts, finalization with gapless numbers, overdue, printable
/// invoices), `InvoiceItemsService` (one-off charges for an account's next invoice), `CreditNotesService` (credit notes against
/// finalized invoices), `TaxRatesService` (the tenant's tax rates) and `PaymentsService` (payments, refunds, provider notifications, checkout, card collection, saved cards and the
/// auto-recharge they pay), which share the account's credit (`AccountCreditBook`) and one outbox.
public struct InvoicingService: Sendable {
    /// Migrations of the `invoicing` schema, after the platform and event ones.
    public static var migrations: [Migration] {
        get throws {
            EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations")))
        }
    }

    let invoices: InvoicesService
    let payments: PaymentsService
    let invoiceItems: InvoiceItemsService
    let creditNotes: CreditNotesService
    let taxRates: TaxRatesService
    let fiscalSettings: FiscalSettingsService

    public init(
        database: Database, clock: any BillingClock, accounts: AccountsClient, subscriptions: SubscriptionsClient, catalog: CatalogClient,
        ledger: RPCClient, cards: any CardProvider = SandboxCardProvider(),
        merchant: PixMerchant = PixMerchant(key: "pix@billing.example", name: "Billing Dev", city: "Sao Paulo"), sellerTaxID: String? = nil,
        cardRetrySchedule: CardRetrySchedule = .default, pixRail: PixRail = .staticKey, providerRecheck: TimeInterval = 30,
        boletoRail: BoletoRail = .disabled, secrets: SecretSealer? = nil
    ) {
        let outbox = Outbox(context: InvoicingAPI.contextName)
        let store = InvoiceStore(logger: database.logger)
        let paymentMethods = PaymentMethodStore(logger: database.logger)
        let collections = CardCollectionStore(logger: database.logger)
        let credit = AccountCreditBook(store: AccountCreditStore(logger: database.logger), outbox: outbox, logger: database.logger)
        let paymentStore = PaymentStore(logger: database.logger)
        var boletos: Boletos?
        if case .bank(let provider, let settings) = boletoRail {
            boletos = Boletos(
                database: database, clock: clock, accounts: accounts, invoices: store, store: BoletoStore(logger: database.logger),
                provider: provider, settings: settings)
        }
        invoices = InvoicesService(
            database: database, clock: clock, accounts: accounts, subscriptions: subscriptions, catalog: catalog, ledger: ledger,
            store: store, items: InvoiceItemStore(logger: database.logger), payments: paymentStore, credit: credit, collections: collections,
            paymentMethods: paymentMethods, outbox: outbox,
            merchant: merchant, sellerTaxID: sellerTaxID, pixRail: pixRail,
            pixCharges: pixRail.charges(
                database: database, clock: clock, accounts: accounts, invoices: store, payments: paymentStore), boletos: boletos)
        payments = PaymentsService(
            database: database, clock: clock, accounts: accounts, subscriptions: subscriptions, catalog: catalog, cards: cards,
            invoices: invoices, store: store, payments: paymentStore, credit: credit,
            paymentMethods: paymentMethods, collections: collections, providerEvents: ProviderEventStore(logger: database.logger),
            outbox: outbox, cardRetrySchedule: cardRetrySchedule, pixRail: pixRail, providerRecheck: providerRecheck, boletos: boletos)
        invoiceItems = InvoiceItemsService(
            database: database, clock: clock, accounts: accounts, store: InvoiceItemStore(logger: database.logger), invoices: invoices)
        creditNotes = CreditNotesService(
            database: database, clock: clock, accounts: accounts, store: CreditNoteStore(logger: database.logger), invoices: store,
            paymentStore: paymentStore, credit: credit, payments: payments, outbox: outbox, merchant: merchant, sellerTaxID: sellerTaxID)
        taxRates = TaxRatesService(database: database, clock: clock, store: TaxRateStore(logger: database.logger))
        fiscalSettings = FiscalSettingsService(
            database: database, clock: clock, store: FiscalSettingsStore(logger: database.logger), sealer: secrets)
    }

    /// The RPC methods, the relay of the invoicing outbox, the consumer of subscription and ledger events and the jobs (overdue,
    /// finalization, card collection; with a PSP, its charges and the reconciliation of what it received).
    public static func components(runtime: ServiceRuntime) throws -> ServiceComponents {
        let reader = runtime.configuration.reader
        let cards = try CardProviderSelection.provider(reader, environment: runtime.configuration.environment)
        let pixRail = try PixRail.configured(reader, environment: runtime.configuration.environment)
        let boletoRail = try BoletoRail.configured(reader)
        let merchant = PixMerchant(
            key: pixRail.provider?.key ?? reader.string("BILLING_INVOICING_PIX_KEY", default: "pix@billing.example"),
            name: reader.string("BILLING_INVOICING_PIX_MERCHANT_NAME", default: "Billing Dev"),
            city: reader.string("BILLING_INVOICING_PIX_MERCHANT_CITY", default: "Sao Paulo"))
        let retries = reader.string("BILLING_INVOICING_CARD_RETRY_SCHEDULE", default: "1d,2d,2d,2d")
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
            sellerTaxID: reader.optionalString("BILLING_INVOICING_SELLER_TAX_ID"), cardRetrySchedule: schedule, pixRail: pixRail,
            providerRecheck: TimeInterval(try reader.int("BILLING_INVOICING_PROVIDER_RECHECK_MS", default: 30_000, range: 100...86_400_000)) / 1000,
            boletoRail: boletoRail, secrets: try FiscalSecrets.sealer(reader, environment: runtime.configuration.environment))
        let tick = try reader.int("BILLING_INVOICING_OVERDUE_INTERVAL_MS", default: 60_000, range: 10...86_400_000)
        let collectionTick = try reader.int("BILLING_INVOICING_COLLECTION_INTERVAL_MS", default: 5_000, range: 10...86_400_000)
        let finalizeTick = try reader.int("BILLING_INVOICING_FINALIZE_INTERVAL_MS", default: 250, range: 10...86_400_000)
        let followUpTick = try reader.int("BILLING_INVOICING_FOLLOW_UP_INTERVAL_MS", default: 5_000, range: 10...86_400_000)
        let (invoices, payments) = (service.invoices, service.payments)
        var pixJobs: [PeriodicBatchJob] = []
        if case .psp(_, let settings) = pixRail, let charges = invoices.pixCharges {
            let pixTick = try reader.int("BILLING_INVOICING_PIX_INTERVAL_MS", default: 2_000, range: 10...86_400_000)
            pixJobs = [
                // Charges queued at finalize created at the PSP, lapsed ones expired, removed ones withdrawn there.
                PeriodicBatchJob(name: "PIX charges", interval: .milliseconds(pixTick), batchSize: 50, logger: runtime.logger) { limit in
                    let created = try await charges.createQueued(limit: limit)
                    let (expired, withdrawn) = (try await charges.expire(limit: limit), try await charges.withdrawRemoved(limit: limit))
                    return max(created, expired, withdrawn)
                },
                // Runs at start-up too: what arrived while no replica listened is recorded first.
                PeriodicBatchJob(name: "PIX reconciliation", interval: settings.reconcileInterval, batchSize: 1, logger: runtime.logger) { _ in
                    _ = try await payments.reconcilePix()
                    return 0
                },
            ]
        }
        var components = ServiceComponents(
            router: service.router(),
            background: [
                try runtime.outboxRelay(), try runtime.eventConsumer(service.events),
                PeriodicBatchJob(name: "overdue invoices", interval: .milliseconds(tick), batchSize: 200, logger: runtime.logger) { limit in
                    try await invoices.markOverdue(limit: limit)
                },
                PeriodicBatchJob(name: "automatic finalization", interval: .milliseconds(finalizeTick), batchSize: 500, logger: runtime.logger) {
                    limit in
                    try await invoices.finalizeQueued(limit: limit)
                },
                PeriodicBatchJob(name: "card collection", interval: .milliseconds(collectionTick), batchSize: 50, logger: runtime.logger) { limit in
                    try await payments.collectCards(limit: limit)
                },
                // What the providers have not settled yet: refunds (PIX devoluções, card refunds), card charges no webhook decided.
                PeriodicBatchJob(name: "provider follow-up", interval: .milliseconds(followUpTick), batchSize: 50, logger: runtime.logger) { limit in
                    max(try await payments.followRefunds(limit: limit), try await payments.followCardPayments(limit: limit))
                },
            ])
        for job in pixJobs { components.background.append(job) }
        if case .bank(_, let settings) = boletoRail, let boletos = invoices.boletos {
            let boletoTick = try reader.int("BILLING_INVOICING_BOLETO_INTERVAL_MS", default: 2_000, range: 10...86_400_000)
            // Queued boletos registered at the bank, canceled ones written off there.
            components.background.append(
                PeriodicBatchJob(name: "boletos", interval: .milliseconds(boletoTick), batchSize: 50, logger: runtime.logger) { limit in
                    try await boletos.work(limit: limit)
                })
            // The boletos still open, read at the bank once per interval (daily): what no webhook brought is recorded.
            components.background.append(
                PeriodicBatchJob(name: "boleto reconciliation", interval: settings.reconcileInterval, batchSize: 100, logger: runtime.logger) {
                    limit in try await payments.reconcileBoletos(limit: limit)
                })
        }
        return components
    }

    /// Every method of the two services.
    public func router() -> RPCRouter {
        var router = RPCRouter()
        invoices.register(on: &router)
        payments.register(on: &router)
        invoiceItems.register(on: &router)
        creditNotes.register(on: &router)
        taxRates.register(on: &router)
        fiscalSettings.register(on: &router)
        return router
    }

    /// Subscription events draft period invoices and keep proration lines (invoices); a recharge request from the ledger is a
    /// package invoiced and charged to the saved card (payments).
    var events: EventSubscription {
        EventSubscription(
            group: InvoicingAPI.contextName, contexts: [SubscriptionsAPI.contextName, LedgerAPI.contextName, AccountsAPI.contextName],
            events: SubscriptionsAPI.events + LedgerAPI.events + AccountsAPI.events,
            handlers: invoices.subscriptionHandlers.merging([CreditsRechargeRequested.eventType: payments.rechargeHandler]) { first, _ in first }
                .merging(invoices.accountHandlers) { first, _ in first },
            ordering: .subject)  // each subscription's (or account's) events in order, different ones concurrently
    }
}
