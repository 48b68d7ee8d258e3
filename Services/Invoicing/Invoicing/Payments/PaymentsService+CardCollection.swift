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
    /// How long a claimed attempt is left to its replica before another pass retries it (the same attempt, the same charge).
    static let collectionLease: TimeInterval = 600

    /// One pass of the collection scheduler (every replica runs it; `SKIP LOCKED` gives each its own rows): the charges due now.
    /// No row is locked while the provider is called: claim and commit, charge, then record the outcome.
    public func collectCards(limit: Int) async throws -> Int {
        let now = clock.now()
        let claimed = try await database.withSystemScope { connection in
            try await collections.claimDue(at: now, limit: limit, lease: now.addingTimeInterval(Self.collectionLease), on: connection)
        }
        for (tenant, invoice, attempt) in claimed {
            do {
                try await collect(invoice, attempt: attempt, tenant: tenant)
            } catch {
                // The attempt stays in flight; after its lease another pass charges the same reference and records it then.
                database.logger.error(
                    "card collection attempt not recorded; retried after its lease",
                    metadata: ["tenant": "\(tenant)", "invoice": "\(invoice)", "attempt": "\(attempt)", "error": "\(error)"])
            }
        }
        return claimed.count
    }

    private func collect(_ id: InvoiceID, attempt: Int, tenant: String) async throws {
        // The attempt's PROCESSING payment, when a pass that crashed before recording the outcome began it.
        let key = "\(id)-\(attempt)"
        let (invoice, card, begun) = try await database.withTenant(tenant) { connection in
            let invoice = try await store.find(id, tenant: tenant, on: connection)
            let begun = try await paymentStore.payment(attemptKey: key, tenant: tenant, on: connection)
            guard let account = invoice?.billingAccountId.rawValue else { return (invoice, nil as String?, begun) }
            return (invoice, try await paymentMethods.defaultToken(of: account, tenant: tenant, on: connection), begun)
        }
        guard let invoice, InvoiceLifecycle.isPayable(invoice.status), invoice.amountDue.isPositive, let card else {
            // Paid, voided or canceled meanwhile, or no saved card any more: the invoice leaves the schedule.
            return try await record(id, attempt: attempt, charge: nil, amount: nil, processing: begun, tenant: tenant)
        }
        var processing = begun
        if processing == nil { processing = try await begin(attempt: key, of: invoice, tenant: tenant) }
        // The reference names the attempt: charging it again (a crash before the outcome was recorded) is the same charge.
        let charge: CardCharge
        do throws(InvoicingError) {
            charge = try await cards(livemode: invoice.livemode).charge(
                CardChargeRequest(token: card, amount: invoice.amountDue, reference: key, offSession: true, tenant: tenant, invoice: id))
        } catch {
            charge = CardCharge(approved: false, chargeId: "", declineReason: error.rpcError.message)
        }
        if charge.pending, let processing {
            // The provider is still deciding: its webhook (or the job that reads the charge back) records the outcome; the attempt
            // leaves the schedule.
            _ = try await awaitProvider(charge, attempt: key, of: invoice, waiting: processing, tenant: tenant)
            return try await database.withTenant(tenant) { try await collections.remove(id, tenant: tenant, on: $0) }
        }
        try await record(id, attempt: attempt, charge: charge, amount: invoice.amountDue, processing: processing, tenant: tenant)
    }

    /// The attempt's PROCESSING payment, committed before the provider is asked: a charge whose outcome is never recorded still shows.
    func begin(attempt key: String, of invoice: Invoice, tenant: String) async throws -> Payment {
        try await database.withTenant(tenant) { connection in
            let now = clock.now()
            let payment = Payment(
                id: .generate(at: now), billingAccountId: invoice.billingAccountId, invoiceId: invoice.id, amount: invoice.amountDue,
                paymentMethod: .card, externalRef: nil, status: .processing, refunded: .zero(invoice.amountDue.currency), createdAt: now)
            if try await paymentStore.insert(payment, attemptKey: key, tenant: tenant, on: connection) { return payment }
            guard let begun = try await paymentStore.payment(attemptKey: key, tenant: tenant, on: connection) else {
                throw InvoicingError.conflict("card charge attempt \(key) could not be recorded", reason: "ATTEMPT_NOT_RECORDED")
            }
            return begun
        }
    }

    /// A charge the provider has not decided, on its PROCESSING payment (`waiting`, or a new one under the attempt's key): the
    /// provider's charge id and where the customer authenticates. Answers the payment.
    func awaitProvider(
        _ charge: CardCharge, attempt key: String, of invoice: Invoice, waiting: Payment? = nil, tenant: String
    ) async throws
        -> Payment
    {
        try await database.withTenant(tenant) { connection in
            let now = clock.now()
            var payment =
                waiting
                ?? Payment(
                    id: .generate(at: now), billingAccountId: invoice.billingAccountId, invoiceId: invoice.id, amount: invoice.amountDue,
                    paymentMethod: .card, externalRef: nil, status: .processing, refunded: .zero(invoice.amountDue.currency), createdAt: now)
            payment.externalRef = charge.chargeId
            payment.nextActionUrl = charge.actionURL
            if waiting == nil, try await paymentStore.insert(payment, attemptKey: key, tenant: tenant, on: connection) { return payment }
            try await paymentStore.awaitProvider(
                attemptKey: key, chargeId: charge.chargeId, actionURL: charge.actionURL, at: now, tenant: tenant, on: connection)
            guard let recorded = try await paymentStore.payment(attemptKey: key, tenant: tenant, on: connection) else {
                throw InvoicingError.conflict("card charge attempt \(key) could not be recorded", reason: "ATTEMPT_NOT_RECORDED")
            }
            return recorded
        }
    }

    /// The outcome of an attempt, in one transaction: its PROCESSING payment completed (or FAILED, with the next attempt), the
    /// invoice's attempt count, the schedule. `charge` nil: nothing was charged and the invoice leaves the schedule.
    private func record(
        _ id: InvoiceID, attempt: Int, charge: CardCharge?, amount: Money?, processing: Payment?, tenant: String
    ) async throws {
        try await database.withTenant(tenant) { connection in
            let now = clock.now()
            guard var invoice = try await store.find(id, tenant: tenant, forUpdate: true, on: connection) else {
                return try await collections.remove(id, tenant: tenant, on: connection)
            }
            invoice.paymentAttempts = attempt
            invoice.nextPaymentAttempt = nil
            invoice.updatedAt = now
            guard let charge, let amount else {
                if let processing {
                    try await paymentStore.fail(
                        processing.id, reason: "not charged: the invoice no longer waits for it, or no card is saved", at: now, tenant: tenant,
                        on: connection)
                }
                try await store.save(invoice, tenant: tenant, on: connection)
                return try await collections.remove(id, tenant: tenant, on: connection)
            }
            if charge.approved {
                try await store.save(invoice, tenant: tenant, on: connection)
                try await collections.remove(id, tenant: tenant, on: connection)
                try await recordCollected(
                    amount, method: .card, externalRef: charge.chargeId, invoice: invoice, processing: processing, tenant: tenant, on: connection)
                return
            }
            let schedule =
                try await store.settings(tenant: tenant, on: connection).cardRetrySchedule.flatMap(CardRetrySchedule.init) ?? cardRetrySchedule
            // An auto-recharge is tried once: the ledger asks for a new one when the wallet needs it.
            let next = invoice.rechargeRequests.isEmpty ? schedule.retry(after: attempt, at: now) : nil
            if let next {
                try await collections.reschedule(id, attempts: attempt, at: next, tenant: tenant, on: connection)
            } else {
                try await collections.remove(id, tenant: tenant, on: connection)
            }
            invoice.nextPaymentAttempt = next
            try await store.save(invoice, tenant: tenant, on: connection)
            try await recordFailure(
                PaymentFailed(
                    paymentId: processing?.id ?? PaymentID(rawValue: UUIDv7.generate(at: now)), invoiceId: id,
                    billingAccountId: invoice.billingAccountId, reason: charge.declineReason ?? "declined",
                    rechargeRequestIds: invoice.rechargeRequests.isEmpty ? nil : invoice.rechargeRequests, attempt: attempt, nextPaymentAttempt: next),
                of: processing, amount: amount.amount, method: .card, at: now, tenant: tenant, traceparent: nil, on: connection)
        }
    }

    /// Money the provider collected (an approved card charge, a PIX received) is recorded as a payment of the invoice; when the
    /// invoice was paid by other means meanwhile (or voided), the money is not lost: the payment is recorded all the same and
    /// becomes the account's credit. Once per `externalRef`.
    func recordCollected(
        _ amount: Money, method: PaymentMethod, externalRef: String, invoice: Invoice, processing: Payment?, tenant: String,
        traceparent: String? = nil, on connection: PostgresConnection
    ) async throws {
        let request = CreatePaymentRequest(
            billingAccountId: invoice.billingAccountId, invoiceId: invoice.id, amount: amount.amount, paymentMethod: method, externalRef: externalRef)
        if InvoiceLifecycle.isPayable(invoice.status) {
            _ = try await recordPayment(request, settling: processing, tenant: tenant, traceparent: traceparent, on: connection)
            return
        }
        let earlier = try await paymentStore.payment(externalRef: externalRef, tenant: tenant, on: connection)
        if let earlier, !earlier.status.isWaiting { return }
        let now = clock.now()
        guard
            let (payment, completed) = try await insertCompleted(
                amount, method: method, externalRef: externalRef, of: invoice, settling: processing ?? earlier, at: now, tenant: tenant,
                on: connection)
        else { return }
        try await credit.move(
            amount, account: invoice.billingAccountId, reason: "OVERPAYMENT", invoice: invoice.id, payment: payment.id, at: now,
            tenant: tenant, traceparent: traceparent, on: connection)
        try await outbox.append(completed, tenant: tenant, at: now, traceparent: traceparent, on: connection, logger: database.logger)
    }
}
