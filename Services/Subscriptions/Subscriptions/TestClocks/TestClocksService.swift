import BillingCore
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import Foundation
import SubscriptionsContract

/// Test clocks (as Stripe's): a tenant's frozen time that its subscriptions live on, moved only by `advance`.
struct TestClocksService: SubscriptionTransactions {
    let database: Database
    let clock: any BillingClock
    let store: SubscriptionStore
    let timeline: SubscriptionTimeline
    let outbox: Outbox

    func register(on router: inout RPCRouter) {
        router.register(SubscriptionsAPI.createTestClock) { request, context in try await createTestClock(request, context: context) }
        router.register(SubscriptionsAPI.getTestClock) { request, context in try await getTestClock(request.id, tenant: context.tenant) }
        router.register(SubscriptionsAPI.advanceTestClock) { request, context in try await advanceTestClock(request, context: context) }
    }

    /// How far one advance may move a clock.
    static let maximumAdvance: TimeInterval = 5 * 366 * 86_400

    func createTestClock(_ request: CreateTestClockRequest, context: RPCServerContext) async throws -> TestClock {
        let name = request.name ?? "test clock"
        guard (1...200).contains(name.count) else { throw SubscriptionsError.invalid("name", "name must have 1 to 200 characters") }
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: SubscriptionsAPI.createTestClock.name, key: context.metadata.idempotencyKey,
            request: request
        ) { connection in
            let now = clock.now()
            let id = UUIDv7.generate(at: now)
            let testClock = TestClock(
                id: TestClockID(rawValue: id), name: name, frozenTime: request.frozenTime.map(RFC3339.truncatedToMicroseconds) ?? now,
                subscriptionCount: 0, createdAt: now)
            try await store.insertClock(testClock, tenant: tenant, on: connection)
            return testClock
        }
    }

    func getTestClock(_ id: TestClockID, tenant: String) async throws -> TestClock {
        try await database.withTenant(tenant) { connection in
            guard let testClock = try await store.findClock(id.rawValue, tenant: tenant, on: connection) else {
                throw SubscriptionsError.testClockNotFound(id)
            }
            return testClock
        }
    }

    /// Moves the clock and, in the same transaction, every one of its subscriptions through what happens on the way.
    func advanceTestClock(_ request: AdvanceTestClockRequest, context: RPCServerContext) async throws -> TestClock {
        let uuid = request.id.rawValue
        let target = RFC3339.truncatedToMicroseconds(request.frozenTime)
        let tenant = context.tenant
        return try await database.withTenant(tenant) { connection in
            guard var testClock = try await store.findClock(uuid, tenant: tenant, forUpdate: true, on: connection) else {
                throw SubscriptionsError.testClockNotFound(request.id)
            }
            guard target > testClock.frozenTime else {
                throw SubscriptionsError.invalid(
                    "frozenTime", "frozenTime must be later than the clock's time (\(RFC3339.format(testClock.frozenTime)))")
            }
            guard target.timeIntervalSince(testClock.frozenTime) <= Self.maximumAdvance else {
                throw SubscriptionsError.invalid("frozenTime", "a clock moves at most five years at a time")
            }
            try await store.setClockTime(uuid, to: target, tenant: tenant, on: connection)
            var changed: [(tenant: String, subscription: Subscription, nextAction: Date?)] = []
            var events: [TimedEvent] = []
            for var subscription in try await store.clockDue(uuid, until: target, tenant: tenant, on: connection) {
                events += timeline.advance(&subscription, until: target)
                changed.append((tenant, subscription, timeline.nextAction(subscription)))
            }
            try await store.save(changed, on: connection)
            try await publish(events, tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
            testClock.frozenTime = target
            return testClock
        }
    }
}
