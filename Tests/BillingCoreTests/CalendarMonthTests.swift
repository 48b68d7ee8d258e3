import BillingCore
import Foundation
import Testing

struct CalendarMonthTests {
    @Test(
        "A month's span is local midnight to local midnight",
        arguments: [
            ("2026-11", "UTC", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"),
            ("2026-11", "America/Sao_Paulo", "2026-11-01T03:00:00Z", "2026-12-01T03:00:00Z"),
            ("2026-12", "America/Sao_Paulo", "2026-12-01T03:00:00Z", "2027-01-01T03:00:00Z"),
            ("2026-02", "Asia/Kolkata", "2026-01-31T18:30:00Z", "2026-02-28T18:30:00Z"),
            ("2028-02", "Asia/Kathmandu", "2028-01-31T18:15:00Z", "2028-02-29T18:15:00Z"),
            // New York: EST in March 1st, EDT by April 1st; the span is 31 days less one hour.
            ("2026-03", "America/New_York", "2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z"),
            ("2026-11", "America/New_York", "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z"),
            // São Paulo's DST once started at midnight: 2018-11-04 00:00 did not exist (the month starts on the 1st, unaffected),
            // and Auckland's month boundaries sit on the previous UTC day.
            ("2018-11", "America/Sao_Paulo", "2018-11-01T03:00:00Z", "2018-12-01T02:00:00Z"),
            ("2026-01", "Pacific/Auckland", "2025-12-31T11:00:00Z", "2026-01-31T11:00:00Z"),
        ])
    func span(month: String, zone: String, start: String, end: String) throws {
        let calendarMonth = try #require(CalendarMonth(month))
        let span = calendarMonth.span(in: try #require(TimeZone(identifier: zone)))
        #expect(RFC3339.format(span.start) == RFC3339.format(try #require(RFC3339.parse(start))))
        #expect(RFC3339.format(span.end) == RFC3339.format(try #require(RFC3339.parse(end))))
    }

    @Test(
        "The month an instant falls in depends on the time zone",
        arguments: [
            ("2026-11-01T02:59:59Z", "America/Sao_Paulo", "2026-10"),
            ("2026-11-01T03:00:00Z", "America/Sao_Paulo", "2026-11"),
            ("2026-11-30T23:00:00Z", "Asia/Tokyo", "2026-12"),
            ("2026-12-31T23:59:59Z", "UTC", "2026-12"),
        ])
    func containing(instant: String, zone: String, expected: String) throws {
        let month = CalendarMonth(containing: try #require(RFC3339.parse(instant)), in: try #require(TimeZone(identifier: zone)))
        #expect(month.description == expected)
        #expect(month.span(in: TimeZone(identifier: zone)!).contains(RFC3339.parse(instant)!))
    }

    @Test("Month text is YYYY-MM", arguments: ["2026-1", "26-01", "2026-13", "2026-00", "2026/01", "", "2026-01-01", "２０２６-01"])
    func refusesMalformed(text: String) {
        #expect(CalendarMonth(text) == nil)
    }

    @Test func nextWrapsTheYear() throws {
        #expect(try #require(CalendarMonth("2026-12")).next.description == "2027-01")
        #expect(try #require(CalendarMonth("2026-01")) < (try #require(CalendarMonth("2026-02"))))
    }
}
