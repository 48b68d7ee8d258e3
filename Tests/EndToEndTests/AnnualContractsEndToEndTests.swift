import BillingCore
import BillingTesting
import Foundation
import Testing

/// Annual contracts (issue 29, seed 003 "10% anual"): a MONTHLY plan's yearly price, subscribed directly or switched to mid-period.
@Suite("Annual contracts with discount (real processes)", .timeLimit(.minutes(3)))
struct AnnualContractsEndToEndTests {
    @Test("a plan's yearly price at 10 % off; subscribing YEARLY; monthly → yearly mid-period previewed, prorated and invoiced at once")
    func annualContract() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant("annual")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let client = cluster.client
        let plan = try await client.post(
            "/api/v1/subscription-plans", token: token,
            json: resource(
                "subscription-plans",
                [
                    "name": "Pro", "billingInterval": "MONTHLY", "billingCycleType": "ANNIVERSARY", "basePrice": .number("100.00"),
                    "currency": "BRL", "trialDays": 0, "includedCredits": 300, "yearlyDiscountPercent": 10,
                ]))
        #expect(plan.status == 201 && plan.attribute("yearlyPrice")?.decimalValue == DecimalNumber(1080), "\(plan.text.prefix(400))")
        let planID = try #require(plan.data?["id"]?.stringValue)
        let refused = try await client.post(
            "/api/v1/subscription-plans", token: token,
            json: resource(
                "subscription-plans",
                [
                    "name": "Anual", "billingInterval": "YEARLY", "billingCycleType": "ANNIVERSARY", "basePrice": 1000, "currency": "BRL",
                    "yearlyDiscountPercent": 10,
                ]))
        #expect(refused.status == 422 && refused.firstError?["source"]?["pointer"] == "/data/attributes/yearlyDiscountPercent")

        let clock = try await create(client, "/api/v1/test-clocks", "test-clocks", ["frozenTime": "2027-04-01T00:00:00Z"], token: token)
        func account() async throws -> String {
            try await create(
                client, "/api/v1/billing-accounts", "billing-accounts",
                accountDocument(extra: [("testClockId", .string(clock)), ("timezone", "UTC")])["data"]!["attributes"]!, token: token)
        }
        func subscribe(_ account: String, _ extra: [String: JSONValue] = [:]) async throws -> HTTPTestResponse {
            var attributes = JSONObject([("billingAccountId", .string(account)), ("planId", .string(planID))])
            for (key, value) in extra { attributes[key] = value }
            return try await client.post("/api/v1/subscriptions", token: token, json: resource("subscriptions", .object(attributes)))
        }
        func invoices(_ account: String) async throws -> [JSONValue] {
            try await client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(account)", token: token).data?.arrayValue ?? []
        }

        // Subscribed YEARLY from the start: a year's period at the yearly price, 12 × the monthly credits.
        let yearlyAccount = try await account()
        let weekly = try await subscribe(yearlyAccount, ["billingInterval": "WEEKLY"])
        #expect(weekly.status == 422 && weekly.firstError?["source"]?["pointer"] == "/data/attributes/billingInterval", "\(weekly.text.prefix(300))")
        let yearly = try await subscribe(yearlyAccount, ["billingInterval": "YEARLY"])
        #expect(yearly.status == 201, "\(yearly.text.prefix(300))")
        #expect(yearly.attribute("currentPeriodEnd") == "2028-04-01T00:00:00Z")
        #expect(yearly.attribute("plan")?["unitPrice"]?.decimalValue == DecimalNumber(1080))
        #expect(yearly.attribute("plan")?["yearlyDiscountPercent"]?.decimalValue == DecimalNumber(10))
        #expect(yearly.attribute("plan")?["includedCredits"]?.decimalValue == DecimalNumber(3600))

        // Monthly first, then yearly on April 16 (half of April unused): −50.00 and the year at 1080.00.
        let monthlyAccount = try await account()
        let monthly = try await subscribe(monthlyAccount)
        #expect(monthly.status == 201 && monthly.attribute("currentPeriodEnd") == "2027-05-01T00:00:00Z", "\(monthly.text.prefix(300))")
        let subscriptionID = try #require(monthly.data?["id"]?.stringValue)
        #expect(try await waitFor(timeout: .seconds(30)) { try await invoices(monthlyAccount).count == 1 }, "April's invoice")
        let advanced = try await client.post(
            "/api/v1/test-clocks/\(clock)/advance", token: token, json: resource("test-clocks", ["frozenTime": "2027-04-16T00:00:00Z"]))
        #expect(advanced.status == 200, "\(advanced.text.prefix(300))")
        let change = { (preview: Bool) in
            try await client.post(
                "/api/v1/subscriptions/\(subscriptionID)/change-plan", token: token,
                json: resource("subscription-changes", ["planId": .string(planID), "billingInterval": "YEARLY", "preview": .bool(preview)]))
        }
        let preview = try await change(true)
        #expect(preview.status == 200, "\(preview.text.prefix(400))")
        let amounts = preview.attribute("prorationLines")?.arrayValue?.compactMap { $0["amount"]?.decimalValue }
        #expect(amounts == [DecimalNumber(-50), DecimalNumber(1080)])
        #expect(preview.attribute("prorationTotal")?.decimalValue == DecimalNumber(1030))
        #expect(preview.attribute("effective") == "NOW")
        let unchanged = try await client.get("/api/v1/subscriptions/\(subscriptionID)", token: token)
        #expect(unchanged.attribute("plan")?["billingInterval"] == "MONTHLY", "a preview changes nothing")

        let switched = try await change(false)
        #expect(switched.status == 200, "\(switched.text.prefix(400))")
        let after = switched.attribute("subscription")
        #expect(after?["plan"]?["billingInterval"] == "YEARLY")
        #expect(after?["currentPeriodStart"] == "2027-04-16T00:00:00Z" && after?["currentPeriodEnd"] == "2028-04-16T00:00:00Z")
        // The yearly period's own invoice, drafted at once: the year, less the unused half of April.
        var yearInvoice: JSONValue?
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                yearInvoice = try await invoices(monthlyAccount).first { $0["attributes"]?["periodStart"] == "2027-04-16T00:00:00Z" }
                return yearInvoice?["attributes"]?["lines"]?.arrayValue?.count == 2
            }, "the yearly period's invoice with its credit")
        let lines = yearInvoice?["attributes"]?["lines"]?.arrayValue ?? []
        #expect(lines.first { $0["kind"] == "SUBSCRIPTION" }?["amount"]?.decimalValue == DecimalNumber(1080), "\(lines)")
        #expect(lines.first { $0["kind"] == "PRORATION" }?["amount"]?.decimalValue == DecimalNumber(-50), "\(lines)")
        #expect(yearInvoice?["attributes"]?["total"]?.decimalValue == DecimalNumber(1030))
        // Switching again is the same plan at the same interval; back to monthly mid-contract is refused.
        let again = try await change(false)
        #expect(again.status == 422, "\(again.text.prefix(300))")
        let back = try await client.post(
            "/api/v1/subscriptions/\(subscriptionID)/change-plan", token: token,
            json: resource("subscription-changes", ["planId": .string(planID), "billingInterval": "MONTHLY"]))
        #expect(back.status == 422 && back.firstError?["code"] == "INCOMPATIBLE_PLAN", "\(back.text.prefix(300))")
    }
}
