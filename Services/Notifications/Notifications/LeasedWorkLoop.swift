import Logging
import ServiceLifecycle
import Synchronization

/// Keeps up to `capacity` leased pieces of work (webhook deliveries, e-mails) in flight in this replica: every `interval` (at
/// once while there is more) it claims as many as there is room for and starts each without waiting for the others. A hanging
/// endpoint or SMTP server holds one slot for its timeout and delays nothing else. On shutdown it claims nothing more and lets
/// the work in flight finish.
struct LeasedWorkLoop<Work: Sendable>: Service {
    let name: String
    let interval: Duration
    let capacity: Int
    let logger: Logger
    let claim: @Sendable (Int) async throws -> [Work]
    let perform: @Sendable (Work) async -> Void

    /// How soon to look again while work is in flight (a webhook endpoint's next message is due as soon as its attempt ends).
    static var busyPoll: Duration { .milliseconds(20) }

    /// How much work is in flight, shared with the tasks that end.
    private final class Counter: Sendable {
        let value = Mutex(0)
    }

    func run() async throws {
        let counter = Counter()
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let room = capacity - counter.value.withLock { $0 }
                var found = 0
                if room > 0 {
                    do {
                        let claimed = try await claim(room)
                        found = claimed.count
                        counter.value.withLock { $0 += claimed.count }
                        for work in claimed {
                            group.addTask {
                                await perform(work)
                                counter.value.withLock { $0 -= 1 }
                            }
                        }
                    } catch {
                        logger.warning("\(name) not claimed", metadata: ["error": "\(error)"])
                    }
                }
                if room > 0 && found == room { continue }
                // While work runs, look again shortly. Idle, wait the interval.
                let busy = counter.value.withLock { $0 } > 0 && (found > 0 || room == 0)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: busy ? Self.busyPoll : interval) }
            }
        }
    }
}
