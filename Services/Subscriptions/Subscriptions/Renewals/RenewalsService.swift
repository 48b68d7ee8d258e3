import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import Foundation
import SubscriptionsContract

/// The scheduler's side: subscriptions of every tenant whose next action (renewal, trial reminder or end, grace end, scheduled
/// cancel or plan change) is due, moved along their timeline in batches.
public struct RenewalsService: SubscriptionTransactions {
    let database: Database
    let clock: any BillingClock
    let store: SubscriptionStore
    let timeline: SubscriptionTimeline
    let outbox: Outbox

    func register(on router: inout RPCRouter) {
        router.register(SubscriptionsAPI.runDue) { request, _ in RunDueResult(advanced: try await runDue(limit: request.limit ?? 500)) }
    }

    /// Advances up to `limit` due subscriptions (real time, every tenant) in one transaction; answers how many it took.
    ///
    /// Exactly once with any number of replicas: rows are claimed with `FOR UPDATE SKIP LOCKED`, and a subscription's next action
    /// moves past `now` in the same transaction that publishes its events, so a later claim does not see it due again.
    public func runDue(limit: Int) async throws -> Int {
        guard (1...10_000).contains(limit) else { throw SubscriptionsError.invalid("limit", "limit must be between 1 and 10000") }
        return try await database.withSystemScope { connection in
            let now = clock.now()
            var changed: [(tenant: String, subscription: Subscription, nextAction: Date?)] = []
            var events: [PendingEvent] = []
            for (tenant, var subscription) in try await store.claimDue(before: now, limit: limit, on: connection) {
                events += timeline.advance(&subscription, until: now).map { PendingEvent($0.event, tenant: tenant, at: $0.at) }
                changed.append((tenant, subscription, timeline.nextAction(subscription)))
            }
            try await store.save(changed, on: connection)
            try await outbox.append(events, on: connection, logger: database.logger)
            return changed.count
        }
    }
}
