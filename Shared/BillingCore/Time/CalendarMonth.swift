import Foundation

/// A half-open span of time `[start, end)`.
public struct TimeSpan: Sendable, Hashable, Codable {
    public let start: Date
    public let end: Date

    public init(start: Date, end: Date) {
        precondition(start <= end, "a time span cannot end before it starts")
        self.start = start
        self.end = end
    }

    public func contains(_ instant: Date) -> Bool { start <= instant && instant < end }
}

/// A calendar month (`2026-11`); its span depends on the time zone it is read in, so an account in
/// São Paulo starts November three hours after one in UTC.
public struct CalendarMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// `YYYY-MM`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1])
        else { return nil }
        self.init(year: year, month: month)
    }

    /// The month the instant falls in, on the wall clock of `timeZone`.
    public init(containing instant: Date, in timeZone: TimeZone) {
        let components = Self.calendar(timeZone).dateComponents([.year, .month], from: instant)
        year = components.year!
        month = components.month!
    }

    public var next: CalendarMonth {
        month == 12 ? CalendarMonth(uncheckedYear: year + 1, month: 1) : CalendarMonth(uncheckedYear: year, month: month + 1)
    }

    /// From local midnight on the 1st to local midnight on the 1st of the next month.
    public func span(in timeZone: TimeZone) -> TimeSpan {
        TimeSpan(start: firstInstant(in: timeZone), end: next.firstInstant(in: timeZone))
    }

    public var description: String { String(format: "%04d-%02d", year, month) }

    public static func < (lhs: CalendarMonth, rhs: CalendarMonth) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    private init(uncheckedYear year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// Local midnight of the 1st; where a DST jump skips midnight, the first instant that exists that day.
    private func firstInstant(in timeZone: TimeZone) -> Date {
        Self.calendar(timeZone).date(from: DateComponents(year: year, month: month, day: 1, hour: 0, minute: 0, second: 0))!
    }

    private static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}
