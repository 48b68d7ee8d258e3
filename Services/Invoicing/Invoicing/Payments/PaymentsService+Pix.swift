import BillingCore
import BillingRPC
import Foundation
import InvoicingContract
import PostgresNIO

/// PIX received at the PSP (API Pix): from its webhook (forwarded by the gateway) and from reconciliation with `GET /pix`, which
/// finds what a lost webhook missed. Each PIX is applied once per endToEndId, whichever way it arrives first.
extension PaymentsService {
    /// The webhook's PIX, in order.
    func pixReceived(_ notification: PixReceivedNotification, context: RPCServerContext) async throws -> PixReceivedResult {
        guard (1...1_000).contains(notification.pix.count) else { throw InvoicingError.invalid("pix", "a notification carries 1 to 1000 PIX") }
        var outcomes: [String] = []
        for item in notification.pix {
            guard ReceivedPix.isEndToEndID(item.endToEndId) else {
                throw InvoicingError.invalid("pix.endToEndId", "an endToEndId has 32 letters and digits")
            }
            outcomes.append(
                try await receive(
                    ReceivedPix(endToEndId: item.endToEndId, txid: item.txid, amount: item.amount, time: item.time),
                    traceparent: context.metadata.traceparent))
        }
        return PixReceivedResult(outcomes: outcomes)
    }

    /// One PIX: the charge its txid names finds the tenant and the invoice; then, in that tenant's transaction, the endToEndId is
    /// claimed (once) and the payment recorded, the charge COMPLETED.
    func receive(_ pix: ReceivedPix, traceparent: String?) async throws -> String {
        guard let rail = pixRail.provider, let txid = pix.txid,
            let found = try await database.withSystemScope({ try await pixStore.charge(txid: txid, on: $0) })
        else { return "UNKNOWN_CHARGE" }
        let (tenant, charge) = (found.tenant, found.charge)
        return try await database.withTenant(tenant) { connection in
            let now = clock.now()
            guard
                try await providerEvents.claim(
                    provider: rail.name, eventID: pix.endToEndId, type: "pix.received", at: now, tenant: tenant, on: connection)
            else { return "DUPLICATE" }
            guard let invoice = try await store.find(charge.invoiceID, tenant: tenant, forUpdate: true, on: connection),
                let amount = try? Money(exactly: pix.amount, currency: .brl), amount.isPositive
            else {
                try await providerEvents.record(
                    outcome: "IGNORED", provider: rail.name, eventID: pix.endToEndId, tenant: tenant, on: connection)
                return "IGNORED"
            }
            try await recordCollected(
                amount, method: .pix, externalRef: pix.endToEndId, invoice: invoice, processing: nil, tenant: tenant, traceparent: traceparent,
                on: connection)
            try await pixStore.setStatus(.completed, of: txid, from: [.queued, .active, .expired, .removed], at: now, tenant: tenant, on: connection)
            try await providerEvents.record(
                outcome: "PAYMENT_RECORDED", provider: rail.name, eventID: pix.endToEndId, tenant: tenant, on: connection)
            return "PAYMENT_RECORDED"
        }
    }

    /// One reconciliation pass: the PIX the PSP received since the last pass (with ten minutes of overlap, for PIX it lists late),
    /// or over the look-back after a first start; what no webhook brought is recorded now. Answers how many were recorded.
    func reconcilePix() async throws -> Int {
        guard case .psp(let provider, let settings) = pixRail else { return 0 }
        let now = clock.now()
        let since = try await database.withSystemScope { try await pixStore.reconciledUntil(provider: provider.name, on: $0) }
        let start = (since ?? now.addingTimeInterval(-settings.reconcileLookback)).addingTimeInterval(-600)
        var recorded = 0
        for pix in try await provider.received(from: start, to: now) {
            if try await receive(pix, traceparent: nil) == "PAYMENT_RECORDED" { recorded += 1 }
        }
        try await database.withSystemScope { try await pixStore.setReconciled(until: now, provider: provider.name, on: $0) }
        if recorded > 0 {
            database.logger.notice("PIX reconciliation recorded payments no webhook brought", metadata: ["count": "\(recorded)"])
        }
        return recorded
    }
}

/// Refunds of PIX through the PSP (devolução): asked after the refund's transaction commits, with an id derived from the refund's
/// (so asking again is the same devolução), and followed by a job until the PSP settles it.
extension PaymentsService {
    /// How long a PROCESSING refund waits before the job asks the PSP again.
    static let refundFollowUp: TimeInterval = 30

    /// The devolução's id at the PSP: the refund's id in hex.
    static func pixRefundID(_ refund: UUID) -> String { refund.uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    /// Asks the PSP for the refund's devolução and records where it stands; a PSP that cannot be reached leaves it PROCESSING for
    /// the job.
    func settleAtPSP(_ refund: Refund, tenant: String) async -> Refund {
        guard let provider = pixRail.provider, let endToEndId = refund.payment.externalRef else { return refund }
        var refund = refund
        do {
            let id = Self.pixRefundID(refund.id.rawValue)
            var status = try await provider.refund(endToEndId: endToEndId, id: id, amount: refund.amount, description: refund.reason)
            // Most PSPs settle a devolução within seconds: asked once more before answering, then left to the job.
            if status == .processing { status = (try? await provider.refundStatus(endToEndId: endToEndId, id: id)) ?? .processing }
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

    /// A PSP that refused the devolução (a 4xx: no such PIX, past its window, more than is left) settles it NOT_DONE with its
    /// reason; one out of reach leaves it PROCESSING for the job. Nil when nothing was recorded.
    private func refused(_ error: any Error, refund: UUID, tenant: String) async -> (String, String?)? {
        guard let error = error as? InvoicingError, error.rpcError.code != .unavailable else {
            database.logger.warning("PIX refund not confirmed by the PSP; asked again later", metadata: ["refund": "\(refund)", "error": "\(error)"])
            return nil
        }
        return try? await record(.notDone(reason: error.rpcError.message), of: refund, tenant: tenant)
    }

    /// One pass of the follow-up job: every tenant's refunds still PROCESSING at the PSP, asked again.
    func followPixRefunds(limit: Int) async throws -> Int {
        guard let provider = pixRail.provider else { return 0 }
        let now = clock.now()
        let settling = try await database.withSystemScope {
            try await paymentStore.settling(before: now.addingTimeInterval(-Self.refundFollowUp), at: now, limit: limit, on: $0)
        }
        for entry in settling {
            do {
                let status = try await provider.refund(
                    endToEndId: entry.externalRef, id: Self.pixRefundID(entry.refund), amount: entry.amount, description: nil)
                _ = try await record(status, of: entry.refund, tenant: entry.tenant)
            } catch {
                _ = await refused(error, refund: entry.refund, tenant: entry.tenant)
            }
        }
        return settling.count
    }

    /// The PSP's answer on the refund's row: REFUNDED, NOT_DONE with the reason, or (still processing) nothing.
    private func record(_ status: PixRefundStatus, of refund: UUID, tenant: String) async throws -> (String, String?) {
        let (settlement, reason): (String, String?)
        switch status {
        case .processing: return ("PROCESSING", nil)
        case .refunded: (settlement, reason) = ("REFUNDED", nil)
        case .notDone(let why): (settlement, reason) = ("NOT_DONE", why)
        }
        try await database.withTenant(tenant) { connection in
            try await paymentStore.settle(refund: refund, as: settlement, reason: reason, at: clock.now(), tenant: tenant, on: connection)
        }
        if settlement == "NOT_DONE" {
            database.logger.error(
                "the PSP did not return a refunded PIX: the money is still with the merchant; return it by other means",
                metadata: ["tenant": "\(tenant)", "refund": "\(refund)", "reason": "\(reason ?? "")"])
        }
        return (settlement, reason)
    }
}
