import Foundation
import Synchronization

/// What a service fetches from another and keeps per process, by key: concurrent misses of one key share one fetch (a burst of
/// 1,000 requests needing a value not yet here asks its owner once, not 1,000 times); an entry older than `lifetime` is fetched
/// again (nil: kept for the process's life, for values that never change, such as a catalog version); past `limit` entries the
/// cache starts over. A failed fetch is not kept: the next miss asks again.
public final class FetchCache<Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        let value: Value
        let fetchedAt: Date
    }

    private let lifetime: TimeInterval?
    private let limit: Int
    private let entries = Mutex<[String: Entry]>([:])
    private let fetches = Mutex<[String: Task<Value, any Error>]>([:])

    public init(lifetime: TimeInterval?, limit: Int) {
        self.lifetime = lifetime
        self.limit = max(1, limit)
    }

    /// The value kept under `key` when still fresh at `now`, else what `fetch` returns (shared with concurrent misses).
    /// A clock moved back past an entry's fetch makes it stale, so a test clock never serves a value from its future.
    public func value(for key: String, now: Date, fetch: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let entry = entries.withLock({ $0[key] }), fresh(entry, at: now) { return entry.value }
        let task = fetches.withLock { fetches in
            if let running = fetches[key] { return running }
            let task = Task<Value, any Error> { [self] in
                defer { self.fetches.withLock { _ = $0.removeValue(forKey: key) } }
                let value = try await fetch()
                self.entries.withLock { entries in
                    if entries.count >= limit { entries.removeAll() }
                    entries[key] = Entry(value: value, fetchedAt: now)
                }
                return value
            }
            fetches[key] = task
            return task
        }
        return try await task.value
    }

    private func fresh(_ entry: Entry, at now: Date) -> Bool {
        guard let lifetime else { return true }
        return now >= entry.fetchedAt && now.timeIntervalSince(entry.fetchedAt) < lifetime
    }
}
