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
    /// The ledger's read model of accounts (kept from the accounts context's events), shared by the three services.
    let directory: LedgerDirectory
    let credits: CreditsService
    let usage: UsageService
    let limits: LimitsService
    let references: ReferenceResolver

    /// `walletBatch`: at most this many operations on one wallet share a transaction (1: each its own). `estimateHistory`: how many of
    /// the last settled executions of a feature and model an authorization without an estimate looks at.
    public init(
        database: Database, clock: any BillingClock, accounts: AccountsClient, catalog: CatalogClient, walletBatch: Int = 64,
        estimateHistory: Int = 200
    ) {
        let directory = LedgerDirectory(logger: database.logger)
        let references = ReferenceResolver(database: database, directory: directory, accounts: accounts, catalog: catalog)
        let outbox = Outbox(context: LedgerAPI.contextName)
        self.database = database
        self.directory = directory
        self.references = references
        self.credits = CreditsService(
            database: database, clock: clock, directory: directory, references: references, catalog: catalog,
            outbox: outbox, walletBatch: walletBatch, estimateHistory: estimateHistory)
        let counter = LimitCounter(limits: LimitStore(logger: database.logger), outbox: outbox, logger: database.logger)
        self.usage = UsageService(
            database: database, clock: clock, directory: directory, references: references,
            usage: UsageStore(logger: database.logger), counter: counter)
        self.limits = LimitsService(database: database, clock: clock, references: references, counter: counter)
    }

    /// The RPC methods, the relay of the ledger's outbox and the consumer keeping its read model of accounts.
    public static func components(runtime: ServiceRuntime) throws -> ServiceComponents {
        let service = LedgerService(
            database: runtime.database, clock: runtime.clock,
            accounts: AccountsClient(rpc: try runtime.client(for: "accounts", defaultEndpoint: "127.0.0.1:9101")),
            catalog: CatalogClient(rpc: try runtime.client(for: "catalog", defaultEndpoint: "127.0.0.1:9102")),
            walletBatch: try runtime.configuration.reader.int("BILLING_LEDGER_WALLET_BATCH", default: 64, range: 1...1000),
            estimateHistory: try runtime.configuration.reader.int("BILLING_LEDGER_ESTIMATE_HISTORY", default: 200, range: 1...10_000))
        let warningTick = try runtime.configuration.reader.int(
            "BILLING_LEDGER_EXPIRY_WARNING_INTERVAL_MS", default: 60_000, range: 10...86_400_000)
        let credits = service.credits
        return ServiceComponents(
            router: service.router(),
            background: [
                try runtime.outboxRelay(), try runtime.eventConsumer(service.accountEvents),
                PeriodicBatchJob(name: "credit expiry warnings", interval: .milliseconds(warningTick), batchSize: 500, logger: runtime.logger) {
                    limit in
                    try await credits.warnExpiring(limit: limit)
                },
            ])
    }

    /// Every method of the three services: `Usage`, `Limits`, `Credits`.
    public func router() -> RPCRouter {
        var router = RPCRouter()
        usage.register(on: &router)
        limits.register(on: &router)
        credits.register(on: &router)
        CreditReportsService(database: credits.database, clock: credits.clock).register(on: &router)
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
            ].merging(credits.creditHandlers) { first, _ in first }
                .merging(limits.subscriptionHandlers) { first, second in
                    { envelope, connection in
                        try await first(envelope, connection)
                        try await second(envelope, connection)
                    }
                },
            // The accounts a batch's events name and the ledger does not hold yet (a grant for an account whose creation has not
            // reached it) are asked for at once, before the batch's transaction: not one by one, holding it open.
            prepare: { [references] envelopes in try await references.learnAccounts(namedIn: envelopes) })
    }

    private func record<Event: IntegrationEvent>(_ type: Event.Type, _ account: KeyPath<Event, BillingAccount> & Sendable) -> EventHandler {
        let directory = directory
        return { envelope, connection in
            let event = try envelope.decode(Event.self)
            try await directory.upsert(LedgerAccount(event[keyPath: account]), tenant: envelope.tenantid, on: connection)
        }
    }
}
