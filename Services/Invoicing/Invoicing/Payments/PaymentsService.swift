import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import CatalogContract
import Foundation
import InvoicingContract
import LedgerContract
import PostgresNIO
import SubscriptionsContract

/// Payments against invoices (seed 001 step 6), refunds and provider notifications; checkout, card collection and saved cards
/// with the auto-recharge they pay are in the files next to this one.
struct PaymentsService: Sendable {
    let database: Database
    let clock: any BillingClock
    let accounts: AccountsClient
    let subscriptions: SubscriptionsClient
    let catalog: CatalogClient
    let cards: any CardProvider
    /// Checkout and auto-recharge draft and finalize invoices as the invoices service does.
    let invoices: InvoicesService
    let store: InvoiceStore
    let paymentStore: PaymentStore
    let credit: AccountCreditBook
    let paymentMethods: PaymentMethodStore
    let collections: CardCollectionStore
    let providerEvents: ProviderEventStore
    let outbox: Outbox
    let cardRetrySchedule: CardRetrySchedule
    /// How PIX is paid: with a PSP, its webhook and reconciliation record what it received.
    let pixRail: PixRail
    let pixStore: PixChargeStore
    /// Boletos híbridos at the bank, when one is configured.
    var boletos: Boletos? = nil
    /// How long a card payment the provider has not decided, or a refund it has not settled, waits before the job asks again.
    let providerRecheck: TimeInterval

    init(
        database: Database, clock: any BillingClock, accounts: AccountsClient, subscriptions: SubscriptionsClient, catalog: CatalogClient,
        cards: any CardProvider, invoices: InvoicesService, store: InvoiceStore, payments: PaymentStore, credit: AccountCreditBook,
        paymentMethods: PaymentMethodStore, collections: CardCollectionStore, providerEvents: ProviderEventStore, outbox: Outbox,
        cardRetrySchedule: CardRetrySchedule, pixRail: PixRail, providerRecheck: TimeInterval, boletos: Boletos? = nil
    ) {
        self.boletos = boletos
        self.providerRecheck = providerRecheck
        self.database = database
        self.clock = clock
        self.accounts = accounts
        self.subscriptions = subscriptions
        self.catalog = catalog
        self.cards = cards
        self.invoices = invoices
        self.store = store
        self.paymentStore = payments
        self.credit = credit
        self.paymentMethods = paymentMethods
        self.collections = collections
        self.providerEvents = providerEvents
        self.outbox = outbox
        self.cardRetrySchedule = cardRetrySchedule
        self.pixRail = pixRail
        self.pixStore = PixChargeStore(logger: database.logger)
    }

    /// The card provider for live money, or the sandbox for a test account's (its account lives on a test clock): a test
    /// invoice is never charged to a real card.
    func cards(livemode: Bool) -> any CardProvider { livemode ? cards : SandboxCardProvider() }

    func register(on router: inout RPCRouter) {
        router.register(InvoicingAPI.pay) { request, context in try await pay(request, context: context) }
        router.register(InvoicingAPI.listTopUps) { request, context in try await topUps(request, tenant: context.tenant) }
        router.register(InvoicingAPI.listPayments) { request, context in try await payments(request, tenant: context.tenant) }
        router.register(InvoicingAPI.getPayment) { request, context in try await payment(request.id, tenant: context.tenant) }
        router.register(InvoicingAPI.refund) { request, context in try await refund(request, context: context) }
        router.register(InvoicingAPI.listRefunds) { request, context in try await refunds(of: request.id, tenant: context.tenant) }
        router.register(InvoicingAPI.providerNotification) { request, context in try await providerNotification(request, context: context) }
        router.register(InvoicingAPI.pixReceived) { request, context in try await pixReceived(request, context: context) }
        router.register(InvoicingAPI.boletoNotified) { request, _ in try await boletoNotified(request) }
        router.register(InvoicingAPI.cardEvent) { request, context in try await cardEvent(request, context: context) }
        router.register(InvoicingAPI.checkout) { request, context in try await checkout(request, context: context) }
        router.register(InvoicingAPI.savePaymentMethod) { request, context in try await savePaymentMethod(request, context: context) }
        router.register(InvoicingAPI.paymentMethods) { request, context in try await paymentMethods(request, tenant: context.tenant) }
        registerBankTransfers(on: &router)
    }

    /// Records a COMPLETED payment. The invoice row is locked first, so two payments racing for the last amount due are applied one
    /// after the other: the second sees what the first left and is refused if it asks for more. Once per idempotency key: a resent
    /// call answers the payment the first one recorded.
    func pay(_ request: CreatePaymentRequest, context: RPCServerContext) async throws -> Payment {
        try await database.idempotent(
            tenant: context.tenant, operation: InvoicingAPI.pay.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            try await recordPayment(request, tenant: context.tenant, traceparent: context.metadata.traceparent, on: connection)
        }
    }

    /// `pay` inside a transaction the caller holds.
    /// `settling`: the PROCESSING payment of an automatic card charge this completes; a PIX payment completes the invoice's PENDING PIX
    /// charge by itself.
    func recordPayment(
        _ request: CreatePaymentRequest, settling: Payment? = nil, tenant: String, traceparent: String?, on connection: PostgresConnection
    ) async throws -> Payment {
        if let reference = request.externalRef, !(1...200).contains(reference.count) {
            throw InvoicingError.invalid("externalRef", "externalRef must have 1 to 200 characters")
        }
        guard !request.amount.isNegative else { throw InvoicingError.invalid("amount", "amount must not be negative") }
        guard var invoice = try await store.find(request.invoiceId, tenant: tenant, forUpdate: true, on: connection) else {
            throw InvoicingError.invalid("invoiceId", "invoice \(request.invoiceId) not found", reason: "INVOICE_NOT_FOUND")
        }
        guard request.billingAccountId == invoice.billingAccountId else {
            throw InvoicingError.invalid("billingAccountId", "the invoice belongs to another billing account")
        }
        var settling = settling
        if let reference = request.externalRef, let earlier = try await paymentStore.payment(externalRef: reference, tenant: tenant, on: connection),
            earlier.status.isWaiting, earlier.invoiceId == invoice.id
        {
            // The charge was waiting under this reference (a card the customer authenticates): it is what completes now.
            settling = earlier
        } else if let reference = request.externalRef,
            let earlier = try await paymentStore.payment(externalRef: reference, tenant: tenant, on: connection)
        {
            guard earlier.invoiceId == invoice.id, earlier.amount.amount == request.amount else {
                throw InvoicingError.conflict(
                    "externalRef \(reference) was recorded for another payment", reason: "EXTERNAL_REF_IN_USE", field: "externalRef")
            }
            if let settling, settling.id != earlier.id {
                // The charge was recorded by another path first (the provider's notification): the attempt waits no more.
                try await paymentStore.fail(
                    settling.id, reason: "recorded as payment \(earlier.id)", at: clock.now(), tenant: tenant, on: connection)
            }
            return earlier
        }
        let currency = invoice.amountDue.currency
        let amount: Money
        do { amount = try Money(exactly: request.amount, currency: currency) } catch {
            throw InvoicingError.invalid("amount", "amount must be exact in \(currency.code) (at most \(currency.minorUnitExponent) decimal places)")
        }
        let zeroSettlement = invoice.status == .paid && invoice.total.isZero && amount.isZero
        guard InvoiceLifecycle.isPayable(invoice.status) || zeroSettlement else {
            throw InvoicingError.conflict(
                "invoice is \(invoice.status.rawValue); it accepts no payment",
                reason: invoice.status == .paid ? "INVOICE_ALREADY_PAID" : "INVOICE_NOT_PAYABLE",
                field: "invoiceId")
        }
        guard !amount.isZero || invoice.amountDue.isZero else { throw InvoicingError.invalid("amount", "amount must be positive") }
        let now = clock.now()
        var waiting = settling
        if waiting == nil, request.paymentMethod == .pix {
            waiting = try await paymentStore.pendingPix(of: invoice.id, tenant: tenant, on: connection)
        }
        guard
            let (payment, completed) = try await insertCompleted(
                amount, method: request.paymentMethod, externalRef: request.externalRef, of: invoice, settling: waiting, at: now, tenant: tenant,
                on: connection)
        else {
            throw InvoicingError.conflict(
                "externalRef \(request.externalRef ?? "") is being recorded by another request", reason: "EXTERNAL_REF_IN_USE", field: "externalRef")
        }
        var events: [PendingEvent] = [PendingEvent(completed, tenant: tenant, at: now, traceparent: traceparent)]
        if !zeroSettlement {
            // More than is due: the invoice takes what it needs and the rest is the account's credit for its next invoices.
            let applied = min(amount, invoice.amountDue)
            let excess = try amount.subtracting(applied)
            if !excess.isZero {
                try await credit.move(
                    excess, account: invoice.billingAccountId, reason: "OVERPAYMENT", invoice: invoice.id, payment: payment.id, at: now,
                    tenant: tenant, traceparent: traceparent, on: connection)
            }
            invoice.amountPaid = try invoice.amountPaid.adding(applied)
            invoice.amountDue = try invoice.amountDue.subtracting(applied)
            if invoice.amountDue.isZero {
                // A 0.00 payment settling a 0.00 invoice finds it PAID already.
                if invoice.status != .paid { try InvoiceLifecycle.move(&invoice, to: .paid) }
                invoice.paidAt = now
                invoice.paymentMethod = request.paymentMethod
                try await paymentStore.failPending(
                    of: invoice.id, reason: "the invoice was paid by \(request.paymentMethod.rawValue)", at: now, tenant: tenant, on: connection)
                // A boleto still open for it is written off at the bank (one that paid it is PAID already).
                try await BoletoStore(logger: database.logger).requestCancellation(of: invoice.id, at: now, tenant: tenant, on: connection)
                events.append(PendingEvent(invoice.paidEvent(at: now), tenant: tenant, at: now, traceparent: traceparent))
            }
            invoice.updatedAt = now
            try await store.save(invoice, tenant: tenant, on: connection)
        }
        try await outbox.append(events, on: connection, logger: database.logger)
        return payment
    }

    /// A COMPLETED payment of `invoice` — the `settling` one (PENDING or PROCESSING) completed, or a new one inserted — with its
    /// `payment.completed` event (for the caller to append); nil when its external reference is being recorded by another request.
    func insertCompleted(
        _ amount: Money, method: PaymentMethod, externalRef: String?, of invoice: Invoice, settling waiting: Payment? = nil, at now: Date,
        tenant: String, on connection: PostgresConnection
    ) async throws -> (Payment, PaymentCompleted)? {
        var payment: Payment
        if let waiting, try await paymentStore.complete(waiting.id, amount: amount, externalRef: externalRef, at: now, tenant: tenant, on: connection)
        {
            payment = waiting
            payment.amount = amount
            payment.externalRef = externalRef ?? waiting.externalRef
            payment.status = .completed
            payment.updatedAt = now
        } else {
            payment = Payment(
                id: .generate(at: now), billingAccountId: invoice.billingAccountId, invoiceId: invoice.id, amount: amount,
                paymentMethod: method, externalRef: externalRef, status: .completed, refunded: .zero(amount.currency), createdAt: now)
            guard try await paymentStore.insert(payment, tenant: tenant, on: connection) else { return nil }
        }
        return (
            payment,
            PaymentCompleted(
                paymentId: payment.id, invoiceId: invoice.id, billingAccountId: invoice.billingAccountId, amount: amount,
                paymentMethod: method.rawValue, externalRef: payment.externalRef)
        )
    }

    /// A FAILED payment recorded with its `billing.payment.failed` event, in the caller's transaction: `payment` is the PROCESSING one
    /// that failed, or nil for a decline nothing waited on: a new FAILED payment of `amount` (default: what the invoice has due), when
    /// the event's invoice is the account's.
    func recordFailure(
        _ event: PaymentFailed, of payment: Payment?, amount: DecimalNumber? = nil, method: PaymentMethod, at now: Date, tenant: String,
        traceparent: String?, on connection: PostgresConnection
    ) async throws {
        let reason = event.reason ?? "declined"
        if let payment {
            try await paymentStore.fail(payment.id, reason: reason, at: now, tenant: tenant, on: connection)
        } else if let invoiceID = event.invoiceId, let invoice = try await store.find(invoiceID, tenant: tenant, on: connection),
            invoice.billingAccountId == event.billingAccountId
        {
            let amount =
                amount.flatMap { try? Money(exactly: $0, currency: invoice.total.currency) }.flatMap { $0.isNegative ? nil : $0 } ?? invoice.amountDue
            _ = try await paymentStore.insert(
                Payment(
                    id: event.paymentId, billingAccountId: event.billingAccountId, invoiceId: invoiceID, amount: amount, paymentMethod: method,
                    externalRef: nil, status: .failed, refunded: .zero(amount.currency), failureReason: String(reason.prefix(500)), createdAt: now),
                tenant: tenant, on: connection)
        }
        try await outbox.append(event, tenant: tenant, at: now, traceparent: traceparent, on: connection, logger: database.logger)
    }

    /// A provider's notification, applied once per provider event id in one transaction with its record.
    func providerNotification(_ notification: ProviderNotification, context: RPCServerContext) async throws -> ProviderNotificationResult {
        guard (1...64).contains(notification.provider.count), (1...200).contains(notification.eventId.count) else {
            throw InvoicingError.invalid("id", "the provider and its event id are required")
        }
        let tenant = context.tenant
        return try await database.withTenant(tenant) { connection in
            let now = clock.now()
            let claimed = try await providerEvents.claim(
                provider: notification.provider, eventID: notification.eventId, type: notification.type,
                at: now, tenant: tenant, on: connection)
            guard claimed else {
                return ProviderNotificationResult(outcome: "DUPLICATE", detail: "event \(notification.eventId) was handled before", paymentId: nil)
            }
            let result: ProviderNotificationResult
            switch notification.type {
            case "payment.succeeded":
                let request = CreatePaymentRequest(
                    billingAccountId: notification.billingAccountId, invoiceId: notification.invoiceId, amount: notification.amount,
                    paymentMethod: notification.paymentMethod, externalRef: notification.externalRef)
                do {
                    let payment = try await recordPayment(request, tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
                    result = ProviderNotificationResult(outcome: "PAYMENT_RECORDED", detail: nil, paymentId: payment.id)
                } catch let error as InvoicingError {
                    // The charge no longer applies (the invoice was paid, voided, …): recorded, not retried forever.
                    result = ProviderNotificationResult(outcome: "IGNORED", detail: error.rpcError.message, paymentId: nil)
                }
            case "payment.failed":
                let failed = PaymentFailed(
                    paymentId: PaymentID(rawValue: UUIDv7.generate(at: now)), invoiceId: notification.invoiceId,
                    billingAccountId: notification.billingAccountId, reason: notification.failureReason)
                try await recordFailure(
                    failed, of: nil, amount: notification.amount, method: notification.paymentMethod, at: now, tenant: tenant,
                    traceparent: context.metadata.traceparent, on: connection)
                result = ProviderNotificationResult(outcome: "PAYMENT_FAILED", detail: notification.failureReason, paymentId: failed.paymentId)
            default:
                throw InvoicingError.invalid(
                    "type", "unknown notification type '\(notification.type.prefix(60))': payment.succeeded or payment.failed")
            }
            try await providerEvents.record(
                outcome: result.outcome, provider: notification.provider, eventID: notification.eventId, tenant: tenant,
                on: connection)
            return result
        }
    }

    /// Refunds part or all of what is left of a payment. The payment row is locked, so 100 refunds racing on one payment are applied
    /// one after the other and stop exactly at what was paid (the CHECK on `refunded_minor` is the database's own wall). Once per
    /// idempotency key: a resent call answers the refund the first one made. What the payment bought is taken back with it
    /// (``RefundEffects``): the ledger is asked first, with no row locked, how much of the packages' credits is unspent.
    func refund(_ request: RefundRequest, context: RPCServerContext) async throws -> Refund {
        if let reason = request.reason, reason.count > 500 { throw InvoicingError.invalid("reason", "reason must have at most 500 characters") }
        if let amount = request.amount, amount.isNegative || amount.isZero { throw InvoicingError.invalid("amount", "amount must be positive") }
        let tenant = context.tenant
        let unspent = try await unspentPackageCredits(of: request.paymentId, context: context)
        let refund = try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.refund.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            guard var payment = try await paymentStore.payment(request.paymentId, tenant: tenant, forUpdate: true, on: connection) else {
                throw InvoicingError.notFound("payment", request.paymentId.description, reason: "PAYMENT_NOT_FOUND")
            }
            guard payment.status == .completed else {
                throw InvoicingError.conflict(
                    "payment is \(payment.status.rawValue); only a COMPLETED payment can be refunded", reason: "PAYMENT_NOT_REFUNDABLE")
            }
            let left = try payment.amount.subtracting(payment.refunded)
            let amount: Money
            if let requested = request.amount {
                do { amount = try Money(exactly: requested, currency: left.currency) } catch {
                    throw InvoicingError.invalid("amount", "amount must be exact in \(left.currency.code)")
                }
            } else {
                amount = left
            }
            guard !amount.isZero else {
                throw InvoicingError.invalid("amount", "nothing is left to refund of this payment", reason: "NOTHING_TO_REFUND")
            }
            guard amount <= left else {
                throw InvoicingError.conflict(
                    "only \(left.amountText) of this payment is left to refund; \(amount.amountText) asked", reason: "REFUND_EXCEEDS_PAYMENT",
                    field: "amount")
            }
            return try await recordRefund(
                of: &payment, amount: amount, reason: request.reason, leaveWalletInDebt: request.leaveWalletInDebt, unspent: unspent,
                at: clock.now(), tenant: tenant, traceparent: context.metadata.traceparent, on: connection)
        }
        guard refund.settlement == "PROCESSING" else { return refund }
        return await settleAtProvider(refund, tenant: tenant)
    }

    /// Refunds `amount` of `payment` (locked by the caller, COMPLETED, with at least that much left) in the caller's transaction:
    /// the share of credit packages it bought is taken back (409 CREDITS_SPENT, naming `field`, when more than `unspent` is spent,
    /// unless `leaveWalletInDebt`), then the account credit the payment created (when `takingBackCredit`), and the refund is
    /// recorded with its `payment.refunded` event — PROCESSING when a provider holds the money: the caller asks it
    /// (``settleAtProvider(_:tenant:)``) once the transaction commits, never while the rows are locked.
    func recordRefund(
        of payment: inout Payment, amount: Money, reason: String?, leaveWalletInDebt: Bool?, unspent: Credits?, takingBackCredit: Bool = true,
        field: String = "amount", at now: Date, tenant: String, traceparent: String?, on connection: PostgresConnection
    ) async throws -> Refund {
        let id = UUIDv7.generate(at: now)
        let effects = try await refundEffects(of: payment, refunding: amount, tenant: tenant, on: connection)
        if effects.reversedCredits > .zero, leaveWalletInDebt != true, effects.reversedCredits > unspent ?? .zero {
            throw InvoicingError.conflict(
                "this refund takes back \(effects.reversedCredits.text) credits the payment bought and only \((unspent ?? .zero).text) of "
                    + "them are unspent; refund less, or set leaveWalletInDebt to take them back all the same and leave the wallet owing "
                    + "the rest", reason: "CREDITS_SPENT", field: field)
        }
        if takingBackCredit {
            // The part of the payment that became account credit is taken back from that credit first.
            _ = try await credit.takeBack(upTo: amount, createdBy: payment, at: now, tenant: tenant, traceparent: traceparent, on: connection)
        }
        // Money a provider holds goes back through it, asked once this transaction commits: a PIX the PSP reported received (a
        // devolução), a card charge the card provider made. A payment recorded by hand is returned by hand.
        var settlement = false
        if let provider = pixRail.provider, payment.paymentMethod == .pix, let reference = payment.externalRef {
            settlement = try await providerEvents.recordedPayment(provider: provider.name, eventID: reference, tenant: tenant, on: connection)
        } else if payment.paymentMethod == .card, let reference = payment.externalRef {
            settlement = cards.holds(reference)
        }
        try await paymentStore.refund(
            id: id, of: payment, amount: amount, reason: reason, settlement: settlement ? "PROCESSING" : nil, at: now, tenant: tenant,
            on: connection)
        payment.refunded = try payment.refunded.adding(amount)
        if payment.refunded == payment.amount { payment.status = .refunded }
        try await outbox.append(
            PaymentRefunded(
                paymentId: payment.id, billingAccountId: payment.billingAccountId, amount: amount,
                fullyRefunded: payment.status == .refunded, invoiceId: payment.invoiceId,
                reversedCredits: effects.reversedCredits > .zero ? effects.reversedCredits : nil,
                canceledAddons: effects.canceledAddons.isEmpty ? nil : effects.canceledAddons),
            tenant: tenant, at: now, traceparent: traceparent, on: connection, logger: database.logger)
        return Refund(
            id: RefundID(rawValue: id), paymentId: payment.id, amount: amount, reason: reason, payment: payment, createdAt: now,
            settlement: settlement ? "PROCESSING" : nil)
    }

    /// What a refund of `payment` takes back besides the money, read with the payment locked.
    private func refundEffects(
        of payment: Payment, refunding amount: Money, tenant: String, on connection: PostgresConnection
    ) async throws
        -> RefundEffects
    {
        guard let invoice = try await store.find(payment.invoiceId, tenant: tenant, on: connection) else { return .none }
        let overpaid = try await credit.store.credited(by: payment.id, reasons: ["OVERPAYMENT"], tenant: tenant, on: connection)
        return RefundEffects.of(
            invoice: invoice, paid: payment.amount, overpaid: overpaid, refundedBefore: payment.refunded,
            refundedAfter: try payment.refunded.adding(amount))
    }

    /// The credits still unspent of what the payment's invoice sold in credit packages (nil when it sold none), as the ledger
    /// holds them now: asked before the refund's transaction, so no row is locked while the ledger answers.
    func unspentPackageCredits(of id: PaymentID, context: RPCServerContext) async throws -> Credits? {
        let tenant = context.tenant
        let invoice = try await database.withTenant(tenant) { connection -> Invoice? in
            guard let invoiceID = try await paymentStore.payment(id, tenant: tenant, on: connection)?.invoiceId else { return nil }
            return try await store.find(invoiceID, tenant: tenant, on: connection)
        }
        guard let invoice, !(invoice.creditPurchases ?? []).isEmpty else { return nil }
        let wallet = try await invoices.ledger.call(
            LedgerAPI.wallet, WalletRequest(billingAccountId: invoice.billingAccountId), options: context.outgoing(timeout: .seconds(10)))
        let prefix = CreditPurchaseReference.prefix(invoice.id)
        return wallet.grants.filter { $0.reference?.hasPrefix(prefix) == true }.reduce(.zero) { Credits(units: $0.units + $1.remaining.units) }
    }

    func payments(_ request: ListPaymentsRequest, tenant: String) async throws -> PaymentPage {
        guard (1...100).contains(request.pageSize) else {
            throw InvoicingError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        if let since = request.since, let until = request.until, until <= since {
            throw InvoicingError.invalid("filter[until]", "filter[until] must be after filter[since]")
        }
        return try await database.withTenant(tenant) { try await paymentStore.list(request, tenant: tenant, on: $0) }
    }

    func topUps(_ request: ListCreditTopUpsRequest, tenant: String) async throws -> CreditTopUpPage {
        guard (1...100).contains(request.pageSize) else {
            throw InvoicingError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        guard [nil, .pending, .completed, .failed].contains(request.status) else {
            throw InvoicingError.invalid("filter[status]", "filter[status] of a top-up is PENDING, COMPLETED or FAILED")
        }
        var invoices = try await database.withTenant(tenant) { try await store.topUps(request, tenant: tenant, on: $0) }
        let next: InvoiceID? = invoices.trimPage(to: request.pageSize)?.invoice.id
        return CreditTopUpPage(items: invoices.flatMap { CreditTopUps.of($0.invoice, status: $0.status, payment: $0.payment) }, nextCursor: next)
    }

    func refunds(of id: PaymentID, tenant: String) async throws -> RefundList {
        try await database.withTenant(tenant) { connection in
            guard let payment = try await paymentStore.payment(id, tenant: tenant, on: connection) else {
                throw InvoicingError.notFound("payment", id.description, reason: "PAYMENT_NOT_FOUND")
            }
            return RefundList(items: try await paymentStore.refunds(of: payment, tenant: tenant, on: connection))
        }
    }

    func payment(_ id: PaymentID, tenant: String) async throws -> Payment {
        try await database.withTenant(tenant) { connection in
            guard let payment = try await paymentStore.payment(id, tenant: tenant, on: connection) else {
                throw InvoicingError.notFound("payment", id.description, reason: "PAYMENT_NOT_FOUND")
            }
            return payment
        }
    }
}
