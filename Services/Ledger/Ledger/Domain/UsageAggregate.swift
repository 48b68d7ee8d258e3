import BillingCore
import CatalogContract
import Foundation

/// The latest counted event by event time, ties broken by event id (byte order, as PostgreSQL's "C" collation) so every
/// replica and every recomputation picks the same one; its value is what LAST reports.
struct LastValue: Sendable, Equatable {
    let at: Date
    let eventId: String
    let value: DecimalNumber?

    func isAfter(_ other: LastValue) -> Bool {
        at != other.at ? at > other.at : other.eventId.utf8.lexicographicallyPrecedes(eventId.utf8)
    }
}

/// The sum would leave the exact range (values are bounded, so only absurd volumes get here).
struct UsageAggregateOverflow: Error {}

/// Count, sum, max and last of a set of counted events: mergeable, so hours add up to a period.
struct UsageAggregate: Sendable, Equatable {
    var count: Int64 = 0
    var sum: DecimalNumber = .zero
    var max: DecimalNumber?
    var last: LastValue?

    init() {}

    init(count: Int64, sum: DecimalNumber, max: DecimalNumber?, last: LastValue?) {
        self.count = count
        self.sum = sum
        self.max = max
        self.last = last
    }

    mutating func add(_ contribution: MeterContribution, at instant: Date, eventId: String) throws {
        guard contribution.counted else { return }
        try merge(
            UsageAggregate(
                count: 1, sum: contribution.value ?? .zero, max: contribution.value,
                last: LastValue(at: instant, eventId: eventId, value: contribution.value)))
    }

    mutating func merge(_ other: UsageAggregate) throws {
        guard let total = sum.adding(other.sum) else { throw UsageAggregateOverflow() }
        count += other.count
        sum = total
        if let otherMax = other.max, max.map({ otherMax > $0 }) ?? true { max = otherMax }
        if let otherLast = other.last, last.map({ otherLast.isAfter($0) }) ?? true { last = otherLast }
    }

    /// The meter's figure; `distinctCount` is COUNT_DISTINCT's, which does not merge by addition.
    func value(for aggregation: MeterAggregation, distinctCount: Int64) throws -> DecimalNumber {
        switch aggregation {
        case .count: return DecimalNumber(count)
        case .sum: return sum
        case .max: return max ?? .zero
        case .last: return last?.value ?? .zero
        case .countDistinct: return DecimalNumber(distinctCount)
        case .average:
            guard let average = Self.average(sum: sum, count: count) else { throw UsageAggregateOverflow() }
            return average
        }
    }

    /// `sum / count`, half-even at 8 decimal places (0 without events); nil if it leaves the exact range.
    static func average(sum: DecimalNumber, count: Int64) -> DecimalNumber? {
        guard count > 0 else { return .zero }
        guard let dividend = sum.exactSignificand(atScale: sum.scale + averageScale), let scale = DecimalNumber.powerOfTen(sum.scale) else {
            return nil
        }
        let (divisor, overflow) = Int128(count).multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        return DecimalNumber(significand: RoundingRule.halfEven.divide(dividend, by: divisor), scale: averageScale)
    }

    static let averageScale = 8
}
