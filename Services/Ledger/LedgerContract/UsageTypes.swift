import BillingCore
import Foundation

/// One usage event as a client reports it (seed 001 "Eventos de uso").
public struct UsageEventInput: Codable, Sendable, Equatable {
    /// The client's id (1 to 200 printable characters); a replay of the same id is acknowledged and never counted twice.
    public var eventId: String
    public var billingAccountId: AccountID
    public var meterCode: String
    /// The measured quantity; when absent the meter's `property` is read from `properties` (COUNT needs neither).
    public var value: DecimalNumber?
    /// When it happened (default: when received); at most 5 minutes in the future.
    public var timestamp: Date?
    /// Free-form attributes (an object of at most 50 keys and 4 KiB), read by meter filters, COUNT_DISTINCT and meters with a property.
    public var properties: JSONValue?
    /// The cost centre it is charged to (seed 003 enterprise), 1 to 200 bytes.
    public var costCenter: String?

    public init(
        eventId: String, billingAccountId: AccountID, meterCode: String, value: DecimalNumber? = nil, timestamp: Date? = nil,
        properties: JSONValue? = nil, costCenter: String? = nil
    ) {
        self.costCenter = costCenter
        self.eventId = eventId
        self.billingAccountId = billingAccountId
        self.meterCode = meterCode
        self.value = value
        self.timestamp = timestamp
        self.properties = properties
    }
}

public struct IngestUsageRequest: Codable, Sendable, Equatable {
    /// 1 to 1,000 events.
    public var events: [UsageEventInput]
    public init(events: [UsageEventInput]) { self.events = events }
}

/// What happened to one event of a batch.
public enum UsageEventStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case accepted = "ACCEPTED"
    /// Already recorded earlier (or earlier in the same batch): acknowledged, not counted again.
    case duplicate = "DUPLICATE"
    case refused = "REFUSED"
}

/// Why an event was refused.
public enum UsageRefusalReason: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case invalidEventID = "INVALID_EVENT_ID"
    case invalidEvent = "INVALID_EVENT"
    case unknownAccount = "UNKNOWN_ACCOUNT"
    case accountClosed = "ACCOUNT_CLOSED"
    case unknownMeter = "UNKNOWN_METER"
    case futureTimestamp = "FUTURE_TIMESTAMP"
    case periodClosed = "PERIOD_CLOSED"
    case nonNumericValue = "NON_NUMERIC_VALUE"
    case valueOutOfRange = "VALUE_OUT_OF_RANGE"
    case missingProperty = "MISSING_PROPERTY"
    case invalidProperties = "INVALID_PROPERTIES"
    case propertiesTooLarge = "PROPERTIES_TOO_LARGE"
    case invalidCostCenter = "INVALID_COST_CENTER"
    /// The event's meter counts against a HARD limit of the account that it would pass (seed 004).
    case limitReached = "LIMIT_REACHED"
}

public struct UsageEventResult: Codable, Sendable, Equatable {
    public var eventId: String
    public var status: UsageEventStatus
    public var reason: UsageRefusalReason?
    public var message: String?
    /// The attribute at fault (`meterCode`, `timestamp`, `properties.tokens`, …).
    public var field: String?
    /// Accepted past a SOFT limit of the resource its meter counts against (absent otherwise).
    public var overLimit: Bool?

    public init(
        eventId: String, status: UsageEventStatus, reason: UsageRefusalReason? = nil, message: String? = nil, field: String? = nil,
        overLimit: Bool? = nil
    ) {
        self.overLimit = overLimit
        self.eventId = eventId
        self.status = status
        self.reason = reason
        self.message = message
        self.field = field
    }
}

/// One result per event, in the order sent.
public struct IngestUsageResponse: Codable, Sendable, Equatable {
    public var results: [UsageEventResult]
    public var accepted: Int
    public var duplicates: Int
    public var refused: Int

    public init(results: [UsageEventResult]) {
        self.results = results
        accepted = results.count { $0.status == .accepted }
        duplicates = results.count { $0.status == .duplicate }
        refused = results.count { $0.status == .refused }
    }
}

/// Summaries of an account's usage over one period: `[periodStart, periodEnd)`, or a calendar month in the account's time
/// zone (`month`, default the current one).
public struct UsageSummaryRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    /// One meter, or every meter with usage in the period.
    public var meterCode: String?
    public var periodStart: Date?
    public var periodEnd: Date?
    /// `YYYY-MM`.
    public var month: String?
    /// The period is over: the account's usage before this instant is closed first (as `ClosePeriod` does), in the same call, so
    /// the figures read are final.
    public var closeUntil: Date?

    public init(
        billingAccountId: AccountID, meterCode: String? = nil, periodStart: Date? = nil, periodEnd: Date? = nil, month: String? = nil,
        closeUntil: Date? = nil
    ) {
        self.closeUntil = closeUntil
        self.billingAccountId = billingAccountId
        self.meterCode = meterCode
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.month = month
    }
}

/// A meter's aggregate for one account and period.
public struct UsageSummary: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var meterCode: String
    /// COUNT, SUM, MAX, LAST, AVERAGE or COUNT_DISTINCT.
    public var aggregation: String
    public var periodStart: Date
    public var periodEnd: Date
    /// The aggregate; 0 when no event counted (AVERAGE is rounded half-even to 8 decimal places).
    public var value: DecimalNumber
    /// Events counted (after the meter's filters).
    public var eventCount: Int64

    public init(
        billingAccountId: AccountID, meterCode: String, aggregation: String, periodStart: Date, periodEnd: Date, value: DecimalNumber,
        eventCount: Int64
    ) {
        self.billingAccountId = billingAccountId
        self.meterCode = meterCode
        self.aggregation = aggregation
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.value = value
        self.eventCount = eventCount
    }
}

public struct UsageSummaries: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var periodStart: Date
    public var periodEnd: Date
    /// The account's time zone, which placed a `month`'s boundaries.
    public var timezone: String
    public var summaries: [UsageSummary]

    public init(billingAccountId: AccountID, periodStart: Date, periodEnd: Date, timezone: String, summaries: [UsageSummary]) {
        self.billingAccountId = billingAccountId
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.timezone = timezone
        self.summaries = summaries
    }
}

/// Stop accepting an account's events before `closedUntil` (invoicing calls it before it finalizes an invoice for the period).
public struct ClosePeriodRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var closedUntil: Date

    public init(billingAccountId: AccountID, closedUntil: Date) {
        self.billingAccountId = billingAccountId
        self.closedUntil = closedUntil
    }
}

public struct ClosedPeriod: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    /// Events before this instant are refused with PERIOD_CLOSED; it only ever moves forward.
    public var closedUntil: Date

    public init(billingAccountId: AccountID, closedUntil: Date) {
        self.billingAccountId = billingAccountId
        self.closedUntil = closedUntil
    }
}

/// A page of an account's recorded usage events, oldest first by timestamp (seed 001 `USAGE_EVENTS_READ`: "visualizar eventos").
public struct ListUsageEventsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    /// One meter's events (default: every meter's).
    public var meterCode: String?
    /// One cost centre's events.
    public var costCenter: String?
    /// Events whose timestamp is at or after this instant.
    public var since: Date?
    /// Events whose timestamp is before this instant.
    public var until: Date?
    /// 1 to 100.
    public var pageSize: Int
    /// The previous page's `nextCursor`.
    public var after: String?

    public init(
        billingAccountId: AccountID, meterCode: String? = nil, since: Date? = nil, until: Date? = nil, pageSize: Int = 20, after: String? = nil,
        costCenter: String? = nil
    ) {
        self.costCenter = costCenter
        self.billingAccountId = billingAccountId
        self.meterCode = meterCode
        self.since = since
        self.until = until
        self.pageSize = pageSize
        self.after = after
    }
}

/// One recorded usage event as it was accepted.
public struct UsageEventRecord: Codable, Sendable, Equatable {
    public var eventId: String
    public var billingAccountId: AccountID
    public var meterCode: String
    /// When it happened (the event's own timestamp).
    public var timestamp: Date
    /// When the ledger recorded it.
    public var receivedAt: Date
    /// False when the meter's filters leave it out (recorded, not counted).
    public var counted: Bool
    /// The number it contributes (SUM, MAX, LAST, AVERAGE meters).
    public var value: DecimalNumber?
    public var properties: JSONValue?
    public var costCenter: String?

    public init(
        eventId: String, billingAccountId: AccountID, meterCode: String, timestamp: Date, receivedAt: Date, counted: Bool, value: DecimalNumber?,
        properties: JSONValue?, costCenter: String? = nil
    ) {
        self.costCenter = costCenter
        self.eventId = eventId
        self.billingAccountId = billingAccountId
        self.meterCode = meterCode
        self.timestamp = timestamp
        self.receivedAt = receivedAt
        self.counted = counted
        self.value = value
        self.properties = properties
    }
}

public struct UsageEventPage: Codable, Sendable, Equatable {
    public var items: [UsageEventRecord]
    /// The cursor of the next page, absent on the last one.
    public var nextCursor: String?

    public init(items: [UsageEventRecord], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
