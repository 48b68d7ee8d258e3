/// How much of its calendar period a billing period covers, in local calendar days (a partial first period is billed
/// `days / periodDays` of the price).
public struct PeriodProration: Sendable, Equatable, CustomStringConvertible {
    /// Local calendar days the billing period covers.
    public let days: Int
    /// Local calendar days of the whole calendar period it is part of.
    public let periodDays: Int

    public init(days: Int, periodDays: Int) {
        precondition(0 < days && days <= periodDays, "a period covers 1 to all of its calendar period's days")
        self.days = days
        self.periodDays = periodDays
    }

    /// Whether the billing period is the whole calendar period (nothing to prorate).
    public var isFull: Bool { days == periodDays }

    public var description: String { "\(days)/\(periodDays)" }
}
