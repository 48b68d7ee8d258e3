import Logging
import ServiceLifecycle
import Synchronization

/// Keeps up to `capacity` webhook deliveries in flight in this replica: every `interval` (at once while there is more) it
/// claims as many due deliveries as there is room for — one per endpoint, since an endpoint's next message waits for the lease
/// of the one in flight — and starts each without waiting for the others. A hanging endpoint holds one slot for its timeout
/// and delays no other endpoint. On shutdown it claims nothing more and lets the attempts in flight finish.
struct WebhookDeliveryLoop: Service {
    let service: NotificationsService
    let interval: Duration
    let capacity: Int
    let logger: Logger

    /// How soon to look again while attempts are in flight.
    static let busyPoll: Duration = .milliseconds(20)

    /// How many attempts are in flight, shared with the attempts that end.
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
                        let claimed = try await service.claim(limit: room)
                        found = claimed.count
                        counter.value.withLock { $0 += claimed.count }
                        for delivery in claimed {
                            group.addTask {
                                await service.attempt(delivery)
                                counter.value.withLock { $0 -= 1 }
                            }
                        }
                    } catch {
                        logger.warning("webhook deliveries not claimed", metadata: ["error": "\(error)"])
                    }
                }
                if room > 0 && found == room { continue }
                // While attempts run, an endpoint's next message is due as soon as its attempt ends: look again shortly. Idle,
                // wait the interval.
                let busy = counter.value.withLock { $0 } > 0 && (found > 0 || room == 0)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: busy ? Self.busyPoll : interval) }
            }
        }
    }
}
