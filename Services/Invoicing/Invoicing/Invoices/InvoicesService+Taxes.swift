import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import InvoicingContract
import PostgresNIO

/// Taxes at finalization (issue 26): the tenant's active rates, its Simples Nacional standing and default tax code, and the buyer's
/// standing (``AccountTaxProfileStore``), all read in the finalizing transaction; ``Taxes`` computes, the account credit follows.
extension InvoicesService {
    var taxRates: TaxRateStore { TaxRateStore(logger: database.logger) }
    var taxProfiles: AccountTaxProfileStore { AccountTaxProfileStore(logger: database.logger) }

    /// The taxes of `lines` billed to `buyer`, from the tenant's active `rates` (read here when not given; none: no taxes).
    func taxes(
        of lines: [InvoiceLine], buyer: Taxes.Buyer, rates given: [TaxRate]? = nil, currency: Currency, tenant: String,
        on connection: PostgresConnection
    ) async throws -> Taxes.Result {
        var rates = given ?? []
        if given == nil { rates = try await taxRates.active(tenant: tenant, on: connection) }
        guard !rates.isEmpty else { return Taxes.Result(lines: [], taxes: []) }
        let settings = try await store.settings(tenant: tenant, on: connection)
        return try Taxes.compute(
            lines: lines, rates: rates, buyer: buyer,
            seller: Taxes.Seller(
                simplesNacional: settings.simplesNacional, defaultTaxCode: settings.defaultTaxCode, rounding: settings.taxRounding),
            currency: currency)
    }

    /// Adds the DRAFT `invoice`'s taxes (TAX and WITHHOLDING lines, `taxes`); its total, amount due and account credit follow.
    /// `buyer` when the caller has the account at hand, else invoicing's copy — missing (an account invoicing has heard nothing of
    /// since taxes came) is a retryable UNAVAILABLE: ``recordTaxProfile(of:tenant:options:)`` first, outside the lock. `rates`
    /// when the caller read the tenant's active rates in this transaction already (the batch job: once per tenant).
    func applyTaxes(
        to invoice: inout Invoice, buyer: Taxes.Buyer?, rates given: [TaxRate]? = nil, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        guard let currency = Currency(code: invoice.currency) else { return }
        var rates = given ?? []
        if given == nil { rates = try await taxRates.active(tenant: tenant, on: connection) }
        guard !rates.isEmpty else { return }
        let known: Taxes.Buyer?
        if let buyer { known = buyer } else { known = try await taxProfiles.buyer(invoice.billingAccountId, tenant: tenant, on: connection) }
        guard let buyer = known else {
            throw InvoicingError.unavailable("billing account \(invoice.billingAccountId)'s tax standing is not known to invoicing yet")
        }
        let result = try await taxes(of: invoice.lines, buyer: buyer, rates: rates, currency: currency, tenant: tenant, on: connection)
        invoice.taxes = result.taxes.isEmpty ? nil : result.taxes
        guard !result.lines.isEmpty else { return }
        invoice.lines = Taxes.insert(result, into: invoice.lines)
        if invoice.lines.contains(where: { $0.kind == "ACCOUNT_CREDIT" }) {
            try await credit.rebalance(&invoice, at: now, tenant: tenant, traceparent: nil, on: connection)
        } else {
            invoice.total = try InvoiceComposer.total(invoice.lines, currency: currency)
            invoice.amountDue = try invoice.total.subtracting(invoice.amountPaid)
        }
    }

    /// Before finalizing invoice `id` of a tenant with tax rates: records its account's tax standing as the accounts service tells
    /// it now (no transaction open) — always for a finalization asked for (an exemption set a moment ago counts), and with
    /// `onlyWhenMissing` only when invoicing has none (the finalization job, which otherwise goes by the copy the events keep).
    func recordTaxProfile(of id: InvoiceID, onlyWhenMissing: Bool = false, tenant: String, options: RPCCallOptions) async throws {
        let account = try await database.withTenant(tenant) { connection -> AccountID? in
            guard try await !taxRates.active(tenant: tenant, on: connection).isEmpty,
                let invoice = try await store.find(id, tenant: tenant, on: connection), invoice.status == .draft
            else { return nil }
            if onlyWhenMissing, try await taxProfiles.buyer(invoice.billingAccountId, tenant: tenant, on: connection) != nil { return nil }
            return invoice.billingAccountId
        }
        guard let account else { return }
        let current = try await accounts.get(account, options: options)
        try await database.withTenant(tenant) { try await taxProfiles.record(current, tenant: tenant, on: $0) }
    }
}
