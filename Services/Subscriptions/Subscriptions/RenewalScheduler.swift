import BillingCore
import Foundation
import Logging
import ServiceLifecycle
import SubscriptionsContract

extension SubscriptionsService {
    /// Advances up to `limit` due subscriptions (real time, every tenant) in one transaction; answers how many it took.
    ///
    /// Exactly once with any number of replicas: rows are claimed with `FOR UPDATE SKIP LOCKED`, and a subscription's next action
    /// moves past `now` in the same transaction that publishes its events, so a later claim does not see it due again.
    func runDue(limit: Int) async throws -> Int {
        guard (1...10_000).contains(limit) else { throw SubscriptionsError.invalid("limit", "limit must be between 1 and 10000") }
        return try await database.withSystemScope { connection in
            let now = clock.now()
            let due = try await store.claimDue(before: now, limit: limit, on: connection)
            for (tenant, var subscription) in due {
                let events = timeline.advance(&subscription, until: now)
                try await store.save(subscription, nextAction: timeline.nextAction(subscription), tenant: tenant, on: connection)
                try await publish(events, tenant: tenant, traceparent: nil, on: connection)
            }
            return due.count
        }
    }
}

/// Runs `runDue` every `interval`, and again at once while batches come back full.
struct RenewalScheduler: Service {
    let service: SubscriptionsService
    let interval: Duration
    let logger: Logger
    static let batch = 200

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var advanced = Self.batch
            while advanced == Self.batch && !Task.isShuttingDownGracefully {
                do {
                    advanced = try await service.runDue(limit: Self.batch)
                } catch {
                    logger.warning("renewal run failed", metadata: ["error": "\(error)"])
                    advanced = 0
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
