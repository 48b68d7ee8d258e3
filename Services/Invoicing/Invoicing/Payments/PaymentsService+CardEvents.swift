import BillingCore
import BillingEvents
import BillingRPC
import Foundation
import InvoicingContract
import PostgresNIO

/// What the card provider decides after its first answer: a charge the customer authenticates (3-D Secure) or the provider still
/// processes, an automatic attempt whose answer was lost, and refunds. The provider's webhook (forwarded by the gateway) reports it;
/// the charge is always read back from the provider, never taken from the notification, and applied once per event id. A job
/// reads back the charges that still wait when no webhook came.
extension PaymentsService {
    /// Event types about refunds (the charge's refunds are read back); any other event is about the charge itself.
    static let refundEventTypes: Set<String> = ["charge.refunded", "charge.refund.updated", "refund.created", "refund.updated", "refund.failed"]

    /// How long a charge the customer has not authenticated waits before its payment fails.
    static let authenticationWindow: TimeInterval = 86_400

    func cardEvent(_ event: CardProviderEvent, context: RPCServerContext) async throws -> ProviderNotificationResult {
        guard (1...255).contains(event.eventId.count), (1...100).contains(event.type.count) else {
            throw InvoicingError.invalid("id", "the event's id and type are required")
        }
        guard (1...255).contains(event.chargeId.count) else { throw InvoicingError.invalid("chargeId", "the event names no charge") }
        guard event.provider == cards.name else {
            return ProviderNotificationResult(outcome: "IGNORED", detail: "\(event.provider) is not the configured card provider", paymentId: nil)
        }
        // Read back before any transaction: no row is locked while the provider answers.
        guard let state = try await cards.state(of: event.chargeId), let tenant = state.tenant, let invoice = state.invoice else {
            return ProviderNotificationResult(outcome: "UNKNOWN_CHARGE", detail: "no charge of ours is \(event.chargeId.prefix(60))", paymentId: nil)
        }
        let aboutRefunds = Self.refundEventTypes.contains(event.type)
        var refunds: [(UUID, ProviderRefundStatus)] = []
        if aboutRefunds {
            let settling = try await database.withTenant(tenant) { connection -> [UUID] in
                guard let payment = try await paymentStore.payment(externalRef: event.chargeId, tenant: tenant, on: connection) else { return [] }
                return try await paymentStore.settlingRefunds(of: payment.id, tenant: tenant, on: connection)
            }
            for id in settling { refunds.append((id, try await cards.refundStatus(chargeId: event.chargeId, id: Self.providerRefundID(id)))) }
        }
        return try await database.withTenant(tenant) { connection in
            guard
                try await providerEvents.claim(
                    provider: cards.name, eventID: event.eventId, type: event.type, at: clock.now(), tenant: tenant, on: connection)
            else {
                return ProviderNotificationResult(outcome: "DUPLICATE", detail: "event \(event.eventId) was handled before", paymentId: nil)
            }
            let result: ProviderNotificationResult
            if aboutRefunds {
                var settled = 0
                for (id, status) in refunds where Self.settlement(status) != nil {
                    try await settle(id, as: status, tenant: tenant, on: connection)
                    settled += 1
                }
                result = ProviderNotificationResult(outcome: "REFUNDS_SETTLED", detail: "\(settled) of \(refunds.count) settled", paymentId: nil)
            } else {
                result = try await apply(state, invoice: invoice, tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
            }
            try await providerEvents.record(outcome: result.outcome, provider: cards.name, eventID: event.eventId, tenant: tenant, on: connection)
            return result
        }
    }

    /// The charge as the provider holds it, applied in the caller's transaction: succeeded → the payment recorded (the one waiting on
    /// it completed; money for an invoice no longer waiting becomes the account's credit); failed → the payment that waited on the
    /// customer fails (an automatic attempt's decline is recorded by its own pass, with its retry); still pending → nothing.
    func apply(
        _ state: CardPaymentState, invoice id: InvoiceID, tenant: String, traceparent: String?, on connection: PostgresConnection
    ) async throws -> ProviderNotificationResult {
        switch state.status {
        case .pending:
            return ProviderNotificationResult(outcome: "PENDING", detail: "the provider has not decided the charge", paymentId: nil)
        case .succeeded:
            guard let invoice = try await store.find(id, tenant: tenant, forUpdate: true, on: connection), state.amount.isPositive else {
                return ProviderNotificationResult(outcome: "IGNORED", detail: "no invoice \(id) to pay", paymentId: nil)
            }
            var waiting: Payment?
            if let reference = state.reference {
                waiting = try await paymentStore.payment(attemptKey: reference, tenant: tenant, on: connection).flatMap {
                    $0.status.isWaiting ? $0 : nil
                }
            }
            try await recordCollected(
                state.amount, method: .card, externalRef: state.chargeId, invoice: invoice, processing: waiting, tenant: tenant,
                traceparent: traceparent, on: connection)
            let payment = try await paymentStore.payment(externalRef: state.chargeId, tenant: tenant, on: connection)
            return ProviderNotificationResult(outcome: "PAYMENT_RECORDED", detail: nil, paymentId: payment?.id)
        case .failed(let reason):
            guard let waiting = try await paymentStore.payment(externalRef: state.chargeId, tenant: tenant, on: connection), waiting.status.isWaiting
            else {
                return ProviderNotificationResult(outcome: "IGNORED", detail: "no payment waits on this charge", paymentId: nil)
            }
            try await recordFailure(
                PaymentFailed(paymentId: waiting.id, invoiceId: waiting.invoiceId, billingAccountId: waiting.billingAccountId, reason: reason),
                of: waiting, method: .card, at: clock.now(), tenant: tenant, traceparent: traceparent, on: connection)
            return ProviderNotificationResult(outcome: "PAYMENT_FAILED", detail: reason, paymentId: waiting.id)
        }
    }

    /// One pass of the job that reads back charges no webhook decided: every tenant's card payments PROCESSING at the provider and
    /// not asked about for `providerRecheck`. One the customer has not authenticated within a day fails.
    func followCardPayments(limit: Int) async throws -> Int {
        let now = clock.now()
        let waiting = try await database.withSystemScope {
            try await paymentStore.atProvider(before: now.addingTimeInterval(-providerRecheck), at: now, limit: limit, on: $0)
        }
        for entry in waiting {
            do {
                guard var state = try await cards.state(of: entry.chargeId), let invoice = state.invoice, state.tenant == entry.tenant else {
                    continue
                }
                if state.status == .pending, entry.createdAt < now.addingTimeInterval(-Self.authenticationWindow) {
                    state.status = .failed(reason: "the customer did not authenticate the card within a day")
                }
                _ = try await database.withTenant(entry.tenant) { connection in
                    try await apply(state, invoice: invoice, tenant: entry.tenant, traceparent: nil, on: connection)
                }
            } catch {
                database.logger.warning(
                    "card payment not read back from its provider; asked again later",
                    metadata: ["tenant": "\(entry.tenant)", "payment": "\(entry.payment)", "error": "\(error)"])
            }
        }
        return waiting.count
    }
}
