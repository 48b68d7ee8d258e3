/// How often a plan bills (seed 001).
public enum BillingInterval: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case daily = "DAILY", weekly = "WEEKLY", monthly = "MONTHLY", quarterly = "QUARTERLY", yearly = "YEARLY"
}

/// Whether periods start on the subscription's start date or on the calendar (seed 001).
public enum BillingCycleType: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case calendarAligned = "CALENDAR_ALIGNED"
    case anniversary = "ANNIVERSARY"
}
