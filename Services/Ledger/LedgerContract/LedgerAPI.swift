import BillingEvents
import BillingRPC

/// The published RPC API of the ledger context (`billing.ledger.v1`).
public enum LedgerAPI: RPCServiceDescription {
    public static let contextName = "ledger"
    public static let package = "billing.ledger.v1"
    static let usage = package + ".Usage"
    static let limits = package + ".Limits"

    public static let ingest = UnaryMethod<IngestUsageRequest, IngestUsageResponse>(
        service: usage, method: "Ingest", idempotent: true,
        summary: "Records 1 to 1,000 usage events; each is ACCEPTED, a DUPLICATE (its id was recorded before, so it is not counted again) or REFUSED with a reason. Valid events are stored even when others are refused.")
    public static let summary = UnaryMethod<UsageSummaryRequest, UsageSummaries>(
        service: usage, method: "Summary", idempotent: true,
        summary: "Each meter's aggregate for an account over a period, from hourly pre-aggregates (raw events are read only for the partial hours at its edges).")
    public static let closePeriod = UnaryMethod<ClosePeriodRequest, ClosedPeriod>(
        service: usage, method: "ClosePeriod", idempotent: true,
        summary: "From now on refuses the account's events before closedUntil (PERIOD_CLOSED). Waits for ingestions in flight, so a summary read afterwards is final.")
    public static let setLimits = UnaryMethod<SetUsageLimitsRequest, AccountUsageLimits>(
        service: limits, method: "Set", idempotent: true, summary: "Replaces an account's usage limits (the admin path until subscriptions provide them).")
    public static let checkLimit = UnaryMethod<UsageLimitCheckRequest, UsageLimitCheck>(
        service: limits, method: "Check",
        summary: "Checks and consumes a resource against the account's limit atomically. Over a HARD limit it fails with resource_exhausted, reason LIMIT_REACHED, and consumes nothing.")
    public static let accountLimits = UnaryMethod<AccountUsageLimitsRequest, AccountUsageLimits>(
        service: limits, method: "Get", idempotent: true, summary: "Usage against each of the account's limits.")

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
            EventDescriptor(UsageThresholdReached.self, producer: contextName, summary: "An account used 80 % or 90 % of a limit (seed 004), once per account, resource and period."),
            EventDescriptor(UsageLimitReached.self, producer: contextName, summary: "An account reached a limit or was blocked by a HARD one, once per account, resource and period."),
        ]
    }

    /// Event types this context consumes, and why.
    public static var consumedEvents: [(type: String, purpose: String)] {
        [
            ("billing.account.created", "keeps the ledger's read model of accounts (status, time zone) current"),
            ("billing.account.updated", "same: a new time zone moves the account's period boundaries"),
            ("billing.account.suspended", "same"),
            ("billing.account.reactivated", "same"),
            ("billing.account.closed", "same: a closed account's usage events are refused"),
        ]
    }

    public static var methods: [any RPCMethodDescriptor] { [ingest, summary, closePeriod, setLimits, checkLimit, accountLimits] }
}
