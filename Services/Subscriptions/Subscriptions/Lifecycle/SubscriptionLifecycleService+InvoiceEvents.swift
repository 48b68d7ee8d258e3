import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import Foundation
import InvoicingContract
import PostgresNIO
import SubscriptionsContract

/// What invoicing's events do to subscriptions. Each handler runs in the consumer's transaction with its inbox row.
extension SubscriptionLifecycleService {
    var invoiceEvents: EventSubscription {
        EventSubscription(
            group: SubscriptionsAPI.contextName, contexts: [InvoicingAPI.contextName, AccountsAPI.contextName],
            events: InvoicingAPI.events + AccountsAPI.events,
            handlers: accountHandlers.merging([
                InvoicePaid.eventType: { envelope, connection in
                    let event = try envelope.decode(InvoicePaid.self)
                    var touched = Set((event.addonActivations ?? []).map(\.subscriptionId))
                    if let id = event.invoice.subscriptionId { touched.insert(id) }
                    for id in touched {
                        try await change(id, tenant: envelope.tenantid, traceparent: envelope.traceparent, on: connection) { subscription, now in
                            var events: [TimedEvent] = []
                            for activation in (event.addonActivations ?? []) where activation.subscriptionId == id {
                                guard
                                    let index = subscription.addons.firstIndex(where: {
                                        $0.addonId == activation.addonId && $0.status == .pending
                                    })
                                else { continue }
                                subscription.addons[index].status = .active
                                subscription.addons[index].activatedAt = event.paidAt
                                let addon = subscription.addons[index]
                                events.append(
                                    TimedEvent(
                                        at: now,
                                        event: AddonActivated(
                                            subscriptionId: subscription.id, billingAccountId: subscription.billingAccountId,
                                            addonId: addon.addonId, addonCode: addon.code, featureFlag: addon.featureFlag,
                                            subscription: subscription.summary)))
                            }
                            if id == event.invoice.subscriptionId { events += try Self.owedNoMore(&subscription, at: now) }
                            return events
                        }
                    }
                },
                // An add-on whose invoice is refunded in full is canceled now: it was not paid for.
                PaymentRefunded.eventType: { envelope, connection in
                    let event = try envelope.decode(PaymentRefunded.self)
                    for id in Set((event.canceledAddons ?? []).map(\.subscriptionId)) {
                        try await change(id, tenant: envelope.tenantid, traceparent: envelope.traceparent, on: connection) { subscription, now in
                            var events: [TimedEvent] = []
                            for refunded in (event.canceledAddons ?? []) where refunded.subscriptionId == id {
                                guard
                                    let index = subscription.addons.firstIndex(where: {
                                        $0.addonId == refunded.addonId && $0.status != .canceled
                                    })
                                else { continue }
                                events += Self.cancelNow(index, of: &subscription, at: now)
                            }
                            return events
                        }
                    }
                },
                // An invoice credit notes took to zero, nothing paid (CREDITED), is owed no more: as when it is paid.
                CreditNoteIssued.eventType: { envelope, connection in
                    let event = try envelope.decode(CreditNoteIssued.self)
                    guard event.invoice.status == InvoiceStatus.credited.rawValue, let id = event.invoice.subscriptionId else { return }
                    try await change(id, tenant: envelope.tenantid, traceparent: envelope.traceparent, on: connection) { subscription, now in
                        try Self.owedNoMore(&subscription, at: now)
                    }
                },
                InvoiceOverdue.eventType: { envelope, connection in
                    let event = try envelope.decode(InvoiceOverdue.self)
                    guard let id = event.invoice.subscriptionId else { return }
                    try await change(id, tenant: envelope.tenantid, traceparent: envelope.traceparent, on: connection) { subscription, now in
                        guard SubscriptionLifecycle.allows(.markPastDue, from: subscription.status), subscription.status != .pastDue else {
                            return []
                        }
                        subscription.status = try SubscriptionLifecycle.next(from: subscription.status, .markPastDue)
                        subscription.pastDueSince = now
                        return [TimedEvent(at: now, event: SubscriptionPastDue(subscription: subscription.summary))]
                    }
                },
            ]) { first, _ in first })
    }

    /// What an account's status does to its subscriptions (seed 001: SUSPENDED = "assinaturas pausadas"): suspended, its TRIAL and ACTIVE
    /// subscriptions pause (no renewals, invoices or allowance); reactivated, those it paused resume (a new period starts); closed, every
    /// subscription not ended is canceled now.
    private var accountHandlers: [String: EventHandler] {
        [
            AccountSuspended.eventType: { envelope, connection in
                let account = try envelope.decode(AccountSuspended.self).account.id
                try await changeAll(of: account, tenant: envelope.tenantid, traceparent: envelope.traceparent, on: connection) { subscription, now in
                    guard SubscriptionLifecycle.allows(.pause, from: subscription.status) else { return [] }
                    return try Self.pause(&subscription, at: now, reason: .accountSuspended)
                }
            },
            AccountReactivated.eventType: { envelope, connection in
                let account = try envelope.decode(AccountReactivated.self).account.id
                try await changeAll(of: account, tenant: envelope.tenantid, traceparent: envelope.traceparent, on: connection) { subscription, now in
                    guard subscription.status == .paused, subscription.pauseReason == .accountSuspended else { return [] }
                    return try Self.resume(&subscription, at: now)
                }
            },
            AccountClosed.eventType: { envelope, connection in
                let account = try envelope.decode(AccountClosed.self).account.id
                try await changeAll(of: account, tenant: envelope.tenantid, traceparent: envelope.traceparent, on: connection) { subscription, now in
                    guard SubscriptionLifecycle.allows(.cancelNow, from: subscription.status) else { return [] }
                    return try cancelNow(&subscription, at: now, reason: "account closed")
                }
            },
        ]
    }

    /// Applies `body` to each of the account's subscriptions that have not ended, in id order.
    private func changeAll(
        of account: AccountID, tenant: String, traceparent: String?, on connection: PostgresConnection,
        _ body: @escaping (inout Subscription, Date) throws -> [TimedEvent]
    ) async throws {
        for id in try await store.notEnded(account: account.rawValue, tenant: tenant, on: connection) {
            try await change(id, tenant: tenant, traceparent: traceparent, on: connection, body)
        }
    }

    /// Applies `body` to a subscription named by an event; unknown ids are ignored (the invoice was not for a subscription of this tenant).
    private func change(
        _ id: SubscriptionID, tenant: String, traceparent: String?, on connection: PostgresConnection,
        _ body: (inout Subscription, Date) throws -> [TimedEvent]
    ) async throws {
        _ = try await update(id, tenant: tenant, traceparent: traceparent, on: connection) { subscription, now, _ in
            ((), try body(&subscription, now))
        }
    }
}

extension SubscriptionLifecycleService {
    /// The subscription's invoice is owed no more (paid, or credited to zero): PAST_DUE → ACTIVE, announced; other statuses stay.
    static func owedNoMore(_ subscription: inout Subscription, at now: Date) throws -> [TimedEvent] {
        guard subscription.status == .pastDue else { return [] }
        subscription.status = try SubscriptionLifecycle.next(from: subscription.status, .paymentReceived)
        subscription.pastDueSince = nil
        return [TimedEvent(at: now, event: SubscriptionActivated(subscription: subscription.summary))]
    }
}
