import Foundation
import Synchronization

/// The source of "now" for domain code; injected so tests and test clocks can move time.
///
/// Instants are whole microseconds, the resolution of PostgreSQL and of the wire.
public protocol BillingClock: Sendable {
    func now() -> Date
}

/// The machine's wall clock.
public struct SystemClock: BillingClock {
    public init() {}
    public func now() -> Date { RFC3339.truncatedToMicroseconds(Date()) }
}

/// A clock that only moves when told to; for tests.
public final class ManualClock: BillingClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public func now() -> Date { RFC3339.truncatedToMicroseconds(current.withLock { $0 }) }

    public func set(_ date: Date) { current.withLock { $0 = date } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
