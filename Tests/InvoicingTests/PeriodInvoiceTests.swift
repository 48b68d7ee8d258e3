import AccountsContract
import BillingCore
import BillingEvents
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import InvoicingContract
import NIOCore
import PostgresNIO
import SubscriptionsContract
import Testing

@testable import Invoicing

/// Answers `Subscriptions.Get` with one subscription: the other context's read side, which these tests do not run.
private struct OneSubscription: RPCClientTransport {
    let subscription: Subscription

    func unary(path: String, request: ByteBuffer, options: RPCCallOptions, retryable: Bool) async throws(RPCError) -> ByteBuffer {
        guard path == SubscriptionsAPI.get.path else { throw RPCError(.unavailable, "no \(path) in this test") }
        return try RPCSerialization.encode(subscription)
    }

    func serverStreaming(
        path: String, request: ByteBuffer, options: RPCCallOptions
    ) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error> {
        throw RPCError(.unavailable, "no streams in this test")
    }
}

@Suite("Period invoices from subscription events, on PostgreSQL")
struct PeriodInvoiceTests {
    static let april = RFC3339.parse("2027-04-01T00:00:00Z")!, may = RFC3339.parse("2027-05-01T00:00:00Z")!,
        june = RFC3339.parse("2027-06-01T00:00:00Z")!

    static func subscription() -> Subscription {
        let plan = SubscribedPlan(
            planId: .generate(), planVersion: 1, name: "Max", billingInterval: .monthly, billingCycleType: .anniversary,
            unitPrice: DecimalNumber("200.00")!, currency: "BRL", trialDays: 0, includedCredits: .zero, features: [], limits: [])
        return Subscription(
            id: SubscriptionID(rawValue: UUID()), billingAccountId: .generate(), plan: plan, status: .active, quantity: 1,
            timezone: "UTC", startDate: april, trialStart: nil, trialEnd: nil, billingAnchor: april, currentPeriodStart: may,
            currentPeriodEnd: june, cancelAtPeriodEnd: false, canceledAt: nil, cancelReason: nil, endedAt: nil, pausedAt: nil,
            pastDueSince: nil, scheduledChange: nil, addons: [], testClockId: nil, createdAt: april, updatedAt: may)
    }

    /// One subscription (May's period current), invoicing on a fresh schema with its clock at `now`, and a tenant.
    struct Setup {
        let database: Database
        let service: InvoicingService
        let subscription: Subscription
        let tenant: String
        let now: Date

        static func run(at now: Date, _ body: (Setup) async throws -> Void) async throws {
            try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
                let subscription = PeriodInvoiceTests.subscription()
                let rpc = RPCClient(transport: OneSubscription(subscription: subscription))
                let service = InvoicingService(
                    database: database, clock: ManualClock(now), accounts: AccountsClient(rpc: rpc),
                    subscriptions: SubscriptionsClient(rpc: rpc), catalog: CatalogClient(rpc: rpc), ledger: rpc)
                try await body(
                    Setup(
                        database: database, service: service, subscription: subscription,
                        tenant: "period-" + UUIDv7.generate().uuidString.suffix(8).lowercased(), now: now))
            }
        }

        func envelope(_ event: any IntegrationEvent) throws -> EventEnvelope { try EventEnvelope(event, source: "test", tenant: tenant, at: now) }

        /// Applies an event through invoicing's handler, in a transaction of its own.
        func apply(_ envelope: EventEnvelope) async throws {
            let handler = service.events.handlers[envelope.type]!
            try await database.withTenant(tenant) { try await handler(envelope, $0) }
        }

        /// April 16's upgrade from Pro to Max, announced with `summary`: 50.00 back for Pro's unused time, 100.00 for Max's, both ending May 1.
        func upgrade(announcedWith summary: SubscriptionSummary) -> SubscriptionPlanChanged {
            let upgradedAt = RFC3339.parse("2027-04-16T00:00:00Z")!
            return SubscriptionPlanChanged(
                subscription: summary, previousPlanId: .generate(), previousPlanVersion: 1,
                prorationLines: [
                    ProrationLine(description: "Unused time on Pro", amount: brl("-50.00"), periodStart: upgradedAt, periodEnd: may),
                    ProrationLine(description: "Remaining time on Max", amount: brl("100.00"), periodStart: upgradedAt, periodEnd: may),
                ])
        }

        func invoices() async throws -> [Invoice] {
            try await service.invoices.list(ListInvoicesRequest(billingAccountId: subscription.billingAccountId), tenant: tenant).items
        }
    }

    static func brl(_ text: String) -> Money { try! Money.parse(text, currency: .brl) }

    @Test(
        "an upgrade's proration lines land on the next period's invoice whichever event is applied first; each event once",
        arguments: [false, true])
    func prorationOrder(renewalFirst: Bool) async throws {
        try await Setup.run(at: Self.may) { setup in
            let changed = try setup.envelope(setup.upgrade(announcedWith: setup.subscription.summary))
            let renewed = try setup.envelope(SubscriptionRenewed(subscription: setup.subscription.summary))
            let order = renewalFirst ? [renewed, changed] : [changed, renewed]
            for envelope in order + order {
                // Each twice: the inbox makes a redelivery a no-op in production; the handlers add nothing the second time on their own too.
                try await setup.apply(envelope)
            }
            let invoices = try await setup.invoices()
            #expect(invoices.count == 1)
            #expect(invoices.first?.lines.map(\.kind) == ["SUBSCRIPTION", "PRORATION", "PRORATION"])
            #expect(invoices.first?.total == Self.brl("250.00"))
        }
    }

    @Test("June's renewal applied before May's (another replica): the upgrade's lines, taken by June's draft, go back to May's")
    func renewalsOutOfOrder() async throws {
        try await Setup.run(at: Self.june) { setup in
            var april = setup.subscription.summary, june = setup.subscription.summary
            (april.currentPeriodStart, april.currentPeriodEnd) = (Self.april, Self.may)
            (june.currentPeriodStart, june.currentPeriodEnd) = (Self.june, RFC3339.parse("2027-07-01T00:00:00Z")!)
            let events: [any IntegrationEvent] = [
                setup.upgrade(announcedWith: april), SubscriptionRenewed(subscription: june),
                SubscriptionRenewed(subscription: setup.subscription.summary),
            ]
            for event in events { try await setup.apply(try setup.envelope(event)) }
            let invoices = try await setup.invoices()
            let may = try #require(invoices.first { $0.periodStart == Self.may }),
                juneInvoice = try #require(invoices.first { $0.periodStart == Self.june })
            #expect(may.lines.map(\.kind) == ["SUBSCRIPTION", "PRORATION", "PRORATION"] && may.total == Self.brl("250.00"))
            #expect(
                juneInvoice.lines.map(\.kind) == ["SUBSCRIPTION"] && juneInvoice.total == Self.brl("200.00")
                    && juneInvoice.amountDue == Self.brl("200.00"))
            let (database, tenant) = (setup.database, setup.tenant)
            let open = try await database.withTenant(tenant) { connection in
                try await connection.firstRow(
                    "SELECT count(*) FILTER (WHERE invoice_id = \(may.id.rawValue)), count(*) FROM pending_lines WHERE tenant_id = \(tenant)",
                    logger: database.logger)!.decode((Int64, Int64).self)
            }
            #expect(open == (2, 2), "the pending lines record May's invoice as where they went")
        }
    }
}
