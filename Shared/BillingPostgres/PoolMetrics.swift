import Metrics
import NIOCore
import PostgresNIO
import Synchronization

/// The pool's usage, seen from ``Database`` (every lease goes through it; PostgresNIO keeps its own pool's counts to itself), through
/// swift-metrics, labelled `pool` with the schema (one pool per service): connections open, in use and idle, callers waiting,
/// the wait for a connection, failed leases, and the configured maximum. A connection counts as open from its first lease (the
/// pool opens none ahead: `minimumConnections` is 0) until it closes (the pool closes idle ones after a while).
final class PoolMetrics: Sendable {
    private struct State {
        var open: Set<PostgresConnection.ID> = []
        var inUse = 0
        var waiting = 0
    }

    private let state = Mutex(State())
    private let openMeter: Meter
    private let inUseMeter: Meter
    private let idleMeter: Meter
    private let waitingMeter: Meter
    private let waitTimer: Metrics.Timer
    private let failures: Counter

    init(pool: String, maximumConnections: Int) {
        let dimensions = [("pool", pool)]
        Meter(label: "billing_db_pool_connections_max", dimensions: dimensions).set(maximumConnections)
        openMeter = Meter(label: "billing_db_pool_connections_open", dimensions: dimensions)
        inUseMeter = Meter(label: "billing_db_pool_connections_in_use", dimensions: dimensions)
        idleMeter = Meter(label: "billing_db_pool_connections_idle", dimensions: dimensions)
        waitingMeter = Meter(label: "billing_db_pool_waiting", dimensions: dimensions)
        waitTimer = Metrics.Timer(label: "billing_db_pool_wait_seconds", dimensions: dimensions)
        failures = Counter(label: "billing_db_pool_lease_failures_total", dimensions: dimensions)
        for meter in [openMeter, inUseMeter, idleMeter, waitingMeter] { meter.set(0) }
        failures.increment(by: 0)
    }

    /// One caller's lease, from asking for a connection to giving it back.
    final class Lease: Sendable {
        private let metrics: PoolMetrics
        private let started = ContinuousClock.now
        private let leased = Mutex(false)

        fileprivate init(_ metrics: PoolMetrics) {
            self.metrics = metrics
            metrics.update { $0.waiting += 1 }
        }

        /// The pool handed `connection` over.
        func began(on connection: PostgresConnection) {
            leased.withLock { $0 = true }
            metrics.waitTimer.record(duration: ContinuousClock.now - started)
            let id = connection.id
            let new = metrics.update { state in
                state.waiting -= 1
                state.inUse += 1
                return state.open.insert(id).inserted
            }
            if new {
                let metrics = metrics
                connection.closeFuture.whenComplete { _ in
                    metrics.update { state -> Bool in state.open.remove(id) != nil }
                }
            }
        }

        /// The connection went back to the pool.
        func ended() { metrics.update { $0.inUse -= 1 } }

        /// The lease failed; a caller still waiting stops waiting.
        func failed() {
            guard !leased.withLock({ $0 }) else { return }
            metrics.failures.increment()
            metrics.update { $0.waiting -= 1 }
        }
    }

    func lease() -> Lease { Lease(self) }

    @discardableResult
    private func update<R: Sendable>(_ change: (inout State) -> R) -> R {
        let (result, open, inUse, waiting) = state.withLock { state in
            let result = change(&state)
            return (result, state.open.count, state.inUse, state.waiting)
        }
        openMeter.set(open)
        inUseMeter.set(inUse)
        idleMeter.set(max(0, open - inUse))
        waitingMeter.set(waiting)
        return result
    }
}
