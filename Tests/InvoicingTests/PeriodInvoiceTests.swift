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

    func serverStreaming(path: String, request: ByteBuffer, options: RPCCallOptions) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error> {
        throw RPCError(.unavailable, "no streams in this test")
    }
}

@Suite("Period invoices from subscription events, on PostgreSQL")
struct PeriodInvoiceTests {
    static let april = RFC3339.parse("2027-04-01T00:00:00Z")!, may = RFC3339.parse("2027-05-01T00:00:00Z")!, june = RFC3339.parse("2027-06-01T00:00:00Z")!

    static func subscription() -> Subscription {
        let plan = SubscribedPlan(planId: UUID().uuidString.lowercased(), planVersion: 1, name: "Max", billingInterval: .monthly, billingCycleType: .anniversary,
                                  unitPrice: DecimalNumber("200.00")!, currency: "BRL", trialDays: 0, includedCredits: .zero, features: [], limits: [])
        return Subscription(id: SubscriptionID(rawValue: UUID()), billingAccountId: UUID().uuidString.lowercased(), plan: plan, status: .active, quantity: 1,
                            timezone: "UTC", startDate: april, trialStart: nil, trialEnd: nil, billingAnchor: april, currentPeriodStart: may,
                            currentPeriodEnd: june, cancelAtPeriodEnd: false, canceledAt: nil, cancelReason: nil, endedAt: nil, pausedAt: nil,
                            pastDueSince: nil, scheduledChange: nil, addons: [], testClockId: nil, createdAt: april, updatedAt: may)
    }

    @Test("an upgrade's proration lines land on the next period's invoice whichever event is applied first; each event once",
          arguments: [false, true])
    func prorationOrder(renewalFirst: Bool) async throws {
        try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
            let subscription = Self.subscription()
            let rpc = RPCClient(transport: OneSubscription(subscription: subscription))
            let clock = ManualClock(Self.may)
            let service = InvoicingService(database: database, clock: clock, accounts: AccountsClient(rpc: rpc), subscriptions: SubscriptionsClient(rpc: rpc),
                                           catalog: CatalogClient(rpc: rpc), ledger: rpc)
            let tenant = "period-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            let handlers = service.subscriptionEvents.handlers
            let brl = { (text: String) in try! Money.parse(text, currency: .brl) }
            let changed = SubscriptionPlanChanged(subscription: subscription.summary, previousPlanId: "pro", previousPlanVersion: 1, prorationLines: [
                ProrationLine(description: "Unused time on Pro", amount: brl("-50.00"), periodStart: RFC3339.parse("2027-04-16T00:00:00Z")!, periodEnd: Self.may),
                ProrationLine(description: "Remaining time on Max", amount: brl("100.00"), periodStart: RFC3339.parse("2027-04-16T00:00:00Z")!, periodEnd: Self.may),
            ])
            let renewed = SubscriptionRenewed(subscription: subscription.summary)
            let changedEnvelope = try EventEnvelope(changed, source: "test", tenant: tenant, at: clock.now())
            let renewedEnvelope = try EventEnvelope(renewed, source: "test", tenant: tenant, at: clock.now())
            let order = renewalFirst ? [renewedEnvelope, changedEnvelope] : [changedEnvelope, renewedEnvelope]
            for envelope in order + order {
                // Each twice: the inbox makes a redelivery a no-op in production; the handlers add nothing the second time on their own too.
                try await database.withTenant(tenant) { try await handlers[envelope.type]!(envelope, $0) }
            }
            let invoices = try await service.list(ListInvoicesRequest(billingAccountId: subscription.billingAccountId), tenant: tenant).items
            #expect(invoices.count == 1)
            #expect(invoices.first?.lines.map(\.kind) == ["SUBSCRIPTION", "PRORATION", "PRORATION"])
            #expect(invoices.first?.total == brl("250.00"))
        }
    }

    @Test("June's renewal applied before May's (another replica): the upgrade's lines, taken by June's draft, go back to May's")
    func renewalsOutOfOrder() async throws {
        try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
            let subscription = Self.subscription()
            let rpc = RPCClient(transport: OneSubscription(subscription: subscription))
            let clock = ManualClock(Self.june)
            let service = InvoicingService(database: database, clock: clock, accounts: AccountsClient(rpc: rpc), subscriptions: SubscriptionsClient(rpc: rpc),
                                           catalog: CatalogClient(rpc: rpc), ledger: rpc)
            let tenant = "period-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            let handlers = service.subscriptionEvents.handlers
            let brl = { (text: String) in try! Money.parse(text, currency: .brl) }
            var april = subscription.summary, june = subscription.summary
            (april.currentPeriodStart, april.currentPeriodEnd) = (Self.april, Self.may)
            (june.currentPeriodStart, june.currentPeriodEnd) = (Self.june, RFC3339.parse("2027-07-01T00:00:00Z")!)
            let changed = SubscriptionPlanChanged(subscription: april, previousPlanId: "pro", previousPlanVersion: 1, prorationLines: [
                ProrationLine(description: "Unused time on Pro", amount: brl("-50.00"), periodStart: RFC3339.parse("2027-04-16T00:00:00Z")!, periodEnd: Self.may),
                ProrationLine(description: "Remaining time on Max", amount: brl("100.00"), periodStart: RFC3339.parse("2027-04-16T00:00:00Z")!, periodEnd: Self.may),
            ])
            let events: [any IntegrationEvent] = [changed, SubscriptionRenewed(subscription: june), SubscriptionRenewed(subscription: subscription.summary)]
            for event in events {
                let envelope = try EventEnvelope(event, source: "test", tenant: tenant, at: clock.now())
                try await database.withTenant(tenant) { try await handlers[envelope.type]!(envelope, $0) }
            }
            let invoices = try await service.list(ListInvoicesRequest(billingAccountId: subscription.billingAccountId), tenant: tenant).items
            let may = try #require(invoices.first { $0.periodStart == Self.may }), juneInvoice = try #require(invoices.first { $0.periodStart == Self.june })
            #expect(may.lines.map(\.kind) == ["SUBSCRIPTION", "PRORATION", "PRORATION"] && may.total == brl("250.00"))
            #expect(juneInvoice.lines.map(\.kind) == ["SUBSCRIPTION"] && juneInvoice.total == brl("200.00") && juneInvoice.amountDue == brl("200.00"))
            let open = try await database.withTenant(tenant) { connection in
                try await connection.firstRow("SELECT count(*) FILTER (WHERE invoice_id = \(may.id.rawValue)), count(*) FROM pending_lines WHERE tenant_id = \(tenant)",
                                              logger: database.logger)!.decode((Int64, Int64).self)
            }
            #expect(open == (2, 2), "the pending lines record May's invoice as where they went")
        }
    }
}
