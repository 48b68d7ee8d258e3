import BillingCore
import Foundation

/// `GET /reports/revenue`: MRR and its movements per calendar month of a time zone, from `from` to `to` (both `YYYY-MM`).
public struct RevenueReportRequest: Codable, Sendable, Equatable {
    /// The first month, `YYYY-MM`.
    public var from: String
    /// The last month, `YYYY-MM` (at most 36 months after `from`, not after the current month).
    public var to: String
    /// The IANA time zone whose calendar months are reported (default UTC).
    public var timeZone: String?
    /// Report the subscriptions of this test clock, as of its frozen time (absent: the live subscriptions, as of now).
    public var testClockId: TestClockID?

    public init(from: String, to: String, timeZone: String? = nil, testClockId: TestClockID? = nil) {
        self.from = from
        self.to = to
        self.timeZone = timeZone
        self.testClockId = testClockId
    }
}

/// MRR month by month, one row per month and currency (currencies are never added together).
public struct RevenueReport: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    public var timeZone: String
    /// The instant the current month is reported up to (now, or the test clock's time).
    public var asOf: Date
    public var months: [RevenueMonth]

    public init(from: String, to: String, timeZone: String, asOf: Date, months: [RevenueMonth]) {
        self.from = from
        self.to = to
        self.timeZone = timeZone
        self.asOf = asOf
        self.months = months
    }
}

/// One month of one currency. Amounts are monthly-normalized, summed exactly and rounded half-even to the currency's minor unit
/// once, here; rates are percentages with two decimals (half-even), absent when the month started without MRR.
public struct RevenueMonth: Codable, Sendable, Equatable {
    /// `YYYY-MM`.
    public var month: String
    public var currency: String
    /// MRR at the start of the month (the end of the previous one).
    public var startingMrr: Money
    /// MRR at the end of the month (as of now for the current month).
    public var mrr: Money
    /// Accounts from 0 to some MRR for the first time.
    public var newMrr: Money
    /// Accounts from 0 back to some MRR, having had MRR before.
    public var reactivationMrr: Money
    /// Accounts whose MRR went up.
    public var expansionMrr: Money
    /// Accounts whose MRR went down, staying above 0.
    public var contractionMrr: Money
    /// Accounts whose MRR went to 0 (their MRR at the start).
    public var churnedMrr: Money
    /// new + reactivation + expansion − contraction − churned.
    public var netNewMrr: Money
    /// Subscriptions counting towards MRR at the end of the month.
    public var activeSubscriptions: Int
    /// Accounts with MRR at the end of the month.
    public var activeAccounts: Int
    /// Accounts with MRR at the start of the month.
    public var accountsAtStart: Int
    public var newAccounts: Int
    public var reactivatedAccounts: Int
    /// Accounts with MRR at the start and none at the end.
    public var churnedAccounts: Int
    /// Average revenue per account: MRR ÷ active accounts (absent without any).
    public var arpa: Money?
    /// churned accounts ÷ accounts at start, in percent.
    public var logoChurnRate: DecimalNumber?
    /// Gross revenue churn: (churned + contraction) ÷ starting MRR, in percent.
    public var revenueChurnRate: DecimalNumber?
    /// Net revenue churn: (churned + contraction − expansion) ÷ starting MRR, in percent (negative: net expansion).
    public var netRevenueChurnRate: DecimalNumber?

    public init(
        month: String, currency: String, startingMrr: Money, mrr: Money, newMrr: Money, reactivationMrr: Money, expansionMrr: Money,
        contractionMrr: Money, churnedMrr: Money, netNewMrr: Money, activeSubscriptions: Int, activeAccounts: Int, accountsAtStart: Int,
        newAccounts: Int, reactivatedAccounts: Int, churnedAccounts: Int, arpa: Money?, logoChurnRate: DecimalNumber?,
        revenueChurnRate: DecimalNumber?, netRevenueChurnRate: DecimalNumber?
    ) {
        self.month = month
        self.currency = currency
        self.startingMrr = startingMrr
        self.mrr = mrr
        self.newMrr = newMrr
        self.reactivationMrr = reactivationMrr
        self.expansionMrr = expansionMrr
        self.contractionMrr = contractionMrr
        self.churnedMrr = churnedMrr
        self.netNewMrr = netNewMrr
        self.activeSubscriptions = activeSubscriptions
        self.activeAccounts = activeAccounts
        self.accountsAtStart = accountsAtStart
        self.newAccounts = newAccounts
        self.reactivatedAccounts = reactivatedAccounts
        self.churnedAccounts = churnedAccounts
        self.arpa = arpa
        self.logoChurnRate = logoChurnRate
        self.revenueChurnRate = revenueChurnRate
        self.netRevenueChurnRate = netRevenueChurnRate
    }
}
