import Logging
import ServiceLifecycle

/// Runs a batch job every `interval`, and again at once while batches come back full (schedulers: renewals, overdue invoices).
/// Each run is one transaction that claims its rows with `FOR UPDATE SKIP LOCKED`, so replicas share the work without doing any twice.
public struct PeriodicBatchJob: Service {
    let name: String
    let interval: Duration
    let batchSize: Int
    let logger: Logger
    let run: @Sendable (Int) async throws -> Int

    /// `run(batchSize)` answers how many rows it handled.
    public init(name: String, interval: Duration, batchSize: Int, logger: Logger, run: @escaping @Sendable (Int) async throws -> Int) {
        self.name = name
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
        self.run = run
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var handled = batchSize
            while handled == batchSize && !Task.isShuttingDownGracefully {
                do {
                    handled = try await run(batchSize)
                } catch {
                    logger.warning("\(name) run failed", metadata: ["error": "\(error)"])
                    handled = 0
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
