import AccountsContract
import BillingCore
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import InvoicingContract
import LedgerContract
import SubscriptionsContract
import Synchronization
import Testing

@testable import Invoicing

@Suite("Usage the catalog cannot price")
struct UnpricedUsageTests {
    @Test("is priced here from the product version the plan pins, read from the catalog once per process, as the catalog prices it")
    func pricedFromCachedVersion() async throws {
        try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
            let (start, end) = (RFC3339.parse("2027-05-01T00:00:00Z")!, RFC3339.parse("2027-06-01T00:00:00Z")!)
            let product = CatalogItemID.generate()
            let reads = Atomic<Int>(0)
            var router = RPCRouter()
            router.register(LedgerAPI.summary) { request, _ in
                UsageSummaries(
                    billingAccountId: request.billingAccountId, periodStart: start, periodEnd: end, timezone: "UTC",
                    summaries: [
                        UsageSummary(
                            billingAccountId: request.billingAccountId, meterCode: "tokens", aggregation: "SUM", periodStart: start, periodEnd: end,
                            value: DecimalNumber(1_500), eventCount: 3)
                    ])
            }
            router.register(CatalogAPI.products.get) { request, _ in
                reads.add(1, ordering: .relaxed)
                #expect(request.id == product && request.version == 3)
                let tiers = [
                    PriceTier(upTo: DecimalNumber(1_000), unitAmount: DecimalNumber("0.10")!),
                    PriceTier(upTo: nil, unitAmount: DecimalNumber("0.05")!),
                ]
                return CatalogItem(
                    id: product, version: 3, status: .archived,
                    attributes: ProductAttributes(code: "tokens", name: "Tokens", pricingModel: .tiered, currency: "BRL", tiers: tiers),
                    createdAt: start, versionCreatedAt: start)
            }
            let rpc = RPCClient(transport: RouterTransport(router))
            let service = InvoicingService(
                database: database, clock: ManualClock(end), accounts: AccountsClient(rpc: rpc), subscriptions: SubscriptionsClient(rpc: rpc),
                catalog: CatalogClient(rpc: rpc), ledger: rpc)
            let subscription = Self.subscription(product: product, start: start, end: end)
            for _ in 0..<3 {
                let usage = try await service.invoices.usageLines(
                    subscription, period: TimeSpan(start: start, end: end), currency: .brl, closing: true, options: RPCCallOptions(tenant: "t"))
                // 1,000 × 0.10 + 500 × 0.05, a line per tier (an archived product's pinned version still prices).
                #expect(
                    usage.lines.map(\.amount) == [
                        try Money(exactly: DecimalNumber("100.00")!, currency: .brl), try Money(exactly: DecimalNumber("25.00")!, currency: .brl),
                    ])
                #expect(usage.lines.map(\.tier) == [1, 2] && usage.unpriced.isEmpty)
            }
            #expect(reads.load(ordering: .relaxed) == 1)
        }
    }

    static func subscription(product: CatalogItemID, start: Date, end: Date) -> Subscription {
        let plan = SubscribedPlan(
            planId: .generate(), planVersion: 1, name: "Max", billingInterval: .monthly, billingCycleType: .anniversary,
            unitPrice: DecimalNumber("200.00")!, currency: "BRL", trialDays: 0, includedCredits: .zero, features: [], limits: [],
            usageCharges: [SubscribedUsageCharge(meterId: .generate(), meterCode: "tokens", productId: product, productVersion: 3)])
        return Subscription(
            id: .generate(), billingAccountId: .generate(), plan: plan, status: .active, quantity: 1, timezone: "UTC", startDate: start,
            trialStart: nil, trialEnd: nil, billingAnchor: start, currentPeriodStart: start, currentPeriodEnd: end, cancelAtPeriodEnd: false,
            canceledAt: nil, cancelReason: nil, endedAt: nil, pausedAt: nil, pastDueSince: nil, scheduledChange: nil, addons: [],
            testClockId: nil, createdAt: start, updatedAt: start)
    }

    @Test("is billed as a flagged zero line, never blocking the invoice, and reported for a billing.invoice.usage_unpriced event")
    func flaggedAndReported() async throws {
        try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
            let (start, end) = (RFC3339.parse("2027-05-01T00:00:00Z")!, RFC3339.parse("2027-06-01T00:00:00Z")!)
            let account = AccountID.generate()
            var router = RPCRouter()
            router.register(LedgerAPI.summary) { request, _ in
                UsageSummaries(
                    billingAccountId: request.billingAccountId, periodStart: start, periodEnd: end, timezone: "UTC",
                    summaries: [
                        UsageSummary(
                            billingAccountId: request.billingAccountId, meterCode: "tokens", aggregation: "SUM", periodStart: start, periodEnd: end,
                            value: DecimalNumber(1_500), eventCount: 3)
                    ])
            }
            router.register(CatalogAPI.products.get) { request, _ -> CatalogItem<ProductAttributes> in
                throw RPCError(.notFound, "product \(request.id) version \(request.version ?? 0) does not exist")
            }
            let rpc = RPCClient(transport: RouterTransport(router))
            let service = InvoicingService(
                database: database, clock: ManualClock(end), accounts: AccountsClient(rpc: rpc), subscriptions: SubscriptionsClient(rpc: rpc),
                catalog: CatalogClient(rpc: rpc), ledger: rpc)
            var subscription = Self.subscription(product: .generate(), start: start, end: end)
            subscription.billingAccountId = account

            let usage = try await service.invoices.usageLines(
                subscription, period: TimeSpan(start: start, end: end), currency: .brl, closing: true, options: RPCCallOptions(tenant: "t"))
            #expect(usage.lines.count == 1 && usage.lines.first?.amount == .zero(.brl) && usage.lines.first?.quantity == DecimalNumber(1_500))
            #expect(usage.lines.first?.description.contains("not priced") == true, "\(usage.lines)")
            let invoice = InvoiceID.generate()
            let events = usage.unpricedEvents(invoice: invoice, account: account, subscription: subscription.id)
            #expect(events.count == 1)
            #expect(events.first?.meterCode == "tokens" && events.first?.quantity == DecimalNumber(1_500) && events.first?.invoiceId == invoice)
            #expect(events.first?.reason.contains("does not exist") == true)
        }
    }
}
