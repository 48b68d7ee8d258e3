import BillingCore
import CatalogContract
import Foundation

/// Where a grant's credits came from; each source has a default priority (``defaultPriority``).
public enum CreditSource: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// The plan's allowance for one billing period; the unused rest expires at period end.
    case monthly = "MONTHLY"
    /// A credit package bought (never expires unless the package has a validity).
    case purchase = "PURCHASE"
    case addon = "ADDON"
    case bonus = "BONUS"
    case manual = "MANUAL"
    /// The part of the last period's unused allowance a plan carries over (seed 003's partial rollover); it expires with the period.
    case rollover = "ROLLOVER"

    /// Lower numbers are spent first: purchased credits before the monthly allowance (seed 003's "banco de créditos"), and what
    /// rolled over before the new allowance (both end with the period).
    public var defaultPriority: Int {
        switch self {
        case .purchase: return 10
        case .addon, .bonus, .manual: return 20
        case .rollover: return 25
        case .monthly: return 30
        }
    }
}

/// Add credits to an account's wallet (`CREDITS_GRANT`).
public struct GrantCreditsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var credits: Credits
    /// Default MANUAL.
    public var source: CreditSource?
    /// 0 to 1000, lower first; default from the source.
    public var priority: Int?
    /// Default now.
    public var effectiveAt: Date?
    /// Default never.
    public var expiresAt: Date?
    /// A reference grants once: a second grant with it answers the first.
    public var reference: String?
    public var description: String?

    public init(
        billingAccountId: AccountID, credits: Credits, source: CreditSource? = nil, priority: Int? = nil, effectiveAt: Date? = nil,
        expiresAt: Date? = nil, reference: String? = nil, description: String? = nil
    ) {
        self.billingAccountId = billingAccountId
        self.credits = credits
        self.source = source
        self.priority = priority
        self.effectiveAt = effectiveAt
        self.expiresAt = expiresAt
        self.reference = reference
        self.description = description
    }
}

/// A grant and what is left of it.
/// Where a grant stands (`GET /credit-grants`).
public enum GrantStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// Credits left and its validity not over (or not begun yet).
    case active = "ACTIVE"
    /// Its validity ended (what was left of it expired).
    case expired = "EXPIRED"
    /// Spent to the last credit before any expiry.
    case usedUp = "USED_UP"

    public static func of(remaining: Credits, expiresAt: Date?, at now: Date) -> GrantStatus {
        if let expiresAt, expiresAt <= now { return .expired }
        return remaining.isZero ? .usedUp : .active
    }
}

public struct CreditGrant: Codable, Sendable, Equatable {
    public var id: GrantID
    public var billingAccountId: AccountID
    public var source: CreditSource
    public var priority: Int
    public var credits: Credits
    public var remaining: Credits
    public var effectiveAt: Date
    public var expiresAt: Date?
    public var reference: String?
    public var description: String?
    /// False for a test account's grant (an account on a test clock): test credits, never real value.
    public var livemode: Bool
    public var createdAt: Date
    /// ACTIVE, EXPIRED (its validity ended) or USED_UP (nothing left), as of the read.
    public var status: GrantStatus?

    public init(
        id: GrantID, billingAccountId: AccountID, source: CreditSource, priority: Int, credits: Credits, remaining: Credits, effectiveAt: Date,
        expiresAt: Date?, reference: String?, description: String?, livemode: Bool = true, createdAt: Date
    ) {
        self.id = id
        self.billingAccountId = billingAccountId
        self.source = source
        self.priority = priority
        self.credits = credits
        self.remaining = remaining
        self.effectiveAt = effectiveAt
        self.expiresAt = expiresAt
        self.reference = reference
        self.description = description
        self.livemode = livemode
        self.createdAt = createdAt
    }
}

/// Charge an AI call's real token counts now (`POST /credit-charges`).
public struct ChargeCreditsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    /// The AI model rate's `modelId` in the catalog.
    public var model: String
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var cachedInputTokens: Int64?
    public var userId: String?
    /// The feature or automation that ran.
    public var featureId: String?
    /// The cost centre the execution is charged to (seed 003 enterprise); consumption groups by it.
    public var costCenter: String?
    /// Unique per tenant: a repeat answers the first execution and never charges twice.
    public var idempotencyKey: String

    public init(
        billingAccountId: AccountID, model: String, inputTokens: Int64, outputTokens: Int64, cachedInputTokens: Int64? = nil,
        userId: String? = nil, featureId: String? = nil, costCenter: String? = nil, idempotencyKey: String
    ) {
        self.costCenter = costCenter
        self.billingAccountId = billingAccountId
        self.model = model
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
        self.userId = userId
        self.featureId = featureId
        self.idempotencyKey = idempotencyKey
    }

    public var tokens: TokenUsage { TokenUsage(inputTokens: inputTokens, outputTokens: outputTokens, cachedInputTokens: cachedInputTokens ?? 0) }
}

/// Reserve an estimate before the AI runs (`POST /credit-authorizations`).
public struct AuthorizeCreditsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var model: String
    /// The estimate: input tokens are known, output tokens guessed. Both absent: the ledger estimates from history (seed 003
    /// "estimativas com histórico") — the 95th percentile of the last settled executions of the same feature and model — or, with
    /// no history, the model's `defaultEstimate`; the answer's `estimateSource` and `estimateSamples` say which.
    public var estimatedInputTokens: Int64?
    public var estimatedOutputTokens: Int64?
    public var estimatedCachedInputTokens: Int64?
    /// How long the hold lasts before it releases itself; default 300, at most 86,400.
    public var ttlSeconds: Int?
    public var userId: String?
    public var featureId: String?
    /// The cost centre the execution is charged to (seed 003 enterprise).
    public var costCenter: String?
    public var idempotencyKey: String

    public init(
        billingAccountId: AccountID, model: String, estimatedInputTokens: Int64?, estimatedOutputTokens: Int64?,
        estimatedCachedInputTokens: Int64? = nil, ttlSeconds: Int? = nil, userId: String? = nil, featureId: String? = nil,
        costCenter: String? = nil, idempotencyKey: String
    ) {
        self.costCenter = costCenter
        self.billingAccountId = billingAccountId
        self.model = model
        self.estimatedInputTokens = estimatedInputTokens
        self.estimatedOutputTokens = estimatedOutputTokens
        self.estimatedCachedInputTokens = estimatedCachedInputTokens
        self.ttlSeconds = ttlSeconds
        self.userId = userId
        self.featureId = featureId
        self.idempotencyKey = idempotencyKey
    }

    /// The caller's estimate; nil when it left the estimate to the ledger.
    public var estimate: TokenUsage? {
        guard let input = estimatedInputTokens, let output = estimatedOutputTokens else { return nil }
        return TokenUsage(inputTokens: input, outputTokens: output, cachedInputTokens: estimatedCachedInputTokens ?? 0)
    }
}

/// Settle a hold with the real token counts (`POST /credit-authorizations/{id}/settle`).
public struct SettleCreditsRequest: Codable, Sendable, Equatable {
    public var authorizationId: ExecutionID
    public var tokens: TokenUsageAttributes

    public init(authorizationId: ExecutionID, tokens: TokenUsageAttributes) {
        self.authorizationId = authorizationId
        self.tokens = tokens
    }
}

/// Names one execution (release a hold, or read it).
public struct ExecutionRequest: Codable, Sendable, Equatable {
    public var id: ExecutionID
    public init(id: ExecutionID) { self.id = id }
}

/// Where an execution stands.
public enum ExecutionStatus: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    /// A direct charge, done.
    case charged = "CHARGED"
    /// An authorization holding its estimate.
    case held = "HELD"
    case settled = "SETTLED"
    case released = "RELEASED"
    /// The hold's time ran out before it was settled or released.
    case expired = "EXPIRED"
}

/// Credits drawn from one grant by a charge.
public struct GrantDraw: Codable, Sendable, Equatable {
    public var grantId: GrantID
    public var source: CreditSource
    public var credits: Credits

    public init(grantId: GrantID, source: CreditSource, credits: Credits) {
        self.grantId = grantId
        self.source = source
        self.credits = credits
    }
}

/// What the wallet holds after an operation.
public struct WalletBalances: Codable, Sendable, Equatable {
    /// Sum of the journal: grants' remaining credits minus any overdraft used.
    public var balance: Credits
    public var held: Credits
    /// What can be spent now: usable grants - debt - held + overdraft limit.
    public var available: Credits

    public init(balance: Credits, held: Credits, available: Credits) {
        self.balance = balance
        self.held = held
        self.available = available
    }
}

/// One AI execution: a direct charge, or an authorization and its settlement.
public struct CreditExecution: Codable, Sendable, Equatable {
    public var id: ExecutionID
    public var billingAccountId: AccountID
    public var kind: String
    public var status: ExecutionStatus
    public var model: String
    public var modelVersion: Int
    public var userId: String?
    public var featureId: String?
    public var costCenter: String?
    public var idempotencyKey: String
    public var estimate: TokenUsageAttributes?
    public var estimatedCredits: Credits?
    /// An authorization's answer: where its estimate came from — REQUEST, HISTORY (the 95th percentile of `estimateSamples` settled
    /// executions of the same feature and model) or MODEL_DEFAULT; nil on reads and replays.
    public var estimateSource: String?
    public var estimateSamples: Int?
    public var tokens: TokenUsageAttributes?
    /// Charged (CHARGED or SETTLED).
    public var credits: Credits?
    /// Settled above the estimate beyond what the wallet could pay: not charged.
    public var uncoveredCredits: Credits?
    public var expiresAt: Date?
    public var createdAt: Date
    public var resolvedAt: Date?
    /// The grants this operation drew from, in consumption order (empty on replays and reads).
    public var draws: [GrantDraw]
    /// The wallet right after this operation; nil on reads.
    public var wallet: WalletBalances?
    /// True when this answers an earlier request with the same idempotency key.
    public var replayed: Bool

    public init(
        id: ExecutionID, billingAccountId: AccountID, kind: String, status: ExecutionStatus, model: String, modelVersion: Int, userId: String?,
        featureId: String?, costCenter: String? = nil, idempotencyKey: String, estimate: TokenUsageAttributes?, estimatedCredits: Credits?,
        tokens: TokenUsageAttributes?,
        credits: Credits?,
        uncoveredCredits: Credits?, expiresAt: Date?, createdAt: Date, resolvedAt: Date?, draws: [GrantDraw], wallet: WalletBalances?,
        replayed: Bool
    ) {
        self.costCenter = costCenter
        self.id = id
        self.billingAccountId = billingAccountId
        self.kind = kind
        self.status = status
        self.model = model
        self.modelVersion = modelVersion
        self.userId = userId
        self.featureId = featureId
        self.idempotencyKey = idempotencyKey
        self.estimate = estimate
        self.estimatedCredits = estimatedCredits
        self.tokens = tokens
        self.credits = credits
        self.uncoveredCredits = uncoveredCredits
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.resolvedAt = resolvedAt
        self.draws = draws
        self.wallet = wallet
        self.replayed = replayed
    }
}

/// Bills an account's overdraft once per reference (a subscription period: `overage:subscription:<id>:<period start>`).
public struct BillOverageRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var reference: String
    public init(billingAccountId: AccountID, reference: String) {
        self.billingAccountId = billingAccountId
        self.reference = reference
    }

    /// The overdraft owed when a subscription's period starting at `periodStart` begins (the ledger's renewal handler and
    /// invoicing both bill under it).
    public init(billingAccountId: AccountID, subscription: String, periodStart: Date) {
        self.init(billingAccountId: billingAccountId, reference: "overage:subscription:\(subscription):\(RFC3339.format(periodStart))")
    }
}

/// The credits of overdraft billed under a reference (zero when nothing was owed then).
public struct BilledOverage: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var reference: String
    public var credits: Credits
    public var billedAt: Date
    public init(billingAccountId: AccountID, reference: String, credits: Credits, billedAt: Date) {
        self.billingAccountId = billingAccountId
        self.reference = reference
        self.credits = credits
        self.billedAt = billedAt
    }
}

/// Names an account's wallet.
public struct WalletRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public init(billingAccountId: AccountID) { self.billingAccountId = billingAccountId }
}

/// A wallet as seed 000's "Créditos de IA" screen shows it.
/// A wallet's totals since it opened: credits granted (purchased among them, gross of refunds), consumed by AI charges and settled
/// holds, and expired unused; and when it last charged, held or settled.
public struct WalletLifetime: Codable, Sendable, Equatable {
    public var purchased: Credits
    public var granted: Credits
    public var consumed: Credits
    public var expired: Credits
    public var lastActiveAt: Date?

    public init(purchased: Credits, granted: Credits, consumed: Credits, expired: Credits, lastActiveAt: Date?) {
        self.purchased = purchased
        self.granted = granted
        self.consumed = consumed
        self.expired = expired
        self.lastActiveAt = lastActiveAt
    }
}

/// A wallet's projection: credits consumed per day over the last `windowDays` (charges and settled holds), when the available
/// credits run out at that pace (nil when nothing was consumed; now when none are available), and the share of the current
/// allowance used when it ends (may pass 100: the allowance runs out before).
public struct CreditProjection: Codable, Sendable, Equatable {
    public var windowDays: Int
    public var burnRatePerDay: Credits
    public var projectedRunOutAt: Date?
    public var projectedAllowanceUsedPercent: DecimalNumber?

    public init(windowDays: Int, burnRatePerDay: Credits, projectedRunOutAt: Date?, projectedAllowanceUsedPercent: DecimalNumber?) {
        self.windowDays = windowDays
        self.burnRatePerDay = burnRatePerDay
        self.projectedRunOutAt = projectedRunOutAt
        self.projectedAllowanceUsedPercent = projectedAllowanceUsedPercent
    }
}

/// `GET /credit-grants`: filters, oldest first, cursor pages.
public struct ListCreditGrantsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID?
    public var source: CreditSource?
    public var status: GrantStatus?
    /// Created at or after.
    public var since: Date?
    /// Created before.
    public var until: Date?
    public var pageSize: Int
    public var after: GrantID?

    public init(
        billingAccountId: AccountID? = nil, source: CreditSource? = nil, status: GrantStatus? = nil, since: Date? = nil, until: Date? = nil,
        pageSize: Int = 20, after: GrantID? = nil
    ) {
        self.billingAccountId = billingAccountId
        self.source = source
        self.status = status
        self.since = since
        self.until = until
        self.pageSize = pageSize
        self.after = after
    }
}

public struct CreditGrantPage: Codable, Sendable, Equatable {
    public var items: [CreditGrant]
    public var nextCursor: GrantID?
    public init(items: [CreditGrant], nextCursor: GrantID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// `GET /credit-executions`: every charge and authorization, filtered, oldest first, cursor pages.
public struct ListExecutionsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID?
    public var userId: String?
    public var featureId: String?
    public var costCenter: String?
    public var model: String?
    public var status: ExecutionStatus?
    /// Created at or after.
    public var since: Date?
    /// Created before.
    public var until: Date?
    public var pageSize: Int
    public var after: ExecutionID?

    public init(
        billingAccountId: AccountID? = nil, userId: String? = nil, featureId: String? = nil, costCenter: String? = nil, model: String? = nil,
        status: ExecutionStatus? = nil, since: Date? = nil, until: Date? = nil, pageSize: Int = 20, after: ExecutionID? = nil
    ) {
        self.costCenter = costCenter
        self.billingAccountId = billingAccountId
        self.userId = userId
        self.featureId = featureId
        self.model = model
        self.status = status
        self.since = since
        self.until = until
        self.pageSize = pageSize
        self.after = after
    }
}

public struct CreditExecutionPage: Codable, Sendable, Equatable {
    public var items: [CreditExecution]
    public var nextCursor: ExecutionID?
    public init(items: [CreditExecution], nextCursor: ExecutionID?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

public struct CreditWallet: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var balance: Credits
    public var held: Credits
    public var available: Credits
    /// Credits spent beyond the grants (overdraft), repaid by the next grants.
    public var debt: Credits
    public var monthlyRemaining: Credits
    public var purchasedRemaining: Credits
    /// Add-on, bonus and manual grants.
    public var otherRemaining: Credits
    /// The current monthly allowance and how much of it is used (nil without one).
    public var allowance: Credits?
    public var allowanceUsedPercent: DecimalNumber?
    public var allowanceExpiresAt: Date?
    public var settings: WalletSettings
    /// Grants with credits left or not yet effective, in consumption order.
    public var grants: [CreditGrant]
    /// False for a test account's wallet (an account on a test clock): it holds test credits only.
    public var livemode: Bool
    /// Totals since the wallet opened (seed 002 `usage_stats`).
    public var lifetime: WalletLifetime?
    /// Where it is heading at the pace of the last days (seed 003's dashboards).
    public var projection: CreditProjection?

    public init(
        billingAccountId: AccountID, balance: Credits, held: Credits, available: Credits, debt: Credits, monthlyRemaining: Credits,
        purchasedRemaining: Credits, otherRemaining: Credits, allowance: Credits?, allowanceUsedPercent: DecimalNumber?,
        allowanceExpiresAt: Date?, settings: WalletSettings, grants: [CreditGrant], livemode: Bool = true
    ) {
        self.billingAccountId = billingAccountId
        self.balance = balance
        self.held = held
        self.available = available
        self.debt = debt
        self.monthlyRemaining = monthlyRemaining
        self.purchasedRemaining = purchasedRemaining
        self.otherRemaining = otherRemaining
        self.allowance = allowance
        self.allowanceUsedPercent = allowanceUsedPercent
        self.allowanceExpiresAt = allowanceExpiresAt
        self.settings = settings
        self.grants = grants
        self.livemode = livemode
    }
}

/// A spending window of seed 003 ("spending cap diário/semanal/mensal"), in the account's time zone.
public enum SpendingPeriod: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case day = "DAY"
    /// ISO weeks, from Monday.
    case week = "WEEK"
    case month = "MONTH"
}

/// At most `credits` spent per period, by the whole account or by one user.
public struct SpendingCap: Codable, Sendable, Equatable {
    /// Absent (with `featureId`): the whole account.
    public var userId: String?
    /// One feature or automation (seed 003 "limite por automação"); with `userId`, that user's use of it.
    public var featureId: String?
    public var period: SpendingPeriod
    public var credits: Credits

    public init(userId: String? = nil, featureId: String? = nil, period: SpendingPeriod, credits: Credits) {
        self.userId = userId
        self.featureId = featureId
        self.period = period
        self.credits = credits
    }

    /// Whether an execution by `userId` for `featureId` counts against this cap.
    public func applies(userId: String?, featureId: String?) -> Bool {
        (self.userId == nil || self.userId == userId) && (self.featureId == nil || self.featureId == featureId)
    }
}

/// At most this many executions (charges and authorizations) per minute, hour and day.
public struct ExecutionRateLimits: Codable, Sendable, Equatable {
    public var perMinute: Int?
    public var perHour: Int?
    public var perDay: Int?

    public init(perMinute: Int? = nil, perHour: Int? = nil, perDay: Int? = nil) {
        self.perMinute = perMinute
        self.perHour = perHour
        self.perDay = perDay
    }
}

/// Buy `packageCode` when available credits fall below `threshold` (seed 003: "comprar 300 créditos automaticamente quando < 50").
public struct AutoRecharge: Codable, Sendable, Equatable {
    public var packageCode: String
    public var threshold: Credits
    /// The request waiting for its purchase (read only).
    public var pendingRequestId: RechargeRequestID?

    public init(packageCode: String, threshold: Credits, pendingRequestId: RechargeRequestID? = nil) {
        self.packageCode = packageCode
        self.threshold = threshold
        self.pendingRequestId = pendingRequestId
    }
}

/// A wallet's policies; `PUT` replaces them all.
public struct WalletSettings: Codable, Sendable, Equatable {
    /// How far below zero the balance may go (postpaid, seed 003 "Cliente B"); default 0: no overdraft.
    public var overdraftLimit: Credits?
    public var spendingCaps: [SpendingCap]?
    public var rateLimits: ExecutionRateLimits?
    public var autoRecharge: AutoRecharge?
    /// Percentages of the monthly allowance that announce `billing.credits.threshold_reached` (1 to 100, ascending, at most 10);
    /// default 80, 90, 95, 100.
    public var alertThresholds: [Int]?
    /// One of the thresholds: reaching it blocks charges and holds (402 CREDIT_THRESHOLD_BLOCK) until credits arrive or the
    /// settings are saved again (seed 003 "bloqueio preventivo a 95%").
    public var blockAtPercent: Int?
    /// Days before a grant with credits left expires that `billing.credits.expiring` announces it, once; default 7, 0 for none.
    public var expiryWarningDays: Int?
    /// Read only: whether the preventive block is on now.
    public var thresholdBlocked: Bool?

    public init(
        overdraftLimit: Credits? = nil, spendingCaps: [SpendingCap]? = nil, rateLimits: ExecutionRateLimits? = nil,
        autoRecharge: AutoRecharge? = nil, alertThresholds: [Int]? = nil, blockAtPercent: Int? = nil, expiryWarningDays: Int? = nil,
        thresholdBlocked: Bool? = nil
    ) {
        self.alertThresholds = alertThresholds
        self.blockAtPercent = blockAtPercent
        self.expiryWarningDays = expiryWarningDays
        self.thresholdBlocked = thresholdBlocked
        self.overdraftLimit = overdraftLimit
        self.spendingCaps = spendingCaps
        self.rateLimits = rateLimits
        self.autoRecharge = autoRecharge
    }
}

/// Replace a wallet's settings.
public struct SetWalletSettingsRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var settings: WalletSettings

    public init(billingAccountId: AccountID, settings: WalletSettings) {
        self.billingAccountId = billingAccountId
        self.settings = settings
    }
}

/// The wallet's books checked against each other.
public struct WalletAudit: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var balance: Credits
    public var journalBalance: Credits
    /// Grants' remaining credits minus debt.
    public var grantsBalance: Credits
    public var held: Credits
    public var journalHeld: Credits
    /// Estimates of the holds still open.
    public var openHolds: Credits
    public var journalEntries: Int64
    /// Every figure agrees (balance = journal = grants, held = journal = open holds) and available is not negative.
    public var consistent: Bool

    public init(
        billingAccountId: AccountID, balance: Credits, journalBalance: Credits, grantsBalance: Credits, held: Credits, journalHeld: Credits,
        openHolds: Credits, journalEntries: Int64, consistent: Bool
    ) {
        self.billingAccountId = billingAccountId
        self.balance = balance
        self.journalBalance = journalBalance
        self.grantsBalance = grantsBalance
        self.held = held
        self.journalHeld = journalHeld
        self.openHolds = openHolds
        self.journalEntries = journalEntries
        self.consistent = consistent
    }
}

/// How consumption is grouped.
public enum ConsumptionGrouping: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case user = "USER"
    case feature = "FEATURE"
    case model = "MODEL"
    /// Calendar days in the account's time zone.
    case day = "DAY"
    /// The executions' cost centres (seed 003 enterprise).
    case costCenter = "COST_CENTER"
}

/// Consumption of an account between two instants (default: the current calendar month).
public struct ConsumptionReportRequest: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var groupBy: ConsumptionGrouping
    public var since: Date?
    public var until: Date?

    public init(billingAccountId: AccountID, groupBy: ConsumptionGrouping, since: Date? = nil, until: Date? = nil) {
        self.billingAccountId = billingAccountId
        self.groupBy = groupBy
        self.since = since
        self.until = until
    }
}

/// One group of a consumption report (seed 003's dashboards).
public struct ConsumptionRow: Codable, Sendable, Equatable {
    /// The user, feature, model or day (YYYY-MM-DD); "" for executions without one.
    public var key: String
    public var executions: Int64
    public var credits: Credits
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var cachedInputTokens: Int64
    /// Estimates of the settled authorizations in the group, and charged / estimated in percent.
    public var estimatedCredits: Credits
    public var estimateAccuracyPercent: DecimalNumber?
    /// The group's last charge or settle in the range (a user's last activity).
    public var lastActiveAt: Date?

    public init(
        key: String, executions: Int64, credits: Credits, inputTokens: Int64, outputTokens: Int64, cachedInputTokens: Int64,
        estimatedCredits: Credits, estimateAccuracyPercent: DecimalNumber?, lastActiveAt: Date? = nil
    ) {
        self.lastActiveAt = lastActiveAt
        self.key = key
        self.executions = executions
        self.credits = credits
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
        self.estimatedCredits = estimatedCredits
        self.estimateAccuracyPercent = estimateAccuracyPercent
    }
}

public struct ConsumptionReport: Codable, Sendable, Equatable {
    public var billingAccountId: AccountID
    public var groupBy: ConsumptionGrouping
    public var since: Date
    public var until: Date
    public var rows: [ConsumptionRow]

    public init(billingAccountId: AccountID, groupBy: ConsumptionGrouping, since: Date, until: Date, rows: [ConsumptionRow]) {
        self.billingAccountId = billingAccountId
        self.groupBy = groupBy
        self.since = since
        self.until = until
        self.rows = rows
    }
}
