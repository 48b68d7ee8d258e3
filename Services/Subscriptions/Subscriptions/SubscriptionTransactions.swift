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

/// The one way a subscription changes, shared by the lifecycle commands, the renewals and the test clocks: in one transaction,
/// the row locked, brought up to its "now" by the timeline, stored with its next action, and its events in the outbox.
protocol SubscriptionTransactions: Sendable {
    var database: Database { get }
    var clock: any BillingClock { get }
    var store: SubscriptionStore { get }
    var timeline: SubscriptionTimeline { get }
    var outbox: Outbox { get }
}

extension SubscriptionTransactions {
    /// "Now" for a subscription: its test clock's time, or the service clock.
    func now(clockID: TestClockID?, tenant: String, on connection: PostgresConnection) async throws -> Date {
        guard let clockID else { return clock.now() }
        guard let testClock = try await store.findClock(clockID.rawValue, tenant: tenant, on: connection) else {
            throw SubscriptionsError.testClockNotFound(clockID)
        }
        return testClock.frozenTime
    }

    /// Locks the subscription, brings it up to its "now" (a lagging scheduler must not let a command act on a stale period),
    /// applies `body`, stores it and publishes the events of both, in one transaction. Once per idempotency key: a command resent
    /// with its key (`request` is what the key was used with) answers what the first did.
    func mutate<Result: Codable & Sendable>(
        _ id: SubscriptionID, request: some Encodable & Sendable, context: RPCServerContext,
        _ body: (inout Subscription, Date, PostgresConnection) async throws -> (result: Result, events: [TimedEvent])
    ) async throws -> Result {
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: context.method, key: context.metadata.idempotencyKey, request: request
        ) { connection in
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
