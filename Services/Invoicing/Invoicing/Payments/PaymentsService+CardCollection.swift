import BillingCore
import BillingEvents
import Foundation
import InvoicingContract
import PostgresNIO

/// Automatic collection (Stripe's "charge automatically"): a subscription's period invoice is charged to the account's default
/// saved card once it is finalized; a declined charge is tried again per the retry schedule, each time with whatever card is the
/// default then (so updating the card is how a customer recovers). Every decline is a `billing.payment.failed` with the attempt
/// and the next one; after the last, the invoice waits for another payment (PIX) and the overdue rules take over. A paid, voided
/// or canceled invoice, or an account without a saved card, leaves the schedule. Auto-recharge invoices are not retried: the
/// ledger asks for a new recharge instead.
extension PaymentsService {
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
        guard let card = try await paymentMethods.defaultToken(of: account, tenant: tenant, on: connection) else {
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
