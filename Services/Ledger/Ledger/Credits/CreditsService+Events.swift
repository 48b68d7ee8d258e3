import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingRPC
import Foundation
import InvoicingContract
import LedgerContract
import PostgresNIO
import SubscriptionsContract

/// What other contexts' events do to wallets. Each handler runs in the consumer's transaction with its inbox row, and grants
/// carry a reference (invoice line, subscription period), so an event applied twice grants once.
extension CreditsService {
    var creditHandlers: [String: EventHandler] {
        let handlers: [String: EventHandler] = [
            InvoicePaid.eventType: { envelope, connection in
                let event = try envelope.decode(InvoicePaid.self)
                for (index, purchase) in (event.creditPurchases ?? []).enumerated() {
                    let expires = purchase.validityDays.map { event.paidAt.addingTimeInterval(TimeInterval($0) * 86_400) }
                    let request = GrantCreditsRequest(
                        billingAccountId: event.invoice.billingAccountId, credits: purchase.credits, source: .purchase,
                        expiresAt: expires, reference: CreditPurchaseReference.of(event.invoice.id, purchase: index),
                        description: "credit package \(purchase.packageCode), invoice \(event.invoice.number ?? event.invoice.id.description)")
                    try validate(request)
                    try await handle(event.invoice.billingAccountId, tenant: envelope.tenantid, on: connection) { wallet, session in
                        _ = try await grant(request, into: &wallet, session: session, traceparent: envelope.traceparent)
                    }
                }
            },
            PaymentFailed.eventType: { envelope, connection in
                let event = try envelope.decode(PaymentFailed.self)
                let requests = Set((event.rechargeRequestIds ?? []).map(\.rawValue))
                guard !requests.isEmpty else { return }
                try await handle(event.billingAccountId, tenant: envelope.tenantid, on: connection) { wallet, _ in
                    if let pending = wallet.rechargePending, requests.contains(pending) { wallet.rechargePending = nil }
                }
            },
            // A refunded credit-package invoice takes its credits back: what is left of its grants, and what was spent meanwhile
            // as debt (invoicing refused the refund when they were spent, unless the caller chose to leave the wallet owing).
            PaymentRefunded.eventType: { envelope, connection in
                let event = try envelope.decode(PaymentRefunded.self)
                guard let credits = event.reversedCredits, credits > .zero, let invoice = event.invoiceId else { return }
                try await handle(event.billingAccountId, tenant: envelope.tenantid, on: connection) { wallet, session in
                    let grants = try await wallets.grantIDs(
                        account: session.account, referencePrefix: CreditPurchaseReference.prefix(invoice), tenant: session.tenant,
                        on: session.connection)
                    let owed = wallet.book.reverse(credits, from: grants)
                    if owed > .zero {
                        database.logger.warning(
                            "a refund took back credits already spent; the wallet owes them",
                            metadata: ["tenant": "\(session.tenant)", "account": "\(event.billingAccountId)", "owed": "\(owed.text)"])
                    }
                }
            },
        ]
        return handlers.merging(allowanceHandlers) { first, _ in first }
    }

    /// A period beginning (at creation, at the trial end, at each renewal, at a resume) grants the plan's included credits for it, and the
    /// previous period's allowance ends. The grant's reference is the period start, so a redelivered event grants once.
    private var allowanceHandlers: [String: EventHandler] {
        let periodStarts: [any SubscriptionEvent.Type] = [
            SubscriptionCreated.self, SubscriptionTrialEnded.self, SubscriptionRenewed.self, SubscriptionResumed.self,
        ]
        return Dictionary(uniqueKeysWithValues: periodStarts.map { type in (type.eventType, allowanceHandler(type)) })
    }

    /// The statuses whose period start invoicing invoices (and so bills the overage of).
    static let invoicedStatuses: Set<String> = ["ACTIVE", "PAST_DUE"]

    private func allowanceHandler<Event: SubscriptionEvent>(_ type: Event.Type) -> EventHandler {
        { envelope, connection in
            let subscription = try envelope.decode(Event.self).subscription
            let account = subscription.billingAccountId.rawValue
            let prefix = "subscription:\(subscription.id):"
            try await wallets.endAllowances(
                account: account, referencePrefix: prefix, before: subscription.currentPeriodStart, at: clock.now(),
                tenant: envelope.tenantid, on: connection)
            // Postpaid: what the overdraft owes is billed on the invoice of the period that starts (invoicing asks with the same
            // reference), not repaid from the new allowance — so it is billed first.
            if subscription.creditOveragePrice != nil, Self.invoicedStatuses.contains(subscription.status) {
                let reference = BillOverageRequest(
                    billingAccountId: subscription.billingAccountId, subscription: subscription.id.description,
                    periodStart: subscription.currentPeriodStart
                ).reference
                try await handle(subscription.billingAccountId, tenant: envelope.tenantid, on: connection) { wallet, session in
                    _ = try await billOverage(reference: reference, wallet: &wallet, session: session)
                }
            }
            guard subscription.includedCredits > .zero, ["TRIAL", "ACTIVE", "PAST_DUE"].contains(subscription.status) else { return }
            let request = GrantCreditsRequest(
                billingAccountId: subscription.billingAccountId, credits: subscription.includedCredits, source: .monthly,
                effectiveAt: subscription.currentPeriodStart, expiresAt: subscription.currentPeriodEnd,
                reference: prefix + RFC3339.format(subscription.currentPeriodStart),
                description: "plan allowance for the period from \(RFC3339.format(subscription.currentPeriodStart))")
            try validate(request)
            try await handle(subscription.billingAccountId, tenant: envelope.tenantid, on: connection) { wallet, session in
                // The plan's partial rollover: its share of what the last period left unused, until this period ends. Its reference
                // is this period's, so a redelivered event carries it once.
                if let rollover = subscription.creditRollover,
                    let unused = try await wallets.unusedAllowance(
                        account: account, referencePrefix: prefix, before: subscription.currentPeriodStart, tenant: session.tenant,
                        on: session.connection)
                {
                    let carried = rollover.carried(from: unused)
                    if carried > .zero {
                        _ = try await grant(
                            GrantCreditsRequest(
                                billingAccountId: subscription.billingAccountId, credits: carried, source: .rollover,
                                effectiveAt: subscription.currentPeriodStart, expiresAt: subscription.currentPeriodEnd,
                                reference: prefix + "rollover:" + RFC3339.format(subscription.currentPeriodStart),
                                description: "\(rollover.percent) % of the \(unused.text) credits the last period left unused"),
                            into: &wallet, session: session, traceparent: envelope.traceparent)
                    }
                }
                _ = try await grant(request, into: &wallet, session: session, traceparent: envelope.traceparent)
            }
        }
    }

    /// Runs `body` on a wallet inside the consumer's transaction; an account the ledger does not know yet is learned first.
    private func handle(
        _ accountID: AccountID, tenant: String, on connection: PostgresConnection,
        _ body: (inout LockedWallet, WalletSession) async throws -> Void
    ) async throws {
        let account = accountID.rawValue
        for attempt in 0..<2 {
            switch try await inWallet(account, tenant: tenant, on: connection, body) {
            case .done(let result): return try result.get()
            case .unknownAccount where attempt == 0:
                try await references.learnAccounts(
                    [account], tenant: tenant, options: RPCCallOptions(tenant: tenant, timeout: .seconds(5)),
                    on: connection)
            case .unknownAccount: break
            }
        }
        throw LedgerError.accountNotFound(accountID.description)
    }
}
