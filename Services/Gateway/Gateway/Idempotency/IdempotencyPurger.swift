import Logging
import ServiceLifecycle

/// Deletes idempotency records past their retention, every few minutes.
struct IdempotencyPurger: Service {
    let store: IdempotencyStore
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let purged = try await store.purgeExpired()
                if purged > 0 { logger.info("purged expired idempotency keys", metadata: ["count": "\(purged)"]) }
            } catch {
                logger.warning("idempotency purge failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(300)) }
        }
    }
}
