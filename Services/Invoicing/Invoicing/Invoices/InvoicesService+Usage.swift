import BillingCore
import BillingRPC
import CatalogContract
import Foundation
import InvoicingContract
import LedgerContract
import SubscriptionsContract

/// Usage charges (seed 001 "Medidores de uso"): each of a plan's usage charges bills its meter's aggregate for a period, priced
/// by its product version with the catalog's pricing model, one USAGE line per tier touched.
extension InvoicesService {
    /// A period's usage lines, and the usage among them the catalog could not price (billed as flagged zero lines).
    struct UsageBilling {
        var lines: [InvoiceLine] = []
        var unpriced: [(meterCode: String, quantity: DecimalNumber, period: TimeSpan, reason: String)] = []

        /// `billing.invoice.usage_unpriced` for each, once the invoice that bills them is known.
        func unpricedEvents(invoice: InvoiceID, account: AccountID, subscription: SubscriptionID) -> [InvoiceUsageUnpriced] {
            unpriced.map {
                InvoiceUsageUnpriced(
                    invoiceId: invoice, billingAccountId: account, subscriptionId: subscription, meterCode: $0.meterCode, quantity: $0.quantity,
                    periodStart: $0.period.start, periodEnd: $0.period.end, reason: $0.reason)
            }
        }
    }

    /// `closing`: the period is over and billed for good, so the ledger closes it first (late events are refused from then on and
    /// the aggregate read after is final); a draft of the running period (`POST /invoices`) reads usage so far without closing.
    /// A plan's minimum commitment adds its true-up after the usage lines.
    func usageLines(
        _ subscription: Subscription, period: TimeSpan, currency: Currency, closing: Bool,
        options: RPCCallOptions
    ) async throws -> UsageBilling {
        var billing = try await usageChargeLines(subscription, period: period, currency: currency, closing: closing, options: options)
        if let trueUp = try Self.minimumTrueUp(subscription, usage: billing.lines, period: period, currency: currency) {
            billing.lines.append(trueUp)
        }
        return billing
    }

    /// Minimum commitment (Orb's "minimum", Metronome's "minimum spend"): when the period's usage charges total less than the
    /// plan's `minimumAmount`, a `MINIMUM_TRUE_UP` line bills the difference (exact: both are amounts in the currency). The
    /// minimum is per subscription and period — not multiplied by the quantity, not prorated for a short first period — and the
    /// plan fee and add-ons do not count towards it.
    static func minimumTrueUp(
        _ subscription: Subscription, usage: [InvoiceLine], period: TimeSpan, currency: Currency
    ) throws(InvoicingError) -> InvoiceLine? {
        guard let minimum = subscription.plan.minimumAmount else { return nil }
        guard let commitment = try? Money(exactly: minimum, currency: currency) else {
            throw .invalid("minimumAmount", "the plan's minimumAmount \(minimum.text) is not exact in \(currency.code)")
        }
        var used = Money.zero(currency)
        for line in usage where line.kind == "USAGE" {
            guard let sum = try? used.adding(line.amount) else { throw .invalid("minimumAmount", "usage charges are out of range") }
            used = sum
        }
        guard used < commitment, let shortfall = try? commitment.subtracting(used) else { return nil }
        return InvoiceLine(
            kind: "MINIMUM_TRUE_UP", description: "Minimum commitment \(commitment.displayText): usage \(used.displayText)", quantity: 1,
            unitAmount: shortfall, amount: shortfall, periodStart: period.start, periodEnd: period.end, subscriptionId: subscription.id)
    }

    private func usageChargeLines(
        _ subscription: Subscription, period: TimeSpan, currency: Currency, closing: Bool,
        options: RPCCallOptions
    ) async throws -> UsageBilling {
        let charges = subscription.plan.usageCharges ?? []
        guard !charges.isEmpty else { return UsageBilling() }
        // One read for every meter (closing the period first when it is over): a summary per meter with usage in the period.
        let summaries = try await ledger.call(
            LedgerAPI.summary,
            UsageSummaryRequest(
                billingAccountId: subscription.billingAccountId, meterCode: charges.count == 1 ? charges[0].meterCode : nil,
                periodStart: period.start,
                periodEnd: period.end, closeUntil: closing ? period.end : nil), options: options
        ).summaries
        // Priced as the catalog prices them, from its product versions (read once per process).
        // A meter that sums signed values (refunds of usage, corrections) can total below zero in a period: billed as zero, and
        // the line says so; it never blocks the invoice.
        var lines: [InvoiceLine] = []
        func line(_ charge: SubscribedUsageCharge, _ description: String, _ quantity: DecimalNumber) -> InvoiceLine {
            InvoiceLine(
                kind: "USAGE", description: "\(charge.meterCode): \(description)", quantity: quantity, unitAmount: DecimalNumber(0),
                amount: .zero(currency), periodStart: period.start, periodEnd: period.end, subscriptionId: subscription.id,
                meterCode: charge.meterCode, tier: nil)
        }
        var used: [(SubscribedUsageCharge, PricePreviewRequest)] = []
        for charge in charges {
            let quantity = summaries.first { $0.meterCode == charge.meterCode }?.value ?? DecimalNumber(0)
            guard !quantity.isZero else { continue }
            if quantity.isNegative {
                lines.append(line(charge, "usage totals \(quantity.text), below zero: billed as 0", quantity))
            } else {
                used.append(
                    (charge, PricePreviewRequest(productId: charge.productId, version: charge.productVersion, quantity: quantity)))
            }
        }
        guard !used.isEmpty else { return UsageBilling(lines: lines) }
        let previews: [PricePreview]
        do throws(RPCError) {
            previews = try await productPrices.previews(
                used.map(\.1), catalog: catalog, tenant: options.metadata.tenant ?? "", options: options)
        } catch {
            guard [.invalidArgument, .notFound, .failedPrecondition].contains(error.code) else { throw error }
            // The catalog cannot price this usage (its product archived or changed): the plan and add-on lines are billed all the
            // same, each usage line flagged at zero for the tenant to correct, never a draft blocked for good.
            database.logger.error(
                "usage could not be priced; billed as flagged zero lines",
                metadata: ["subscription": "\(subscription.id)", "error": "\(error.message)"])
            let reason = String(error.message.prefix(120))
            return UsageBilling(
                lines: lines + used.map { line($0.0, "\($0.1.quantity.text) not priced (\(reason)): billed as 0", $0.1.quantity) },
                unpriced: used.map { (meterCode: $0.0.meterCode, quantity: $0.1.quantity, period: period, reason: reason) })
        }
        for ((charge, _), preview) in zip(used, previews) {
            guard preview.currency == currency.code else {
                throw InvoicingError.invalid(
                    "billingAccountId", "usage of \(charge.meterCode) is priced in \(preview.currency), the account pays in \(currency.code)")
            }
            for line in preview.lines {
                guard let amount = try? Money(exactly: line.amount, currency: currency) else {
                    throw InvoicingError.invalid("billingAccountId", "a usage line of \(charge.meterCode) is not exact in \(currency.code)")
                }
                lines.append(
                    InvoiceLine(
                        kind: "USAGE", description: "\(charge.meterCode): \(line.description)", quantity: line.quantity,
                        unitAmount: line.unitAmount, amount: amount, periodStart: period.start, periodEnd: period.end,
                        subscriptionId: subscription.id, meterCode: charge.meterCode, tier: line.tier))
            }
        }
        return UsageBilling(lines: lines)
    }

    /// Postpaid credit overage (seed 003 "Cliente B"): the overdraft the account owes as the period starts, billed by the ledger
    /// under the period's reference (once, whether its renewal handler or this asks first), priced at the plan's
    /// `creditOveragePrice` and rounded half-even to the currency's minor unit once.
    func overageLines(
        _ subscription: Subscription, periodStart: Date, previousPeriodStart: Date?, currency: Currency,
        options: RPCCallOptions
    ) async throws -> [InvoiceLine] {
        guard let price = subscription.plan.creditOveragePrice else { return [] }
        let billed = try await ledger.call(
            LedgerAPI.billOverage,
            BillOverageRequest(
                billingAccountId: subscription.billingAccountId, subscription: subscription.id.description, periodStart: periodStart),
            options: options)
        guard billed.credits > .zero else { return [] }
        guard let exact = billed.credits.decimal.multiplied(by: price), let amount = try? Money(exact, currency: currency, rounding: .halfEven) else {
            throw InvoicingError.invalid(
                "creditOveragePrice", "\(billed.credits.text) credits at \(price.text) do not fit an amount in \(currency.code)")
        }
        return [
            InvoiceLine(
                kind: "CREDIT_OVERAGE", description: "AI credits used beyond the wallet (overdraft): \(billed.credits.text) × \(price.text)",
                quantity: billed.credits.decimal, unitAmount: price, amount: amount, periodStart: previousPeriodStart, periodEnd: periodStart,
                subscriptionId: subscription.id)
        ]
    }
}
