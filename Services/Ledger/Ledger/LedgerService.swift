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
import Logging
import PostgresNIO
import SubscriptionsContract

/// The ledger context: usage events and their aggregates, plan limits, AI credit wallets.
public struct LedgerService: Sendable {
    /// Migrations of the `ledger` schema, after the platform and event ones.
    public static var migrations: [Migration] {
        get throws {
            EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations")))
        }
    }

    let database: Database
    let clock: any BillingClock
    let directory: LedgerDirectory
    let usage: UsageStore
    let limits: LimitStore
    let references: ReferenceResolver
    let wallets: WalletStore
    let modelRates: ModelRateCache
    let catalog: CatalogClient
    let outbox = Outbox(context: LedgerAPI.contextName)
    let walletQueues: WalletQueues
    let openHolds = OpenHolds()

    /// `walletBatch`: at most this many operations on one wallet share a transaction (1: each its own).
    public init(database: Database, clock: any BillingClock, accounts: AccountsClient, catalog: CatalogClient, walletBatch: Int = 64) {
        self.database = database
        self.clock = clock
        self.directory = LedgerDirectory(logger: database.logger)
        self.usage = UsageStore(logger: database.logger)
        self.limits = LimitStore(logger: database.logger)
        self.references = ReferenceResolver(database: database, directory: directory, accounts: accounts, catalog: catalog)
        self.wallets = WalletStore(logger: database.logger)
        self.modelRates = ModelRateCache(catalog: catalog, clock: clock)
        self.catalog = catalog
        self.walletQueues = WalletQueues(maximumBatch: walletBatch)
    }

    /// The RPC methods, the relay of the ledger's outbox and the consumer keeping its read model of accounts.
    public static func components(runtime: ServiceRuntime) throws -> ServiceComponents {
        let service = LedgerService(
            database: runtime.database, clock: runtime.clock,
            accounts: AccountsClient(rpc: try runtime.client(for: "accounts", defaultEndpoint: "127.0.0.1:9101")),
            catalog: CatalogClient(rpc: try runtime.client(for: "catalog", defaultEndpoint: "127.0.0.1:9102")),
            walletBatch: try runtime.configuration.reader.int("BILLING_LEDGER_WALLET_BATCH", default: 64, range: 1...1000))
        return ServiceComponents(
            router: service.router(),
            background: [try runtime.outboxRelay(), try runtime.eventConsumer(service.accountEvents)])
    }

    public func router() -> RPCRouter {
        var router = RPCRouter()
        router.register(LedgerAPI.ingest) { request, context in try await ingest(request, context: context) }
        router.register(LedgerAPI.summary) { request, context in try await summary(request, context: context) }
        router.register(LedgerAPI.closePeriod) { request, context in try await closePeriod(request, context: context) }
        router.register(LedgerAPI.setLimits) { request, context in try await setLimits(request, context: context) }
        router.register(LedgerAPI.checkLimit) { request, context in try await checkLimit(request, context: context) }
        router.register(LedgerAPI.accountLimits) { request, context in try await accountLimits(request, context: context) }
        router.register(LedgerAPI.grantCredits) { request, context in try await grantCredits(request, context: context) }
        router.register(LedgerAPI.chargeCredits) { request, context in try await chargeCredits(request, context: context) }
        router.register(LedgerAPI.authorizeCredits) { request, context in try await authorizeCredits(request, context: context) }
        router.register(LedgerAPI.settleCredits) { request, context in try await settleCredits(request, context: context) }
        router.register(LedgerAPI.releaseCredits) { request, context in try await releaseCredits(request, context: context) }
        router.register(LedgerAPI.getExecution) { request, context in try await getExecution(request, context: context) }
        router.register(LedgerAPI.wallet) { request, context in try await wallet(request, context: context) }
        router.register(LedgerAPI.setWalletSettings) { request, context in try await setWalletSettings(request, context: context) }
        router.register(LedgerAPI.auditWallet) { request, context in try await auditWallet(request, context: context) }
        router.register(LedgerAPI.consumption) { request, context in try await consumption(request, context: context) }
        router.register(LedgerAPI.billOverage) { request, context in try await billOverage(request, context: context) }
        return router
    }

    /// Keeps `ledger_accounts` current from the accounts context's events; grants purchased and monthly credits from invoicing and subscriptions.
    public var accountEvents: EventSubscription {
        EventSubscription(
            group: LedgerAPI.contextName, contexts: ["accounts", "invoicing", "subscriptions"],
            events: AccountsAPI.events + InvoicingAPI.events + SubscriptionsAPI.events,
            handlers: [
                AccountCreated.eventType: record(AccountCreated.self, \.account),
                AccountUpdated.eventType: record(AccountUpdated.self, \.account),
                AccountSuspended.eventType: record(AccountSuspended.self, \.account),
                AccountReactivated.eventType: record(AccountReactivated.self, \.account),
                AccountClosed.eventType: record(AccountClosed.self, \.account),
            ].merging(creditHandlers) { first, _ in first })
    }

    private func record<Event: IntegrationEvent>(_ type: Event.Type, _ account: KeyPath<Event, BillingAccount> & Sendable) -> EventHandler {
        let directory = directory
        return { envelope, connection in
            let event = try envelope.decode(Event.self)
            try await directory.upsert(LedgerAccount(event[keyPath: account]), tenant: envelope.tenantid, on: connection)
        }
    }

    /// Options for asking other contexts on behalf of a call.
    static func outgoing(_ context: RPCServerContext) -> RPCCallOptions { context.outgoing(timeout: .seconds(5)) }
}
