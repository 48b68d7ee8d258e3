import BillingCore
import Foundation
import Testing

struct SubscriptionPeriodCalculatorTests {
    // MARK: - Anniversary month ends

    @Test("A Jan 31 monthly anniversary returns to each month's last day, Feb 29 in a leap year")
    func monthEndAnchor() throws {
        let calculator = try calculator(.monthly, .anniversary, anchor: "2027-01-31T09:15:00Z", zone: "UTC")
        let expected = [
            "2027-01-31T09:15:00Z", "2027-02-28T09:15:00Z", "2027-03-31T09:15:00Z", "2027-04-30T09:15:00Z",
            "2027-05-31T09:15:00Z", "2027-06-30T09:15:00Z", "2027-07-31T09:15:00Z", "2027-08-31T09:15:00Z",
            "2027-09-30T09:15:00Z", "2027-10-31T09:15:00Z", "2027-11-30T09:15:00Z", "2027-12-31T09:15:00Z",
            "2028-01-31T09:15:00Z", "2028-02-29T09:15:00Z", "2028-03-31T09:15:00Z",
        ]
        #expect((0..<expected.count).map { RFC3339.format(calculator.period($0).start) } == expected)
    }

    @Test("A Feb 29 yearly anniversary falls on Feb 28 until the next leap year")
    func leapDayAnchor() throws {
        let calculator = try calculator(.yearly, .anniversary, anchor: "2028-02-29T12:00:00Z", zone: "UTC")
        #expect(
            (0...4).map { RFC3339.format(calculator.period($0).start) } == [
                "2028-02-29T12:00:00Z", "2029-02-28T12:00:00Z", "2030-02-28T12:00:00Z", "2031-02-28T12:00:00Z", "2032-02-29T12:00:00Z",
            ])
    }

    // MARK: - Every interval and cycle type

    struct PeriodCase: Sendable, CustomTestStringConvertible {
        let interval: BillingInterval
        let cycleType: BillingCycleType
        let anchor: String
        let zone: String
        /// Starts of periods 0, 1, 2 and the end of period 2.
        let boundaries: [String]
        var testDescription: String { "\(interval.rawValue) \(cycleType.rawValue) from \(anchor) in \(zone)" }
    }

    static let periodCases: [PeriodCase] = [
        // Anniversary: the anchor's local time, every interval from the anchor.
        PeriodCase(
            interval: .daily, cycleType: .anniversary, anchor: "2026-01-15T10:00:00-03:00", zone: "America/Sao_Paulo",
            boundaries: ["2026-01-15T13:00:00Z", "2026-01-16T13:00:00Z", "2026-01-17T13:00:00Z", "2026-01-18T13:00:00Z"]),
        // London moves to BST on 2026-03-29: 18:00 local is 18:00Z, then 17:00Z.
        PeriodCase(
            interval: .weekly, cycleType: .anniversary, anchor: "2026-03-20T18:00:00Z", zone: "Europe/London",
            boundaries: ["2026-03-20T18:00:00Z", "2026-03-27T18:00:00Z", "2026-04-03T17:00:00Z", "2026-04-10T17:00:00Z"]),
        // Berlin 23:30 on the 31st: Feb 28 (CET), then Mar 31 and Apr 30 (CEST).
        PeriodCase(
            interval: .monthly, cycleType: .anniversary, anchor: "2026-01-31T23:30:00+01:00", zone: "Europe/Berlin",
            boundaries: ["2026-01-31T22:30:00Z", "2026-02-28T22:30:00Z", "2026-03-31T21:30:00Z", "2026-04-30T21:30:00Z"]),
        PeriodCase(
            interval: .quarterly, cycleType: .anniversary, anchor: "2026-01-15T10:00:00+01:00", zone: "Europe/Berlin",
            boundaries: ["2026-01-15T09:00:00Z", "2026-04-15T08:00:00Z", "2026-07-15T08:00:00Z", "2026-10-15T08:00:00Z"]),
        PeriodCase(
            interval: .yearly, cycleType: .anniversary, anchor: "2026-03-31T09:00:00+09:00", zone: "Asia/Tokyo",
            boundaries: ["2026-03-31T00:00:00Z", "2027-03-31T00:00:00Z", "2028-03-31T00:00:00Z", "2029-03-31T00:00:00Z"]),
        // Calendar-aligned: period 0 runs from the anchor to the next local midnight boundary.
        PeriodCase(
            interval: .daily, cycleType: .calendarAligned, anchor: "2026-01-15T10:00:00+13:00", zone: "Pacific/Auckland",
            boundaries: ["2026-01-14T21:00:00Z", "2026-01-15T11:00:00Z", "2026-01-16T11:00:00Z", "2026-01-17T11:00:00Z"]),
        // A Thursday in Kolkata; weeks start on Monday at 00:00 IST (18:30Z on Sunday).
        PeriodCase(
            interval: .weekly, cycleType: .calendarAligned, anchor: "2026-01-15T10:00:00+05:30", zone: "Asia/Kolkata",
            boundaries: ["2026-01-15T04:30:00Z", "2026-01-18T18:30:00Z", "2026-01-25T18:30:00Z", "2026-02-01T18:30:00Z"]),
        PeriodCase(
            interval: .monthly, cycleType: .calendarAligned, anchor: "2026-01-15T10:00:00-03:00", zone: "America/Sao_Paulo",
            boundaries: ["2026-01-15T13:00:00Z", "2026-02-01T03:00:00Z", "2026-03-01T03:00:00Z", "2026-04-01T03:00:00Z"]),
        // New York: the quarters after the anchor start in EDT.
        PeriodCase(
            interval: .quarterly, cycleType: .calendarAligned, anchor: "2026-02-10T12:00:00-05:00", zone: "America/New_York",
            boundaries: ["2026-02-10T17:00:00Z", "2026-04-01T04:00:00Z", "2026-07-01T04:00:00Z", "2026-10-01T04:00:00Z"]),
        PeriodCase(
            interval: .yearly, cycleType: .calendarAligned, anchor: "2026-06-15T08:30:00Z", zone: "UTC",
            boundaries: ["2026-06-15T08:30:00Z", "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z"]),
    ]

    @Test("Periods 0, 1 and 2 for every interval and cycle type", arguments: periodCases)
    func firstPeriods(_ row: PeriodCase) throws {
        let calculator = try calculator(row.interval, row.cycleType, anchor: row.anchor, zone: row.zone)
        for index in 0..<3 {
            let period = calculator.period(index)
            #expect(RFC3339.format(period.start) == row.boundaries[index], "period \(index) start")
            #expect(RFC3339.format(period.end) == row.boundaries[index + 1], "period \(index) end")
        }
    }

    @Test("Every combination of interval and cycle type is in the table")
    func tableCoversEveryCombination() {
        for interval in BillingInterval.allCases {
            for cycleType in BillingCycleType.allCases {
                #expect(Self.periodCases.contains { $0.interval == interval && $0.cycleType == cycleType }, "\(interval) \(cycleType)")
            }
        }
    }

    // MARK: - DST

    @Test("Calendar-aligned months in New York start at local midnight: 05:00Z in winter, 04:00Z in summer")
    func newYorkMonthsAcrossSpringForward() throws {
        let calculator = try calculator(.monthly, .calendarAligned, anchor: "2027-01-10T12:00:00-05:00", zone: "America/New_York")
        #expect(
            (0...5).map { RFC3339.format(calculator.period($0).start) } == [
                "2027-01-10T17:00:00Z", "2027-02-01T05:00:00Z", "2027-03-01T05:00:00Z", "2027-04-01T04:00:00Z", "2027-05-01T04:00:00Z",
                "2027-06-01T04:00:00Z",
            ])
        // March 2027 loses the hour of 2027-03-14.
        let march = calculator.period(2)
        #expect(march.end.timeIntervalSince(march.start) == 31 * 86_400 - 3600)
    }

    @Test(
        "A New York day is 23 hours on 2027-03-14 and 25 hours on 2027-11-07",
        arguments: [
            (BillingCycleType.calendarAligned, "2027-03-14T12:00:00Z", "2027-03-14T05:00:00Z", "2027-03-15T04:00:00Z", 23),
            (BillingCycleType.calendarAligned, "2027-11-07T12:00:00Z", "2027-11-07T04:00:00Z", "2027-11-08T05:00:00Z", 25),
            // Anniversary days at 10:00 local keep 10:00 through the change.
            (BillingCycleType.anniversary, "2027-03-14T12:00:00Z", "2027-03-13T15:00:00Z", "2027-03-14T14:00:00Z", 23),
            (BillingCycleType.anniversary, "2027-11-07T12:00:00Z", "2027-11-06T14:00:00Z", "2027-11-07T15:00:00Z", 25),
        ])
    func newYorkDays(cycleType: BillingCycleType, instant: String, start: String, end: String, hours: Int) throws {
        let calculator = try calculator(.daily, cycleType, anchor: "2027-01-05T10:00:00-05:00", zone: "America/New_York")
        let index = try #require(calculator.index(containing: try date(instant)))
        let period = calculator.period(index)
        #expect(RFC3339.format(period.start) == start)
        #expect(RFC3339.format(period.end) == end)
        #expect(period.end.timeIntervalSince(period.start) == Double(hours * 3600))
    }

    @Test("02:30 daily in New York: on 2027-03-14 (skipped) the period starts at 03:00 EDT, then 02:30 again")
    func springForwardGap() throws {
        let anchor = "2027-03-12T02:30:00-05:00"
        let calculator = try calculator(.daily, .anniversary, anchor: anchor, zone: "America/New_York")
        #expect(
            (0...3).map { RFC3339.format(calculator.period($0).start) } == [
                "2027-03-12T07:30:00Z", "2027-03-13T07:30:00Z", "2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z",
            ])
        // Foundation would shift the skipped time by the length of the jump instead: 03:30 EDT.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "America/New_York"))
        let foundation = try #require(calendar.date(byAdding: .day, value: 2, to: try date(anchor)))
        #expect(RFC3339.format(foundation) == "2027-03-14T07:30:00Z")
    }

    @Test("01:30 daily in New York: on 2027-11-07 (repeated) the period starts at the first 01:30, EDT")
    func fallBackOverlap() throws {
        let calculator = try calculator(.daily, .anniversary, anchor: "2027-11-06T01:30:00-04:00", zone: "America/New_York")
        #expect(
            (0...2).map { RFC3339.format(calculator.period($0).start) } == [
                "2027-11-06T05:30:00Z", "2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z",
            ])
    }

    @Test("Where DST started at midnight (São Paulo 2018-11-04), the day starts at 01:00")
    func skippedMidnight() throws {
        let calculator = try calculator(.daily, .calendarAligned, anchor: "2018-11-02T15:00:00-03:00", zone: "America/Sao_Paulo")
        #expect(
            (0...3).map { RFC3339.format(calculator.period($0).start) } == [
                "2018-11-02T18:00:00Z", "2018-11-03T03:00:00Z", "2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z",
            ])
    }

    @Test("São Paulo (UTC-3, no DST since 2019): calendar months start at 03:00Z all year")
    func saoPauloMonths() throws {
        let calculator = try calculator(.monthly, .calendarAligned, anchor: "2026-01-15T10:00:00-03:00", zone: "America/Sao_Paulo")
        let expected = (2...12).map { String(format: "2026-%02d-01T03:00:00Z", $0) } + ["2027-01-01T03:00:00Z"]
        #expect((1...12).map { RFC3339.format(calculator.period($0).start) } == expected)
        #expect(calculator.index(containing: try date("2026-02-01T02:59:59.999999Z")) == 0)
        #expect(calculator.index(containing: try date("2026-02-01T03:00:00Z")) == 1)
        #expect(calculator.index(containing: try date("2026-12-31T23:59:59-03:00")) == 11)
    }

    @Test("Boundaries keep the anchor's microseconds and survive RFC 3339 (and storage) unchanged")
    func subsecondAnchor() throws {
        let calculator = try calculator(.monthly, .anniversary, anchor: "2027-01-31T10:00:00.123457Z", zone: "UTC")
        for index in 1...24 {
            let start = calculator.period(index).start
            #expect(RFC3339.format(start).hasSuffix("T10:00:00.123457Z"))
            #expect(RFC3339.parse(RFC3339.format(start)) == start)
        }
    }

    // MARK: - index(containing:)

    @Test("index(containing:) agrees with period(_:) for seeded random instants", arguments: BillingInterval.allCases, BillingCycleType.allCases)
    func indexAgreesWithPeriod(interval: BillingInterval, cycleType: BillingCycleType) throws {
        // SplitMix64 (PricingTests.swift): deterministic, so a failing instant fails the same way every run.
        var random = SplitMix64(
            seed: 0x5EED_0000 + UInt64(BillingInterval.allCases.firstIndex(of: interval)!) * 2
                + (cycleType == .anniversary ? 1 : 0))
        let zones = ["UTC", "America/New_York", "America/Sao_Paulo", "Europe/Berlin", "Asia/Kolkata", "Pacific/Auckland", "Australia/Lord_Howe"]
        // Ten years of periods (3,653 daily ones) after anchors spread over 2020 to 2030.
        let span: UInt64 = 10 * 366 * 86_400 * 1_000_000
        for trial in 0..<300 {
            let zone = zones[Int(random.next() % UInt64(zones.count))]
            let anchorMicros = Int64(1_577_836_800_000_000 + random.next() % span)
            let anchor = RFC3339.instant(microsecondsSince1970: anchorMicros)
            let calculator = try calculator(interval, cycleType, anchor: anchor, zone: zone)
            let instant = RFC3339.instant(microsecondsSince1970: anchorMicros + Int64(random.next() % span))
            let index = try #require(calculator.index(containing: instant), "trial \(trial)")
            #expect(
                calculator.period(index).contains(instant), "trial \(trial): \(RFC3339.format(instant)) in \(zone) from \(RFC3339.format(anchor))")
            #expect(calculator.index(containing: calculator.period(index).start) == index)
            #expect(calculator.index(containing: anchor) == 0)
            #expect(calculator.index(containing: RFC3339.instant(microsecondsSince1970: anchorMicros - 1)) == nil)
            #expect(calculator.index(containing: RFC3339.instant(microsecondsSince1970: anchorMicros - 1 - Int64(random.next() % span))) == nil)
        }
    }

    @Test("Periods are contiguous and not empty", arguments: BillingInterval.allCases, BillingCycleType.allCases)
    func contiguous(interval: BillingInterval, cycleType: BillingCycleType) throws {
        for zone in ["UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"] {
            let calculator = try calculator(interval, cycleType, anchor: "2026-10-31T23:45:00.5Z", zone: zone)
            var previous = calculator.period(0)
            for index in 1..<200 {
                let period = calculator.period(index)
                #expect(previous.end == period.start, "\(zone) period \(index)")
                #expect(period.start < period.end, "\(zone) period \(index)")
                previous = period
            }
        }
    }

    @Test("Instants before the anchor are in no period")
    func beforeAnchor() throws {
        let calculator = try calculator(.monthly, .calendarAligned, anchor: "2026-01-15T10:00:00-03:00", zone: "America/Sao_Paulo")
        #expect(calculator.index(containing: try date("2026-01-15T12:59:59.999999Z")) == nil)
        #expect(calculator.index(containing: try date("2026-01-01T03:00:00Z")) == nil)
        #expect(calculator.index(containing: try date("2026-01-15T13:00:00Z")) == 0)
    }

    @Test("A ten-year-old daily subscription finds its period without walking from the anchor")
    func largeIndex() throws {
        let calculator = try calculator(.daily, .anniversary, anchor: "2026-01-15T10:00:00-05:00", zone: "America/New_York")
        let index = try #require(calculator.index(containing: try date("2036-01-15T14:59:59Z")))
        #expect(index == 3651)
        #expect(RFC3339.format(calculator.period(index).start) == "2036-01-14T15:00:00Z")
    }

    // MARK: - Proration

    struct ProrationCase: Sendable, CustomTestStringConvertible {
        let interval: BillingInterval
        let cycleType: BillingCycleType
        let anchor: String
        let zone: String
        let index: Int
        let days: Int
        let periodDays: Int
        var testDescription: String { "\(interval.rawValue) \(cycleType.rawValue) period \(index) from \(anchor) in \(zone)" }
    }

    static let prorationCases: [ProrationCase] = [
        // Jan 15…31 of 31 days.
        ProrationCase(
            interval: .monthly, cycleType: .calendarAligned, anchor: "2026-01-15T10:00:00-03:00", zone: "America/Sao_Paulo",
            index: 0, days: 17, periodDays: 31),
        ProrationCase(
            interval: .monthly, cycleType: .calendarAligned, anchor: "2026-01-15T10:00:00-03:00", zone: "America/Sao_Paulo",
            index: 1, days: 28, periodDays: 28),
        // On the boundary: full.
        ProrationCase(
            interval: .monthly, cycleType: .calendarAligned, anchor: "2026-02-01T00:00:00-03:00", zone: "America/Sao_Paulo",
            index: 0, days: 28, periodDays: 28),
        // 2026-02-01T00:00Z is still Jan 31 in São Paulo: one day of January.
        ProrationCase(
            interval: .monthly, cycleType: .calendarAligned, anchor: "2026-02-01T00:00:00Z", zone: "America/Sao_Paulo",
            index: 0, days: 1, periodDays: 31),
        // Wednesday…Sunday.
        ProrationCase(
            interval: .weekly, cycleType: .calendarAligned, anchor: "2026-01-14T10:00:00-03:00", zone: "America/Sao_Paulo",
            index: 0, days: 5, periodDays: 7),
        ProrationCase(
            interval: .weekly, cycleType: .calendarAligned, anchor: "2026-01-19T00:00:00-03:00", zone: "America/Sao_Paulo",
            index: 0, days: 7, periodDays: 7),
        // Feb 10…Mar 31 of Q1 (31 + 28 + 31 days).
        ProrationCase(
            interval: .quarterly, cycleType: .calendarAligned, anchor: "2026-02-10T12:00:00-05:00", zone: "America/New_York",
            index: 0, days: 50, periodDays: 90),
        ProrationCase(
            interval: .quarterly, cycleType: .calendarAligned, anchor: "2026-02-10T12:00:00-05:00", zone: "America/New_York",
            index: 1, days: 91, periodDays: 91),
        // Mar 1…Dec 31 of leap year 2028.
        ProrationCase(
            interval: .yearly, cycleType: .calendarAligned, anchor: "2028-03-01T00:00:00Z", zone: "UTC",
            index: 0, days: 306, periodDays: 366),
        ProrationCase(
            interval: .yearly, cycleType: .calendarAligned, anchor: "2028-01-01T00:00:00+09:00", zone: "Asia/Tokyo",
            index: 0, days: 366, periodDays: 366),
        // A day is never split: the anchor's day counts whole.
        ProrationCase(
            interval: .daily, cycleType: .calendarAligned, anchor: "2026-01-15T23:00:00Z", zone: "UTC",
            index: 0, days: 1, periodDays: 1),
        // Anniversary periods are always full; their length in local days.
        ProrationCase(
            interval: .monthly, cycleType: .anniversary, anchor: "2027-01-31T09:15:00Z", zone: "UTC",
            index: 0, days: 28, periodDays: 28),
        ProrationCase(
            interval: .monthly, cycleType: .anniversary, anchor: "2027-01-31T09:15:00Z", zone: "UTC",
            index: 1, days: 31, periodDays: 31),
        ProrationCase(
            interval: .yearly, cycleType: .anniversary, anchor: "2028-02-29T12:00:00Z", zone: "UTC",
            index: 0, days: 365, periodDays: 365),
    ]

    @Test("First calendar-aligned periods are prorated by local days; every other period is full", arguments: prorationCases)
    func proration(_ row: ProrationCase) throws {
        let calculator = try calculator(row.interval, row.cycleType, anchor: row.anchor, zone: row.zone)
        let proration = calculator.proration(row.index)
        #expect(proration == PeriodProration(days: row.days, periodDays: row.periodDays))
        #expect(proration.isFull == (row.days == row.periodDays))
    }

    // MARK: - Helpers

    private func date(_ text: String) throws -> Date { try #require(RFC3339.parse(text), "\(text)") }

    private func calculator(
        _ interval: BillingInterval, _ cycleType: BillingCycleType, anchor: String, zone: String
    ) throws
        -> SubscriptionPeriodCalculator
    {
        try calculator(interval, cycleType, anchor: try date(anchor), zone: zone)
    }

    private func calculator(
        _ interval: BillingInterval, _ cycleType: BillingCycleType, anchor: Date, zone: String
    ) throws
        -> SubscriptionPeriodCalculator
    {
        SubscriptionPeriodCalculator(
            interval: interval, cycleType: cycleType, anchor: anchor,
            timeZone: try #require(TimeZone(identifier: zone), "\(zone)"))
    }
}
