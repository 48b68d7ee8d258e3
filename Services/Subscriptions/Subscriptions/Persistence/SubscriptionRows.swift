import BillingCore
import BillingPostgres
import Foundation
import PostgresNIO
import SubscriptionsContract

/// A subscription as the `subscriptions` table holds it, apart from the contract's `Subscription`; its add-ons are
/// `subscription_addons`. Encoded, it is one element of the recordset the batch save reads. The mapping between the two is
/// here and nowhere else.
struct SubscriptionRow: Codable {
    /// The columns `init(_ row:offset:)` reads, in its order.
    static let columns = """
        id, billing_account_id, plan_id, plan_version, plan_snapshot::text, status, quantity, timezone, start_date, trial_start, trial_end,
        billing_anchor, current_period_start, current_period_end, cancel_at_period_end, canceled_at, cancel_reason, ended_at, paused_at,
        past_due_since, scheduled_plan::text, scheduled_quantity, scheduled_effective_at, test_clock_id, created_at, updated_at, pause_reason,
        trial_reminder_at, discount::text
        """

    var id: UUID
    var accountID: UUID
    var planID: String
    var planVersion: Int
    var plan: PlanSnapshot
    var status: String
    var quantity: Int
    var timezone: String
    var startDate: Date
    var trialStart: Date?
    var trialEnd: Date?
    var billingAnchor: Date
    var currentPeriodStart: Date
    var currentPeriodEnd: Date
    var cancelAtPeriodEnd: Bool
    var canceledAt: Date?
    var cancelReason: String?
    var endedAt: Date?
    var pausedAt: Date?
    var pastDueSince: Date?
    var scheduledPlan: PlanSnapshot?
    var scheduledQuantity: Int?
    var scheduledEffectiveAt: Date?
    var testClockID: UUID?
    var createdAt: Date
    var updatedAt: Date
    var pauseReason: String?
    /// When `billing.subscription.trial_will_end` was published (the subscription's `trialReminderAt`, kept off its wire form).
    var trialReminderAt: Date?
    var discount: DiscountSnapshot?

    enum CodingKeys: String, CodingKey {
        case id, status, quantity, timezone, discount
        case pauseReason = "pause_reason"
        case trialReminderAt = "trial_reminder_at"
        case plan = "plan_snapshot"
        case accountID = "billing_account_id"
        case planID = "plan_id"
        case planVersion = "plan_version"
        case startDate = "start_date"
        case trialStart = "trial_start"
        case trialEnd = "trial_end"
        case billingAnchor = "billing_anchor"
        case currentPeriodStart = "current_period_start"
        case currentPeriodEnd = "current_period_end"
        case cancelAtPeriodEnd = "cancel_at_period_end"
        case canceledAt = "canceled_at"
        case cancelReason = "cancel_reason"
        case endedAt = "ended_at"
        case pausedAt = "paused_at"
        case pastDueSince = "past_due_since"
        case scheduledPlan = "scheduled_plan"
        case scheduledQuantity = "scheduled_quantity"
        case scheduledEffectiveAt = "scheduled_effective_at"
        case testClockID = "test_clock_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ subscription: Subscription) throws {
        id = subscription.id.rawValue
        accountID = subscription.billingAccountId.rawValue
        planID = subscription.planId.description
        planVersion = subscription.planVersion
        plan = PlanSnapshot(subscription.plan)
        status = subscription.status.rawValue
        quantity = subscription.quantity
        timezone = subscription.timezone
        startDate = subscription.startDate
        trialStart = subscription.trialStart
        trialEnd = subscription.trialEnd
        billingAnchor = subscription.billingAnchor
        currentPeriodStart = subscription.currentPeriodStart
        currentPeriodEnd = subscription.currentPeriodEnd
        cancelAtPeriodEnd = subscription.cancelAtPeriodEnd
        canceledAt = subscription.canceledAt
        cancelReason = subscription.cancelReason
        endedAt = subscription.endedAt
        pausedAt = subscription.pausedAt
        pastDueSince = subscription.pastDueSince
        scheduledPlan = subscription.scheduledChange?.plan.map(PlanSnapshot.init)
        scheduledQuantity = subscription.scheduledChange?.quantity
        scheduledEffectiveAt = subscription.scheduledChange?.effectiveAt
        testClockID = subscription.testClockId?.rawValue
        createdAt = subscription.createdAt
        updatedAt = subscription.updatedAt
        pauseReason = subscription.pauseReason?.rawValue
        trialReminderAt = subscription.trialReminderAt
        discount = subscription.discount.map(DiscountSnapshot.init)
    }

    /// Reads `columns` from column `offset`.
    init(_ row: PostgresRow, offset: Int = 0) throws {
        var columns = ColumnReader(row, from: offset)
        id = try columns.next()
        accountID = try columns.next()
        planID = try columns.next()
        planVersion = try columns.next()
        plan = try StoredJSON.decode(PlanSnapshot.self, try columns.next(String.self))
        status = try columns.next()
        quantity = try columns.next()
        timezone = try columns.next()
        startDate = try columns.next()
        trialStart = try columns.next()
        trialEnd = try columns.next()
        billingAnchor = try columns.next()
        currentPeriodStart = try columns.next()
        currentPeriodEnd = try columns.next()
        cancelAtPeriodEnd = try columns.next()
        canceledAt = try columns.next()
        cancelReason = try columns.next()
        endedAt = try columns.next()
        pausedAt = try columns.next()
        pastDueSince = try columns.next()
        scheduledPlan = try columns.next(String?.self).map { try StoredJSON.decode(PlanSnapshot.self, $0) }
        scheduledQuantity = try columns.next()
        scheduledEffectiveAt = try columns.next()
        testClockID = try columns.next()
        createdAt = try columns.next()
        updatedAt = try columns.next()
        pauseReason = try columns.next()
        trialReminderAt = try columns.next()
        discount = try columns.next(String?.self).map { try StoredJSON.decode(DiscountSnapshot.self, $0) }
    }

    func subscription(addons: [AddonRow]) throws -> Subscription {
        guard let status = SubscriptionStatus(rawValue: status) else { throw SubscriptionRowError.unreadable(id, "status \(status)") }
        var subscription = Subscription(
            id: SubscriptionID(rawValue: id), billingAccountId: AccountID(rawValue: accountID), plan: try plan.plan(), status: status,
            quantity: quantity,
            timezone: timezone, startDate: startDate, trialStart: trialStart, trialEnd: trialEnd, billingAnchor: billingAnchor,
            currentPeriodStart: currentPeriodStart, currentPeriodEnd: currentPeriodEnd, cancelAtPeriodEnd: cancelAtPeriodEnd,
            canceledAt: canceledAt, cancelReason: cancelReason, endedAt: endedAt, pausedAt: pausedAt, pastDueSince: pastDueSince,
            scheduledChange: try scheduledEffectiveAt.map {
                ScheduledChange(plan: try scheduledPlan?.plan(), quantity: scheduledQuantity, effectiveAt: $0)
            },
            addons: try addons.map { try $0.addon(of: id) }, testClockId: testClockID.map(TestClockID.init(rawValue:)), createdAt: createdAt,
            updatedAt: updatedAt)
        subscription.planId = try SubscriptionRowError.catalogID(planID) { .unreadable(id, "plan id \($0)") }
        subscription.planVersion = planVersion
        subscription.pauseReason = pauseReason.flatMap(PauseReason.init(rawValue:))
        subscription.trialReminderAt = trialReminderAt
        subscription.discount = try discount?.discount(of: id)
        return subscription
    }
}

/// The plan version a subscription keeps, as `plan_snapshot` (and `scheduled_plan`) hold it: the store's own type, whose field
/// names stay what they were when the rows were written, whatever the contract's `SubscribedPlan` becomes.
struct PlanSnapshot: Codable {
    var planId: String
    var planVersion: Int
    var name: String
    var billingInterval: String
    var billingCycleType: String
    var unitPrice: DecimalNumber
    var currency: String
    var trialDays: Int
    var includedCredits: Credits
    var features: [String]
    var limits: [Limit]
    var usageCharges: [UsageCharge]?
    var creditOveragePrice: DecimalNumber?
    var creditRollover: Rollover?
    var minimumAmount: DecimalNumber?
    var taxCode: String?
    var yearlyDiscountPercent: DecimalNumber?

    struct Rollover: Codable {
        var percent: Int
        var maximumCredits: Credits?
    }

    struct Limit: Codable {
        var resource: String
        var limit: Int64
        var enforcement: String
        var reset: String?

        init(_ limit: SubscriptionLimit) {
            (resource, self.limit, enforcement, reset) = (limit.resource, limit.limit, limit.enforcement, limit.reset)
        }

        var subscriptionLimit: SubscriptionLimit { SubscriptionLimit(resource: resource, limit: limit, enforcement: enforcement, reset: reset) }
    }

    struct UsageCharge: Codable {
        var meterId: String
        var meterCode: String
        var productId: String
        var productVersion: Int?
    }

    init(_ plan: SubscribedPlan) {
        planId = plan.planId.description
        planVersion = plan.planVersion
        name = plan.name
        billingInterval = plan.billingInterval.rawValue
        billingCycleType = plan.billingCycleType.rawValue
        unitPrice = plan.unitPrice
        currency = plan.currency
        trialDays = plan.trialDays
        includedCredits = plan.includedCredits
        features = plan.features
        limits = plan.limits.map(Limit.init)
        usageCharges = plan.usageCharges?.map {
            UsageCharge(
                meterId: $0.meterId.description, meterCode: $0.meterCode, productId: $0.productId.description, productVersion: $0.productVersion)
        }
        creditOveragePrice = plan.creditOveragePrice
        creditRollover = plan.creditRollover.map { Rollover(percent: $0.percent, maximumCredits: $0.maximumCredits) }
        minimumAmount = plan.minimumAmount
        taxCode = plan.taxCode
        yearlyDiscountPercent = plan.yearlyDiscountPercent
    }

    func plan() throws -> SubscribedPlan {
        guard let interval = BillingInterval(rawValue: billingInterval), let cycle = BillingCycleType(rawValue: billingCycleType) else {
            throw SubscriptionRowError.unreadablePlan(planId, "billing interval \(billingInterval) or cycle \(billingCycleType)")
        }
        let catalogID = { (text: String) throws -> CatalogItemID in
            try SubscriptionRowError.catalogID(text) { .unreadablePlan(planId, "catalog id \($0)") }
        }
        return SubscribedPlan(
            planId: try catalogID(planId), planVersion: planVersion, name: name, billingInterval: interval, billingCycleType: cycle,
            unitPrice: unitPrice,
            currency: currency, trialDays: trialDays, includedCredits: includedCredits, features: features,
            limits: limits.map(\.subscriptionLimit),
            usageCharges: try usageCharges?.map {
                SubscribedUsageCharge(
                    meterId: try catalogID($0.meterId), meterCode: $0.meterCode, productId: try catalogID($0.productId),
                    productVersion: $0.productVersion)
            },
            creditOveragePrice: creditOveragePrice,
            creditRollover: creditRollover.map { CreditRollover(percent: $0.percent, maximumCredits: $0.maximumCredits) },
            minimumAmount: minimumAmount, taxCode: taxCode, yearlyDiscountPercent: yearlyDiscountPercent)
    }
}

/// An add-on of `subscription_addons`: written as a jsonb recordset, read as columns.
struct AddonRow: Codable {
    /// The column names, as `INSERT` lists them.
    static let names = """
        position, addon_id, addon_version, code, name, feature_flag, price, status, cancel_at_period_end, activated_at, canceled_at, created_at,
        limits, tax_code
        """
    /// The columns `init(_ row:offset:)` reads, in its order.
    static let columns = names.replacingOccurrences(of: " price,", with: " price::text,").replacingOccurrences(of: " limits", with: " limits::text")
    /// The recordset that `jsonb_to_recordset` reads a `[AddonRow]` (with `subscription_id` and `tenant_id`) as.
    static let recordset = """
        a(tenant_id text, subscription_id uuid, position integer, addon_id text, addon_version integer, code text, name text, feature_flag text,
          price numeric, status text, cancel_at_period_end boolean, activated_at timestamptz, canceled_at timestamptz, created_at timestamptz,
          limits jsonb, tax_code text)
        """

    var tenant: String?
    var subscriptionID: UUID?
    var position: Int
    var addonID: String
    var addonVersion: Int
    var code: String
    var name: String
    var featureFlag: String
    var price: DecimalNumber
    var status: String
    var cancelAtPeriodEnd: Bool
    var activatedAt: Date?
    var canceledAt: Date?
    var createdAt: Date
    /// What the add-on adds to the plan's limits (null: nothing).
    var limits: [PlanSnapshot.Limit]?
    /// The add-on version's tax code (null: the tenant's default).
    var taxCode: String?

    enum CodingKeys: String, CodingKey {
        case position, code, name, price, status, limits
        case taxCode = "tax_code"
        case tenant = "tenant_id"
        case subscriptionID = "subscription_id"
        case addonID = "addon_id"
        case addonVersion = "addon_version"
        case featureFlag = "feature_flag"
        case cancelAtPeriodEnd = "cancel_at_period_end"
        case activatedAt = "activated_at"
        case canceledAt = "canceled_at"
        case createdAt = "created_at"
    }

    init(_ addon: SubscriptionAddon, position: Int, of subscription: UUID, tenant: String) {
        self.tenant = tenant
        subscriptionID = subscription
        self.position = position
        addonID = addon.addonId.description
        addonVersion = addon.addonVersion
        code = addon.code
        name = addon.name
        featureFlag = addon.featureFlag
        price = addon.price
        status = addon.status.rawValue
        cancelAtPeriodEnd = addon.cancelAtPeriodEnd
        activatedAt = addon.activatedAt
        canceledAt = addon.canceledAt
        createdAt = addon.createdAt
        limits = addon.limits?.map(PlanSnapshot.Limit.init)
        taxCode = addon.taxCode
    }

    /// Reads `columns` from column `offset`.
    init(_ row: PostgresRow, offset: Int) throws {
        var columns = ColumnReader(row, from: offset)
        position = try columns.next()
        addonID = try columns.next()
        addonVersion = try columns.next()
        code = try columns.next()
        name = try columns.next()
        featureFlag = try columns.next()
        price = try DecimalNumber(parsing: try columns.next(String.self))
        status = try columns.next()
        cancelAtPeriodEnd = try columns.next()
        activatedAt = try columns.next()
        canceledAt = try columns.next()
        createdAt = try columns.next()
        limits = try columns.next(String?.self).map { try StoredJSON.decode([PlanSnapshot.Limit].self, $0) }
        taxCode = try columns.next()
    }

    func addon(of subscription: UUID) throws -> SubscriptionAddon {
        guard let status = AddonStatus(rawValue: status) else { throw SubscriptionRowError.unreadable(subscription, "add-on status \(status)") }
        return SubscriptionAddon(
            addonId: try SubscriptionRowError.catalogID(addonID) { .unreadable(subscription, "add-on id \($0)") }, addonVersion: addonVersion,
            code: code, name: name, featureFlag: featureFlag, price: price, status: status,
            cancelAtPeriodEnd: cancelAtPeriodEnd, activatedAt: activatedAt, canceledAt: canceledAt, createdAt: createdAt,
            limits: limits?.map(\.subscriptionLimit), taxCode: taxCode)
    }
}

enum SubscriptionRowError: Error, CustomStringConvertible {
    case unreadable(UUID, String)
    case unreadablePlan(String, String)

    /// A catalog id read from a text column.
    static func catalogID(_ text: String, _ error: (String) -> SubscriptionRowError) throws -> CatalogItemID {
        guard let id = CatalogItemID(text) else { throw error(text) }
        return id
    }

    var description: String {
        switch self {
        case .unreadable(let id, let what): "subscription \(id.text) has an unknown \(what)"
        case .unreadablePlan(let plan, let what): "the snapshot of plan \(plan) has an unknown \(what)"
        }
    }
}
