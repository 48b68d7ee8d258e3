import NIOCore
import Synchronization

/// Counts in-flight calls and open connections so shutdown can wait for them to drain.
final class RPCServerCallTracker: Sendable {
    private struct State {
        var inFlight = 0
        var connections: [ObjectIdentifier: any Channel] = [:]
        var draining = false
    }

    private let state = Mutex(State())

    func callStarted() { state.withLock { $0.inFlight += 1 } }
    func callFinished() { state.withLock { $0.inFlight -= 1 } }

    var inFlightCalls: Int { state.withLock { $0.inFlight } }
    var openConnections: Int { state.withLock { $0.connections.count } }
    var isDraining: Bool { state.withLock { $0.draining } }

    /// Registers a connection; false when the server is already draining (the caller closes it).
    func connectionOpened(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.draining else { return false }
            state.connections[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func connectionClosed(_ channel: any Channel) {
        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Marks the server draining and returns the connections to quiesce.
    func startDraining() -> [any Channel] {
        state.withLock { state in
            state.draining = true
            return Array(state.connections.values)
        }
    }

    func allConnections() -> [any Channel] { state.withLock { Array($0.connections.values) } }
}
