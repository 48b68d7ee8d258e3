import BillingCore
import Foundation
import InvoicingContract
import PostgresNIO

/// Refunds of money a provider holds, settled there: a PIX through the PSP (a devolução, `PUT /pix/{e2eid}/devolucao/{id}`), a card
/// charge through the card provider (Stripe's Refunds API). Asked after the refund's transaction commits, with an id derived from
/// the refund's (so asking again is the same refund), and followed by a job until the provider settles it.
extension PaymentsService {
    /// The refund's id at the provider: the refund's id in hex.
    static func providerRefundID(_ refund: UUID) -> String { refund.uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    /// Who settles a refund of a payment made by `method`, with the payment's provider reference, the refund's id there and amount.
    private func refunder(
        for method: PaymentMethod
    ) -> (@Sendable (_ reference: String, _ id: String, _ amount: Money) async throws(InvoicingError) -> ProviderRefundStatus)? {
        switch method {
        case .pix:
            guard let provider = pixRail.provider else { return nil }
            return { reference, id, amount throws(InvoicingError) in
                var status = try await provider.refund(endToEndId: reference, id: id, amount: amount, description: nil)
                // Most PSPs settle a devolução within seconds: asked once more before answering, then left to the job.
                if status == .processing { status = (try? await provider.refundStatus(endToEndId: reference, id: id)) ?? .processing }
                return status
            }
        case .card:
            let cards = self.cards
            return { reference, id, amount throws(InvoicingError) in try await cards.refund(chargeId: reference, id: id, amount: amount) }
        case .boleto:
            // A boleto cannot be paid back through the bank's collection API: the money is returned by other means.
            return nil
        case .bankTransfer:
            // A manual method: the operator sends the money back by transfer; the refund is recorded, no provider is asked.
            return nil
        }
    }

    /// Asks the provider for the refund and records where it stands; a provider that cannot be reached leaves it PROCESSING for
    /// the job.
    func settleAtProvider(_ refund: Refund, tenant: String) async -> Refund {
        guard let refunder = refunder(for: refund.payment.paymentMethod), let reference = refund.payment.externalRef else { return refund }
        var refund = refund
        do {
            let status = try await refunder(reference, Self.providerRefundID(refund.id.rawValue), refund.amount)
            let (settlement, reason) = try await record(status, of: refund.id.rawValue, tenant: tenant)
            refund.settlement = settlement
            refund.settlementReason = reason
        } catch {
            if let (settlement, reason) = await refused(error, refund: refund.id.rawValue, tenant: tenant) {
                refund.settlement = settlement
                refund.settlementReason = reason
            }
        }
        return refund
    }

    /// A provider that refused the refund (a 4xx: no such payment, past its window, more than is left) settles it NOT_DONE with its
    /// reason; one out of reach leaves it PROCESSING for the job. Nil when nothing was recorded.
    private func refused(_ error: any Error, refund: UUID, tenant: String) async -> (String, String?)? {
        guard let error = error as? InvoicingError, error.rpcError.code != .unavailable else {
            database.logger.warning(
                "refund not confirmed by its provider; asked again later", metadata: ["refund": "\(refund)", "error": "\(error)"])
            return nil
        }
        return try? await record(.notDone(reason: error.rpcError.message), of: refund, tenant: tenant)
    }

    /// One pass of the follow-up job: every tenant's refunds still PROCESSING at their provider, asked again.
    func followRefunds(limit: Int) async throws -> Int {
        let now = clock.now()
        let settling = try await database.withSystemScope {
            try await paymentStore.settling(before: now.addingTimeInterval(-providerRecheck), at: now, limit: limit, on: $0)
        }
        for entry in settling {
            guard let refunder = refunder(for: entry.method) else { continue }
            do {
                let status = try await refunder(entry.externalRef, Self.providerRefundID(entry.refund), entry.amount)
                _ = try await record(status, of: entry.refund, tenant: entry.tenant)
            } catch {
                _ = await refused(error, refund: entry.refund, tenant: entry.tenant)
            }
        }
        return settling.count
    }

    /// The refund's settlement and its reason for the provider's answer; nil while the provider still processes it.
    static func settlement(_ status: ProviderRefundStatus) -> (String, String?)? {
        switch status {
        case .processing: return nil
        case .refunded: return ("REFUNDED", nil)
        case .notDone(let why): return ("NOT_DONE", why)
        }
    }

    /// The provider's answer on the refund's row: REFUNDED, NOT_DONE with the reason, or (still processing) nothing.
    func record(_ status: ProviderRefundStatus, of refund: UUID, tenant: String) async throws -> (String, String?) {
        guard let settled = Self.settlement(status) else { return ("PROCESSING", nil) }
        try await database.withTenant(tenant) { try await settle(refund, as: status, tenant: tenant, on: $0) }
        return settled
    }

    /// Settles a PROCESSING refund in the caller's transaction. One the provider did not make (NOT_DONE) leaves the money with the
    /// merchant: its amount is refundable again on the payment, and `billing.payment.refund_failed` tells the tenant to return it
    /// by other means (what the refund took back — credits, account credit, add-ons — stays taken back; the tenant decides).
    func settle(_ refund: UUID, as status: ProviderRefundStatus, tenant: String, on connection: PostgresConnection) async throws {
        guard let (settlement, reason) = Self.settlement(status) else { return }
        let now = clock.now()
        guard
            let settled = try await paymentStore.settle(refund: refund, as: settlement, reason: reason, at: now, tenant: tenant, on: connection),
            settlement == "NOT_DONE"
        else { return }
        try await paymentStore.restoreRefundable(settled.amountMinor, of: settled.payment, at: now, tenant: tenant, on: connection)
        guard let payment = try await paymentStore.payment(settled.payment, tenant: tenant, on: connection) else { return }
        try await outbox.append(
            PaymentRefundFailed(
                paymentId: payment.id, refundId: RefundID(rawValue: refund), billingAccountId: payment.billingAccountId,
                amount: Money(minorUnits: settled.amountMinor, currency: payment.amount.currency), reason: reason ?? "not done",
                invoiceId: payment.invoiceId),
            tenant: tenant, at: now, traceparent: nil, on: connection, logger: database.logger)
        database.logger.error(
            "the provider did not return a refunded payment: the money is still with the merchant; return it by other means",
            metadata: ["tenant": "\(tenant)", "refund": "\(refund)", "reason": "\(reason ?? "")"])
    }
}
