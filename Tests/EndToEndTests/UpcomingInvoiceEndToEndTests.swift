import BillingCore
import BillingTesting
import Foundation
import Testing

/// Issue 26: the upcoming invoice is the invoice that will be drafted, computed ahead and written nowhere.
@Suite("Upcoming invoice through the gateway (real processes)", .timeLimit(.minutes(5)))
struct UpcomingInvoiceEndToEndTests {
    @Test(
        """
        the account's upcoming invoice holds the next period's plan, the coupon in force and the pending one-off item, writes \
        nothing, and is what the renewal then drafts; per subscription the same; 404 for an unknown account, 409 with nothing to \
        bill; a customer reads its own
        """
    )
    func previewMatchesRenewal() async throws {
        let cluster = try await TestCluster.shared.start()
        let start = Date().addingTimeInterval(-2 * 86_400)
        let fixture = try await SubscriptionFixture.make(
            cluster, plan: [("trialDays", 0), ("basePrice", .number("100.00"))], clockTime: RFC3339.format(start))
        let coupon = try await CouponsEndToEndTests.coupon(fixture, [("percentOff", 20), ("duration", "FOREVER")])
        let created = try await fixture.subscribe([("couponId", .string(coupon))])
        #expect(created.status == 201, "\(created.text.prefix(300))")
        let subscription = try #require(created.data?["id"]?.stringValue)
        // The first period's draft first (it would take the item), then the item for the next invoice.
        _ = try await CouponsEndToEndTests.invoices(fixture, count: 1)
        let item = try await fixture.post(
            "/api/v1/billing-accounts/\(fixture.account)/invoice-items", "invoice-items",
            ["description": "Setup", "unitAmount": .number("15.00")])
        #expect(item.status == 201, "\(item.text.prefix(300))")

        let upcoming = try await fixture.client.get("/api/v1/billing-accounts/\(fixture.account)/upcoming-invoice", token: fixture.token)
        #expect(upcoming.status == 200, "\(upcoming.text.prefix(400))")
        let kinds = upcoming.attribute("lines")?.arrayValue?.map { $0["kind"]?.stringValue ?? "" }
        #expect(kinds == ["SUBSCRIPTION", "DISCOUNT", "INVOICE_ITEM"], "\(upcoming.text.prefix(600))")
        #expect(upcoming.attribute("total")?.decimalValue == DecimalNumber("95.00"))
        #expect(upcoming.attribute("periodStart") == created.attribute("currentPeriodEnd"))
        #expect(upcoming.attribute("subscriptionId")?.stringValue == subscription)
        let perSubscription = try await fixture.client.get("/api/v1/subscriptions/\(subscription)/upcoming-invoice", token: fixture.token)
        #expect(perSubscription.attribute("total") == upcoming.attribute("total"), "\(perSubscription.text.prefix(300))")
        // Nothing written: the item still waits, no invoice was added.
        let items = try await fixture.client.get("/api/v1/billing-accounts/\(fixture.account)/invoice-items", token: fixture.token)
        #expect(items.data?.arrayValue?.first?["attributes"]?["status"] == "PENDING")
        #expect(try await CouponsEndToEndTests.invoices(fixture, count: 1).count == 1)
        let customer = try cluster.tokens.token(
            tenant: fixture.tenant, subject: "cliente", roles: ["owner"], extraClaims: ["billingAccountId": .string(fixture.account)])
        #expect(try await fixture.client.get("/api/v1/billing-accounts/\(fixture.account)/upcoming-invoice", token: customer).status == 200)

        // The renewal drafts what the preview showed.
        let periodEnd = try #require(created.attribute("currentPeriodEnd")?.stringValue.flatMap(RFC3339.parse))
        let advanced = try await fixture.post(
            "/api/v1/test-clocks/\(fixture.clock!)/advance", "test-clocks",
            ["frozenTime": .string(RFC3339.format(periodEnd.addingTimeInterval(3600)))])
        #expect(advanced.status == 200, "\(advanced.text.prefix(300))")
        let renewal = try #require(try await CouponsEndToEndTests.invoices(fixture, count: 2).last)
        #expect(renewal["total"] == upcoming.attribute("total"), "\(renewal)")
        #expect(renewal["lines"]?.arrayValue?.map { $0["kind"]?.stringValue ?? "" } == kinds)

        let unknown = try await fixture.client.get(
            "/api/v1/billing-accounts/\(UUID().uuidString.lowercased())/upcoming-invoice", token: fixture.token)
        #expect(unknown.status == 404, "\(unknown.text.prefix(300))")
        let idle = try await create(
            fixture.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: fixture.token)
        let nothing = try await fixture.client.get("/api/v1/billing-accounts/\(idle)/upcoming-invoice", token: fixture.token)
        #expect(nothing.status == 409 && nothing.text.contains("NO_UPCOMING_INVOICE"), "\(nothing.text.prefix(300))")
    }
}
