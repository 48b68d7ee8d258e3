import AccountsContract
import BillingCore
import BillingEvents
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import InvoicingContract
import Logging
import NIOCore
import SubscriptionsContract
import Testing

@testable import Invoicing

/// Answers `Accounts.Get` with one account, `Subscriptions.List` with the given subscriptions and `Subscriptions.Get` with the first:
/// the other contexts' read side, which these tests do not run.
private struct OneAccount: RPCClientTransport {
    let account: BillingAccount
    let subscriptions: [Subscription]

    func unary(path: String, request: ByteBuffer, options: RPCCallOptions, retryable: Bool) async throws(RPCError) -> ByteBuffer {
        switch path {
        case AccountsAPI.get.path:
            var message = request
            message.moveReaderIndex(forwardBy: RPCFraming.headerLength)
            let asked = try RPCSerialization.decode(GetAccountRequest.self, from: message)
            guard asked.id == account.id else { throw RPCError(.notFound, "billing account \(asked.id) not found") }
            return try RPCSerialization.encode(account)
        case SubscriptionsAPI.list.path: return try RPCSerialization.encode(SubscriptionPage(items: subscriptions, nextCursor: nil))
        case SubscriptionsAPI.get.path:
            guard let first = subscriptions.first else { throw RPCError(.notFound, "no subscription") }
            return try RPCSerialization.encode(first)
        default: throw RPCError(.unavailable, "no \(path) in this test")
        }
    }

    func serverStreaming(
        path: String, request: ByteBuffer, options: RPCCallOptions
    ) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error> {
        throw RPCError(.unavailable, "no streams in this test")
    }
}

@Suite("Invoice items: one-off charges for an account's next invoice")
struct InvoiceItemsTests {
    static let now = RFC3339.parse("2027-05-01T00:00:00Z")!
    static let brl = Currency.brl

    static func money(_ text: String) -> Money { try! Money.parse(text, currency: .brl) }

    static func attributes(
        _ description: String? = "Implantação", quantity: Int? = nil, unitAmount: String? = "100.00", invoiceId: InvoiceID? = nil,
        metadata: [String: String]? = nil
    ) -> InvoiceItemAttributes {
        InvoiceItemAttributes(
            description: description, quantity: quantity, unitAmount: unitAmount.map { DecimalNumber($0)! }, invoiceId: invoiceId,
            metadata: metadata)
    }

    // MARK: Rules (pure)

    @Test(
        "a new item's attributes are checked, each refusal naming its field",
        arguments: [
            (attributes(""), "description"),
            (attributes(String(repeating: "x", count: 501)), "description"),
            (attributes(quantity: 0), "quantity"),
            (attributes(quantity: 1_000_001), "quantity"),
            (attributes(unitAmount: nil), "unitAmount"),
            (attributes(unitAmount: "1.234"), "unitAmount"),
            (attributes(quantity: 1_000_000, unitAmount: "99999999.99"), "unitAmount"),
            (attributes(metadata: ["": "x"]), "metadata"),
        ])
    func refusals(attributes: InvoiceItemAttributes, field: String) {
        let error = #expect(throws: InvoicingError.self) {
            try InvoiceItemRules.item(attributes, account: .generate(), currency: Self.brl, id: .generate(), at: Self.now)
        }
        #expect(error?.rpcError.code == .invalidArgument && error?.rpcError.field == field, "\(String(describing: error))")
    }

    @Test("quantity defaults to 1; the amount is quantity × unit amount, exact; a negative unit amount is a credit")
    func amounts() throws {
        let one = try InvoiceItemRules.item(
            Self.attributes(unitAmount: "12.5"), account: .generate(), currency: Self.brl, id: .generate(), at: Self.now)
        #expect(one.quantity == 1 && one.amount == Self.money("12.50") && one.status == .pending && one.currency == "BRL")
        let three = try InvoiceItemRules.item(
            Self.attributes(quantity: 3, unitAmount: "-33.33"), account: .generate(), currency: Self.brl, id: .generate(), at: Self.now)
        #expect(three.amount == Self.money("-99.99"))
        let line = InvoiceItemRules.line(three)
        #expect(line.kind == "INVOICE_ITEM" && line.id?.rawValue == three.id.rawValue && line.amount == three.amount)
    }

    @Test("a new invoice takes every charge, and each credit (oldest first) that leaves its total at zero or above")
    func takenItems() throws {
        func item(_ amount: String) throws -> InvoiceItem {
            try InvoiceItemRules.item(Self.attributes(unitAmount: amount), account: .generate(), currency: Self.brl, id: .generate(), at: Self.now)
        }
        let (charge, bigCredit, smallCredit) = (try item("100.00"), try item("-150.00"), try item("-30.00"))
        let taken = InvoiceItemRules.taken([charge, bigCredit, smallCredit], onto: .zero(Self.brl))
        #expect(taken.map(\.id) == [charge.id, smallCredit.id], "100.00 − 30.00; the 150.00 credit waits")
        #expect(InvoiceItemRules.taken([bigCredit], onto: Self.money("200.00")).map(\.id) == [bigCredit.id], "200.00 − 150.00")
        #expect(InvoiceItemRules.taken([bigCredit], onto: .zero(Self.brl)).isEmpty)
        var dollars = try item("5.00")
        dollars.amount = Money(minorUnits: 500, currency: Currency(code: "USD")!)
        #expect(InvoiceItemRules.taken([dollars], onto: .zero(Self.brl)).isEmpty, "another currency's item is left")
    }

    // MARK: On PostgreSQL

    struct Setup {
        let database: Database
        let service: InvoicingService
        let account: BillingAccount
        let subscription: Subscription
        let tenant: String

        /// An ACTIVE BRL account; `subscribed`: it has one ACTIVE subscription (May's period current) that `Subscriptions.List` shows.
        static func run(subscribed: Bool = false, _ body: (Setup) async throws -> Void) async throws {
            try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
                let account = BillingAccount(
                    id: .generate(), name: "Acme", email: "billing@acme.example", currency: "BRL", taxId: nil, taxIdType: nil, timezone: "UTC",
                    metadata: [:], status: .active, statusReason: nil, balance: .zero(.brl), createdAt: InvoiceItemsTests.now,
                    updatedAt: InvoiceItemsTests.now, closedAt: nil)
                var subscription = PeriodInvoiceTests.subscription()
                subscription.billingAccountId = account.id
                let rpc = RPCClient(transport: OneAccount(account: account, subscriptions: subscribed ? [subscription] : []))
                let service = InvoicingService(
                    database: database, clock: ManualClock(InvoiceItemsTests.now), accounts: AccountsClient(rpc: rpc),
                    subscriptions: SubscriptionsClient(rpc: rpc), catalog: CatalogClient(rpc: rpc), ledger: rpc)
                try await body(
                    Setup(
                        database: database, service: service, account: account, subscription: subscription,
                        tenant: "items-" + UUIDv7.generate().uuidString.suffix(8).lowercased()))
            }
        }

        func context(key: String? = nil) -> RPCServerContext {
            RPCServerContext(method: "test", metadata: RPCMetadata(tenant: tenant, idempotencyKey: key), deadline: nil, logger: Logger(label: "test"))
        }

        func add(_ attributes: InvoiceItemAttributes, key: String? = nil) async throws -> InvoiceItem {
            try await service.invoiceItems.create(
                CreateInvoiceItemRequest(billingAccountId: account.id, attributes: attributes), context: context(key: key))
        }

        func items(_ status: InvoiceItemStatus? = nil) async throws -> [InvoiceItem] {
            try await service.invoiceItems.list(ListInvoiceItemsRequest(billingAccountId: account.id, status: status), tenant: tenant).items
        }

        func draft() async throws -> Invoice {
            try await service.invoices.create(CreateInvoiceRequest(billingAccountId: account.id), context: context())
        }

        func invoices() async throws -> [Invoice] {
            try await service.invoices.list(ListInvoicesRequest(billingAccountId: account.id), tenant: tenant).items
        }
    }

    /// The code, reason and field of the invoicing error `call` throws; nils when it succeeds.
    static func code<T>(_ call: () async throws -> T) async -> (RPCCode?, String?, String?) {
        do {
            _ = try await call()
            return (nil, nil, nil)
        } catch let error as InvoicingError {
            return (error.rpcError.code, error.rpcError.reason, error.rpcError.details["field"])
        } catch {
            return (.internal, "\(error)", nil)
        }
    }

    @Test("items are stored, listed newest first (by status too), replayed by their key, and removed only while PENDING")
    func storeAndList() async throws {
        try await Setup.run { setup in
            let first = try await setup.add(Self.attributes("Setup fee", unitAmount: "150.00", metadata: ["order": "PO-7"]), key: "item-1")
            #expect(try await setup.add(Self.attributes("Setup fee", unitAmount: "150.00", metadata: ["order": "PO-7"]), key: "item-1") == first)
            let second = try await setup.add(Self.attributes("Training", quantity: 2, unitAmount: "40.00"))
            #expect(second.amount == Self.money("80.00"))
            #expect(try await setup.items().map(\.id) == [second.id, first.id], "newest first")
            #expect(try await setup.items().first { $0.id == first.id }?.metadata == ["order": "PO-7"])

            let removed = try await setup.service.invoiceItems.delete(
                InvoiceItemRequest(billingAccountId: setup.account.id, id: second.id), context: setup.context())
            #expect(removed.status == .deleted)
            #expect(try await setup.items().map(\.id) == [first.id])
            #expect(try await setup.items(.deleted).map(\.id) == [second.id])
            let again = await Self.code {
                try await setup.service.invoiceItems.delete(
                    InvoiceItemRequest(billingAccountId: setup.account.id, id: second.id), context: setup.context())
            }
            #expect(again.0 == .failedPrecondition && again.1 == "INVOICE_ITEM_NOT_PENDING" && again.2 == "status")
            let elsewhere = await Self.code {
                try await setup.service.invoiceItems.delete(InvoiceItemRequest(billingAccountId: .generate(), id: first.id), context: setup.context())
            }
            #expect(elsewhere.0 == .notFound, "another account's item is not found")
            let unknown = await Self.code {
                try await setup.service.invoiceItems.create(
                    CreateInvoiceItemRequest(billingAccountId: .generate(), attributes: Self.attributes()), context: setup.context())
            }
            #expect(unknown.0 == .notFound && unknown.1 == "ACCOUNT_NOT_FOUND")
        }
    }

    @Test("an account with only items is invoiced: one INVOICE_ITEM line each, the items INVOICED by it; then nothing is left to bill")
    func itemsAlone() async throws {
        try await Setup.run { setup in
            let setupFee = try await setup.add(Self.attributes("Setup fee", unitAmount: "150.00"))
            let credit = try await setup.add(Self.attributes("Goodwill credit", unitAmount: "-250.00"))
            let training = try await setup.add(Self.attributes("Training", quantity: 2, unitAmount: "40.00"))
            let invoice = try await setup.draft()
            #expect(invoice.lines.map(\.kind) == ["INVOICE_ITEM", "INVOICE_ITEM"] && invoice.total == Self.money("230.00"), "\(invoice.lines)")
            #expect(Set(invoice.lines.compactMap { $0.id?.rawValue }) == [setupFee.id.rawValue, training.id.rawValue])
            let items = try await setup.items()
            #expect(
                items.filter { $0.status == .invoiced }.allSatisfy { $0.invoiceId == invoice.id }
                    && items.filter { $0.status == .invoiced }.count == 2)
            #expect(items.first { $0.id == credit.id }?.status == .pending, "230.00 − 250.00 is below zero: the credit waits")

            let next = await Self.code { try await setup.draft() }
            #expect(next.0 == .invalidArgument && next.1 == "NOTHING_TO_BILL", "a lone credit would take a total below zero")
            #expect(try await setup.items().first { $0.id == credit.id }?.status == .pending)
            _ = try await setup.add(Self.attributes("Consulting", unitAmount: "300.00"))
            let third = try await setup.draft()
            #expect(third.total == Self.money("50.00") && third.lines.count == 2, "300.00 − 250.00: \(third.lines)")

            let deleted = await Self.code {
                try await setup.service.invoiceItems.delete(
                    InvoiceItemRequest(billingAccountId: setup.account.id, id: setupFee.id), context: setup.context())
            }
            #expect(deleted.0 == .failedPrecondition && deleted.1 == "INVOICE_ITEM_NOT_PENDING")
        }
    }

    @Test("two drafts of one account racing: every item lands on exactly one invoice", arguments: [2, 8])
    func racingDrafts(concurrent: Int) async throws {
        try await Setup.run { setup in
            var added: [InvoiceItemID] = []
            for index in 1...5 { added.append(try await setup.add(Self.attributes("Charge \(index)", unitAmount: "10.00")).id) }
            let outcomes = try await withThrowingTaskGroup(of: Result<Invoice, InvoicingError>.self) { group in
                for _ in 0..<concurrent {
                    group.addTask {
                        do { return .success(try await setup.draft()) } catch let error as InvoicingError { return .failure(error) }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let invoices = outcomes.compactMap { try? $0.get() }
            #expect(invoices.count == 1, "one invoice takes them: \(outcomes)")
            #expect(
                outcomes.compactMap { if case .failure(let error) = $0 { error.rpcError.reason } else { nil } }.allSatisfy { $0 == "NOTHING_TO_BILL" }
            )
            let lines = try await setup.invoices().flatMap(\.lines).filter { $0.kind == "INVOICE_ITEM" }
            #expect(lines.count == 5 && Set(lines.compactMap { $0.id?.rawValue }) == Set(added.map(\.rawValue)))
            #expect(try await setup.items().allSatisfy { $0.status == .invoiced && $0.invoiceId == invoices.first?.id })
        }
    }

    @Test("a period's draft from a subscription event takes the pending items, once, with the plan's lines")
    func periodDraft() async throws {
        try await Setup.run(subscribed: true) { setup in
            let item = try await setup.add(Self.attributes("Onboarding", unitAmount: "50.00"))
            let envelope = try EventEnvelope(
                SubscriptionRenewed(subscription: setup.subscription.summary), source: "test", tenant: setup.tenant, at: Self.now)
            let handler = setup.service.events.handlers[envelope.type]!
            try await setup.database.withTenant(setup.tenant) { try await handler(envelope, $0) }
            try await setup.database.withTenant(setup.tenant) { try await handler(envelope, $0) }
            let invoices = try await setup.invoices()
            #expect(invoices.count == 1 && invoices.first?.lines.map(\.kind) == ["SUBSCRIPTION", "INVOICE_ITEM"], "\(invoices)")
            #expect(invoices.first?.total == Self.money("250.00"))
            #expect(try await setup.items().map(\.invoiceId) == [invoices.first?.id])
            // `POST /invoices` now: the period is billed by that draft and no item waits: the draft is the answer.
            #expect(try await setup.draft().id == invoices.first?.id)
            let late = try await setup.add(Self.attributes("Late charge", unitAmount: "5.00"))
            let second = try await setup.draft()
            #expect(
                second.id != invoices.first?.id && second.lines.map(\.kind) == ["INVOICE_ITEM"]
                    && second.lines.first?.id?.rawValue == late.id.rawValue)
            _ = item
        }
    }

    @Test("a period's draft (the event) and `POST /invoices` racing: the item lands on one invoice, once")
    func periodDraftRacingCreate() async throws {
        try await Setup.run(subscribed: true) { setup in
            let item = try await setup.add(Self.attributes("Onboarding", unitAmount: "50.00"))
            let envelope = try EventEnvelope(
                SubscriptionRenewed(subscription: setup.subscription.summary), source: "test", tenant: setup.tenant, at: Self.now)
            let handler = setup.service.events.handlers[envelope.type]!
            async let event: Void = setup.database.withTenant(setup.tenant) { try await handler(envelope, $0) }
            async let created = setup.draft()
            _ = try await (event, created)
            let invoices = try await setup.invoices()
            #expect(invoices.count == 1, "the period is billed once: \(invoices.map(\.lines))")
            let lines = invoices.flatMap(\.lines).filter { $0.kind == "INVOICE_ITEM" }
            #expect(lines.count == 1 && lines.first?.id?.rawValue == item.id.rawValue)
            #expect(try await setup.items().map(\.invoiceId) == [invoices.first?.id])
        }
    }

    @Test("with invoiceId an item is a line of that DRAFT at once; a finalized or another account's invoice is refused; canceling gives items back")
    func addedToDraft() async throws {
        try await Setup.run { setup in
            _ = try await setup.add(Self.attributes("First", unitAmount: "20.00"))
            let draft = try await setup.draft()
            let added = try await setup.add(Self.attributes("Rush fee", quantity: 3, unitAmount: "10.00", invoiceId: draft.id))
            #expect(added.status == .invoiced && added.invoiceId == draft.id)
            let edited = try await setup.service.invoices.get(draft.id, tenant: setup.tenant)
            #expect(edited.lines.map(\.kind) == ["INVOICE_ITEM", "INVOICE_ITEM"] && edited.total == Self.money("50.00"))
            let tooMuch = await Self.code { try await setup.add(Self.attributes("Credit", unitAmount: "-60.00", invoiceId: draft.id)) }
            #expect(tooMuch.0 == .invalidArgument && tooMuch.2 == "unitAmount", "the draft's total would go below zero")
            let stranger = await Self.code { try await setup.add(Self.attributes(invoiceId: .generate())) }
            #expect(stranger.0 == .invalidArgument && stranger.2 == "invoiceId")

            let canceled = try await setup.service.invoices.cancel(draft.id, context: setup.context())
            #expect(canceled.status == .canceled)
            #expect(try await setup.items().allSatisfy { $0.status == .pending && $0.invoiceId == nil }, "a canceled draft bills nothing")
            let closed = await Self.code { try await setup.add(Self.attributes(invoiceId: draft.id)) }
            #expect(closed.0 == .failedPrecondition && closed.1 == "INVOICE_NOT_EDITABLE" && closed.2 == "invoiceId")
            #expect(try await setup.draft().lines.count == 2, "the items go on the next invoice")
        }
    }
}
