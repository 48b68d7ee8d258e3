import BillingCore
import BillingRPC
import Foundation
import SubscriptionsContract

/// Entitlements: what subscriptions grant now.
extension SubscriptionLifecycleService {
    /// An account's entitlements (or one subscription's); an account that does not exist (or is another tenant's) is not found, rather
    /// than entitled to nothing.
    func entitlements(_ request: EntitlementsRequest, context: RPCServerContext) async throws -> Entitlements {
        let tenant = context.tenant
        let entitlements = try await database.withTenant(tenant) { connection in
            if let id = request.subscriptionId {
                guard let subscription = try await store.find(id, tenant: tenant, on: connection) else { throw SubscriptionsError.notFound(id) }
                let now = try await now(clockID: subscription.testClockId, tenant: tenant, on: connection)
                return Self.entitlements(of: [subscription], account: subscription.billingAccountId, at: now)
            }
            guard let account = request.billingAccountId else {
                throw SubscriptionsError.invalid("billingAccountId", "name a subscriptionId or a billingAccountId (a UUID)")
            }
            let subscriptions = try await store.open(account: account.rawValue, tenant: tenant, on: connection)
            // Subscriptions on a test clock live on its time; the others on the service's.
            var clocked: [(Subscription, Date)] = []
            for subscription in subscriptions {
                clocked.append((subscription, try await now(clockID: subscription.testClockId, tenant: tenant, on: connection)))
            }
            return Self.entitlements(of: clocked.filter { $0.0.startDate <= $0.1 }.map(\.0), account: account, at: clock.now())
        }
        if let account = request.billingAccountId, request.subscriptionId == nil, entitlements.subscriptionIds.isEmpty {
            let options = Self.outgoing(context)
            let found = try await RPCError.unlessNotFound({ () async throws(RPCError) in try await accounts.get(account, options: options) })
            guard found != nil else { throw SubscriptionsError.accountNotFound(account) }
        }
        return entitlements
    }

    /// Live subscriptions (TRIAL, ACTIVE, PAST_DUE and started) grant their plan's features and limits and their active add-ons' flags
    /// and limits (added to the plan's); where two grant the same resource, the larger limit wins (as the ledger enforces them).
    static func entitlements(of subscriptions: [Subscription], account: AccountID, at now: Date) -> Entitlements {
        let live = subscriptions.filter { [.trial, .active, .pastDue].contains($0.status) && $0.startDate <= now }
        var features = Set<String>()
        var limits: [String: SubscriptionLimit] = [:]
        var credits = Credits.zero
        for subscription in live {
            features.formUnion(subscription.plan.features)
            features.formUnion(subscription.addons.filter { $0.status == .active }.map(\.featureFlag))
            for limit in subscription.limits where (limits[limit.resource]?.limit ?? -1) < limit.limit { limits[limit.resource] = limit }
            credits = (try? credits.adding(subscription.plan.includedCredits)) ?? credits
        }
        return Entitlements(
            billingAccountId: account, subscriptionIds: live.map(\.id), active: !live.isEmpty,
            restricted: live.contains { $0.status == .pastDue }, features: features.sorted(),
            limits: limits.values.sorted { $0.resource < $1.resource }, includedCredits: credits)
    }
}
