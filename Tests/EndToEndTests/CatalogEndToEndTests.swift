import BillingCore
import BillingTesting
import Foundation
import Testing

func resource(_ type: String, _ attributes: JSONValue) -> JSONValue { ["data": ["type": .string(type), "attributes": attributes]] }

func uniqueCode(_ prefix: String) -> String { prefix + "-" + UUIDv7.generate().uuidString.suffix(8).lowercased() }

/// Creates a resource and returns its id (the test fails when creation does).
func create(_ client: HTTPTestClient, _ path: String, _ type: String, _ attributes: JSONValue, token: String) async throws -> String {
    let response = try await client.post(path, token: token, json: resource(type, attributes))
    #expect(response.status == 201, "\(path): \(response.text.prefix(400))")
    return try #require(response.data?["id"]?.stringValue)
}

@Suite("Catalog through the gateway (real processes)", .timeLimit(.minutes(5)))
struct CatalogEndToEndTests {
    @Test("seed 001 step 2: the plan body works as printed")
    func seedPlan() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let response = try await cluster.client.post(
            "/api/v1/subscription-plans", token: token,
            json: resource(
                "subscription-plans",
                [
                    "name": "Plano Pro", "description": "Acesso completo a todos os recursos", "billingInterval": "MONTHLY",
                    "billingCycleType": "ANNIVERSARY", "basePrice": .number("299.90"), "currency": "BRL", "trialDays": 14,
                ]))
        #expect(response.status == 201)
        #expect(response.attribute("basePrice")?.decimalValue == DecimalNumber(significand: 29990, scale: 2))
        #expect(response.attribute("trialDays") == 14)
        #expect(response.attribute("version") == 1)
        #expect(response.attribute("status") == "ACTIVE")
    }

    @Test("price previews: Stripe's volume and graduated tiers, Lago's package")
    func pricePreviews() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let tiers: JSONValue = [["upTo": 5, "unitAmount": 7], ["upTo": 10, "unitAmount": .number("6.50")], ["upTo": nil, "unitAmount": 6]]
        let volume = try await create(
            cluster.client, "/api/v1/billing-products", "billing-products",
            ["code": .string(uniqueCode("vol")), "name": "Seats (volume)", "pricingModel": "VOLUME", "currency": "USD", "tiers": tiers], token: token)
        let graduated = try await create(
            cluster.client, "/api/v1/billing-products", "billing-products",
            ["code": .string(uniqueCode("grad")), "name": "Seats", "pricingModel": "TIERED", "currency": "USD", "tiers": tiers], token: token)
        let package = try await create(
            cluster.client, "/api/v1/billing-products", "billing-products",
            [
                "code": .string(uniqueCode("pkg")), "name": "API calls", "pricingModel": "PACKAGE", "currency": "USD",
                "unitAmount": 5, "packageSize": 100, "freeUnits": 100,
            ], token: token)
        func preview(_ id: String, _ quantity: Int) async throws -> HTTPTestResponse {
            try await cluster.client.post(
                "/api/v1/billing-products/\(id)/price-preview", token: token,
                json: resource("price-previews", ["quantity": .number(Int64(quantity))]))
        }
        #expect(try await preview(volume, 6).attribute("total")?.decimalValue == DecimalNumber(39))
        let graduatedPreview = try await preview(graduated, 6)
        #expect(graduatedPreview.attribute("total")?.decimalValue == DecimalNumber(significand: 4150, scale: 2))
        #expect(graduatedPreview.attribute("lines")?.arrayValue?.count == 2)
        #expect(try await preview(package, 201).attribute("total")?.decimalValue == DecimalNumber(10))
        let negative = try await cluster.client.post(
            "/api/v1/billing-products/\(volume)/price-preview", token: token,
            json: resource("price-previews", ["quantity": -1]))
        #expect(negative.status == 422)
    }

    @Test("cost previews: seed 002's 1,300 tokens cost 2 credits; seed 003's 3,000 + 5,000 tokens cost 0.084")
    func costPreviews() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let blocks = try await create(
            cluster.client, "/api/v1/ai-models", "ai-models",
            [
                "modelId": .string(uniqueCode("copilot")), "name": "Copilot", "inputRate": 0, "outputRate": 0,
                "rounding": ["mode": "PER_BLOCK", "blockSize": 1000],
            ], token: token)
        let exact = try await create(
            cluster.client, "/api/v1/ai-models", "ai-models",
            [
                "modelId": .string(uniqueCode("sonnet")), "name": "Claude Sonnet", "provider": "anthropic",
                "inputRate": .number("0.000003"), "outputRate": .number("0.000015"),
            ], token: token)
        let two = try await cluster.client.post(
            "/api/v1/ai-models/\(blocks)/cost-preview", token: token,
            json: resource("cost-previews", ["inputTokens": 500, "outputTokens": 800]))
        #expect(two.attribute("credits")?.decimalValue == DecimalNumber(2))
        let small = try await cluster.client.post(
            "/api/v1/ai-models/\(exact)/cost-preview", token: token,
            json: resource("cost-previews", ["inputTokens": 3000, "outputTokens": 5000]))
        #expect(small.attribute("credits")?.decimalValue == DecimalNumber(significand: 84, scale: 3))
    }

    @Test("updates make versions; past versions stay readable; archived items cannot be referenced anew")
    func versionsAndArchive() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let client = cluster.client
        let product = try await create(
            client, "/api/v1/billing-products", "billing-products",
            [
                "code": .string(uniqueCode("msg")), "name": "Messages", "pricingModel": "PER_UNIT", "currency": "BRL",
                "unitAmount": .number("0.05"),
            ], token: token)
        let meter = try await create(
            client, "/api/v1/usage-meters", "usage-meters",
            ["code": .string(uniqueCode("messages")), "name": "Messages", "aggregation": "COUNT"], token: token)
        let plan = try await create(
            client, "/api/v1/subscription-plans", "subscription-plans",
            [
                "name": "Growth", "billingInterval": "MONTHLY", "billingCycleType": "CALENDAR_ALIGNED", "basePrice": 99, "currency": "BRL",
                "includedCredits": 300, "limits": [["resource": "messages", "limit": 10000, "enforcement": "HARD"]], "features": ["ai.copilot"],
                "usageCharges": [["meterId": .string(meter), "productId": .string(product)]],
            ], token: token)
        let planV1 = try await client.get("/api/v1/subscription-plans/\(plan)", token: token)
        #expect(planV1.attribute("usageCharges")?.arrayValue?.first?["productVersion"] == 1)

        let renamed = try await client.send(
            "PATCH", "/api/v1/billing-products/\(product)", token: token,
            json: resource("billing-products", ["unitAmount": .number("0.04")]))
        #expect(renamed.attribute("version") == 2)
        #expect(
            try await client.get("/api/v1/billing-products/\(product)?version=1", token: token).attribute("unitAmount")?.decimalValue
                == DecimalNumber(significand: 5, scale: 2))
        // The plan's version 1 still prices with the product version it pinned.
        #expect(
            try await client.get("/api/v1/subscription-plans/\(plan)", token: token).attribute("usageCharges")?.arrayValue?.first?["productVersion"]
                == 1)
        let versions = try await client.get("/api/v1/billing-products/\(product)/versions", token: token)
        #expect(versions.data?.arrayValue?.compactMap { $0["attributes"]?["version"] } == [2, 1])
        #expect(
            try await client.send(
                "PATCH", "/api/v1/billing-products/\(product)", token: token,
                json: resource("billing-products", ["code": "changed"])
            ).status == 422)

        let archived = try await client.send("DELETE", "/api/v1/billing-products/\(product)", token: token)
        #expect(archived.attribute("status") == "ARCHIVED")
        #expect(try await client.get("/api/v1/billing-products/\(product)", token: token).status == 200)  // still readable
        let referencing = try await client.post(
            "/api/v1/subscription-plans", token: token,
            json: resource(
                "subscription-plans",
                [
                    "name": "New", "billingInterval": "MONTHLY", "billingCycleType": "ANNIVERSARY", "basePrice": 10, "currency": "BRL",
                    "usageCharges": [["meterId": .string(meter), "productId": .string(product)]],
                ]))
        #expect(referencing.status == 409)
        #expect(referencing.firstError?["code"] == "ITEM_ARCHIVED")
        let archivedList = try await client.get("/api/v1/billing-products?filter%5Bstatus%5D=ARCHIVED", token: token)
        #expect(archivedList.data?.arrayValue?.count == 1)
    }

    @Test("catalog validation names the attribute; codes are unique per tenant")
    func validation() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let client = cluster.client
        let cases: [(String, String, JSONValue, Int, String?)] = [
            (
                "/api/v1/billing-products", "billing-products",
                [
                    "code": "t", "name": "T", "pricingModel": "TIERED", "currency": "USD",
                    "tiers": [["upTo": 10, "unitAmount": 1], ["upTo": 5, "unitAmount": 1], ["upTo": nil, "unitAmount": 1]],
                ], 422, "/data/attributes/tiers/1/upTo"
            ),
            (
                "/api/v1/billing-products", "billing-products", ["code": "t", "name": "T", "pricingModel": "PER_UNIT", "currency": "USD"], 422,
                "/data/attributes/unitAmount"
            ),
            (
                "/api/v1/subscription-plans", "subscription-plans",
                [
                    "name": "P", "billingInterval": "FORTNIGHTLY", "billingCycleType": "ANNIVERSARY",
                    "basePrice": 1, "currency": "BRL",
                ], 422, "/data/attributes/billingInterval"
            ),
            (
                "/api/v1/subscription-plans", "subscription-plans",
                [
                    "name": "P", "billingInterval": "MONTHLY", "billingCycleType": "ANNIVERSARY",
                    "basePrice": .number("1.005"), "currency": "BRL",
                ], 422, "/data/attributes/basePrice"
            ),
            ("/api/v1/usage-meters", "usage-meters", ["code": "m", "name": "M", "aggregation": "SUM"], 422, "/data/attributes/property"),
            (
                "/api/v1/credit-packages", "credit-packages", ["code": "c", "name": "C", "credits": 0, "price": 1, "currency": "BRL"], 422,
                "/data/attributes/credits"
            ),
            (
                "/api/v1/addons", "addons", ["code": "a", "name": "A", "price": 1, "currency": "BRL", "featureFlag": "Not A Flag"], 422,
                "/data/attributes/featureFlag"
            ),
            (
                "/api/v1/ai-models", "ai-models", ["modelId": "x", "name": "X", "inputRate": .number("0.000000001"), "outputRate": 0], 422,
                "/data/attributes/inputRate"
            ),
            (
                "/api/v1/subscription-plans", "subscription-plans",
                [
                    "name": "P", "billingInterval": "MONTHLY", "billingCycleType": "ANNIVERSARY", "basePrice": 1, "currency": "BRL",
                    "taxCode": "bad code!",
                ], 422, "/data/attributes/taxCode"
            ),
            (
                "/api/v1/addons", "addons",
                ["code": "a", "name": "A", "price": 1, "currency": "BRL", "featureFlag": "a", "taxCode": .string(String(repeating: "9", count: 33))],
                422, "/data/attributes/taxCode"
            ),
            (
                "/api/v1/billing-products", "billing-products",
                ["code": "t", "name": "T", "pricingModel": "PER_UNIT", "currency": "USD", "unitAmount": 1, "taxCode": ""], 422,
                "/data/attributes/taxCode"
            ),
        ]
        for (path, type, attributes, status, pointer) in cases {
            let response = try await client.post(path, token: token, json: resource(type, attributes))
            #expect(response.status == status, "\(path) \(attributes): \(response.text.prefix(300))")
            if let pointer { #expect(response.firstError?["source"]?["pointer"] == .string(pointer), "\(response.text.prefix(300))") }
        }
        let code = uniqueCode("start")
        let package: JSONValue = ["code": .string(code), "name": "Start", "credits": 100, "price": .number("39.70"), "currency": "BRL"]
        #expect(try await client.post("/api/v1/credit-packages", token: token, json: resource("credit-packages", package)).status == 201)
        let duplicate = try await client.post("/api/v1/credit-packages", token: token, json: resource("credit-packages", package))
        #expect(duplicate.status == 409)
        #expect(duplicate.firstError?["code"] == "CODE_IN_USE")
        let other = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        #expect(try await client.post("/api/v1/credit-packages", token: other, json: resource("credit-packages", package)).status == 201)
    }

    @Test(
        """
        taxes (issue 26): a plan's, an add-on's and a product's taxCode round-trip and change with a new version; a subscription keeps \
        its plan's (plan.taxCode) and an add-on's (addons[].taxCode) as they were when taken
        """
    )
    func taxCodes() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0), ("taxCode", "01.07")])
        let client = fixture.client, token = fixture.token
        let plan = try await client.get("/api/v1/subscription-plans/\(fixture.plan)", token: token)
        #expect(plan.status == 200 && plan.attribute("taxCode") == "01.07", "\(plan.text.prefix(300))")
        let product = try await client.post(
            "/api/v1/billing-products", token: token,
            json: resource(
                "billing-products",
                [
                    "code": .string(uniqueCode("api")), "name": "API", "pricingModel": "PER_UNIT", "currency": "BRL", "unitAmount": 1,
                    "taxCode": "SAAS",
                ]))
        #expect(product.status == 201 && product.attribute("taxCode") == "SAAS", "\(product.text.prefix(300))")
        let addon = try await create(
            client, "/api/v1/addons", "addons",
            [
                "code": .string(uniqueCode("wa")), "name": "WhatsApp", "price": 0, "currency": "BRL", "featureFlag": "whatsapp",
                "taxCode": "01.03_b-2",
            ],
            token: token)
        #expect(try await client.get("/api/v1/addons/\(addon)", token: token).attribute("taxCode") == "01.03_b-2")

        let subscribed = try await fixture.subscribe()
        #expect(subscribed.status == 201, "\(subscribed.text.prefix(300))")
        #expect(subscribed.attribute("plan")?["taxCode"] == "01.07", "\(subscribed.text.prefix(600))")
        let id = try #require(subscribed.data?["id"]?.stringValue)
        let activated = try await fixture.post("/api/v1/subscriptions/\(id)/addons", "subscription-addons", ["addonId": .string(addon)])
        #expect(
            activated.status == 200 && activated.attribute("addons")?.arrayValue?.first?["taxCode"] == "01.03_b-2", "\(activated.text.prefix(600))")

        // A new version changes the catalog, not what the subscription took.
        let changed = try await client.send(
            "PATCH", "/api/v1/subscription-plans/\(fixture.plan)", token: token,
            json: resource("subscription-plans", ["taxCode": "02.01"]))
        #expect(changed.status == 200 && changed.attribute("taxCode") == "02.01" && changed.attribute("version") == 2, "\(changed.text.prefix(300))")
        let badChange = try await client.send(
            "PATCH", "/api/v1/addons/\(addon)", token: token, json: resource("addons", ["taxCode": "bad code!"]))
        #expect(badChange.status == 422 && badChange.firstError?["source"]?["pointer"] == "/data/attributes/taxCode", "\(badChange.text.prefix(300))")
        let read = try await client.get("/api/v1/subscriptions/\(id)", token: token)
        #expect(read.attribute("plan")?["taxCode"] == "01.07", "\(read.text.prefix(600))")
        #expect(read.attribute("addons")?.arrayValue?.first?["taxCode"] == "01.03_b-2", "read back from its row: \(read.text.prefix(600))")
        #expect(try await client.get("/api/v1/subscription-plans/\(fixture.plan)?version=1", token: token).attribute("taxCode") == "01.07")

        // Absent: the tenant's default (nothing stored, nothing shown).
        let untaxed = try await create(
            client, "/api/v1/addons", "addons",
            ["code": .string(uniqueCode("sms")), "name": "SMS", "price": 0, "currency": "BRL", "featureFlag": "sms"], token: token)
        let untaxedRead = try await client.get("/api/v1/addons/\(untaxed)", token: token)
        #expect(untaxedRead.status == 200 && (untaxedRead.attribute("taxCode") == nil || untaxedRead.attribute("taxCode") == .null))
    }

    @Test("tenants never see each other's catalog; the new permissions are enforced")
    func isolationAndPermissions() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenantA = try cluster.tokens.token(tenant: newTenant("a"), roles: ["owner"])
        let tenantB = try cluster.tokens.token(tenant: newTenant("b"), roles: ["owner"])
        let addon = try await create(
            cluster.client, "/api/v1/addons", "addons",
            [
                "code": "whatsapp", "name": "WhatsApp", "price": 49,
                "currency": "BRL", "featureFlag": "whatsapp",
            ], token: tenantB)
        #expect(try await cluster.client.get("/api/v1/addons/\(addon)", token: tenantA).status == 404)
        #expect(try await cluster.client.get("/api/v1/addons", token: tenantA).data?.arrayValue?.isEmpty == true)
        let readOnly = try cluster.tokens.token(
            tenant: newTenant(), permissions: ["ADDONS_READ", "AI_MODELS_READ", "CREDIT_PACKAGES_READ"], roles: ["viewer"])
        #expect(try await cluster.client.get("/api/v1/addons", token: readOnly).status == 200)
        let denied = try await cluster.client.post(
            "/api/v1/addons", token: readOnly,
            json: resource("addons", ["code": "x", "name": "X", "price": 0, "currency": "BRL", "featureFlag": "x"]))
        #expect(denied.status == 403)
        #expect(denied.firstError?["meta"]?["permission"] == "ADDONS_CREATE")
        #expect(try await cluster.client.get("/api/v1/subscription-plans", token: readOnly).status == 403)
    }
}
