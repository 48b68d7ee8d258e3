import BillingCore
import BillingTesting
import Foundation
import Testing

/// Seed 003's credit alerts through the gateway: a wallet's own thresholds, the preventive block, and expiry warnings.
@Suite("Credit alerts (real processes)", .timeLimit(.minutes(3)))
struct CreditAlertsEndToEndTests {
    @Test(
        """
        thresholds 50/75 with a preventive block at 75: each alert once, the block refuses charges with 402 CREDIT_THRESHOLD_BLOCK until \
        credits arrive; a grant expiring within the warning days is announced once, a later one not
        """
    )
    func thresholdsBlockAndExpiryWarnings() async throws {
        let cluster = try await TestCluster.shared.start()
        let credits = try await CreditFixture.make(cluster)
        func settings(_ attributes: JSONValue) async throws -> HTTPTestResponse {
            try await credits.client.send(
                "PUT", "/api/v1/credit-wallets/\(credits.account)/settings", token: credits.token,
                json: resource("credit-wallet-settings", attributes))
        }
        for (attributes, field) in [
            (["alertThresholds": [90, 80]] as JSONValue, "alertThresholds"), (["blockAtPercent": 85], "blockAtPercent"),
            (["expiryWarningDays": 400], "expiryWarningDays"),
        ] {
            let refused = try await settings(attributes)
            #expect(
                refused.status == 422 && refused.firstError?["source"]?["pointer"]?.stringValue == "/data/attributes/\(field)",
                "\(attributes): \(refused.text.prefix(300))")
        }
        let saved = try await settings(["alertThresholds": [50, 75], "blockAtPercent": 75, "expiryWarningDays": 3])
        #expect(saved.status == 200 && saved.attribute("settings")?["blockAtPercent"] == 75, "\(saved.text.prefix(400))")
        let soon = RFC3339.format(Date().addingTimeInterval(2 * 86_400)), later = RFC3339.format(Date().addingTimeInterval(10 * 86_400))
        let monthly = try await credits.grant(100, [("source", "MONTHLY"), ("expiresAt", .string(soon))])
        let monthlyID = try #require(monthly.data?["id"]?.stringValue, "\(monthly.text.prefix(300))")
        #expect(try await credits.grant(10, [("source", "BONUS"), ("expiresAt", .string(later)), ("priority", 40)]).status == 201)
        var warnings: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                warnings = try await auditEvents(credits.client, token: credits.token, type: "billing.credits.expiring")
                return !warnings.isEmpty
            }, "the monthly grant's warning")

        #expect(try await credits.charge(50).status == 201)
        #expect(try await credits.charge(30).status == 201, "the charge that reaches the block completes")
        let blocked = try await credits.charge(1)
        #expect(
            blocked.status == 402 && blocked.firstError?["code"] == "CREDIT_THRESHOLD_BLOCK"
                && blocked.firstError?["meta"]?["thresholdPercent"] == "75",
            "\(blocked.text.prefix(300))")
        #expect(try await credits.authorize(1).status == 402, "holds too")
        #expect(try await credits.wallet()?["settings"]?["thresholdBlocked"] == true)
        #expect(try await credits.grant(5, [("source", "MANUAL")]).status == 201)
        #expect(try await credits.charge(1).status == 201, "credits arrived: the block lifted")

        var alerts: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                alerts = try await auditEvents(credits.client, token: credits.token, type: "billing.credits.threshold_reached")
                return alerts.count == 2
            }, "\(alerts.count) alerts")
        let percents = alerts.compactMap { $0["attributes"]?["data"]?["thresholdPercent"]?.decimalValue }.sorted()
        #expect(percents == [DecimalNumber(50), DecimalNumber(75)])
        #expect(alerts.contains { $0["attributes"]?["data"]?["blocked"] == true && $0["attributes"]?["data"]?["thresholdPercent"] == 75 })

        try await Task.sleep(for: .seconds(2))  // four more passes of the job: still one warning
        warnings = try await auditEvents(credits.client, token: credits.token, type: "billing.credits.expiring")
        #expect(
            warnings.count == 1 && warnings.first?["attributes"]?["data"]?["grantId"]?.stringValue == monthlyID
                && warnings.first?["attributes"]?["data"]?["remaining"]?.decimalValue == DecimalNumber(100),
            "announced as soon as it fell within the 3 days, with all of it left then: \(warnings)")
    }

    @Test(
        """
        an authorization without an estimate holds the 95th percentile of its feature's settled history with the model, or the model's \
        defaultEstimate, and says which; half an estimate, or none with neither, is 422
        """
    )
    func estimatesFromHistory() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant("estimates")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let model = uniqueCode("est")
        _ = try await create(
            cluster.client, "/api/v1/ai-models", "ai-models",
            [
                "modelId": .string(model), "name": "Estimated", "inputRate": 1, "outputRate": 1,
                "defaultEstimate": ["inputTokens": 40, "outputTokens": 10],
            ],
            token: token)
        let credits = try await CreditFixture.make(cluster, tenant: tenant, token: token, model: model)
        #expect(try await credits.grant(10_000).status == 201)
        func authorize(_ extra: [(String, JSONValue)]) async throws -> HTTPTestResponse {
            var attributes = JSONObject([
                ("billingAccountId", .string(credits.account)), ("model", .string(model)), ("idempotencyKey", .string(UUID().uuidString)),
            ])
            for (key, value) in extra { attributes[key] = value }
            return try await credits.client.post(
                "/api/v1/credit-authorizations", token: token, json: resource("credit-authorizations", .object(attributes)))
        }
        let fallback = try await authorize([("featureId", "chat")])
        #expect(
            fallback.status == 201 && fallback.attribute("estimateSource") == "MODEL_DEFAULT"
                && fallback.attribute("estimatedCredits")?.decimalValue == DecimalNumber(50), "\(fallback.text.prefix(400))")
        for tokens in [10, 20, 100] {
            let held = try await authorize([("featureId", "resumo"), ("estimatedInputTokens", 5), ("estimatedOutputTokens", 0)])
            #expect(held.attribute("estimateSource") == "REQUEST")
            let id = try #require(held.data?["id"]?.stringValue)
            #expect(try await credits.settle(id, tokens: Int64(tokens)).status == 200)
        }
        let learned = try await authorize([("featureId", "resumo")])
        #expect(
            learned.status == 201 && learned.attribute("estimateSource") == "HISTORY" && learned.attribute("estimateSamples") == 3
                && learned.attribute("estimatedCredits")?.decimalValue == DecimalNumber(100), "p95 of 10, 20, 100: \(learned.text.prefix(400))")
        let half = try await authorize([("estimatedInputTokens", 5)])
        #expect(half.status == 422 && half.firstError?["source"]?["pointer"] == "/data/attributes/estimatedOutputTokens")
        let bare = try await CreditFixture.make(cluster, tenant: tenant, token: token)
        var attributes = JSONObject([
            ("billingAccountId", .string(bare.account)), ("model", .string(bare.model)), ("idempotencyKey", .string(UUID().uuidString)),
        ])
        attributes["featureId"] = "nova"
        let none = try await credits.client.post(
            "/api/v1/credit-authorizations", token: token, json: resource("credit-authorizations", .object(attributes)))
        #expect(none.status == 422 && none.firstError?["source"]?["pointer"] == "/data/attributes/estimatedInputTokens", "\(none.text.prefix(300))")
    }

    @Test(
        """
        partial rollover: a plan carrying 50 % of the unused allowance, at most 25 credits, grants 25 ROLLOVER credits of the 60 a period \
        left, expiring with the next period; a rollover without included credits, or granted by hand, is refused
        """
    )
    func partialRollover() async throws {
        let cluster = try await TestCluster.shared.start()
        let start = RFC3339.format(Date().addingTimeInterval(-60))
        let fixture = try await SubscriptionFixture.make(
            cluster,
            plan: [("trialDays", 0), ("includedCredits", 100), ("creditRollover", ["percent": 50, "maximumCredits": 25])], clockTime: start)
        let refused = try await fixture.post(
            "/api/v1/subscription-plans", "subscription-plans",
            [
                "name": "Sem créditos", "billingInterval": "MONTHLY", "billingCycleType": "ANNIVERSARY", "basePrice": 10, "currency": "BRL",
                "creditRollover": ["percent": 50],
            ])
        #expect(
            refused.status == 422 && refused.firstError?["source"]?["pointer"] == "/data/attributes/creditRollover", "\(refused.text.prefix(300))")
        let subscribed = try await fixture.subscribe()
        let id = try #require(subscribed.data?["id"]?.stringValue, "\(subscribed.text.prefix(300))")
        let model = uniqueCode("roll")
        _ = try await create(
            fixture.client, "/api/v1/ai-models", "ai-models", ["modelId": .string(model), "name": "Unit", "inputRate": 1, "outputRate": 1],
            token: fixture.token)
        let wallet = CreditFixture(client: fixture.client, token: fixture.token, account: fixture.account, model: model)
        #expect(
            try await waitFor(timeout: .seconds(30)) { try await wallet.wallet()?["monthlyRemaining"]?.decimalValue == DecimalNumber(100) },
            "the first period's allowance")
        #expect(try await wallet.charge(40).status == 201)
        let byHand = try await wallet.grant(5, [("source", "ROLLOVER")])
        #expect(byHand.status == 422 && byHand.firstError?["source"]?["pointer"] == "/data/attributes/source")

        let periodEnd = try #require(subscribed.attribute("currentPeriodEnd")?.stringValue)
        let advanced = try await fixture.post(
            "/api/v1/test-clocks/\(try #require(fixture.clock))/advance", "test-clocks",
            ["frozenTime": .string(RFC3339.format(RFC3339.parse(periodEnd)!.addingTimeInterval(3600)))])
        #expect(advanced.status == 200, "\(advanced.text.prefix(300))")
        var rollovers: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                rollovers =
                    try await fixture.client.get(
                        "/api/v1/credit-grants?filter%5BbillingAccountId%5D=\(fixture.account)&filter%5Bsource%5D=ROLLOVER", token: fixture.token
                    ).data?.arrayValue ?? []
                return !rollovers.isEmpty
            }, "the renewal carried part of the unused allowance")
        let renewed = try await fixture.client.get("/api/v1/subscriptions/\(id)", token: fixture.token)
        let rollover = try #require(rollovers.first?["attributes"])
        #expect(
            rollovers.count == 1 && rollover["credits"]?.decimalValue == DecimalNumber(25)
                && rollover["expiresAt"] == renewed.attribute("currentPeriodEnd")
                && rollover["effectiveAt"] == renewed.attribute("currentPeriodStart"), "50 % of 60 is 30, capped at 25: \(rollover)")
    }
}
