import BillingCore
import BillingTesting
import Foundation
import Testing

/// Seed 004's core promise: a plan's limits apply to the account that subscribes, through the check and through usage ingestion.
@Suite("Plan limits enforced (real processes)", .timeLimit(.minutes(5)))
struct PlanLimitsEndToEndTests {
    @Test(
        """
        subscribing to pro applies its message limit at once (checks and usage of the meter that counts messages); an add-on raises it, a \
        limit set on the account wins, canceling drops the plan's
        """
    )
    func planLimitsEnforced() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(
            cluster,
            plan: [
                ("trialDays", 0),
                (
                    "limits",
                    [["resource": "messages", "limit": 3, "enforcement": "HARD"], ["resource": "storage", "limit": 10, "enforcement": "SOFT"]]
                ),
            ])
        let meter = uniqueCode("msg")
        let created = try await fixture.client.post(
            "/api/v1/usage-meters", token: fixture.token,
            json: resource("usage-meters", ["code": .string(meter), "name": "Mensagens", "aggregation": "COUNT", "limitResource": "messages"]))
        #expect(created.status == 201 && created.attribute("limitResource") == "messages", "\(created.text.prefix(300))")
        let sum = try await fixture.client.post(
            "/api/v1/usage-meters", token: fixture.token,
            json: resource(
                "usage-meters",
                ["code": .string(uniqueCode("ms")), "name": "Max", "aggregation": "MAX", "property": "v", "limitResource": "messages"]))
        #expect(sum.status == 422 && sum.firstError?["source"]?["pointer"] == "/data/attributes/limitResource", "\(sum.text.prefix(300))")

        let subscription = try #require(try await fixture.subscribe().data?["id"]?.stringValue)
        func limits() async throws -> [String: JSONValue] {
            let response = try await fixture.client.get("/api/v1/usage-limits?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token)
            var byResource: [String: JSONValue] = [:]
            for row in response.data?.arrayValue ?? [] {
                if let resource = row["attributes"]?["resource"]?.stringValue { byResource[resource] = row["attributes"] }
            }
            return byResource
        }
        // The ledger learns the plan's limits from the subscription's event.
        #expect(try await waitFor(timeout: .seconds(30)) { try await limits()["messages"]?["limit"] == 3 }, "the plan's limit reaches the ledger")
        let messages = try await limits()["messages"]
        #expect(messages?["source"] == "PLAN" && messages?["enforcement"] == "HARD")

        func send(_ ids: [String]) async throws -> [JSONValue] {
            let response = try await fixture.client.post(
                "/api/v1/usage-events", token: fixture.token,
                json: ["data": .array(ids.map { usageEvent($0, account: fixture.account, meter: meter) })])
            #expect(response.status == 200 || response.status == 207, "\(response.text.prefix(300))")
            return (response.data?.arrayValue ?? []).map { $0["attributes"] ?? [:] }
        }
        let first = try await send(["a", "b", "c", "d"])
        #expect(first.map { $0["status"]?.stringValue ?? "?" } == ["ACCEPTED", "ACCEPTED", "ACCEPTED", "REFUSED"], "\(first)")
        #expect(first.last?["reason"] == "LIMIT_REACHED" && first.last?["pointer"] == "/data/3/attributes/meterCode", "\(first)")
        let blocked = try await fixture.post(
            "/api/v1/usage-limits/check", "usage-limit-checks", ["billingAccountId": .string(fixture.account), "resource": "messages"])
        #expect(blocked.status == 402 && blocked.firstError?["detail"] == "Limite de messages atingido - faça upgrade", "\(blocked.text.prefix(300))")

        // An add-on that adds 2 messages raises the limit to 5: the refused event, sent again, is accepted now.
        let addon = try await create(
            fixture.client, "/api/v1/addons", "addons",
            [
                "code": .string(uniqueCode("more")), "name": "Mais mensagens", "price": 0, "currency": "BRL", "featureFlag": "more_messages",
                "limits": [["resource": "messages", "limit": 2, "enforcement": "HARD"]],
            ], token: fixture.token)
        let added = try await fixture.post("/api/v1/subscriptions/\(subscription)/addons", "subscription-addons", ["addonId": .string(addon)])
        #expect(added.status == 200, "\(added.text.prefix(300))")
        #expect(try await waitFor(timeout: .seconds(30)) { try await limits()["messages"]?["limit"] == 5 }, "the add-on's 2 on top of the plan's 3")
        let entitlements = try await fixture.client.get("/api/v1/billing-accounts/\(fixture.account)/entitlements", token: fixture.token)
        #expect(
            entitlements.attribute("limits")?.arrayValue?.first { $0["resource"] == "messages" }?["limit"] == 5,
            "entitlements say what the ledger enforces: \(entitlements.text.prefix(300))")
        let again = try await send(["d", "e", "f"])
        #expect(again.map { $0["status"]?.stringValue ?? "?" } == ["ACCEPTED", "ACCEPTED", "REFUSED"], "\(again)")

        // A limit set on the account wins over the plan's for its resource (a SOFT one here); the plan's others stay.
        let set = try await fixture.client.send(
            "PUT", "/api/v1/billing-accounts/\(fixture.account)/usage-limits", token: fixture.token,
            json: resource("usage-limits", ["limits": [["resource": "messages", "limit": 5, "enforcement": "SOFT"]]]))
        #expect(set.status == 200, "\(set.text.prefix(300))")
        let overridden = try await limits()
        #expect(overridden["messages"]?["limit"] == 5 && overridden["messages"]?["source"] == "ACCOUNT")
        #expect(overridden["storage"]?["limit"] == 10 && overridden["storage"]?["source"] == "PLAN")
        let soft = try await send(["f"])
        #expect(soft.first?["status"] == "ACCEPTED" && soft.first?["overLimit"] == true, "the 6th of a SOFT 5: accepted, flagged: \(soft)")

        // Canceled now: the plan's limits no longer apply; the account's own stays.
        let canceled = try await fixture.post("/api/v1/subscriptions/\(subscription)/cancel", "subscriptions", ["atPeriodEnd": false])
        #expect(canceled.status == 200, "\(canceled.text.prefix(300))")
        #expect(try await waitFor(timeout: .seconds(30)) { try await limits()["storage"] == nil }, "the plan's limits end with the subscription")
        #expect(try await limits()["messages"]?["limit"] == 5)
    }
}
