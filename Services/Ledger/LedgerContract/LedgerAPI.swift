import BillingEvents
import BillingRPC

/// The published RPC API of the ledger context (`billing.ledger.v1`).
public enum LedgerAPI: RPCServiceDescription {
    public static let contextName = "ledger"
    public static let package = "billing.ledger.v1"
    static let usage = package + ".Usage"
    static let limits = package + ".Limits"
    static let credits = package + ".Credits"

    public static let ingest = UnaryMethod<IngestUsageRequest, IngestUsageResponse>(
        service: usage, method: "Ingest", retry: .always,
        callers: .gateway,
        summary:
            """
            Records 1 to 1,000 usage events; each is ACCEPTED, a DUPLICATE (its id was recorded before, so it is not counted again) or REFUSED \
            with a reason. Valid events are stored even when others are refused.
            """
    )
    public static let summary = UnaryMethod<UsageSummaryRequest, UsageSummaries>(
        service: usage, method: "Summary", retry: .always,
        callers: .gateway(and: "invoicing"),
        summary:
            """
            Each meter's aggregate for an account over a period, from hourly pre-aggregates (raw events are read only for the partial hours at \
            its edges).
            """
    )
    public static let listEvents = UnaryMethod<ListUsageEventsRequest, UsageEventPage>(
        service: usage, method: "ListEvents", retry: .always,
        callers: .gateway,
        summary: "An account's recorded usage events, oldest first by timestamp, of one meter or all, in a time range; cursor pages.")
    public static let closePeriod = UnaryMethod<ClosePeriodRequest, ClosedPeriod>(
        service: usage, method: "ClosePeriod", retry: .always,
        callers: .only(["invoicing"]),
        summary:
            """
            From now on refuses the account's events before closedUntil (PERIOD_CLOSED). Waits for ingestions in flight, so a summary read \
            afterwards is final.
            """
    )
    public static let setLimits = UnaryMethod<SetUsageLimitsRequest, AccountUsageLimits>(
        service: limits, method: "Set", retry: .always, callers: .gateway,
        summary: "Replaces an account's usage limits (the admin path until subscriptions provide them).")
    public static let checkLimit = UnaryMethod<UsageLimitCheckRequest, UsageLimitCheck>(
        service: limits, method: "Check", retry: .withKey,
        callers: .gateway,
        summary:
            """
            Checks and consumes a resource against the account's limit atomically. Over a HARD limit it fails with resource_exhausted, reason \
            LIMIT_REACHED, and consumes nothing.
            """
    )
    public static let accountLimits = UnaryMethod<AccountUsageLimitsRequest, AccountUsageLimits>(
        service: limits, method: "Get", retry: .always, callers: .gateway, summary: "Usage against each of the account's limits.")

    public static let grantCredits = UnaryMethod<GrantCreditsRequest, CreditGrant>(
        service: credits, method: "Grant", retry: .withKey,
        callers: .gateway,
        summary:
            """
            Adds a grant to an account's wallet (a grant with a reference already used answers that grant). Debt from an overdraft is repaid \
            from it first.
            """
    )
    public static let chargeCredits = UnaryMethod<ChargeCreditsRequest, CreditExecution>(
        service: credits, method: "Charge", retry: .always,
        callers: .gateway,
        summary:
            """
            Charges an AI call's token counts at the model's catalog rate, across grants in consumption order, atomically. Short of available \
            credits: resource_exhausted INSUFFICIENT_CREDITS and nothing charged. A repeated idempotencyKey answers the first charge.
            """
    )
    public static let authorizeCredits = UnaryMethod<AuthorizeCreditsRequest, CreditExecution>(
        service: credits, method: "Authorize", retry: .always,
        callers: .gateway, summary: "Holds an estimate before the AI runs; the hold releases itself after ttlSeconds. Same refusals as Charge.")
    public static let settleCredits = UnaryMethod<SettleCreditsRequest, CreditExecution>(
        service: credits, method: "Settle",
        callers: .gateway,
        summary:
            """
            Charges a hold's real token counts and releases the rest; above the estimate only as far as the wallet can pay (the rest is \
            uncoveredCredits). A hold resolves once: failed_precondition HOLD_ALREADY_SETTLED, HOLD_ALREADY_RELEASED or HOLD_EXPIRED otherwise.
            """
    )
    public static let releaseCredits = UnaryMethod<ExecutionRequest, CreditExecution>(
        service: credits, method: "Release", callers: .gateway, summary: "Cancels a hold; the same conflicts as Settle.")
    public static let getExecution = UnaryMethod<ExecutionRequest, CreditExecution>(
        service: credits, method: "GetExecution", retry: .always, callers: .gateway,
        summary: "One charge or authorization, with its estimate and actual figures.")
    public static let wallet = UnaryMethod<WalletRequest, CreditWallet>(
        service: credits, method: "Wallet", retry: .always,
        callers: .only(["gateway", "invoicing"]),
        summary:
            "An account's wallet: balance, held, available, remaining by source, the allowance used, settings and open grants in consumption order.")
    public static let setWalletSettings = UnaryMethod<SetWalletSettingsRequest, CreditWallet>(
        service: credits, method: "SetSettings", retry: .always,
        callers: .gateway, summary: "Replaces a wallet's overdraft limit, spending caps, execution rate limits and auto-recharge.")
    public static let auditWallet = UnaryMethod<WalletRequest, WalletAudit>(
        service: credits, method: "Audit", retry: .always,
        callers: .gateway,
        summary: "Checks the wallet's books: balance = journal sum = grants' remaining - debt, held = journal = open holds, available not negative.")
    public static let listGrants = UnaryMethod<ListCreditGrantsRequest, CreditGrantPage>(
        service: credits, method: "ListGrants", retry: .always, callers: .gateway,
        summary: "A page of grants, oldest first, by account, source, status (ACTIVE, EXPIRED, USED_UP) and creation time.")
    public static let listExecutions = UnaryMethod<ListExecutionsRequest, CreditExecutionPage>(
        service: credits, method: "ListExecutions", retry: .always, callers: .gateway,
        summary: "A page of charges and authorizations, oldest first, by account, user, feature, model, status and creation time.")
    public static let consumption = UnaryMethod<ConsumptionReportRequest, ConsumptionReport>(
        service: credits, method: "Consumption", retry: .always,
        callers: .gateway, summary: "Credits and tokens charged by user, feature, model or day, with the accuracy of estimates.")

    public static let creditsReport = UnaryMethod<CreditsReportRequest, CreditsReport>(
        service: package + ".Reports", method: "GetCredits", retry: .always, callers: .gateway,
        summary: "Credits sold (purchases), granted (by source), consumed (charges and settled holds) and expired per calendar month.")

    public static let billOverage = UnaryMethod<BillOverageRequest, BilledOverage>(
        service: credits, method: "BillOverage", retry: .always,
        callers: .only(["invoicing"]),
        summary:
            """
            Bills what the account's overdraft owes now (postpaid overage): the debt is written off the wallet and recorded under reference, \
            once; a repeated reference answers the first. Invoicing prices it; the ledger calls it itself before a new period's allowance.
            """
    )

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
            EventDescriptor(
                UsageThresholdReached.self, producer: contextName,
                summary: "An account used 80 % or 90 % of a limit (seed 004), once per account, resource and period."),
            EventDescriptor(
                UsageLimitReached.self, producer: contextName,
                summary: "An account reached a limit or was blocked by a HARD one, once per account, resource and period."),
            EventDescriptor(
                CreditsGranted.self, producer: contextName,
                summary: "Credits arrived in a wallet (plan allowance, purchase, add-on, bonus or manual grant)."),
            EventDescriptor(
                CreditsThresholdReached.self, producer: contextName,
                summary:
                    "One of the wallet's alert percentages (default 80, 90, 95, 100) of the period's credit allowance used (seed 003), each once per allowance; `blocked` when it is the preventive block."
            ),
            EventDescriptor(
                CreditsCapThresholdReached.self, producer: contextName,
                summary: "A charge or hold took a spending cap's window past one of the wallet's alert percentages (seed 003)."),
            EventDescriptor(
                CreditsExpiring.self, producer: contextName,
                summary: "A grant with credits left expires within the wallet's expiryWarningDays (default 7; seed 003), once per grant."),
            EventDescriptor(
                CreditsExhausted.self, producer: contextName,
                summary: "A wallet has nothing left to spend (seed 000: AI access pauses); once until credits arrive."),
            EventDescriptor(
                CreditsRechargeRequested.self, producer: contextName,
                summary:
                    """
                    Available credits fell below the auto-recharge threshold: sell the package (seed 003); once until that purchase completes or \
                    fails.
                    """
            ),
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
            ("billing.invoice.paid", "grants the credit packages on the invoice, once per invoice line"),
            ("billing.payment.failed", "ends a pending auto-recharge, so a later fall below the threshold asks again"),
            ("billing.subscription.created", "grants the first period's (or the trial's) included credits"),
            ("billing.subscription.trial_ended", "grants the first paid period's included credits and expires the trial's"),
            ("billing.subscription.renewed", "grants the period's included credits and expires the previous period's allowance"),
            ("billing.subscription.resumed", "grants the included credits of the period that starts at the resume"),
        ]
    }

    public static var methods: [any RPCMethodDescriptor] {
        [
            ingest, summary, listEvents, closePeriod, setLimits, checkLimit, accountLimits, grantCredits, chargeCredits, authorizeCredits,
            settleCredits,
            releaseCredits, getExecution, wallet, setWalletSettings, auditWallet, consumption, billOverage, creditsReport,
        ]
    }
}
