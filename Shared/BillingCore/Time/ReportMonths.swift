import Foundation

/// The calendar months a report covers (the revenue and credits reports, issue 26), in one time zone: their labels (`YYYY-MM`) and the instants they start and end at.
public struct ReportMonths: Equatable, Sendable {
    /// How many months one report may cover.
    public static let maximumMonths = 36

    public let labels: [String]
    /// The start of each month, then the end of the last: `labels.count + 1` instants.
    public let bounds: [Date]

    /// Why a range is refused: the field it names (`from`, `to`, `timeZone`) and a sentence.
    public struct Refusal: Error, Equatable {
        public let field: String
        public let message: String
    }

    /// The months from `from` to `to` (both `YYYY-MM`, inclusive) in `timeZone`; the last may not start after `now`.
    public static func parse(from: String, to: String, timeZone identifier: String, now: Date) throws(Refusal) -> ReportMonths {
        guard let zone = TimeZone(identifier: identifier) else {
            throw Refusal(field: "timeZone", message: "timeZone must be an IANA time zone such as America/Sao_Paulo")
        }
        guard let first = month(from) else { throw Refusal(field: "from", message: "from must be a month as YYYY-MM, e.g. 2026-01") }
        guard let last = month(to) else { throw Refusal(field: "to", message: "to must be a month as YYYY-MM, e.g. 2026-06") }
        let count = (last.year - first.year) * 12 + (last.month - first.month) + 1
        guard count >= 1 else { throw Refusal(field: "to", message: "to must not be before from") }
        guard count <= maximumMonths else {
            throw Refusal(field: "to", message: "a report covers at most \(maximumMonths) months (from \(from) to \(to) is \(count))")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var labels: [String] = []
        var bounds: [Date] = []
        for offset in 0...count {
            let index = first.year * 12 + (first.month - 1) + offset
            let (year, month) = (index / 12, index % 12 + 1)
            guard let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)) else {
                throw Refusal(field: "from", message: "from is out of range")
            }
            bounds.append(start)
            if offset < count { labels.append(String(format: "%04d-%02d", year, month)) }
        }
        guard bounds[count - 1] <= now else { throw Refusal(field: "to", message: "to must not be after the current month") }
        return ReportMonths(labels: labels, bounds: bounds)
    }

    private static func month(_ text: String) -> (year: Int, month: Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), (1970...9999).contains(year), (1...12).contains(month)
        else { return nil }
        return (year, month)
    }
}
