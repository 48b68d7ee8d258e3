import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import BillingService
import CatalogContract
import Foundation
import Logging
import PostgresNIO
import SubscriptionsContract

/// The subscriptions context (seeds 000, 001): `SubscriptionLifecycleService` (the commands, entitlements and what invoicing's
/// events do), `RenewalsService` (the scheduler moving subscriptions through their periods) and `TestClocksService`; the three
/// change subscriptions the same way (`SubscriptionTransactions`).
public struct SubscriptionsService: Sendable {
    /// Migrations of the `subscriptions` schema, after the platform and event ones.
    public static var migrations: [Migration] {
        get throws {
            EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations")))
        }
    }

    let lifecycle: SubscriptionLifecycleService
    public let renewals: RenewalsService
    let testClocks: TestClocksService

    /// `grace`: how long a PAST_DUE subscription stays unpaid before it is CANCELED.
    public init(database: Database, clock: any BillingClock, accounts: AccountsClient, catalog: CatalogClient, grace: TimeInterval) {
        let store = SubscriptionStore(logger: database.logger)
        let timeline = SubscriptionTimeline(grace: grace)
        let outbox = Outbox(context: SubscriptionsAPI.contextName)
        lifecycle = SubscriptionLifecycleService(
            database: database, clock: clock, store: store, timeline: timeline, outbox: outbox, accounts: accounts, catalog: catalog)
        renewals = RenewalsService(database: database, clock: clock, store: store, timeline: timeline, outbox: outbox)
        testClocks = TestClocksService(database: database, clock: clock, store: store, timeline: timeline, outbox: outbox)
    }

    /// The RPC methods, the outbox relay, the renewal scheduler and the consumer of invoicing's events.
    public static func components(runtime: ServiceRuntime) throws -> ServiceComponents {
        let reader = runtime.configuration.reader
        let graceDays = try reader.int("BILLING_SUBSCRIPTIONS_GRACE_DAYS", default: 14, range: 0...365)
        let tick = try reader.int("BILLING_SUBSCRIPTIONS_SCHEDULER_INTERVAL_MS", default: 1000, range: 10...3_600_000)
        let service = SubscriptionsService(
            database: runtime.database, clock: runtime.clock,
            accounts: AccountsClient(rpc: try runtime.client(for: "accounts", defaultEndpoint: "127.0.0.1:9101")),
            catalog: CatalogClient(rpc: try runtime.client(for: "catalog", defaultEndpoint: "127.0.0.1:9102")),
            grace: TimeInterval(graceDays) * 86_400)
        let renewals = service.renewals
        return ServiceComponents(
            router: service.router(),
            background: [
                try runtime.outboxRelay(), try runtime.eventConsumer(service.lifecycle.invoiceEvents),
                PeriodicBatchJob(name: "renewals", interval: .milliseconds(tick), batchSize: 200, logger: runtime.logger) { limit in
                    try await renewals.runDue(limit: limit)
                },
            ])
    }

    /// Every method of the three services.
    public func router() -> RPCRouter {
        var router = RPCRouter()
        lifecycle.register(on: &router)
        renewals.register(on: &router)
        testClocks.register(on: &router)
        RevenueReportsService(database: lifecycle.database, clock: lifecycle.clock, store: lifecycle.store).register(on: &router)
        return router
    }
}
