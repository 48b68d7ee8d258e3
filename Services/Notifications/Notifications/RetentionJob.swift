import BillingCore
import BillingPostgres
import Foundation
import Logging
import ServiceLifecycle

/// Deletes what notifications no longer need — attempts, settled deliveries and e-mails, and messages nothing refers to —
/// once older than the retention: at start and every `interval`, in batches until a pass finds less than a batch.
struct RetentionJob: Service {
    let database: Database
    let clock: any BillingClock
    let retention: TimeInterval
    let interval: Duration
    static let batch = 5_000

    func run() async throws {
        let store = RetentionStore(logger: database.logger)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                var deleted = 0
                repeat {
                    let cutoff = clock.now().addingTimeInterval(-retention)
                    deleted = try await database.withSystemScope { try await store.purge(before: cutoff, limit: Self.batch, on: $0) }
                    if deleted > 0 { database.logger.info("notifications retention", metadata: ["deleted": "\(deleted)"]) }
                } while deleted >= Self.batch && !Task.isShuttingDownGracefully
            } catch {
                database.logger.warning("notifications retention could not run; tried again later", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
