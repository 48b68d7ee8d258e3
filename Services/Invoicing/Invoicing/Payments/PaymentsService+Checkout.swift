import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingRPC
import CatalogContract
import Foundation
import InvoicingContract
import PostgresNIO
import SubscriptionsContract

/// Checkout of paid add-ons and credit packages (seed 000 "você será redirecionado ao checkout", seed 002's packages).
extension PaymentsService {
    func checkout(_ request: CheckoutRequest, context: RPCServerContext) async throws -> Checkout {
        guard (1...20).contains(request.items.count) else { throw InvoicingError.invalid("items", "a checkout has 1 to 20 items") }
        if request.paymentMethod == .card, (request.cardToken ?? "").isEmpty {
            throw InvoicingError.invalid("cardToken", "a CARD checkout needs the provider's cardToken")
        }
        // Refused before any invoice is drafted: without a provider the card could never be charged.
        if request.paymentMethod == .card, cards is DisabledCardProvider { throw DisabledCardProvider.unavailable }
        if request.paymentMethod == .pix, case .disabled = pixRail { throw PixRail.unavailable }
        let options = context.outgoing(timeout: .seconds(5))
        guard
            let account = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await accounts.get(request.billingAccountId, options: options)
            })
        else {
            throw InvoicingError.invalid("billingAccountId", "billing account \(request.billingAccountId) not found", reason: "ACCOUNT_NOT_FOUND")
        }
        guard account.status == .active else {
            throw InvoicingError.conflict(
                "billing account is \(account.status.rawValue); only an ACTIVE account can buy", reason: "ACCOUNT_NOT_ACTIVE",
                field: "billingAccountId")
        }
        let currency = Currency(code: account.currency) ?? .brl
        var lines: [InvoiceLine] = [], purchases: [InvoiceCreditPurchase] = [], activations: [InvoiceAddonActivation] = []
        for (index, item) in request.items.enumerated() {
            let field = "items[\(index)]"
            switch item.type {
            case "ADDON":
                let (line, activation) = try await addonLine(item, field: field, currency: currency, account: account.id, options: options)
                lines.append(line)
                activations.append(activation)
            case "CREDIT_PACKAGE":
                let (line, purchase) = try await packageLine(item, field: field, currency: currency, options: options)
                lines.append(line)
                purchases.append(purchase)
            default:
                throw InvoicingError.invalid("\(field).type", "an item's type is ADDON or CREDIT_PACKAGE")
            }
        }
        let total = try InvoiceComposer.total(lines, currency: currency)
        let tenant = context.tenant
        var invoice = try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.checkout.name, key: context.metadata.idempotencyKey,
            request: request
        ) { connection in
            let now = clock.now()
            var invoice = Invoice(
                id: .generate(at: now), billingAccountId: account.id, number: nil, status: .draft, currency: currency.code,
                lines: lines, total: total, amountPaid: .zero(currency), amountDue: total, periodStart: nil, periodEnd: nil,
                subscriptionId: nil, netTermsDays: 1, dueDate: nil, finalizedAt: nil, paidAt: nil, voidedAt: nil,
                creditPurchases: purchases.isEmpty ? nil : purchases, addonActivations: activations.isEmpty ? nil : activations,
                createdAt: now, updatedAt: now)
            invoice.livemode = account.testClockId == nil
            invoice.createdBy = context.metadata.actor
            try await store.insert(invoice, tenant: tenant, on: connection)
            let events: [any IntegrationEvent] =
                [InvoiceCreated(invoice: invoice.summary)]
                + (try await invoices.finalizeDraft(&invoice, at: now, buyer: Taxes.Buyer(account), tenant: tenant, on: connection))
            try await store.save(invoice, tenant: tenant, on: connection)
            if request.paymentMethod == .pix, InvoiceLifecycle.isPayable(invoice.status) {
                // The PIX charge shown to the buyer, PENDING until it is paid (or the invoice is paid otherwise, or voided).
                _ = try await paymentStore.insert(
                    Payment(
                        id: .generate(at: now), billingAccountId: account.id, invoiceId: invoice.id, amount: invoice.amountDue, paymentMethod: .pix,
                        externalRef: nil, status: .pending, refunded: .zero(currency), createdAt: now),
                    attemptKey: "pix-\(invoice.id)", tenant: tenant, on: connection)
            }
            try await outbox.append(
                events.map { PendingEvent($0, tenant: tenant, at: now, traceparent: context.metadata.traceparent) }, on: connection,
                logger: database.logger)
            return invoice
        }
        let checkoutID = invoice.id
        guard request.paymentMethod == .card, let token = request.cardToken else {
            // A test-clock invoice is not charged at the PSP: it is paid by recording the payment. A PSP out of reach answers 503,
            // and the checkout sent again with its key finds the same invoice and asks once more.
            let atPSP = pixRail.provider != nil
            let pix = invoice.status == .paid || (atPSP && !invoice.livemode) ? nil : try await invoices.pix(for: invoice, tenant: tenant)
            return Checkout(id: checkoutID, invoice: invoice, pix: pix, cardStatus: nil, payment: nil, declineReason: nil)
        }
        guard invoice.status != .paid else {
            return Checkout(id: checkoutID, invoice: invoice, pix: nil, cardStatus: "APPROVED", payment: nil, declineReason: nil)
        }
        // The reference names the checkout's charge: the checkout sent again with its key asks for the same one.
        let reference = invoice.id.description
        let charge = try await cards(livemode: invoice.livemode).charge(
            CardChargeRequest(
                token: token, amount: invoice.amountDue, reference: reference, offSession: false, tenant: tenant, invoice: invoice.id))
        if charge.pending {
            // The customer authenticates the card (3-D Secure) at the payment's nextActionUrl; the provider's webhook decides it.
            let payment = try await awaitProvider(charge, attempt: reference, of: invoice, tenant: tenant)
            return Checkout(id: checkoutID, invoice: invoice, pix: nil, cardStatus: "REQUIRES_ACTION", payment: payment, declineReason: nil)
        }
        guard charge.approved else {
            try await database.withTenant(tenant) { connection in
                let now = clock.now()
                try await recordFailure(
                    PaymentFailed(
                        paymentId: PaymentID(rawValue: UUIDv7.generate(at: now)), invoiceId: invoice.id,
                        billingAccountId: invoice.billingAccountId, reason: charge.declineReason),
                    of: nil, method: .card, at: now, tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
            }
            return Checkout(id: checkoutID, invoice: invoice, pix: nil, cardStatus: "DECLINED", payment: nil, declineReason: charge.declineReason)
        }
        let payment = try await database.withTenant(tenant) { connection in
            try await recordPayment(
                CreatePaymentRequest(
                    billingAccountId: invoice.billingAccountId, invoiceId: invoice.id,
                    amount: invoice.amountDue.amount, paymentMethod: .card, externalRef: charge.chargeId),
                tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
        }
        invoice = try await invoices.get(invoice.id, tenant: tenant)
        return Checkout(id: checkoutID, invoice: invoice, pix: nil, cardStatus: "APPROVED", payment: payment, declineReason: nil)
    }

    /// A paid add-on the subscription holds PENDING (activated first, seed 000), priced as the subscription keeps it.
    private func addonLine(
        _ item: CheckoutItem, field: String, currency: Currency, account: AccountID,
        options: RPCCallOptions
    ) async throws -> (InvoiceLine, InvoiceAddonActivation) {
        guard let subscriptionID = item.subscriptionId else {
            throw InvoicingError.invalid("\(field).subscriptionId", "an ADDON item names its subscriptionId (a UUID)")
        }
        guard let addonID = item.addonId else { throw InvoicingError.invalid("\(field).addonId", "an ADDON item names its addonId") }
        guard
            let subscription = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await subscriptions.call(
                    SubscriptionsAPI.get, SubscriptionRequest(id: subscriptionID), options: options)
            }), subscription.billingAccountId == account
        else {
            // Another account's subscription is not found from here: an account buys add-ons for its own subscriptions only.
            throw InvoicingError.invalid("\(field).subscriptionId", "subscription \(subscriptionID) not found", reason: "SUBSCRIPTION_NOT_FOUND")
        }
        guard let addon = subscription.addons.first(where: { $0.addonId == addonID && $0.status == .pending }) else {
            throw InvoicingError.conflict(
                "the subscription has no PENDING add-on \(addonID): activate it first (POST /subscriptions/{id}/addons)",
                reason: "ADDON_NOT_PENDING", field: "\(field).addonId")
        }
        guard subscription.plan.currency == currency.code, let price = try? Money(exactly: addon.price, currency: currency) else {
            throw InvoicingError.invalid("\(field).addonId", "the add-on is not priced in \(currency.code)")
        }
        return (
            InvoiceLine(
                kind: "ADDON", description: addon.name, quantity: DecimalNumber(Int64(1)), unitAmount: price.amount, amount: price,
                periodStart: subscription.currentPeriodStart, periodEnd: subscription.currentPeriodEnd, subscriptionId: subscription.id,
                taxCode: addon.taxCode),
            InvoiceAddonActivation(subscriptionId: subscription.id, addonId: addonID)
        )
    }

    /// A credit package from the catalog, `quantity` times.
    func packageLine(
        _ item: CheckoutItem, field: String, currency: Currency,
        options: RPCCallOptions
    ) async throws -> (InvoiceLine, InvoiceCreditPurchase) {
        guard let code = item.packageCode, !code.isEmpty else {
            throw InvoicingError.invalid("\(field).packageCode", "a CREDIT_PACKAGE item names its packageCode")
        }
        let quantity = item.quantity ?? 1
        guard (1...100).contains(quantity) else { throw InvoicingError.invalid("\(field).quantity", "quantity must be between 1 and 100") }
        guard
            let package = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await catalog.call(CatalogAPI.creditPackages.getByCode, GetItemByCodeRequest(code: code), options: options)
            }), package.status == .active
        else {
            throw InvoicingError.invalid("\(field).packageCode", "no credit package '\(code.prefix(60))' is on sale", reason: "PACKAGE_NOT_FOUND")
        }
        let attributes = package.attributes
        guard attributes.currency == currency.code, let price = try? Money(exactly: attributes.price, currency: currency),
            let amount = try? price.multiplied(by: Int64(quantity)), let credits = try? attributes.credits.multiplied(by: Int64(quantity))
        else {
            throw InvoicingError.invalid(
                "\(field).packageCode", "package \(code) is priced in \(attributes.currency), the account pays in \(currency.code)")
        }
        return (
            InvoiceLine(
                kind: "CREDIT_PACKAGE", description: "\(attributes.name) — \(credits.text) AI credits", quantity: quantity, unitAmount: price,
                amount: amount, periodStart: nil, periodEnd: nil, subscriptionId: nil),
            InvoiceCreditPurchase(packageCode: attributes.code, credits: credits, validityDays: attributes.validityDays)
        )
    }
}
