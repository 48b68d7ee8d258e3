import BillingCore
import BillingTesting
import Foundation
import Testing

/// An account and a plan of seed 001's quick example, created through the gateway.
struct SubscriptionFixture {
    let client: HTTPTestClient
    let tenant: String
    let token: String
    let account: String
    let plan: String
    /// The test clock the account lives on, when made with `clockTime`.
    var clock: String? = nil

    /// `clockTime`: a test account, on a new test clock frozen at that time (only such an account subscribes on a clock).
    static func make(
        _ cluster: TestCluster.Running, plan attributes: [(String, JSONValue)] = [], timezone: String? = nil, clockTime: String? = nil
    ) async throws -> SubscriptionFixture {
        let tenant = newTenant("subs")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        var clock: String?
        if let clockTime {
            clock = try await create(cluster.client, "/api/v1/test-clocks", "test-clocks", ["frozenTime": .string(clockTime)], token: token)
        }
        var extra: [(String, JSONValue)] = timezone.map { [("timezone", .string($0))] } ?? []
        if let clock { extra.append(("testClockId", .string(clock))) }
        let account = try await create(
            cluster.client, "/api/v1/billing-accounts", "billing-accounts",
            accountDocument(taxId: "11.222.333/0001-81", taxIdType: "CNPJ", extra: extra)["data"]!["attributes"]!, token: token)
        let plan = try await createPlan(cluster.client, token: token, attributes)
        return SubscriptionFixture(client: cluster.client, tenant: tenant, token: token, account: account, plan: plan, clock: clock)
    }

    /// Seed 001 step 2's body, with `extra` attributes replacing or adding to it.
    static func createPlan(_ client: HTTPTestClient, token: String, _ extra: [(String, JSONValue)] = []) async throws -> String {
        var attributes = JSONObject([
            ("name", "Plano Pro"), ("description", "Acesso completo a todos os recursos"), ("billingInterval", "MONTHLY"),
            ("billingCycleType", "ANNIVERSARY"), ("basePrice", .number("299.90")), ("currency", "BRL"), ("trialDays", 14),
        ])
        for (key, value) in extra { attributes[key] = value }
        return try await create(client, "/api/v1/subscription-plans", "subscription-plans", .object(attributes), token: token)
    }

    func subscribe(_ extra: [(String, JSONValue)] = []) async throws -> HTTPTestResponse {
        var attributes = JSONObject([("billingAccountId", .string(account)), ("planId", .string(plan)), ("quantity", 1)])
        for (key, value) in extra { attributes[key] = value }
        return try await client.post("/api/v1/subscriptions", token: token, json: resource("subscriptions", .object(attributes)))
    }

    func post(_ path: String, _ type: String? = nil, _ attributes: JSONValue? = nil) async throws -> HTTPTestResponse {
        try await client.post(path, token: token, json: type.map { resource($0, attributes ?? [:]) })
    }
}

@Suite("Subscriptions through the gateway (real processes)", .timeLimit(.minutes(8)))
struct SubscriptionsEndToEndTests {
    @Test("seed 001 step 3's body works as printed: the plan's 14-day trial, its version pinned")
    func seedBody() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster)
        let response = try await fixture.subscribe()
        #expect(response.status == 201, "\(response.text.prefix(400))")
        #expect(response.attribute("status") == "TRIAL" && response.attribute("planVersion") == 1 && response.attribute("quantity") == 1)
        let start = try #require(response.attribute("currentPeriodStart")?.stringValue.flatMap(RFC3339.parse))
        let end = try #require(response.attribute("currentPeriodEnd")?.stringValue.flatMap(RFC3339.parse))
        #expect(end.timeIntervalSince(start) == 14 * 86_400 && response.attribute("trialEnd") == response.attribute("currentPeriodEnd"))
        let id = try #require(response.data?["id"]?.stringValue)
        let listed = try await fixture.client.get("/api/v1/subscriptions?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token)
        #expect(listed.status == 200 && listed.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [id])
    }

    @Test("bad input is a 4xx naming the field; unknown ids are 404; illegal transitions are 409 naming both statuses")
    func refusals() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster)
        let zero = try await fixture.subscribe([("quantity", 0)])
        #expect(zero.status == 422 && zero.firstError?["source"]?["pointer"] == "/data/attributes/quantity")
        let plan = try await fixture.subscribe([("planId", .string(UUID().uuidString))])
        #expect(plan.status == 422 && plan.firstError?["source"]?["pointer"] == "/data/attributes/planId", "\(plan.text.prefix(300))")
        let account = try await fixture.subscribe([("billingAccountId", "not-a-uuid")])
        #expect(account.status == 422 && account.firstError?["source"]?["pointer"] == "/data/attributes/billingAccountId")
        #expect(try await fixture.client.get("/api/v1/subscriptions/\(UUID().uuidString)", token: fixture.token).status == 404)

        let id = try #require(try await fixture.subscribe([("trialDays", 0)]).data?["id"]?.stringValue)
        let canceled = try await fixture.post(
            "/api/v1/subscriptions/\(id)/cancel", "subscriptions", ["atPeriodEnd": false, "reason": "too expensive"])
        #expect(canceled.status == 200 && canceled.attribute("status") == "CANCELED" && canceled.attribute("cancelReason") == "too expensive")
        let pause = try await fixture.post("/api/v1/subscriptions/\(id)/pause")
        #expect(pause.status == 409 && pause.firstError?["code"] == "INVALID_STATUS_TRANSITION")
        #expect(
            pause.firstError?["detail"]?.stringValue?.contains("CANCELED") == true
                && pause.firstError?["detail"]?.stringValue?.contains("PAUSED") == true,
            "\(pause.text.prefix(400))")
        // Another tenant sees nothing of it.
        let stranger = try cluster.tokens.token(tenant: newTenant("other"), roles: ["owner"])
        #expect(try await fixture.client.get("/api/v1/subscriptions/\(id)", token: stranger).status == 404)
    }

    @Test("cancel at period end then reactivate; cancel now then reactivate within the period; pause and resume")
    func cancelAndReactivate() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster)
        let id = try #require(try await fixture.subscribe([("trialDays", 0)]).data?["id"]?.stringValue)
        let base = "/api/v1/subscriptions/\(id)"
        let atEnd = try await fixture.post(base + "/cancel", "subscriptions", ["reason": "switching vendor"])
        #expect(atEnd.status == 200 && atEnd.attribute("status") == "ACTIVE" && atEnd.attribute("cancelAtPeriodEnd") == true)
        let back = try await fixture.post(base + "/reactivate")
        #expect(
            back.status == 200 && back.attribute("status") == "ACTIVE" && back.attribute("cancelAtPeriodEnd") == false
                && back.attribute("cancelReason")?.stringValue == nil)
        #expect(try await fixture.post(base + "/reactivate").status == 409, "nothing left to reactivate")
        #expect(try await fixture.post(base + "/cancel", "subscriptions", ["atPeriodEnd": false]).attribute("status") == "CANCELED")
        let again = try await fixture.post(base + "/reactivate")
        #expect(
            again.status == 200 && again.attribute("status") == "ACTIVE" && again.attribute("currentPeriodEnd") == atEnd.attribute("currentPeriodEnd")
        )
        #expect(try await fixture.post(base + "/pause").attribute("status") == "PAUSED")
        let resumed = try await fixture.post(base + "/resume")
        #expect(resumed.status == 200 && resumed.attribute("status") == "ACTIVE")
        let events = try await auditTypes(
            fixture, subject: id,
            until: [
                "billing.subscription.canceled": 2, "billing.subscription.reactivated": 2,
                "billing.subscription.resumed": 1,
            ])
        #expect(
            events.filter { $0 == "billing.subscription.canceled" }.count == 2
                && events.filter { $0 == "billing.subscription.reactivated" }.count == 2)
    }

    @Test(
        """
        a free add-on turns its feature on at once and off when canceled; quantity and plan changes: increases and upgrades prorated now, \
        decreases and downgrades at period end
        """
    )
    func addonsAndPlanChanges() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0), ("features", ["ai"])])
        let id = try #require(try await fixture.subscribe().data?["id"]?.stringValue)
        let base = "/api/v1/subscriptions/\(id)"
        let addon = try await create(
            fixture.client, "/api/v1/addons", "addons",
            [
                "code": .string(uniqueCode("wa")), "name": "WhatsApp", "price": 0,
                "currency": "BRL", "featureFlag": "whatsapp",
            ], token: fixture.token)
        let activated = try await fixture.post(base + "/addons", "subscription-addons", ["addonId": .string(addon)])
        #expect(activated.status == 200 && activated.attribute("addons")?.arrayValue?.first?["status"] == "ACTIVE", "\(activated.text.prefix(300))")
        #expect(try await fixture.post(base + "/addons", "subscription-addons", ["addonId": .string(addon)]).status == 409)
        let entitlements = try await fixture.client.get(base + "/entitlements", token: fixture.token)
        #expect(entitlements.attribute("features") == ["ai", "whatsapp"] && entitlements.attribute("active") == true)
        let accountEntitlements = try await fixture.client.get("/api/v1/billing-accounts/\(fixture.account)/entitlements", token: fixture.token)
        #expect(accountEntitlements.attribute("features") == ["ai", "whatsapp"] && accountEntitlements.attribute("subscriptionIds") == [.string(id)])
        // An account that does not exist (or is another tenant's) is not found, not entitled to nothing.
        let otherTenant = try await SubscriptionFixture.make(cluster)
        for (token, account) in [(fixture.token, UUID().uuidString.lowercased()), (fixture.token, otherTenant.account)] {
            let unknown = try await fixture.client.get("/api/v1/billing-accounts/\(account)/entitlements", token: token)
            #expect(unknown.status == 404 && unknown.firstError?["code"] == "ACCOUNT_NOT_FOUND", "\(unknown.text.prefix(300))")
        }
        let fresh = try await fixture.client.get("/api/v1/billing-accounts/\(otherTenant.account)/entitlements", token: otherTenant.token)
        #expect(fresh.status == 200 && fresh.attribute("active") == false, "an existing account without subscriptions: \(fresh.text.prefix(300))")
        let addonCanceled = try await fixture.post(base + "/addons/\(addon)/cancel", "subscription-addons", ["atPeriodEnd": false])
        #expect(addonCanceled.status == 200 && addonCanceled.attribute("addons")?.arrayValue?.first?["status"] == "CANCELED")
        #expect(try await fixture.client.get(base + "/entitlements", token: fixture.token).attribute("features") == ["ai"], "the flag is off")

        let more = try await fixture.post(base + "/change-quantity", "subscription-changes", ["quantity": 3])
        #expect(
            more.status == 200 && more.attribute("effective") == "NOW" && more.attribute("prorationLines")?.arrayValue?.count == 2
                && more.attribute("subscription")?["quantity"] == 3, "\(more.text.prefix(300))")
        let fewer = try await fixture.post(base + "/change-quantity", "subscription-changes", ["quantity": 1])
        #expect(
            fewer.attribute("effective") == "PERIOD_END" && fewer.attribute("subscription")?["quantity"] == 3
                && fewer.attribute("subscription")?["scheduledChange"]?["quantity"] == 1)
        #expect(
            try await fixture.post(base + "/change-quantity", "subscription-changes", ["quantity": 0]).firstError?["source"]?["pointer"]
                == "/data/attributes/quantity")

        let max = try await SubscriptionFixture.createPlan(
            fixture.client, token: fixture.token, [("name", "Plano Max"), ("basePrice", .number("599.90")), ("trialDays", 0)])
        let preview = try await fixture.post(base + "/change-plan", "subscription-changes", ["planId": .string(max), "preview": true])
        #expect(
            preview.status == 200 && preview.attribute("effective") == "NOW" && preview.attribute("prorationLines")?.arrayValue?.count == 2,
            "\(preview.text.prefix(400))")
        #expect(try await fixture.client.get(base, token: fixture.token).attribute("planId") == .string(fixture.plan), "a preview changes nothing")
        let upgraded = try await fixture.post(base + "/change-plan", "subscription-changes", ["planId": .string(max)])
        let lines = try #require(upgraded.attribute("prorationLines")?.arrayValue)
        #expect(upgraded.attribute("subscription")?["planId"] == .string(max))
        // Almost the whole month is left: the credit is about -299.90 and the charge about +599.90.
        #expect(
            lines.count == 2 && (lines[0]["amount"]?.decimalValue ?? .init(0)) < DecimalNumber(0)
                && (lines[1]["amount"]?.decimalValue ?? .init(0)) > DecimalNumber(0))
        let downgraded = try await fixture.post(base + "/change-plan", "subscription-changes", ["planId": .string(fixture.plan)])
        #expect(downgraded.attribute("effective") == "PERIOD_END" && downgraded.attribute("subscription")?["planId"] == .string(max))
        #expect(downgraded.attribute("subscription")?["scheduledChange"]?["plan"]?["planId"] == .string(fixture.plan))
    }

    @Test("on a test clock advanced across 13 months: the trial ends once, 12 renewals, and the ledger grants each period's credits")
    func testClockAcrossThirteenMonths() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("includedCredits", 100)], clockTime: "2027-01-31T10:00:00Z")
        let clockID = try #require(fixture.clock)
        let created = try await fixture.subscribe()
        #expect(created.status == 201 && created.attribute("startDate") == "2027-01-31T10:00:00Z" && created.attribute("status") == "TRIAL")
        let id = try #require(created.data?["id"]?.stringValue)
        let advanced = try await fixture.post("/api/v1/test-clocks/\(clockID)/advance", "test-clocks", ["frozenTime": "2028-02-29T10:00:00Z"])
        #expect(advanced.status == 200 && advanced.attribute("frozenTime") == "2028-02-29T10:00:00Z", "\(advanced.text.prefix(300))")
        let now = try await fixture.client.get("/api/v1/subscriptions/\(id)", token: fixture.token)
        #expect(now.attribute("status") == "ACTIVE" && now.attribute("currentPeriodStart") == "2028-02-14T10:00:00Z")

        let events = try await auditTypes(fixture, subject: id, until: ["billing.subscription.renewed": 12, "billing.subscription.trial_ended": 1])
        #expect(events.filter { $0 == "billing.subscription.renewed" }.count == 12)
        #expect(events.filter { $0 == "billing.subscription.trial_ended" }.count == 1)
        // The ledger grants the allowance of the current period (from its renewal event) and let the earlier ones end.
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                let wallet = try await fixture.client.get("/api/v1/credit-wallets/\(fixture.account)", token: fixture.token)
                return wallet.attribute("grants")?.arrayValue?.contains { $0["reference"]?.stringValue == "subscription:\(id):2028-02-14T10:00:00Z" }
                    == true
            })
    }

    /// Event types the audit trail holds for `subject`, once it holds `count` of each type in `until`.
    /// The subject's audit trail once it holds at least the wanted number of each type (the audit consumer may record them in
    /// another order than they happened).
    private func auditTypes(_ fixture: SubscriptionFixture, subject: String, until wanted: [String: Int]) async throws -> [String] {
        var types: [String] = []
        _ = try await waitFor(timeout: .seconds(60)) {
            types = try await auditEvents(fixture.client, token: fixture.token).filter { $0["attributes"]?["subject"]?.stringValue == subject }
                .compactMap { $0["attributes"]?["type"]?.stringValue }
            return wanted.allSatisfy { type, count in types.filter { $0 == type }.count >= count }
        }
        return types
    }
}
