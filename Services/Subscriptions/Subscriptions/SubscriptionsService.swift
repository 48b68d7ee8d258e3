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

/// The subscriptions context: lifecycle, periods, add-ons, entitlements, renewals and test clocks (seeds 000, 001).
public struct SubscriptionsService: Sendable {
    /// Migrations of the `subscriptions` schema, after the platform and event ones.
    public static var migrations: [Migration] {
        get throws {
            EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations")))
        }
    }

    let database: Database
    let clock: any BillingClock
    let accounts: AccountsClient
    let catalog: CatalogClient
    let store: SubscriptionStore
    let timeline: SubscriptionTimeline
    let outbox = Outbox(context: SubscriptionsAPI.contextName)

    /// `grace`: how long a PAST_DUE subscription stays unpaid before it is CANCELED.
    public init(database: Database, clock: any BillingClock, accounts: AccountsClient, catalog: CatalogClient, grace: TimeInterval) {
        self.database = database
        self.clock = clock
        self.accounts = accounts
        self.catalog = catalog
        self.store = SubscriptionStore(logger: database.logger)
        self.timeline = SubscriptionTimeline(grace: grace)
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
        return ServiceComponents(
            router: service.router(),
            background: [
                try runtime.outboxRelay(), try runtime.eventConsumer(service.invoiceEvents),
                PeriodicBatchJob(name: "renewals", interval: .milliseconds(tick), batchSize: 200, logger: runtime.logger) { limit in
                    try await service.runDue(limit: limit)
                },
            ])
    }

    public func router() -> RPCRouter {
        var router = RPCRouter()
        router.register(SubscriptionsAPI.create) { request, context in try await create(request, context: context) }
        router.register(SubscriptionsAPI.get) { request, context in try await get(request.id, tenant: context.tenant) }
        router.register(SubscriptionsAPI.list) { request, context in try await list(request, tenant: context.tenant) }
        router.register(SubscriptionsAPI.cancel) { request, context in try await cancel(request, context: context) }
        router.register(SubscriptionsAPI.reactivate) { request, context in try await reactivate(request.id, context: context) }
        router.register(SubscriptionsAPI.pause) { request, context in try await pause(request.id, context: context) }
        router.register(SubscriptionsAPI.resume) { request, context in try await resume(request.id, context: context) }
        router.register(SubscriptionsAPI.changeQuantity) { request, context in try await changeQuantity(request, context: context) }
        router.register(SubscriptionsAPI.changePlan) { request, context in try await changePlan(request, context: context) }
        router.register(SubscriptionsAPI.activateAddon) { request, context in try await activateAddon(request, context: context) }
        router.register(SubscriptionsAPI.cancelAddon) { request, context in try await cancelAddon(request, context: context) }
        router.register(SubscriptionsAPI.entitlements) { request, context in try await entitlements(request, tenant: context.tenant) }
        router.register(SubscriptionsAPI.createTestClock) { request, context in try await createTestClock(request, context: context) }
        router.register(SubscriptionsAPI.getTestClock) { request, context in try await getTestClock(request.id, tenant: context.tenant) }
        router.register(SubscriptionsAPI.advanceTestClock) { request, context in try await advanceTestClock(request, context: context) }
        router.register(SubscriptionsAPI.runDue) { request, _ in RunDueResult(advanced: try await runDue(limit: request.limit ?? 500)) }
        return router
    }

    /// Options for asking other contexts on behalf of a call.
    static func outgoing(_ context: RPCServerContext) -> RPCCallOptions { context.outgoing(timeout: .seconds(5)) }

    // MARK: Shared steps

    /// "Now" for a subscription: its test clock's time, or the service clock.
    func now(clockID: String?, tenant: String, on connection: PostgresConnection) async throws -> Date {
        guard let clockID else { return clock.now() }
        guard let id = UUID(uuidString: clockID), let testClock = try await store.findClock(id, tenant: tenant, on: connection) else {
            throw SubscriptionsError.testClockNotFound(clockID)
        }
        return testClock.frozenTime
    }

    /// Locks the subscription, brings it up to its "now" (a lagging scheduler must not let a command act on a stale period),
    /// applies `body`, stores it and publishes the events of both, in one transaction.
    func mutate<Result: Sendable>(
        _ id: SubscriptionID, context: RPCServerContext,
        _ body: (inout Subscription, Date, PostgresConnection) async throws -> (result: Result, events: [TimedEvent])
    ) async throws -> Result {
        let tenant = context.tenant
        return try await database.withTenant(tenant) { connection in
            guard let result = try await update(id, tenant: tenant, traceparent: context.metadata.traceparent, on: connection, body) else {
                throw SubscriptionsError.notFound(id)
            }
            return result
        }
    }

    /// `mutate` inside a transaction the caller holds (event handlers); nil when the tenant has no such subscription.
    func update<Result: Sendable>(
        _ id: SubscriptionID, tenant: String, traceparent: String?, on connection: PostgresConnection,
        _ body: (inout Subscription, Date, PostgresConnection) async throws -> (result: Result, events: [TimedEvent])
    ) async throws -> Result? {
        guard var subscription = try await store.find(id, tenant: tenant, forUpdate: true, on: connection) else { return nil }
        let now = try await now(clockID: subscription.testClockId, tenant: tenant, on: connection)
        var events = timeline.advance(&subscription, until: now)
        let before = subscription
        let (result, more) = try await body(&subscription, now, connection)
        events += more
        if subscription != before || !events.isEmpty {
            try await store.save(subscription, nextAction: timeline.nextAction(subscription), tenant: tenant, on: connection)
        }
        try await publish(events, tenant: tenant, traceparent: traceparent, on: connection)
        return result
    }

    func publish(_ events: [TimedEvent], tenant: String, traceparent: String?, on connection: PostgresConnection) async throws {
        try await outbox.append(
            events.map { PendingEvent($0.event, tenant: tenant, at: $0.at, traceparent: traceparent) }, on: connection, logger: database.logger)
    }
}
