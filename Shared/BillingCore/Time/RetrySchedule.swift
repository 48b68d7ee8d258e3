import Foundation

/// How long to wait after each failed attempt before the next one: `30s`, `15m`, `12h`, `3d` items separated by commas (card
/// collection retries, webhook deliveries). Attempt 1 is the first try; after attempt `delays.count + 1` there is no other.
public struct RetrySchedule: Sendable, Equatable {
    public let delays: [TimeInterval]

    public init(delays: [TimeInterval]) { self.delays = delays }

    /// Parses the comma-separated items; empty: no retry. Nil when an item is malformed or not positive.
    public init?(_ text: String) {
        var delays: [TimeInterval] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
            guard let unit = item.last.flatMap({ units[$0] }), let count = Int(item.dropLast()), count > 0 else { return nil }
            delays.append(TimeInterval(count) * unit)
        }
        self.delays = delays
    }

    /// When to try again after attempt `attempt` (1 = the first) failed; nil when it was the last.
    public func retry(after attempt: Int, at now: Date) -> Date? {
        attempt <= delays.count ? now.addingTimeInterval(delays[attempt - 1]) : nil
    }
}
