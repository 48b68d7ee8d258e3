import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingRPC
import Foundation
import InvoicingContract
import LedgerContract
import PostgresNIO
import SubscriptionsContract

/// What subscription events do to invoicing: a paid period starting drafts its invoice (once), plan and quantity changes leave
/// their proration lines for the next one. Each handler runs in the consumer's transaction with its inbox row.
extension InvoicesService {
    /// The handlers of subscription events, for the service's event subscription.
    var subscriptionHandlers: [String: EventHandler] {
        [
            SubscriptionCreated.eventType: periodStarted(SubscriptionCreated.self),
            SubscriptionTrialEnded.eventType: periodStarted(SubscriptionTrialEnded.self),
            SubscriptionRenewed.eventType: periodStarted(SubscriptionRenewed.self),
            SubscriptionResumed.eventType: periodStarted(SubscriptionResumed.self),
            SubscriptionPlanChanged.eventType: { envelope, connection in
                let event = try envelope.decode(SubscriptionPlanChanged.self)
                try await keep(event.prorationLines, of: event.subscription, envelope: envelope, on: connection)
            },
            SubscriptionQuantityChanged.eventType: { envelope, connection in
                let event = try envelope.decode(SubscriptionQuantityChanged.self)
                try await keep(event.prorationLines, of: event.subscription, envelope: envelope, on: connection)
            },
        ]
    }

    /// Drafts the invoice of the period the event starts: the plan at the event's price and quantity, the subscription's paid add-ons
    /// (as they are when the event is handled), waiting proration lines and the account's pending invoice items. A trial period is not invoiced here.
    private func periodStarted<Event: SubscriptionEvent>(_ type: Event.Type) -> EventHandler {
        { envelope, connection in
            let summary = try envelope.decode(Event.self).subscription
            let subscriptionID = summary.id.rawValue
            guard ["ACTIVE", "PAST_DUE"].contains(summary.status), let unit = summary.unitPrice else {
                return
            }
            let tenant = envelope.tenantid
            try await store.lockSubscription(subscriptionID, tenant: tenant, on: connection)
            let sourceKey = "subscription:\(summary.id):\(RFC3339.format(summary.currentPeriodStart))"
            // Drafted already (a redelivered event), or billed by hand (`POST /invoices` before this event arrived): not billed twice.
            guard
                try await !store.periodBilled(
                    sourceKey: sourceKey, subscription: subscriptionID, periodStart: summary.currentPeriodStart, tenant: tenant, on: connection)
            else { return }
            let current = try await subscriptions.call(
                SubscriptionsAPI.get, SubscriptionRequest(id: summary.id),
                options: RPCCallOptions(tenant: tenant, timeout: .seconds(5)))
            let now = clock.now()
            let id = InvoiceID.generate(at: now)
            var lines = try InvoiceComposer.periodLines(
                plan: current.plan.name, unit: unit, quantity: summary.quantity, addons: current.addons,
                period: TimeSpan(start: summary.currentPeriodStart, end: summary.currentPeriodEnd),
                subscriptionId: summary.id, proration: InvoiceComposer.firstPeriodProration(current, periodStart: summary.currentPeriodStart))
            // The period that just ended is billed in arrears for its usage (none before the first paid period).
            let calculator = SubscriptionPeriodCalculator(
                interval: current.plan.billingInterval, cycleType: current.plan.billingCycleType,
                anchor: current.billingAnchor, timeZone: TimeZone(identifier: current.timezone) ?? .gmt)
            let index = calculator.index(containing: summary.currentPeriodStart)
            let previous = index.flatMap { $0 >= 1 ? calculator.period($0 - 1) : nil }
            var usage = UsageBilling()
            if let previous {
                usage = try await usageLines(
                    current, period: previous, currency: unit.currency, closing: true,
                    options: RPCCallOptions(tenant: tenant, timeout: .seconds(10)))
                lines += usage.lines
            }
            lines += try await overageLines(
                current, periodStart: summary.currentPeriodStart, previousPeriodStart: previous?.start, currency: unit.currency,
                options: RPCCallOptions(tenant: tenant, timeout: .seconds(10)))
            lines = Taxes.stampTaxCodes(lines, subscription: current)
            let pending = Taxes.stampTaxCodes(
                try await store.takePendingLines(
                    subscription: subscriptionID, endingBy: summary.currentPeriodStart, invoice: id, tenant: tenant,
                    on: connection)
                    + (try await linesDueEarlier(
                        subscription: subscriptionID, periodStart: summary.currentPeriodStart, invoice: id, at: now, tenant: tenant,
                        on: connection)),
                subscription: current)
            // The coupon in force for this period discounts the plan, add-ons, usage and the proration lines taken here.
            let discounts = try Discounts.discountLines(
                current, periodStart: summary.currentPeriodStart, lines: lines + pending,
                invoiceTotal: try InvoiceComposer.total(lines + pending, currency: unit.currency))
            let taken = Discounts.interleave(
                pending, Dictionary(uniqueKeysWithValues: discounts.filter { $0.key >= lines.count }.map { ($0.key - lines.count, $0.value) }))
            lines = Discounts.interleave(lines, discounts.filter { $0.key < lines.count })
            let total = try InvoiceComposer.total(lines, currency: unit.currency)
            let settings = try await store.settings(tenant: tenant, on: connection)
            var invoice = Invoice(
                id: id, billingAccountId: summary.billingAccountId, number: nil, status: .draft, currency: unit.currency.code, lines: lines,
                total: total, amountPaid: .zero(unit.currency), amountDue: total, periodStart: summary.currentPeriodStart,
                periodEnd: summary.currentPeriodEnd, subscriptionId: summary.id, netTermsDays: settings.netTermsDays, dueDate: nil,
                finalizedAt: nil, paidAt: nil, voidedAt: nil, createdAt: now, updatedAt: now)
            invoice.livemode = summary.testClockId == nil
            try await attach(taken, to: &invoice, subscription: subscriptionID, at: now, tenant: tenant, on: connection)
            try await takeInvoiceItems(into: &invoice, at: now, tenant: tenant, on: connection)
            try await credit.apply(to: &invoice, at: now, tenant: tenant, traceparent: envelope.traceparent, on: connection)
            if try await store.insert(invoice, sourceKey: sourceKey, tenant: tenant, on: connection) {
                if settings.autoFinalize {
                    // Numbered by the finalization job in batches (`finalizeQueued`), not here one at a time.
                    try await store.queueFinalization(invoice.id, traceparent: envelope.traceparent, at: now, tenant: tenant, on: connection)
                }
                let unpriced = usage.unpricedEvents(invoice: invoice.id, account: invoice.billingAccountId, subscription: summary.id)
                try await outbox.append(
                    ([InvoiceCreated(invoice: invoice.summary)] as [any IntegrationEvent] + unpriced).map {
                        PendingEvent($0, tenant: tenant, at: now, traceparent: envelope.traceparent)
                    },
                    on: connection, logger: database.logger)
            } else {
                // Another delivery invoiced the period between the check and here: roll back, so the lines taken above wait again.
                throw AlreadyInvoiced()
            }
        }
    }

    /// Proration lines go to the subscription's first DRAFT period invoice after them when it exists already (its renewal event may
    /// have been applied first), and otherwise wait for it.
    private func keep(
        _ lines: [ProrationLine], of summary: SubscriptionSummary, envelope: EventEnvelope, on connection: PostgresConnection
    ) async throws {
        let subscription = summary.id.rawValue
        guard !lines.isEmpty, let event = UUID(uuidString: envelope.id) else { return }
        let invoiceLines = lines.map { line in
            InvoiceLine(
                kind: "PRORATION", description: line.description, quantity: 1, unitAmount: line.amount, amount: line.amount,
                periodStart: line.periodStart, periodEnd: line.periodEnd, subscriptionId: summary.id)
        }
        let now = clock.now(), tenant = envelope.tenantid
        try await store.lockSubscription(subscription, tenant: tenant, on: connection)
        // Recorded first, keyed by the event: a second delivery adds nothing, wherever the lines went the first time.
        guard try await store.addPendingLines(invoiceLines, subscription: subscription, event: event, at: now, tenant: tenant, on: connection) else {
            return
        }
        let end = lines.map(\.periodEnd).max()!
        if var invoice = try await store.nextDraft(subscription: summary.id.description, startingAtOrAfter: end, tenant: tenant, on: connection) {
            let taken = try await store.takePendingLines(
                subscription: subscription, endingBy: invoice.periodStart ?? end, invoice: invoice.id, tenant: tenant,
                on: connection)
            let discounted = try Discounts.lateProration(
                taken, discount: summary.discount, planId: summary.planId, periodStart: invoice.periodStart ?? end)
            try await attach(discounted, to: &invoice, subscription: subscription, at: now, tenant: tenant, on: connection)
            invoice.updatedAt = now
            try await store.save(invoice, tenant: tenant, on: connection)
        }
    }

    /// Proration lines due on this period's invoice that a later period's draft took because its renewal was applied first
    /// (replicas may apply one subscription's events in either order): taken back from it, so they are billed on the first
    /// invoice after them. A later draft that took account credit, or carries a credit over, is left as it is (and keeps them).
    private func linesDueEarlier(
        subscription: UUID, periodStart: Date, invoice: InvoiceID, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws -> [InvoiceLine] {
        // The next period's draft, if any: a draft starting after this period's start.
        guard
            var later = try await store.nextDraft(
                subscription: subscription.text, startingAtOrAfter: periodStart.addingTimeInterval(1),
                tenant: tenant, on: connection)
        else { return [] }
        let isDue = { (line: InvoiceLine) in line.kind == "PRORATION" && (line.periodEnd ?? .distantFuture) <= periodStart }
        let balancing = later.lines.contains { $0.kind == "ACCOUNT_CREDIT" || ($0.kind == "PRORATION" && $0.periodEnd == later.periodEnd) }
        let due = later.lines.filter(isDue)
        guard !due.isEmpty, !balancing else { return [] }
        let total = try later.total.subtracting(try InvoiceComposer.total(due, currency: later.total.currency))
        guard !total.isNegative else { return [] }
        later.lines.removeAll(where: isDue)
        later.total = total
        later.amountDue = total
        later.updatedAt = now
        try await store.save(later, tenant: tenant, on: connection)
        try await store.moveTakenLines(subscription: subscription, endingBy: periodStart, from: later.id, to: invoice, tenant: tenant, on: connection)
        return due
    }

    /// Adds lines to a DRAFT invoice. Credits for unused time larger than everything else on it stop the invoice at zero: a
    /// balancing line, and the rest waits for the subscription's next invoice as a pending line.
    private func attach(
        _ lines: [InvoiceLine], to invoice: inout Invoice, subscription: UUID, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        guard !lines.isEmpty else { return }
        invoice.lines += lines
        let currency = invoice.total.currency
        var total = try invoice.total.adding(try InvoiceComposer.total(lines, currency: currency))
        if total.isNegative {
            let (start, end, subscriptionID) = (invoice.periodStart, invoice.periodEnd, invoice.subscriptionId)
            let line = { (description: String, amount: Money) in
                InvoiceLine(
                    kind: "PRORATION", description: description, quantity: 1, unitAmount: amount, amount: amount, periodStart: start,
                    periodEnd: end, subscriptionId: subscriptionID)
            }
            invoice.lines.append(line("Credit carried over to the next invoice", total.negated))
            try await store.addPendingLines(
                [line("Credit carried over from an earlier invoice", total)], subscription: subscription,
                event: UUIDv7.generate(at: now), at: now, tenant: tenant, on: connection)
            total = .zero(currency)
        }
        invoice.total = total
        invoice.amountDue = total
    }
}

/// A period's invoice exists already: the handler's transaction must not keep the proration lines it took.
struct AlreadyInvoiced: Error {}
