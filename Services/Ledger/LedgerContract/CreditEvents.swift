import BillingCore
import BillingEvents
import Foundation

/// `billing.credits.granted`: credits arrived in a wallet.
public struct CreditsGranted: IntegrationEvent {
    public static let eventType = "billing.credits.granted"
    public var grant: CreditGrant
    public var subject: String { grant.billingAccountId.description }
    public init(grant: CreditGrant) { self.grant = grant }
}

/// `billing.credits.threshold_reached`: 80, 90, 95 or 100 % of the period's allowance used (seed 003), each once per allowance.
public struct CreditsThresholdReached: IntegrationEvent {
    public static let eventType = "billing.credits.threshold_reached"
    public var billingAccountId: AccountID
    public var thresholdPercent: Int
    public var allowance: Credits
    public var used: Credits
    public var allowanceGrantId: GrantID
    /// True when this threshold is the wallet's preventive block: charges and holds are refused until credits arrive.
    public var blocked: Bool?
    public var subject: String { billingAccountId.description }

    public init(
        billingAccountId: AccountID, thresholdPercent: Int, allowance: Credits, used: Credits, allowanceGrantId: GrantID, blocked: Bool? = nil
    ) {
        self.blocked = blocked
        self.billingAccountId = billingAccountId
        self.thresholdPercent = thresholdPercent
        self.allowance = allowance
        self.used = used
        self.allowanceGrantId = allowanceGrantId
    }
}

/// `billing.credits.cap_threshold_reached`: a charge or hold took a spending cap's window past one of the wallet's alert
/// percentages (seed 003: caps alert at their thresholds too).
public struct CreditsCapThresholdReached: IntegrationEvent {
    public static let eventType = "billing.credits.cap_threshold_reached"
    public var billingAccountId: AccountID
    /// The cap's scope: a user, a feature, both, or neither (the account).
    public var userId: String?
    public var featureId: String?
    public var period: SpendingPeriod
    public var windowStart: Date
    public var thresholdPercent: Int
    public var cap: Credits
    public var spent: Credits
    public var subject: String { billingAccountId.description }

    public init(
        billingAccountId: AccountID, userId: String?, featureId: String?, period: SpendingPeriod, windowStart: Date, thresholdPercent: Int,
        cap: Credits, spent: Credits
    ) {
        self.billingAccountId = billingAccountId
        self.userId = userId
        self.featureId = featureId
        self.period = period
        self.windowStart = windowStart
        self.thresholdPercent = thresholdPercent
        self.cap = cap
        self.spent = spent
    }
}

/// `billing.credits.expiring`: a grant with credits left expires within the wallet's `expiryWarningDays` (seed 003); once per grant.
public struct CreditsExpiring: IntegrationEvent {
    public static let eventType = "billing.credits.expiring"
    public var billingAccountId: AccountID
    public var grantId: GrantID
    public var source: CreditSource
    /// What is left of it now, and will be lost unless spent before `expiresAt`.
    public var remaining: Credits
    public var expiresAt: Date
    public var subject: String { billingAccountId.description }

    public init(billingAccountId: AccountID, grantId: GrantID, source: CreditSource, remaining: Credits, expiresAt: Date) {
        self.billingAccountId = billingAccountId
        self.grantId = grantId
        self.source = source
        self.remaining = remaining
        self.expiresAt = expiresAt
    }
}

/// `billing.credits.exhausted`: nothing left to spend (seed 000: AI access pauses until the next cycle or a purchase); once until credits arrive.
public struct CreditsExhausted: IntegrationEvent {
    public static let eventType = "billing.credits.exhausted"
    public var billingAccountId: AccountID
    public var available: Credits
    public var subject: String { billingAccountId.description }

    public init(billingAccountId: AccountID, available: Credits) {
        self.billingAccountId = billingAccountId
        self.available = available
    }
}

/// `billing.credits.recharge_requested`: available credits fell below the auto-recharge threshold; invoicing should sell
/// `packageCode` to the account and carry `requestId` on the invoice's credit purchase. Once until that purchase completes or fails.
public struct CreditsRechargeRequested: IntegrationEvent {
    public static let eventType = "billing.credits.recharge_requested"
    public var requestId: RechargeRequestID
    public var billingAccountId: AccountID
    public var packageCode: String
    public var threshold: Credits
    public var available: Credits
    public var subject: String { billingAccountId.description }

    public init(requestId: RechargeRequestID, billingAccountId: AccountID, packageCode: String, threshold: Credits, available: Credits) {
        self.requestId = requestId
        self.billingAccountId = billingAccountId
        self.packageCode = packageCode
        self.threshold = threshold
        self.available = available
    }
}
