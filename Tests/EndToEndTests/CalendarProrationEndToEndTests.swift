import BillingCore
import BillingTesting
import Foundation
import Testing

/// The first period of a CALENDAR_ALIGNED plan that starts mid-month is billed for its days (Lago's rule; README "Periods").
@Suite("Calendar-aligned first periods (real processes)", .timeLimit(.minutes(3)))
struct CalendarAlignedProrationEndToEndTests {
    @Test("a calendar-aligned monthly plan started off the 1st bills the first period's share of its month's days: 31-, 28- and 30-day months")
    func firstPeriodProrated() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant("calendar")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let client = cluster.client
        let plan = try await SubscriptionFixture.createPlan(
            client, token: token, [("trialDays", 0), ("billingCycleType", "CALENDAR_ALIGNED"), ("basePrice", .number("299.90"))])
        // start (UTC), the first boundary, and 299.90 × days / month's days, rounded half-even.
        let cases: [(start: String, end: String, amount: String, days: String)] = [
            ("2027-01-20T12:00:00Z", "2027-02-01T00:00:00Z", "116.09", "12 of 31 days"),
            ("2027-02-10T12:00:00Z", "2027-03-01T00:00:00Z", "203.50", "19 of 28 days"),
            ("2027-04-16T12:00:00Z", "2027-05-01T00:00:00Z", "149.95", "15 of 30 days"),
        ]
        for example in cases {
            let clock = try await create(client, "/api/v1/test-clocks", "test-clocks", ["frozenTime": .string(example.start)], token: token)
            let account = try await create(
                client, "/api/v1/billing-accounts", "billing-accounts",
                accountDocument(extra: [("testClockId", .string(clock)), ("timezone", "UTC")])["data"]!["attributes"]!, token: token)
            let subscribed = try await client.post(
                "/api/v1/subscriptions", token: token,
                json: resource("subscriptions", ["billingAccountId": .string(account), "planId": .string(plan)]))
            #expect(subscribed.status == 201 && subscribed.attribute("currentPeriodEnd") == .string(example.end), "\(subscribed.text.prefix(300))")
            var line: JSONValue?
            #expect(
                try await waitFor(timeout: .seconds(30)) {
                    let invoices = try await client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(account)", token: token).data?.arrayValue
                    line = invoices?.first?["attributes"]?["lines"]?.arrayValue?.first { $0["kind"] == "SUBSCRIPTION" }
                    return line != nil
                }, "the first period's invoice, drafted by the system")
            #expect(line?["amount"]?.decimalValue == DecimalNumber(example.amount), "\(example.start): \(String(describing: line))")
            #expect(line?["description"]?.stringValue?.hasSuffix(example.days) == true, "\(String(describing: line))")
            // Asked by hand, the period is the same draft: billed once, prorated once.
            let manual = try await client.post("/api/v1/invoices", token: token, json: resource("invoices", ["billingAccountId": .string(account)]))
            #expect(manual.status == 200 && manual.attribute("total")?.decimalValue == DecimalNumber(example.amount), "\(manual.text.prefix(300))")
        }
    }
}
