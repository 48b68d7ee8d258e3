import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingRPC
import Foundation
import InvoicingContract
import LedgerContract
import PostgresNIO

/// Saved cards and the auto-recharge they pay (seed 003: "recarga automática").
extension PaymentsService {
    func savePaymentMethod(_ request: SavePaymentMethodRequest, context: RPCServerContext) async throws -> SavedPaymentMethod {
        let account = request.billingAccountId.rawValue
        guard (1...200).contains(request.cardToken.count) else {
            throw InvoicingError.invalid("cardToken", "cardToken must have 1 to 200 characters")
        }
        if let label = request.label, label.count > 100 { throw InvoicingError.invalid("label", "label must have at most 100 characters") }
        // A test account's cards are the sandbox's, never a real card.
        let holder = try await accounts.get(request.billingAccountId, options: context.outgoing(timeout: .seconds(5)))
        let cards = cards(livemode: holder.testClockId == nil)
        let tenant = context.tenant
        let existing = try await database.withTenant(tenant) { try await paymentMethods.defaultToken(of: account, tenant: tenant, on: $0) }
        // The provider checks the card now (a token it does not know, or a card it declines, is refused now, not at the first
        // renewal) and answers what to keep; a resent call names the same provider request by its idempotency key.
        let key = context.metadata.idempotencyKey.map { "\(tenant)-\($0)" } ?? UUIDv7.generate().text
        let token = try await cards.save(
            token: request.cardToken, existing: existing, account: request.billingAccountId, tenant: tenant, key: String(key.prefix(200)))
        return try await database.withTenant(tenant) { connection in
            let now = clock.now()
            let id = UUIDv7.generate(at: now)
            try await paymentMethods.saveDefault(
                id: id, account: account, provider: cards.name, token: token, label: request.label,
                at: now, tenant: tenant, on: connection)
            return SavedPaymentMethod(
                id: PaymentMethodID(rawValue: id), billingAccountId: AccountID(rawValue: account), provider: cards.name,
                label: request.label, isDefault: true, createdAt: now)
        }
    }

    func paymentMethods(_ request: ListPaymentMethodsRequest, tenant: String) async throws -> PaymentMethodList {
        let account = request.billingAccountId.rawValue
        return try await database.withTenant(tenant) { connection in
            PaymentMethodList(items: try await paymentMethods.list(account: account, tenant: tenant, on: connection))
        }
    }

    /// `billing.credits.recharge_requested`: the package on a finalized invoice, once per request, queued for card collection when
    /// the account has a saved card (charged after this transaction commits, once, never retried). Approved → paid (the ledger
    /// grants the credits, which ends the request); declined → `payment.failed` naming the request (the ledger asks again at the
    /// next fall below the threshold). Without a saved card, or after a decline, the invoice stays payable by PIX.
    var rechargeHandler: EventHandler {
        { envelope, connection in
            let event = try envelope.decode(CreditsRechargeRequested.self)
            let tenant = envelope.tenantid
            let sourceKey = "recharge:\(event.requestId)"
            guard try await !store.hasInvoice(sourceKey: sourceKey, tenant: tenant, on: connection) else { return }
            let options = RPCCallOptions(tenant: tenant, timeout: .seconds(10))
            let account = try await accounts.get(event.billingAccountId, options: options)
            let currency = Currency(code: account.currency) ?? .brl
            let (line, purchase) = try await packageLine(
                CheckoutItem(type: "CREDIT_PACKAGE", packageCode: event.packageCode), field: "packageCode",
                currency: currency, options: options)
            var recharge = purchase
            recharge.rechargeRequestId = event.requestId
            let now = clock.now()
            var invoice = Invoice(
                id: .generate(at: now), billingAccountId: account.id, number: nil, status: .draft, currency: currency.code,
                lines: [line], total: line.amount, amountPaid: .zero(currency), amountDue: line.amount, periodStart: nil, periodEnd: nil,
                subscriptionId: nil, netTermsDays: 1, dueDate: nil, finalizedAt: nil, paidAt: nil, voidedAt: nil,
                creditPurchases: [recharge], createdAt: now, updatedAt: now)
            invoice.livemode = account.testClockId == nil
            invoice.createdBy = CreditTopUps.autoRecharge
            guard try await store.insert(invoice, sourceKey: sourceKey, tenant: tenant, on: connection) else { throw AlreadyInvoiced() }
            let finalized = try await invoices.finalizeDraft(&invoice, at: now, buyer: Taxes.Buyer(account), tenant: tenant, on: connection)
            try await store.save(invoice, tenant: tenant, on: connection)
            try await outbox.append(
                ([InvoiceCreated(invoice: invoice.summary)] + finalized).map {
                    PendingEvent($0, tenant: tenant, at: now, traceparent: envelope.traceparent)
                },
                on: connection, logger: database.logger)
        }
    }
}
