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
