import BillingCore
import BillingTesting
import Foundation
import Testing

/// Issue 26: coupons and promotion codes, from the catalog through subscriptions to DISCOUNT lines on invoices.
@Suite("Coupons and promotion codes through the gateway (real processes)", .timeLimit(.minutes(6)))
struct CouponsEndToEndTests {
    /// The account's invoices, oldest period first, once `count` exist.
    static func invoices(_ fixture: SubscriptionFixture, account: String? = nil, count: Int) async throws -> [JSONValue] {
        var found: [JSONValue] = []
        _ = try await waitFor(timeout: .seconds(30)) {
            found =
                try await fixture.client.get(
                    "/api/v1/invoices?filter%5BbillingAccountId%5D=\(account ?? fixture.account)", token: fixture.token
                ).data?.arrayValue ?? []
            return found.count >= count
        }
        return found.compactMap { $0["attributes"] }.sorted { ($0["periodStart"]?.stringValue ?? "") < ($1["periodStart"]?.stringValue ?? "") }
    }

    static func coupon(_ fixture: SubscriptionFixture, _ attributes: [(String, JSONValue)]) async throws -> String {
        var object = JSONObject([("code", .string(uniqueCode("cp"))), ("name", "Promo")])
        for (key, value) in attributes { object[key] = value }
        return try await create(fixture.client, "/api/v1/coupons", "coupons", .object(object), token: fixture.token)
    }

    @Test(
        """
        Stripe's examples: 10.00 off once on a 25.00 plan → 15.00, then 25.00 on the renewal; 20% off forever on 100.00 → 80.00 on \
        both; each DISCOUNT line follows the line it discounts
        """
    )
    func stripeExamples() async throws {
        let cluster = try await TestCluster.shared.start()
        let start = Date().addingTimeInterval(-3 * 86_400)
        let fixture = try await SubscriptionFixture.make(
            cluster, plan: [("trialDays", 0), ("basePrice", .number("25.00"))], clockTime: RFC3339.format(start))
        let once = try await Self.coupon(fixture, [("amountOff", .number("10.00")), ("currency", "BRL"), ("duration", "ONCE")])
        let created = try await fixture.subscribe([("couponId", .string(once))])
        #expect(created.status == 201, "\(created.text.prefix(400))")
        let discount = created.attribute("discount")
        #expect(
            discount?["coupon"]?["couponId"]?.stringValue == once
                && discount?["end"]?.stringValue == created.attribute("currentPeriodEnd")?.stringValue)

        // The 20 % coupon on a second account of the same tenant, on the same clock.
        let forever = try await Self.coupon(fixture, [("percentOff", 20), ("duration", "FOREVER")])
        let plan = try await SubscriptionFixture.createPlan(
            fixture.client, token: fixture.token, [("trialDays", 0), ("basePrice", .number("100.00"))])
        let other = try await create(
            fixture.client, "/api/v1/billing-accounts", "billing-accounts",
            accountDocument(extra: [("testClockId", .string(fixture.clock!))])["data"]!["attributes"]!, token: fixture.token)
        let second = try await fixture.client.post(
            "/api/v1/subscriptions", token: fixture.token,
            json: resource("subscriptions", ["billingAccountId": .string(other), "planId": .string(plan), "couponId": .string(forever)]))
        #expect(second.status == 201, "\(second.text.prefix(400))")

        let periodEnd = try #require(created.attribute("currentPeriodEnd")?.stringValue.flatMap(RFC3339.parse))
        let advanced = try await fixture.post(
            "/api/v1/test-clocks/\(fixture.clock!)/advance", "test-clocks",
            ["frozenTime": .string(RFC3339.format(periodEnd.addingTimeInterval(3600)))])
        #expect(advanced.status == 200, "\(advanced.text.prefix(300))")

        let first = try await Self.invoices(fixture, count: 2)
        #expect(first.map { $0["total"]?.decimalValue } == [DecimalNumber("15.00"), DecimalNumber("25.00")], "\(first)")
        let lines = first.first?["lines"]?.arrayValue ?? []
        #expect(lines.map { $0["kind"]?.stringValue ?? "" } == ["SUBSCRIPTION", "DISCOUNT"], "\(lines)")
        #expect(lines.last?["amount"]?.decimalValue == DecimalNumber("-10.00"))
        let percent = try await Self.invoices(fixture, account: other, count: 2)
        #expect(percent.map { $0["total"]?.decimalValue } == [DecimalNumber("80.00"), DecimalNumber("80.00")], "\(percent)")
    }

    @Test(
        """
        promotion codes: matched in any case, their own maxRedemptions and first-subscription-only rule, the coupon's expiry, each \
        refusal a 422 naming promotionCode or couponId; a retried create (same Idempotency-Key) redeems once; a customer token cannot \
        read coupons
        """
    )
    func promotionCodes() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0), ("basePrice", .number("100.00"))])
        let coupon = try await Self.coupon(fixture, [("percentOff", .number("12.5")), ("duration", "REPEATING"), ("durationInPeriods", 3)])
        let text = "WELCOME-" + UUID().uuidString.prefix(6)
        let code = try await create(
            fixture.client, "/api/v1/promotion-codes", "promotion-codes",
            ["code": .string(text.lowercased()), "couponId": .string(coupon), "maxRedemptions": 1], token: fixture.token)
        let stored = try await fixture.client.get("/api/v1/promotion-codes/\(code)", token: fixture.token)
        #expect(stored.attribute("code")?.stringValue == text.uppercased(), "stored upper-case")

        let key = ["Idempotency-Key": UUID().uuidString]
        let body = resource(
            "subscriptions",
            ["billingAccountId": .string(fixture.account), "planId": .string(fixture.plan), "promotionCode": .string(text.lowercased())])
        let subscribed = try await fixture.client.post("/api/v1/subscriptions", token: fixture.token, json: body, headers: key)
        #expect(subscribed.status == 201, "\(subscribed.text.prefix(400))")
        #expect(subscribed.attribute("discount")?["promotionCodeId"]?.stringValue == code)
        let again = try await fixture.client.post("/api/v1/subscriptions", token: fixture.token, json: body, headers: key)
        #expect(again.status == 201 && again.data?["id"] == subscribed.data?["id"], "a retry answers the first: \(again.text.prefix(300))")

        // Its one redemption is spent (the retry did not spend another): the next account is refused.
        let other = try await create(
            fixture.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: fixture.token)
        func subscribe(_ attributes: [(String, JSONValue)]) async throws -> HTTPTestResponse {
            var object = JSONObject([("billingAccountId", .string(other)), ("planId", .string(fixture.plan))])
            for (name, value) in attributes { object[name] = value }
            return try await fixture.client.post("/api/v1/subscriptions", token: fixture.token, json: resource("subscriptions", .object(object)))
        }
        let spent = try await subscribe([("promotionCode", .string(text))])
        #expect(spent.status == 422 && spent.firstError?["source"]?["pointer"] == "/data/attributes/promotionCode", "\(spent.text.prefix(400))")
        #expect(spent.firstError?["code"]?.stringValue == "MAX_REDEMPTIONS_REACHED" || spent.text.contains("MAX_REDEMPTIONS_REACHED"))
        let unknown = try await subscribe([("promotionCode", "NO-SUCH-CODE")])
        #expect(unknown.status == 422 && unknown.firstError?["source"]?["pointer"] == "/data/attributes/promotionCode", "\(unknown.text.prefix(400))")
        let both = try await subscribe([("promotionCode", .string(text)), ("couponId", .string(coupon))])
        #expect(both.status == 422, "\(both.text.prefix(300))")

        // First subscription only: the fixture's account has one already; the other account has none.
        let firstOnly = "FIRST-" + UUID().uuidString.prefix(6)
        _ = try await create(
            fixture.client, "/api/v1/promotion-codes", "promotion-codes",
            ["code": .string(firstOnly), "couponId": .string(coupon), "firstTimeTransaction": true], token: fixture.token)
        let notFirst = try await fixture.subscribe([("promotionCode", .string(firstOnly))])
        #expect(notFirst.status == 422 && notFirst.text.contains("FIRST_TIME_ONLY"), "\(notFirst.text.prefix(400))")
        let firstTime = try await subscribe([("promotionCode", .string(firstOnly.lowercased()))])
        #expect(firstTime.status == 201, "\(firstTime.text.prefix(400))")

        // An expired coupon, and coupon attributes the catalog refuses.
        let expired = try await Self.coupon(
            fixture, [("percentOff", 10), ("duration", "ONCE"), ("redeemBy", .string(RFC3339.format(Date().addingTimeInterval(-60))))])
        let late = try await fixture.subscribe([("couponId", .string(expired))])
        #expect(late.status == 422 && late.firstError?["source"]?["pointer"] == "/data/attributes/couponId" && late.text.contains("COUPON_EXPIRED"))
        for (attributes, pointer) in [
            ([("percentOff", JSONValue.number("120")), ("duration", "ONCE")], "percentOff"),
            ([("percentOff", 10), ("amountOff", .number("5.00")), ("currency", "BRL"), ("duration", "ONCE")], "percentOff"),
            ([("amountOff", .number("5.001")), ("currency", "BRL"), ("duration", "ONCE")], "amountOff"),
            ([("percentOff", 10), ("duration", "REPEATING")], "durationInPeriods"),
        ] as [([(String, JSONValue)], String)] {
            var object = JSONObject([("code", .string(uniqueCode("bad"))), ("name", "Bad")])
            for (key, value) in attributes { object[key] = value }
            let refused = try await fixture.client.post("/api/v1/coupons", token: fixture.token, json: resource("coupons", .object(object)))
            #expect(
                refused.status == 422 && refused.firstError?["source"]?["pointer"] == .string("/data/attributes/\(pointer)"),
                "\(refused.text.prefix(300))")
        }
        let customer = try cluster.tokens.token(
            tenant: fixture.tenant, subject: "cliente", roles: ["owner"], extraClaims: ["billingAccountId": .string(fixture.account)])
        #expect(try await fixture.client.get("/api/v1/coupons", token: customer).status == 403)
    }

    @Test(
        """
        a coupon on one DRAFT invoice: 10% off its plan line and its one-off item (DISCOUNT after each, rounded half-even: 120.05 → \
        108.05); a \
        coupon restricted by appliesTo is refused naming couponId; a finalized invoice takes none (409)
        """
    )
    func oneInvoice() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0), ("basePrice", .number("100.00"))])
        #expect(try await fixture.subscribe().status == 201)
        _ = try await Self.invoices(fixture, count: 1)
        let invoices = try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token)
        let id = try #require(invoices.data?.arrayValue?.first?["id"]?.stringValue)
        let item = try await fixture.post(
            "/api/v1/billing-accounts/\(fixture.account)/invoice-items", "invoice-items",
            ["description": "Setup", "unitAmount": .number("20.05"), "invoiceId": .string(id)])
        #expect(item.status == 201, "\(item.text.prefix(300))")
        let coupon = try await Self.coupon(fixture, [("percentOff", 10), ("duration", "ONCE")])
        let discounted = try await fixture.post("/api/v1/invoices/\(id)/discount", "invoice-discounts", ["couponId": .string(coupon)])
        #expect(discounted.status == 200, "\(discounted.text.prefix(400))")
        let lines = discounted.attribute("lines")?.arrayValue ?? []
        #expect(lines.map { $0["kind"]?.stringValue ?? "" } == ["SUBSCRIPTION", "DISCOUNT", "INVOICE_ITEM", "DISCOUNT"], "\(lines)")
        #expect(lines.filter { $0["kind"] == "DISCOUNT" }.map { $0["amount"]?.decimalValue } == [DecimalNumber("-10.00"), DecimalNumber("-2.00")])
        #expect(discounted.attribute("total")?.decimalValue == DecimalNumber("108.05"), "20.05 × 10% = 2.005 → 2.00 (half-even)")

        let restricted = try await Self.coupon(fixture, [("percentOff", 10), ("duration", "ONCE"), ("appliesTo", [.string(fixture.plan)])])
        let refused = try await fixture.post("/api/v1/invoices/\(id)/discount", "invoice-discounts", ["couponId": .string(restricted)])
        #expect(refused.status == 422 && refused.firstError?["source"]?["pointer"] == "/data/attributes/couponId", "\(refused.text.prefix(300))")
        #expect(try await fixture.post("/api/v1/invoices/\(id)/finalize").status == 200)
        let late = try await fixture.post("/api/v1/invoices/\(id)/discount", "invoice-discounts", ["couponId": .string(coupon)])
        #expect(late.status == 409, "\(late.text.prefix(300))")
    }

    @Test("a coupon with maxRedemptions 3 raced by 10 new subscriptions: exactly 3 are discounted, the other 7 refused (422)")
    func racingRedemptions() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        let coupon = try await Self.coupon(fixture, [("percentOff", 10), ("duration", "FOREVER"), ("maxRedemptions", 3)])
        var accounts: [String] = []
        for _ in 0..<10 {
            accounts.append(
                try await create(
                    fixture.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: fixture.token))
        }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for account in accounts {
                group.addTask {
                    try await fixture.client.post(
                        "/api/v1/subscriptions", token: fixture.token,
                        json: resource(
                            "subscriptions", ["billingAccountId": .string(account), "planId": .string(fixture.plan), "couponId": .string(coupon)])
                    ).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 3 && statuses.filter { $0 == 422 }.count == 7, "\(statuses)")
    }

    @Test("a coupon applied later discounts from the next period; DELETE removes it; a coupon in another currency is refused")
    func applyLater() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        let created = try await fixture.subscribe()
        let id = try #require(created.data?["id"]?.stringValue)
        let coupon = try await Self.coupon(fixture, [("percentOff", 50), ("duration", "ONCE")])
        let applied = try await fixture.post("/api/v1/subscriptions/\(id)/discount", "subscription-discounts", ["couponId": .string(coupon)])
        #expect(applied.status == 200, "\(applied.text.prefix(400))")
        #expect(applied.attribute("discount")?["start"] == created.attribute("currentPeriodEnd"), "\(applied.text.prefix(400))")
        let dollars = try await Self.coupon(fixture, [("amountOff", .number("5.00")), ("currency", "USD"), ("duration", "ONCE")])
        let refused = try await fixture.post("/api/v1/subscriptions/\(id)/discount", "subscription-discounts", ["couponId": .string(dollars)])
        #expect(refused.status == 422 && refused.text.contains("CURRENCY_MISMATCH"), "\(refused.text.prefix(400))")
        let removed = try await fixture.client.send("DELETE", "/api/v1/subscriptions/\(id)/discount", token: fixture.token)
        #expect(removed.status == 200 && [nil, .null].contains(removed.attribute("discount")), "\(removed.text.prefix(400))")
    }
}
