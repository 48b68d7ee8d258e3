import Foundation

/// How long after each declined automatic charge the card is tried again (the tenant's `cardRetrySchedule` invoice setting, or
/// `BILLING_INVOICING_CARD_RETRY_SCHEDULE`). The default, `1d,2d,2d,2d`, tries again on days 1, 3, 5 and 7 after the first
/// decline (Stripe's smart retries fit about a week); `1d,3d,5d` would try a day after the first, three days after the second and
/// five after that.
public struct CardRetrySchedule: Sendable, Equatable {
    public let delays: [TimeInterval]

    public static let `default` = CardRetrySchedule(delays: [86_400, 2 * 86_400, 2 * 86_400, 2 * 86_400])

    public init(delays: [TimeInterval]) { self.delays = delays }

    /// Parses `30s`, `15m`, `12h`, `3d` items separated by commas; empty: no retry. Nil when an item is malformed or not positive.
    public init?(_ text: String) {
        var delays: [TimeInterval] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
            guard let unit = item.last.flatMap({ units[$0] }), let count = Int(item.dropLast()), count > 0 else { return nil }
            delays.append(TimeInterval(count) * unit)
        }
        self.delays = delays
    }

    /// When to try again after attempt `attempt` (1 = the first charge) was declined; nil when it was the last.
    public func retry(after attempt: Int, at now: Date) -> Date? {
        attempt <= delays.count ? now.addingTimeInterval(delays[attempt - 1]) : nil
    }
}
