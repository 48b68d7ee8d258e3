import BillingCore
import Foundation

/// `GET /reports/credits`: credits sold, granted, consumed and expired per calendar month of a time zone (issue 26).
public struct CreditsReportRequest: Codable, Sendable, Equatable {
    /// The first month, `YYYY-MM`.
    public var from: String
    /// The last month, `YYYY-MM` (at most 36 months after `from`, not after the current month).
    public var to: String
    /// The IANA time zone whose calendar months are reported (default UTC).
    public var timeZone: String?

    public init(from: String, to: String, timeZone: String? = nil) {
        self.from = from
        self.to = to
        self.timeZone = timeZone
    }
}

public struct CreditsReport: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    public var timeZone: String
    public var months: [CreditsMonth]

    public init(from: String, to: String, timeZone: String, months: [CreditsMonth]) {
        self.from = from
        self.to = to
        self.timeZone = timeZone
        self.months = months
    }
}

/// One month of the tenant's live wallets (test credits left out), exact to 10⁻⁸ credit.
public struct CreditsMonth: Codable, Sendable, Equatable {
    /// `YYYY-MM`.
    public var month: String
    /// Credits of PURCHASE grants created in the month (credit packages bought, auto-recharges).
    public var sold: Credits
    /// Credits of every grant created in the month, purchases included.
    public var granted: Credits
    /// Granted per source (`MONTHLY`, `PURCHASE`, `ADDON`, `BONUS`, `MANUAL`, `ROLLOVER`), the sources with grants only.
    public var grantedBySource: [String: Credits]
    /// Credits charged in the month: direct charges and settled holds (what the wallets' `consumed` counts).
    public var consumed: Credits
    /// Credits lost to grant expiry in the month.
    public var expired: Credits
    /// Accounts that consumed credits in the month.
    public var consumingAccounts: Int

    public init(
        month: String, sold: Credits, granted: Credits, grantedBySource: [String: Credits], consumed: Credits, expired: Credits,
        consumingAccounts: Int
    ) {
        self.month = month
        self.sold = sold
        self.granted = granted
        self.grantedBySource = grantedBySource
        self.consumed = consumed
        self.expired = expired
        self.consumingAccounts = consumingAccounts
    }
}
