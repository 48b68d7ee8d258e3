import BillingCore
import BillingRPC
import Foundation
import InvoicingContract
import SubscriptionsContract

/// The upcoming invoice (Stripe's): what the next invoice will hold, composed the way drafting composes it, from reads only.
extension InvoicesService {
    func upcoming(_ request: UpcomingInvoiceRequest, context: RPCServerContext) async throws -> UpcomingInvoice {
        let options = context.outgoing(timeout: .seconds(5))
        let tenant = context.tenant
        var chosen: Subscription?
        let accountID: AccountID
        if let id = request.subscriptionId {
            let subscription = try await subscriptions.call(SubscriptionsAPI.get, SubscriptionRequest(id: id), options: options)
            guard Self.hasNextPeriod(subscription) else {
                throw InvoicingError.conflict(
                    "subscription \(id) is \(subscription.status.rawValue)\(subscription.cancelAtPeriodEnd ? " and ends at period end" : ""): it has no next invoice",
                    reason: "NO_UPCOMING_INVOICE")
            }
            chosen = subscription
            accountID = subscription.billingAccountId
        } else if let id = request.billingAccountId {
            accountID = id
        } else {
            throw InvoicingError.invalid("billingAccountId", "name an account or a subscription")
        }
        guard
            let account = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await accounts.get(accountID, options: options)
            })
        else { throw InvoicingError.notFound("billing account", accountID.description, reason: "ACCOUNT_NOT_FOUND") }
        let currency = Currency(code: account.currency) ?? .brl
        if request.subscriptionId == nil {
            // The account's next invoice: that of the live subscription whose next period starts first.
            let page = try await subscriptions.call(
                SubscriptionsAPI.list, ListSubscriptionsRequest(billingAccountId: accountID, pageSize: 100), options: options)
            chosen = page.items.filter(Self.hasNextPeriod).min {
                ($0.currentPeriodEnd, $0.id.rawValue.text) < ($1.currentPeriodEnd, $1.id.rawValue.text)
            }
        }
        var lines: [InvoiceLine] = []
        var period: TimeSpan?
        var next: (subscription: Subscription, period: TimeSpan)?
        if let subscription = chosen {
            next = try Self.nextPeriod(of: subscription)
            period = next?.period
            lines = try InvoiceComposer.periodLines(
                plan: next!.subscription.plan.name, unit: try Self.unit(next!.subscription, currency), quantity: next!.subscription.quantity,
                addons: next!.subscription.addons, period: next!.period, subscriptionId: subscription.id,
                proration: InvoiceComposer.firstPeriodProration(next!.subscription, periodStart: next!.period.start))
            if subscription.status != .trial {
                let soFar = TimeSpan(start: subscription.currentPeriodStart, end: min(subscription.currentPeriodEnd, clock.now()))
                lines += try await usageLines(subscription, period: soFar, currency: currency, closing: false, options: options).lines
            }
        }
        let (waiting, items, balance) = try await database.withTenant(tenant) { [next] connection in
            var waiting: [InvoiceLine] = []
            if let next {
                waiting = try await store.waitingLines(
                    subscription: next.subscription.id.rawValue, endingBy: next.period.start, tenant: tenant, on: connection)
            }
            return (
                waiting, try await self.items.pending(account: accountID, tenant: tenant, on: connection),
                try await credit.store.balance(of: accountID.rawValue, currency: currency, tenant: tenant, locking: false, on: connection)
            )
        }
        if let next {
            lines = try Discounts.apply(
                next.subscription, periodStart: next.period.start, to: Taxes.stampTaxCodes(lines + waiting, subscription: next.subscription))
        }
        lines += InvoiceItemRules.taken(items, onto: try InvoiceComposer.total(lines, currency: currency)).map(InvoiceItemRules.line)
        guard !lines.isEmpty else {
            throw InvoicingError.conflict(
                "billing account \(accountID) has no live subscription and no pending item: no next invoice", reason: "NO_UPCOMING_INVOICE")
        }
        // The taxes finalization would add, as the tenant's rates and the account stand now.
        let taxes = try await database.withTenant(tenant) { [lines] connection in
            try await self.taxes(of: lines, buyer: Taxes.Buyer(account), currency: currency, tenant: tenant, on: connection)
        }
        lines = Taxes.insert(taxes, into: lines)
        let subtotal = try InvoiceComposer.total(lines, currency: currency)
        let applied = Money(minorUnits: max(0, min(balance.minorUnits, subtotal.minorUnits)), currency: currency)
        if applied.isPositive {
            lines.append(AccountCreditBook.line(applied, periodStart: period?.start, periodEnd: period?.end, subscriptionId: chosen?.id))
        }
        let total = try subtotal.subtracting(applied)
        return UpcomingInvoice(
            billingAccountId: accountID, subscriptionId: chosen?.id, currency: currency.code, periodStart: period?.start, periodEnd: period?.end,
            nextInvoiceDate: period?.start ?? clock.now(), lines: lines, subtotal: subtotal, accountCredit: applied, total: total,
            amountDue: total, taxes: taxes.taxes.isEmpty ? nil : taxes.taxes)
    }

    /// A live subscription that renews (a trial that turns paid included) has a next invoice.
    static func hasNextPeriod(_ subscription: Subscription) -> Bool {
        [.trial, .active, .pastDue].contains(subscription.status) && !subscription.cancelAtPeriodEnd
    }

    /// The subscription as its next period bills it (a change scheduled for the period's end applied, add-ons ending then
    /// removed) and that period: the first paid one after a trial, the one after the current one otherwise.
    static func nextPeriod(of subscription: Subscription) throws(InvoicingError) -> (subscription: Subscription, period: TimeSpan) {
        var next = subscription
        if let change = subscription.scheduledChange, change.effectiveAt <= subscription.currentPeriodEnd {
            if let plan = change.plan { next.plan = plan }
            if let quantity = change.quantity { next.quantity = quantity }
        }
        next.addons = subscription.addons.filter { $0.status == .active && !$0.cancelAtPeriodEnd }
        let calculator = SubscriptionPeriodCalculator(
            interval: next.plan.billingInterval, cycleType: next.plan.billingCycleType, anchor: subscription.billingAnchor,
            timeZone: TimeZone(identifier: subscription.timezone) ?? .gmt)
        let index = calculator.index(containing: subscription.currentPeriodEnd) ?? 0
        let period = calculator.period(index)
        return (next, period)
    }

    private static func unit(_ subscription: Subscription, _ currency: Currency) throws(InvoicingError) -> Money {
        do { return try Money(exactly: subscription.plan.unitPrice, currency: currency) } catch {
            throw .invalid("billingAccountId", "the plan's price is not exact in \(currency.code)")
        }
    }
}
