import BillingCore
import BillingRPC
import Foundation
import InvoicingContract
import PostgresNIO

/// Boletos settled at the bank: from its webhook (forwarded by the gateway; only the title ids are taken from it, each boleto is
/// read back from the bank) and from the daily reconciliation of the boletos still open. Each is applied once: the first to see
/// it PAID records the payment, under the boleto's number.
extension PaymentsService {
    func boletoNotified(_ notification: BoletoNotification) async throws -> BoletoNotificationResult {
        guard (1...1_000).contains(notification.ids.count) else { throw InvoicingError.invalid("ids", "a notification carries 1 to 1000 ids") }
        guard let boletos else { throw BoletoRail.unavailable }
        var outcomes: [String] = []
        for id in notification.ids {
            guard id.count == 20, id.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw InvoicingError.invalid("ids", "a boleto's title id has 20 digits")
            }
            let ourNumber = String(id.suffix(17))
            guard let found = try await database.withSystemScope({ try await boletos.store.find(ourNumber: ourNumber, on: $0) }) else {
                outcomes.append("UNKNOWN_BOLETO")
                continue
            }
            guard let state = try await boletos.provider.boleto(ourNumber: ourNumber) else {
                outcomes.append("UNCHANGED")
                continue
            }
            outcomes.append(try await apply(state, to: found.boleto, tenant: found.tenant))
        }
        return BoletoNotificationResult(outcomes: outcomes)
    }

    /// What the bank says of one of our boletos, applied in the tenant's transaction: PAID records the payment (once: the boleto's
    /// row is locked and moves to PAID with it), a written-off one is CANCELED.
    func apply(_ state: BoletoState, to boleto: BoletoRow, tenant: String) async throws -> String {
        guard let boletos else { return "UNCHANGED" }
        return try await database.withTenant(tenant) { connection in
            let now = clock.now()
            guard let current = try await boletos.store.find(invoice: boleto.invoiceID, tenant: tenant, forUpdate: true, on: connection) else {
                return "UNKNOWN_BOLETO"
            }
            switch state.status {
            case .open:
                return "UNCHANGED"
            case .canceled:
                guard [.registered, .canceling].contains(current.status) else { return "UNCHANGED" }
                try await boletos.store.setStatus(
                    .canceled, of: boleto.invoiceID, from: [.registered, .canceling], at: now, tenant: tenant, on: connection)
                return "CANCELED"
            case .paid(let amount, _):
                guard current.status != .paid, let money = try? Money(exactly: amount, currency: .brl), money.isPositive else { return "UNCHANGED" }
                guard let invoice = try await store.find(boleto.invoiceID, tenant: tenant, forUpdate: true, on: connection) else {
                    return "UNKNOWN_BOLETO"
                }
                try await boletos.store.setStatus(
                    .paid, of: boleto.invoiceID, from: [.queued, .registered, .canceling, .canceled], paidMinor: money.minorUnits, at: now,
                    tenant: tenant, on: connection)
                try await recordCollected(
                    money, method: .boleto, externalRef: "boleto-\(boleto.ourNumber)", invoice: invoice, processing: nil, tenant: tenant,
                    on: connection)
                return "PAYMENT_RECORDED"
            }
        }
    }

    /// One pass of the reconciliation: the boletos open here and not checked for a reconciliation interval are read at the bank.
    func reconcileBoletos(limit: Int) async throws -> Int {
        guard let boletos else { return 0 }
        let now = clock.now()
        let interval = TimeInterval(boletos.settings.reconcileInterval.components.seconds)
        let open = try await database.withSystemScope { connection in
            try await boletos.store.claimUnchecked(before: now.addingTimeInterval(-interval), at: now, limit: limit, on: connection)
        }
        var recorded = 0
        for (tenant, boleto) in open {
            do {
                guard let state = try await boletos.provider.boleto(ourNumber: boleto.ourNumber) else { continue }
                if try await apply(state, to: boleto, tenant: tenant) == "PAYMENT_RECORDED" { recorded += 1 }
            } catch {
                database.logger.warning(
                    "boleto not reconciled with the bank; tried again next pass", metadata: ["boleto": "\(boleto.ourNumber)", "error": "\(error)"])
            }
        }
        if recorded > 0 { database.logger.notice("boleto reconciliation recorded payments no webhook brought", metadata: ["count": "\(recorded)"]) }
        return open.count
    }
}
