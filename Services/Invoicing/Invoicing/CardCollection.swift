import BillingCore
import BillingEvents
import Foundation
import InvoicingContract
import PostgresNIO

/// How long after each declined automatic charge the card is tried again (the tenant's `cardRetrySchedule` invoice setting, or
/// `BILLING_INVOICING_CARD_RETRY_SCHEDULE`, e.g.
/// `1d,3d,5d`: the second attempt a day after the first, the third three days after the second, the last five days after that).
public struct CardRetrySchedule: Sendable, Equatable {
    public let delays: [TimeInterval]

    public static let `default` = CardRetrySchedule(delays: [86_400, 3 * 86_400, 5 * 86_400])

    public init(delays: [TimeInterval]) { self.delays = delays }

    /// Parses `30s`, `15m`, `12h`, `3d` items separated by commas; empty: no retry. Nil when an item is malformed or not positive.
    public init?(_ text: String) {
        var delays: [TimeInterval] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
            guard let unit = item.last.flatMap({ units[$0] }), let count = Int(item.dropLast()), count > 0 else { return nil }
            delays.append(TimeInterval(count) * unit)
        }
        self.delays = delays
    }

    /// When to try again after attempt `attempt` (1 = the first charge) was declined; nil when it was the last.
    public func retry(after attempt: Int, at now: Date) -> Date? {
        attempt <= delays.count ? now.addingTimeInterval(delays[attempt - 1]) : nil
    }
}

/// Automatic collection (Stripe's "charge automatically"): a subscription's period invoice is charged to the account's default
/// saved card once it is finalized; a declined charge is tried again per the retry schedule, each time with whatever card is the
/// default then (so updating the card is how a customer recovers). Every decline is a `billing.payment.failed` with the attempt
/// and the next one; after the last, the invoice waits for another payment (PIX) and the overdue rules take over. A paid, voided
/// or canceled invoice, or an account without a saved card, leaves the schedule. Auto-recharge invoices are not retried: the
/// ledger asks for a new recharge instead.
extension InvoicingService {
    /// At finalize: a period invoice with something to pay, of an account with a default card, is queued for its first charge now.
    func scheduleCollection(of invoice: inout Invoice, at now: Date, tenant: String, on connection: PostgresConnection) async throws {
        guard invoice.subscriptionId != nil, invoice.periodStart != nil, invoice.status == .pending, invoice.amountDue.isPositive,
            let account = UUID(uuidString: invoice.billingAccountId),
            try await defaultCard(of: account, tenant: tenant, on: connection) != nil
        else { return }
        try await collections.schedule(invoice.id, at: now, tenant: tenant, on: connection)
        invoice.paymentAttempts = 0
        invoice.nextPaymentAttempt = now
    }

    /// The token of the account's default saved card.
    func defaultCard(of account: UUID, tenant: String, on connection: PostgresConnection) async throws -> String? {
        try await paymentMethods.defaultToken(of: account, tenant: tenant, on: connection)
    }

    /// One pass of the collection scheduler (every replica runs it; `SKIP LOCKED` gives each its own rows): the charges due now.
    public func collectCards(limit: Int) async throws -> Int {
        try await database.withSystemScope { connection in
            let now = clock.now()
            let due = try await collections.claimDue(at: now, limit: limit, on: connection)
            for (tenant, invoice, attempts) in due {
                try await collect(invoice, attempt: attempts + 1, at: now, tenant: tenant, on: connection)
            }
            return due.count
        }
    }

    private func collect(_ id: InvoiceID, attempt: Int, at now: Date, tenant: String, on connection: PostgresConnection) async throws {
        let leave = { try await self.collections.remove(id, tenant: tenant, on: connection) }
        guard var invoice = try await store.find(id, tenant: tenant, forUpdate: true, on: connection),
            InvoiceLifecycle.isPayable(invoice.status), invoice.amountDue.isPositive, let account = UUID(uuidString: invoice.billingAccountId)
        else {
            return try await leave()
        }
        invoice.paymentAttempts = attempt
        invoice.nextPaymentAttempt = nil
        invoice.updatedAt = now
        guard let card = try await defaultCard(of: account, tenant: tenant, on: connection) else {
            try await store.save(invoice, tenant: tenant, on: connection)
            return try await leave()
        }
        // The reference names the attempt: a retried pass of the same attempt is the same charge at the provider.
        let charge: CardCharge
        do {
            charge = try await cards.charge(token: card, amount: invoice.amountDue, reference: "\(id)-\(attempt)")
        } catch {
            charge = CardCharge(approved: false, chargeId: "", declineReason: error.rpcError.message)
        }
        if charge.approved {
            try await store.save(invoice, tenant: tenant, on: connection)
            try await leave()
            _ = try await recordPayment(
                CreatePaymentRequest(
                    billingAccountId: invoice.billingAccountId, invoiceId: id.description,
                    amount: invoice.amountDue.amount, paymentMethod: .card, externalRef: charge.chargeId),
                tenant: tenant, traceparent: nil, on: connection)
            return
        }
        let schedule = try await store.settings(tenant: tenant, on: connection).cardRetrySchedule.flatMap(CardRetrySchedule.init) ?? cardRetrySchedule
        let next = schedule.retry(after: attempt, at: now)
        if let next {
            try await collections.reschedule(id, attempts: attempt, at: next, tenant: tenant, on: connection)
        } else {
            try await leave()
        }
        invoice.nextPaymentAttempt = next
        try await store.save(invoice, tenant: tenant, on: connection)
        try await outbox.append(
            PaymentFailed(
                paymentId: PaymentID(rawValue: UUIDv7.generate(at: now)), invoiceId: id, billingAccountId: invoice.billingAccountId,
                reason: charge.declineReason ?? "declined", attempt: attempt, nextPaymentAttempt: next),
            tenant: tenant, at: now, traceparent: nil, on: connection, logger: database.logger)
    }
}
