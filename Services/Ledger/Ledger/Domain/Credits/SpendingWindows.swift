import BillingCore
import Foundation
import LedgerContract

/// The windows spending caps and execution rate limits count in: minutes and hours in UTC; days, ISO weeks
/// (from Monday) and calendar months in the account's time zone.
enum SpendingWindows {
    static func start(of period: String, containing instant: Date, in zone: TimeZone) -> Date {
        let seconds = instant.timeIntervalSince1970
        switch period {
        case "MINUTE": return Date(timeIntervalSince1970: (seconds / 60).rounded(.down) * 60)
        case "HOUR": return Date(timeIntervalSince1970: (seconds / 3600).rounded(.down) * 3600)
        case "MONTH": return CalendarMonth(containing: instant, in: zone).span(in: zone).start
        default:
            var calendar = Calendar(identifier: .iso8601)
            calendar.timeZone = zone
            let day = calendar.startOfDay(for: instant)
            guard period == "WEEK" else { return day }
            let weekday = calendar.component(.weekday, from: day)  // 1 = Sunday
            return calendar.date(byAdding: .day, value: -((weekday + 5) % 7), to: day).map { calendar.startOfDay(for: $0) } ?? day
        }
    }

    /// The counters an execution by `userId` for `featureId` touches under these caps, each with `delta`.
    static func spendKeys(
        caps: [SpendingCap], userId: String?, featureId: String?, at instant: Date, in zone: TimeZone, delta: Credits
    ) -> [(cap: SpendingCap, key: CounterDelta)] {
        caps.compactMap { cap in
            guard cap.applies(userId: userId, featureId: featureId) else { return nil }
            return (
                cap,
                CounterDelta(
                    counter: counter(of: cap), period: cap.period.rawValue,
                    windowStart: start(of: cap.period.rawValue, containing: instant, in: zone), value: delta)
            )
        }
    }

    /// A cap's counter: `spend:<user>` (`spend:` for the account), and a feature's after a unit separator, which no id the caps
    /// compare contains in practice (counters written before feature caps keep their names).
    static func counter(of cap: SpendingCap) -> String {
        "spend:" + (cap.userId ?? "") + (cap.featureId.map { "\u{1F}" + $0 } ?? "")
    }

    /// Execution counters share the numeric counter table: one execution counts as one whole unit.
    static func rateKeys(_ limits: ExecutionRateLimits, at instant: Date, in zone: TimeZone) -> [(limit: Int, key: CounterDelta)] {
        [("MINUTE", limits.perMinute), ("HOUR", limits.perHour), ("DAY", limits.perDay)].compactMap { period, limit in
            limit.map {
                (
                    $0,
                    CounterDelta(
                        counter: "executions", period: period, windowStart: start(of: period, containing: instant, in: zone),
                        value: Credits(units: Credits.unitsPerCredit))
                )
            }
        }
    }
}
