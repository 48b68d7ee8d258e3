import BillingCore
import CatalogContract
import Foundation
import LedgerContract
import Testing

@testable import Ledger

private let meterID = UUID()

private func meter(_ aggregation: MeterAggregation, property: String? = "pageviews", filters: [String: [String]] = [:]) -> MeterDefinition {
    MeterDefinition(id: meterID, code: "m", aggregation: aggregation, property: property, filters: filters)
}

private func event(_ id: String, properties: JSONValue? = nil, value: DecimalNumber? = nil) -> UsageEventInput {
    UsageEventInput(eventId: id, billingAccountId: .generate(), meterCode: "m", value: value, properties: properties)
}

struct MeterEvaluatorTests {
    /// Lago's example: {user: u1, pageviews: 10} then {u1, 20}.
    @Test(
        "Lago's aggregation example",
        arguments: [
            (MeterAggregation.count, "2"), (.sum, "30"), (.max, "20"), (.countDistinct, "1"), (.last, "20"), (.average, "15"),
        ])
    func lagoExample(aggregation: MeterAggregation, expected: String) throws {
        let definition = meter(aggregation, property: aggregation == .countDistinct ? "user" : (aggregation == .count ? nil : "pageviews"))
        var aggregate = UsageAggregate()
        var keys = Set<String>()
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        for (offset, pageviews) in [10, 20].enumerated() {
            let contribution = try MeterEvaluator.contribution(
                of: event("e\(offset)", properties: ["user": "u1", "pageviews": .number(Int64(pageviews))]),
                to: definition)
            try aggregate.add(contribution, at: start.addingTimeInterval(Double(offset)), eventId: "e\(offset)")
            if let key = contribution.distinctKey { keys.insert(key) }
        }
        #expect(try aggregate.value(for: aggregation, distinctCount: Int64(keys.count)) == DecimalNumber(expected))
    }

    static let filterCases: [(JSONValue, Bool)] = [(["model": "gpt-4o"], true), (["model": "other"], false), ([:], false), (["model": 4], false)]

    @Test("filters leave events out; properties are read as the meter says", arguments: filterCases)
    func filters(properties: JSONValue, counted: Bool) throws {
        let definition = meter(.count, property: nil, filters: ["model": ["gpt-4o", "o1"]])
        #expect(try MeterEvaluator.contribution(of: event("e", properties: properties), to: definition).counted == counted)
    }

    @Test("numbers come from value, or from the property as a number or numeric string")
    func numericValues() throws {
        let sum = meter(.sum)
        #expect(try MeterEvaluator.contribution(of: event("e", properties: ["pageviews": "12.5"]), to: sum).value == DecimalNumber("12.5"))
        #expect(try MeterEvaluator.contribution(of: event("e", properties: ["pageviews": .number("3")]), to: sum).value == DecimalNumber(3))
        #expect(
            try MeterEvaluator.contribution(of: event("e", properties: ["pageviews": "x"], value: DecimalNumber(7)), to: sum).value
                == DecimalNumber(7))
    }

    static let refusalCases: [(MeterAggregation, JSONValue, UsageRefusalReason, String)] = [
        (.sum, ["pageviews": "ten"], .nonNumericValue, "properties.pageviews"),
        (.sum, ["pageviews": true], .nonNumericValue, "properties.pageviews"),
        (.max, ["other": 1], .missingProperty, "properties.pageviews"),
        (.average, ["pageviews": nil], .missingProperty, "properties.pageviews"),
        (.last, ["pageviews": .number("1e16")], .valueOutOfRange, "properties.pageviews"),
        (.sum, ["pageviews": .number("0.0000000000001")], .valueOutOfRange, "properties.pageviews"),
        (.countDistinct, [:], .missingProperty, "properties.pageviews"),
        (.countDistinct, ["pageviews": ["a"]], .invalidProperties, "properties.pageviews"),
    ]

    @Test("what is refused, and why", arguments: refusalCases)
    func refusals(aggregation: MeterAggregation, properties: JSONValue, reason: UsageRefusalReason, field: String) {
        #expect {
            _ = try MeterEvaluator.contribution(of: event("e", properties: properties), to: meter(aggregation))
        } throws: { error in
            (error as? UsageRefusal)?.reason == reason && (error as? UsageRefusal)?.field == field
        }
    }

    @Test("COUNT_DISTINCT counts normalised numbers once")
    func distinctNumbers() throws {
        let definition = meter(.countDistinct, property: "n")
        let keys = try [JSONValue.number("10"), .number("10.0"), .string("10")].map {
            try MeterEvaluator.contribution(of: event("e", properties: ["n": $0]), to: definition).distinctKey
        }
        #expect(Set(keys.compactMap { $0 }) == ["10"])
    }
}

struct UsageEventRulesTests {
    @Test(
        "event ids: 1 to 200 printable bytes without spaces",
        arguments: [
            ("", false), ("a", true), ("evt 1", false), ("évt-1", true),
            (String(repeating: "x", count: 200), true), (String(repeating: "x", count: 201), false),
            ("tab\there", false),
        ])
    func eventIds(id: String, valid: Bool) {
        #expect(((try? UsageEventRules.eventId(id)) != nil) == valid)
    }

    @Test("timestamps at most 5 minutes ahead")
    func timestamps() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(try UsageEventRules.occurredAt(now.addingTimeInterval(300), now: now) == now.addingTimeInterval(300))
        #expect(throws: UsageRefusal.self) { try UsageEventRules.occurredAt(now.addingTimeInterval(301), now: now) }
        #expect(try UsageEventRules.occurredAt(nil, now: now) == now)
        #expect(try UsageEventRules.occurredAt(now.addingTimeInterval(-86_400 * 400), now: now) == now.addingTimeInterval(-86_400 * 400))
    }

    @Test("properties: an object of at most 50 keys and 4 KiB")
    func properties() throws {
        #expect(try UsageEventRules.properties(nil) == nil)
        #expect(try UsageEventRules.properties(["a": 1]) == #"{"a":1}"#)
        #expect(throws: UsageRefusal.self) { try UsageEventRules.properties(["a", "b"]) }
        let many = JSONValue.object(JSONObject((0..<51).map { ("k\($0)", JSONValue.number($0)) }))
        #expect(throws: UsageRefusal.self) { try UsageEventRules.properties(many) }
        #expect(throws: UsageRefusal.self) { try UsageEventRules.properties(["big": .string(String(repeating: "x", count: 4100))]) }
    }
}

struct UsageAggregateTests {
    @Test("merging hours gives the same aggregate as adding every event")
    func mergeEqualsSequential() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let values = (0..<Int.random(in: 1...40, using: &generator)).map { _ in
                DecimalNumber(significand: Int128(Int.random(in: -5000...5000)), scale: 2)
            }
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            var whole = UsageAggregate()
            var parts = [UsageAggregate(), UsageAggregate(), UsageAggregate()]
            for (index, value) in values.enumerated() {
                let contribution = MeterContribution(counted: true, value: value, distinctKey: nil)
                let at = start.addingTimeInterval(Double(Int.random(in: 0...5)))
                try whole.add(contribution, at: at, eventId: "e\(index)")
                try parts[Int.random(in: 0...2)].add(contribution, at: at, eventId: "e\(index)")
            }
            var merged = UsageAggregate()
            for part in parts.shuffled() { try merged.merge(part) }
            #expect(merged == whole)
        }
    }

    @Test(
        "average is half-even at 8 places",
        arguments: [
            ("30", 2, "15"), ("1", 3, "0.33333333"), ("2", 3, "0.66666667"),
            ("0.000000025", 1, "0.00000002"), ("-1", 3, "-0.33333333"), ("0", 0, "0"),
        ])
    func average(sum: String, count: Int64, expected: String) throws {
        #expect(UsageAggregate.average(sum: try #require(DecimalNumber(sum)), count: count) == DecimalNumber(expected))
    }

    @Test("LAST ties on time are broken by event id in byte order")
    func lastTieBreak() {
        let at = Date(timeIntervalSince1970: 1)
        #expect(LastValue(at: at, eventId: "b", value: nil).isAfter(LastValue(at: at, eventId: "a", value: nil)))
        #expect(LastValue(at: at, eventId: "é", value: nil).isAfter(LastValue(at: at, eventId: "z", value: nil)))
        #expect(!LastValue(at: at, eventId: "z", value: nil).isAfter(LastValue(at: at.addingTimeInterval(1), eventId: "a", value: nil)))
    }
}

struct LimitPolicyTests {
    @Test(
        "thresholds crossed",
        arguments: [
            (Int64(100), Int64(79), Int64(80), [80]), (100, 80, 81, []), (100, 0, 100, [80, 90, 100]), (100, 89, 95, [90]),
            (100, 99, 100, [100]), (100, 100, 101, []), (10, 7, 9, [80, 90]), (0, 0, 1, [80, 90, 100]), (100, 50, 40, []),
        ])
    func crossed(limit: Int64, before: Int64, after: Int64, expected: [Int]) {
        #expect(LimitPolicy.crossed(limit: limit, before: before, after: after) == expected)
    }

    @Test("percent used", arguments: [(Int64(100), Int64(80), "80"), (3, 1, "33.33"), (3, 2, "66.67"), (0, 0, "0"), (0, 5, "100"), (10, 15, "150")])
    func percent(limit: Int64, used: Int64, expected: String) {
        #expect(LimitPolicy.percentUsed(limit: limit, used: used) == DecimalNumber(expected))
    }
}

struct UsageSpanTests {
    private func date(_ text: String) -> Date { RFC3339.parse(text)! }

    @Test(
        "a span splits into whole hours and partial edges",
        arguments: [
            ("2026-11-01T03:00:00Z", "2026-12-01T03:00:00Z", "2026-11-01T03:00:00Z", "2026-12-01T03:00:00Z"),
            ("2026-11-01T03:30:00Z", "2026-11-01T06:15:00Z", "2026-11-01T04:00:00Z", "2026-11-01T06:00:00Z"),
        ])
    func split(start: String, end: String, hoursStart: String, hoursEnd: String) {
        let parts = UsageStore.split(TimeSpan(start: date(start), end: date(end)))
        #expect(parts.head == TimeSpan(start: date(start), end: date(hoursStart)))
        #expect(parts.hours == TimeSpan(start: date(hoursStart), end: date(hoursEnd)))
        #expect(parts.tail == TimeSpan(start: date(hoursEnd), end: date(end)))
    }

    @Test("a span inside one hour is read from raw events only")
    func withinOneHour() {
        let span = TimeSpan(start: date("2026-11-01T03:10:00Z"), end: date("2026-11-01T03:50:00Z"))
        let parts = UsageStore.split(span)
        #expect(parts.head == span)
        #expect(parts.hours.start == parts.hours.end)
        #expect(parts.tail.start == parts.tail.end)
    }
}
