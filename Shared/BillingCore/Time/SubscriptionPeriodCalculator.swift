import Foundation

/// The billing periods of a subscription: where each starts and ends, which one holds an instant, and how much of its
/// calendar period the first one covers.
///
/// Periods are numbered from 0; period 0 starts at the anchor, and each period ends where the next starts. Dates are
/// proleptic Gregorian, read on the wall clock of `timeZone` (the billing account's).
///
/// **ANNIVERSARY**: period n is `[boundary(n), boundary(n + 1))`, boundary(n) being the anchor's local date moved by n
/// intervals, at the anchor's local wall-clock time. Each boundary is computed from the anchor, never from the previous
/// boundary, so a month-end anchor keeps returning to the month's end: Jan 31 → Feb 28 (Feb 29 in a leap year) → Mar 31
/// → Apr 30; and Feb 29 2028 yearly → Feb 28 2029 … Feb 29 2032. DAILY adds n local days (a period is 23 or 25 hours
/// long across a DST change, and keeps the local time), WEEKLY 7n days, MONTHLY n months, QUARTERLY 3n, YEARLY 12n
/// months; a day past the target month's end becomes its last day.
///
/// **CALENDAR_ALIGNED**: boundaries sit at local midnight of every day (DAILY), every Monday (WEEKLY, ISO weeks), the 1st
/// of every month (MONTHLY), Jan 1, Apr 1, Jul 1 and Oct 1 (QUARTERLY), Jan 1 (YEARLY). Period 0 runs from the anchor to
/// the first boundary strictly after it (a full period when the anchor is exactly on a boundary); period n ≥ 1 is the
/// n-th full calendar period after that.
///
/// **Wall times the clock skips or repeats**: a local time that does not exist (clocks turned forward over it: 02:30 on
/// a spring-forward day, or midnight where DST starts at 00:00) becomes the first instant after the jump (03:00, 01:00),
/// without the anchor's fraction of a second; one that happens twice (clocks turned back) is its first occurrence. Only
/// that boundary moves; the next keeps the anchor's time again. (Foundation's `Calendar.date(byAdding:to:)` differs: it
/// shifts a skipped time by the jump's length, 02:30 → 03:30; the tests pin both.)
///
/// Boundaries keep the anchor's fraction of a second to the microsecond (PostgreSQL `timestamptz` resolution) and are
/// built like ``RFC3339/instant(microsecondsSince1970:)``, so they survive storage unchanged. Pure: no clock, no cache.
public struct SubscriptionPeriodCalculator: Sendable {
    public let interval: BillingInterval
    public let cycleType: BillingCycleType
    /// The billing cycle anchor: where period 0 starts (the subscription's start, or its trial end).
    public let anchor: Date
    public let timeZone: TimeZone

    private let wallClock: LocalWallClock
    /// The anchor's local date (days since 1970-01-01) and time of day, to the microsecond.
    private let anchorDay: Int64
    private let anchorYear: Int64
    private let anchorMonth: Int64
    private let anchorDayOfMonth: Int64
    private let anchorSecondOfDay: Int64
    private let anchorMicrosecond: Int64
    /// The calendar period (numbered by ``calendarPeriod(containingDay:)``) the anchor falls in.
    private let anchorCalendarPeriod: Int64

    public init(interval: BillingInterval, cycleType: BillingCycleType, anchor: Date, timeZone: TimeZone) {
        self.interval = interval
        self.cycleType = cycleType
        self.anchor = anchor
        self.timeZone = timeZone
        wallClock = LocalWallClock(timeZone: timeZone)
        let micros = Self.microsecondsSince1970(RFC3339.truncatedToMicroseconds(anchor))
        let utcSecond = Self.floorDivide(micros, 1_000_000)
        anchorMicrosecond = micros - utcSecond * 1_000_000
        let localSecond = wallClock.localSecond(ofUTCSecond: utcSecond)
        anchorDay = Self.floorDivide(localSecond, 86_400)
        anchorSecondOfDay = localSecond - anchorDay * 86_400
        (anchorYear, anchorMonth, anchorDayOfMonth) = RFC3339.civilDate(fromDaysSinceEpoch: anchorDay)
        anchorCalendarPeriod = Self.calendarPeriod(containingDay: anchorDay, interval: interval)
    }

    /// Period number `index` (0-based). Period 0 starts at the anchor.
    public func period(_ index: Int) -> TimeSpan {
        precondition(index >= 0, "periods are numbered from 0")
        return TimeSpan(start: start(index), end: start(index + 1))
    }

    /// The index of the period containing `instant` (instants before the anchor → nil).
    public func index(containing instant: Date) -> Int? {
        guard instant >= anchor else { return nil }
        // Estimate from local dates (exact for calendar-aligned periods, off by at most one for anniversaries), then correct.
        let day = wallClock.localDay(of: instant)
        let estimate: Int64
        switch (cycleType, interval) {
        case (.calendarAligned, _):
            estimate = Self.calendarPeriod(containingDay: day, interval: interval) - anchorCalendarPeriod
        case (.anniversary, .daily):
            estimate = day - anchorDay
        case (.anniversary, .weekly):
            estimate = Self.floorDivide(day - anchorDay, 7)
        case (.anniversary, .monthly), (.anniversary, .quarterly), (.anniversary, .yearly):
            let (year, month, _) = RFC3339.civilDate(fromDaysSinceEpoch: day)
            estimate = Self.floorDivide((year - anchorYear) * 12 + month - anchorMonth, monthsPerInterval)
        }
        var index = Int(max(0, estimate))
        while index > 0 && start(index) > instant { index -= 1 }
        while start(index + 1) <= instant { index += 1 }
        return index
    }

    /// For a first CALENDAR_ALIGNED period that starts off a boundary: days it covers and days of the whole calendar
    /// period it is part of (both counted in local calendar days of `timeZone`, the anchor's day counted whole);
    /// (n, n) for every full period and for ANNIVERSARY.
    public func proration(_ index: Int) -> PeriodProration {
        precondition(index >= 0, "periods are numbered from 0")
        let position = Int64(index)
        switch cycleType {
        case .anniversary:
            let days = Int(anniversaryDay(position + 1) - anniversaryDay(position))
            return PeriodProration(days: days, periodDays: days)
        case .calendarAligned:
            let calendarPeriod = anchorCalendarPeriod + position
            let end = calendarStartDay(calendarPeriod + 1)
            let periodDays = Int(end - calendarStartDay(calendarPeriod))
            return PeriodProration(days: index == 0 ? Int(end - anchorDay) : periodDays, periodDays: periodDays)
        }
    }

    // MARK: - Boundaries

    private func start(_ index: Int) -> Date {
        guard index > 0 else { return anchor }
        let position = Int64(index)
        switch cycleType {
        case .anniversary:
            return instant(day: anniversaryDay(position), secondOfDay: anchorSecondOfDay, microsecond: anchorMicrosecond)
        case .calendarAligned:
            return instant(day: calendarStartDay(anchorCalendarPeriod + position), secondOfDay: 0, microsecond: 0)
        }
    }

    /// The local instant on the wall clock, moved past a DST gap if the clock skips it.
    private func instant(day: Int64, secondOfDay: Int64, microsecond: Int64) -> Date {
        let (second, exact) = wallClock.utcSecond(showing: day * 86_400 + secondOfDay)
        return RFC3339.instant(microsecondsSince1970: second * 1_000_000 + (exact ? microsecond : 0))
    }

    /// The local date anniversary boundary `position` falls on: the anchor's date plus `position` intervals, clamped to the
    /// target month's last day.
    private func anniversaryDay(_ position: Int64) -> Int64 {
        switch interval {
        case .daily: return anchorDay + position
        case .weekly: return anchorDay + 7 * position
        case .monthly, .quarterly, .yearly:
            let monthIndex = anchorYear * 12 + anchorMonth - 1 + position * monthsPerInterval
            let year = Self.floorDivide(monthIndex, 12)
            let month = monthIndex - year * 12 + 1
            let day = min(anchorDayOfMonth, RFC3339.daysInMonth(year: year, month: month))
            return RFC3339.daysSinceEpoch(year: year, month: month, day: day)
        }
    }

    private var monthsPerInterval: Int64 {
        switch interval {
        case .daily, .weekly: preconditionFailure("days, not months")
        case .monthly: 1
        case .quarterly: 3
        case .yearly: 12
        }
    }

    // MARK: - Calendar periods

    /// Calendar periods numbered consecutively: days since 1970-01-01, ISO weeks since the one holding it (it was a
    /// Thursday), months, quarters or years since year 0.
    private static func calendarPeriod(containingDay day: Int64, interval: BillingInterval) -> Int64 {
        let (year, month, _) = RFC3339.civilDate(fromDaysSinceEpoch: day)
        switch interval {
        case .daily: return day
        case .weekly: return floorDivide(day + 3, 7)
        case .monthly: return year * 12 + month - 1
        case .quarterly: return year * 4 + (month - 1) / 3
        case .yearly: return year
        }
    }

    /// The local date calendar period `number` starts on.
    private func calendarStartDay(_ number: Int64) -> Int64 {
        func firstOfMonth(_ monthIndex: Int64) -> Int64 {
            let year = Self.floorDivide(monthIndex, 12)
            return RFC3339.daysSinceEpoch(year: year, month: monthIndex - year * 12 + 1, day: 1)
        }
        switch interval {
        case .daily: return number
        case .weekly: return number * 7 - 3
        case .monthly: return firstOfMonth(number)
        case .quarterly: return firstOfMonth(number * 3)
        case .yearly: return firstOfMonth(number * 12)
        }
    }

    // MARK: - Arithmetic

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    /// Whole microseconds since 1970 of an instant that sits on one (as ``RFC3339/instant(microsecondsSince1970:)`` builds them).
    private static func microsecondsSince1970(_ instant: Date) -> Int64 {
        Int64((instant.timeIntervalSince1970 * 1_000_000).rounded(.toNearestOrEven))
    }
}
