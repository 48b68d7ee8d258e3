import BillingCore
import BillingTesting
import Foundation
import Gateway
import Testing

/// A wallet's history through the gateway (seed 002 `credit_topups`/`usage_stats`, seed 003 "quem usou quanto e quando"):
/// grants with their status, every execution with filters, the wallet's lifetime totals, and the packages bought.
@Suite("Credit history (real processes)", .timeLimit(.minutes(4)))
struct CreditHistoryEndToEndTests {
    @Test(
        """
        grants list with status ACTIVE, EXPIRED and USED_UP; executions by user, model and status; the wallet's lifetime purchased, \
        granted, consumed and expired and lastActiveAt; consumption per user with its last activity
        """
    )
    func grantsExecutionsAndLifetime() async throws {
        let cluster = try await TestCluster.shared.start()
        let credits = try await CreditFixture.make(cluster)
        func list(_ path: String) async throws -> [JSONValue] {
            let response = try await credits.client.get(path, token: credits.token)
            #expect(response.status == 200, "\(path): \(response.text.prefix(300))")
            return response.data?.arrayValue ?? []
        }
        // A bonus whose validity ended an hour ago (granted late, as an operator may): all of it expires unused.
        let hours = { (count: Double) in JSONValue.string(RFC3339.format(Date().addingTimeInterval(count * 3600))) }
        #expect(try await credits.grant(50, [("source", "BONUS"), ("effectiveAt", hours(-2)), ("expiresAt", hours(-1))]).status == 201)
        #expect(try await credits.grant(1000, [("source", "MANUAL"), ("priority", 30)]).status == 201)
        #expect(try await credits.grant(5, [("source", "PURCHASE"), ("priority", 1)]).status == 201)
        // 5 purchased credits first (priority 1), then 15 of the manual grant: the purchase is used up.
        #expect(try await credits.charge(20, extra: [("userId", "ana"), ("featureId", "resumo")]).status == 201)
        #expect(try await credits.charge(7, extra: [("userId", "bia"), ("featureId", "chat")]).status == 201)
        let held = try await credits.authorize(30, extra: [("userId", "bia")])
        #expect(held.status == 201, "\(held.text.prefix(300))")
        #expect(try await credits.charge(3, extra: [("userId", "ana")]).status == 201)

        let account = "filter%5BbillingAccountId%5D=\(credits.account)"
        let grants = try await list("/api/v1/credit-grants?\(account)")
        #expect(
            grants.compactMap { $0["attributes"]?["status"]?.stringValue } == ["EXPIRED", "ACTIVE", "USED_UP"],
            "\(grants.map { $0["attributes"] ?? .null })")
        #expect(try await list("/api/v1/credit-grants?\(account)&filter%5Bstatus%5D=USED_UP").first?["attributes"]?["source"] == "PURCHASE")
        #expect(try await list("/api/v1/credit-grants?\(account)&filter%5Bsource%5D=MANUAL").count == 1)

        let executions = try await list("/api/v1/credit-executions?\(account)")
        #expect(executions.count == 4 && executions.map { $0["attributes"]?["kind"] } == ["CHARGE", "CHARGE", "AUTHORIZATION", "CHARGE"])
        let ana = try await list("/api/v1/credit-executions?\(account)&filter%5BuserId%5D=ana")
        #expect(ana.compactMap { $0["attributes"]?["credits"]?.decimalValue } == [DecimalNumber(20), DecimalNumber(3)], "\(ana)")
        let holds = try await list("/api/v1/credit-executions?\(account)&filter%5Bstatus%5D=HELD")
        #expect(
            holds.count == 1 && holds.first?["attributes"]?["estimatedCredits"]?.decimalValue == DecimalNumber(30)
                && holds.first?["links"]?["self"]?.stringValue?.contains("/credit-authorizations/") == true, "\(holds)")
        #expect(try await list("/api/v1/credit-executions?\(account)&filter%5Bmodel%5D=\(credits.model)&filter%5BfeatureId%5D=chat").count == 1)
        let page = try await credits.client.get("/api/v1/credit-executions?\(account)&page%5Bsize%5D=3", token: credits.token)
        let next = try #require(page.json?["links"]?["next"]?.stringValue)
        #expect(try await credits.client.get(next, token: credits.token).data?.arrayValue?.count == 1)
        let bad = try await credits.client.get("/api/v1/credit-executions?filter%5Bstatus%5D=DONE", token: credits.token)
        #expect(bad.status == 400 && bad.firstError?["source"]?["parameter"] == "filter[status]")

        let lifetime = try #require(try await credits.wallet()?["lifetime"])
        #expect(
            lifetime["granted"]?.decimalValue == DecimalNumber(1055) && lifetime["purchased"]?.decimalValue == DecimalNumber(5)
                && lifetime["consumed"]?.decimalValue == DecimalNumber(30) && lifetime["expired"]?.decimalValue == DecimalNumber(50)
                && lifetime["lastActiveAt"]?.stringValue != nil, "\(lifetime)")
        // 30 credits consumed this week: 30 / 7 a day; the 945 available (1,055 − 30 consumed − 50 expired − 30 held) last 220.5 days.
        let projection = try #require(try await credits.wallet()?["projection"])
        #expect(projection["burnRatePerDay"]?.decimalValue == DecimalNumber("4.28571429"), "\(projection)")
        let runOut = try #require(projection["projectedRunOutAt"]?.stringValue.flatMap(RFC3339.parse))
        #expect(abs(runOut.timeIntervalSinceNow - 220.5 * 86_400) < 86_400, "\(projection)")
        let byUser = try await credits.client.get(
            "/api/v1/credit-wallets/\(credits.account)/consumption?filter%5BgroupBy%5D=USER", token: credits.token)
        let rows = byUser.data?.arrayValue ?? []
        #expect(rows.count == 2 && rows.allSatisfy { $0["attributes"]?["lastActiveAt"]?.stringValue != nil }, "\(byUser.text.prefix(500))")
    }

    @Test("top-ups: each package bought says who bought it, its price and whether its payment COMPLETED, FAILED or is PENDING")
    func topUps() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant("topups")
        let token = try cluster.tokens.token(tenant: tenant, subject: "ana@cliente.com.br", roles: ["owner"])
        let credits = try await CreditFixture.make(cluster, tenant: tenant, token: token)
        let code = uniqueCode("pack")
        _ = try await create(
            credits.client, "/api/v1/credit-packages", "credit-packages",
            ["code": .string(code), "name": "Pack", "credits": 300, "price": .number("99.70"), "currency": "BRL"], token: token)
        func checkout(_ method: String, _ card: String? = nil) async throws -> HTTPTestResponse {
            var attributes = JSONObject([
                ("billingAccountId", .string(credits.account)), ("paymentMethod", .string(method)),
                ("items", [["type": "CREDIT_PACKAGE", "packageCode": .string(code)]]),
            ])
            if let card { attributes["cardToken"] = .string(card) }
            return try await credits.client.post("/api/v1/checkouts", token: token, json: resource("checkouts", .object(attributes)))
        }
        #expect(try await checkout("PIX").status == 201)
        #expect(try await checkout("CARD", "tok_declined").attribute("cardStatus") == "DECLINED")
        #expect(try await checkout("CARD", "tok_visa").attribute("cardStatus") == "APPROVED")
        let path = "/api/v1/credit-topups?filter%5BbillingAccountId%5D=\(credits.account)"
        let all = try await credits.client.get(path, token: token)
        let items = all.data?.arrayValue?.compactMap { $0["attributes"] } ?? []
        #expect(items.map { $0["status"] } == ["PENDING", "FAILED", "COMPLETED"], "\(all.text.prefix(600))")
        #expect(
            items.allSatisfy {
                $0["purchasedBy"] == "ana@cliente.com.br" && $0["packageCode"]?.stringValue == code
                    && $0["credits"]?.decimalValue == DecimalNumber(300)
                    && $0["price"]?.decimalValue == DecimalNumber("99.70") && $0["automatic"] == false
            }, "\(items)")
        #expect(items[1]["failureReason"]?.stringValue?.isEmpty == false && items[2]["paymentMethod"] == "CARD" && items[2]["paidAt"] != nil)
        let failed = try await credits.client.get(path + "&filter%5Bstatus%5D=FAILED", token: token).data?.arrayValue
        #expect(failed?.count == 1)
        // A customer sees its own account's top-ups only.
        let customer = try cluster.tokens.token(
            tenant: tenant, subject: "cliente", roles: ["owner"], extraClaims: ["billingAccountId": .string(credits.account)])
        #expect(try await credits.client.get("/api/v1/credit-topups", token: customer).data?.arrayValue?.count == 3)
        let other = try await create(
            credits.client, "/api/v1/billing-accounts", "billing-accounts", ["name": "Outra", "email": "o@example.com", "currency": "BRL"],
            token: token)
        #expect(try await credits.client.get("/api/v1/credit-topups?filter%5BbillingAccountId%5D=\(other)", token: customer).status == 404)
    }

    @Test(
        """
        seed 003's controls: a cap per feature ("limite por automação") and per user within a feature refuse with 402 naming them; \
        executions carry a cost centre that consumption groups by and the list filters on
        """
    )
    func featureCapsAndCostCentres() async throws {
        let cluster = try await TestCluster.shared.start()
        let credits = try await CreditFixture.make(cluster)
        #expect(try await credits.grant(1000).status == 201)
        func settings(_ caps: JSONValue) async throws -> HTTPTestResponse {
            try await credits.client.send(
                "PUT", "/api/v1/credit-wallets/\(credits.account)/settings", token: credits.token,
                json: resource("credit-wallet-settings", ["spendingCaps": caps]))
        }
        let twice = try await settings([
            ["featureId": "resumo", "period": "DAY", "credits": 25], ["featureId": "resumo", "period": "DAY", "credits": 30],
        ])
        #expect(twice.status == 422, "one cap per user, feature and period: \(twice.text.prefix(300))")
        let set = try await settings([
            ["featureId": "resumo", "period": "DAY", "credits": 25], ["userId": "ana", "featureId": "chat", "period": "DAY", "credits": 5],
        ])
        #expect(
            set.status == 200 && set.attribute("settings")?["spendingCaps"]?.arrayValue?.first?["featureId"] == "resumo", "\(set.text.prefix(400))")
        func charge(_ tokens: Int64, user: String, feature: String, center: String) async throws -> HTTPTestResponse {
            try await credits.charge(tokens, extra: [("userId", .string(user)), ("featureId", .string(feature)), ("costCenter", .string(center))])
        }
        #expect(try await charge(20, user: "caio", feature: "resumo", center: "marketing").status == 201)
        let feature = try await charge(10, user: "bia", feature: "resumo", center: "marketing")
        #expect(
            feature.status == 402 && feature.firstError?["code"] == "SPENDING_CAP_REACHED" && feature.firstError?["meta"]?["featureId"] == "resumo",
            "the feature's cap counts every user: \(feature.text.prefix(300))")
        #expect(try await charge(10, user: "bia", feature: "chat", center: "vendas").status == 201, "Bia has no cap on chat")
        let ana = try await charge(6, user: "ana", feature: "chat", center: "vendas")
        #expect(ana.status == 402 && ana.firstError?["meta"]?["userId"] == "ana", "\(ana.text.prefix(300))")
        #expect(try await charge(5, user: "ana", feature: "chat", center: "vendas").status == 201)
        // Caps alert at the wallet's thresholds (default 80/90/95/100): resumo's 20 of 25 passed 80; Ana's 5 of 5 on chat all four.
        var alerts: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                alerts = try await auditEvents(credits.client, token: credits.token, type: "billing.credits.cap_threshold_reached")
                return alerts.count >= 5
            }, "\(alerts.count) cap alerts")
        let byScope = Dictionary(grouping: alerts.compactMap { $0["attributes"]?["data"] }) { $0["featureId"]?.stringValue ?? "" }
        let percents = { (scope: String) in byScope[scope, default: []].compactMap { $0["thresholdPercent"]?.decimalValue }.sorted() }
        #expect(percents("resumo") == [DecimalNumber(80)] && percents("chat") == [80, 90, 95, 100].map { DecimalNumber(Int64($0)) }, "\(alerts)")
        #expect(byScope["chat"]?.allSatisfy { $0["userId"] == "ana" } == true)
        let long = try await charge(1, user: "ana", feature: "x", center: String(repeating: "c", count: 201))
        #expect(long.status == 422 && long.firstError?["source"]?["pointer"] == "/data/attributes/costCenter")

        let report = try await credits.client.get(
            "/api/v1/credit-wallets/\(credits.account)/consumption?filter%5BgroupBy%5D=COST_CENTER", token: credits.token)
        let rows = report.data?.arrayValue?.compactMap { $0["attributes"] } ?? []
        #expect(
            rows.map { $0["key"] } == ["marketing", "vendas"] && rows.map { $0["credits"]?.decimalValue } == [DecimalNumber(20), DecimalNumber(15)],
            "\(report.text.prefix(500))")
        let sales = try await credits.client.get(
            "/api/v1/credit-executions?filter%5BbillingAccountId%5D=\(credits.account)&filter%5BcostCenter%5D=vendas", token: credits.token)
        #expect(sales.data?.arrayValue?.allSatisfy { $0["attributes"]?["costCenter"] == "vendas" } == true && sales.data?.arrayValue?.count == 2)
    }

    @Test(
        """
        the audit trail says who caused each event: the operator's token subject, a customer's (customer:…), the payment provider whose \
        webhook paid, and the events other contexts derive from one (the credits its payment granted) carry its cause
        """
    )
    func auditTrailActors() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant("actors")
        let token = try cluster.tokens.token(tenant: tenant, subject: "operadora@saas.com.br", roles: ["owner"])
        let credits = try await CreditFixture.make(cluster, tenant: tenant, token: token)
        let code = uniqueCode("pack")
        _ = try await create(
            credits.client, "/api/v1/credit-packages", "credit-packages",
            ["code": .string(code), "name": "Pack", "credits": 100, "price": .number("10.00"), "currency": "BRL"], token: token)
        let customer = try cluster.tokens.token(
            tenant: tenant, subject: "cliente-7", roles: ["owner"], extraClaims: ["billingAccountId": .string(credits.account)])
        let checkout = try await credits.client.post(
            "/api/v1/checkouts", token: customer,
            json: resource(
                "checkouts",
                [
                    "billingAccountId": .string(credits.account), "paymentMethod": "PIX",
                    "items": [["type": "CREDIT_PACKAGE", "packageCode": .string(code)]],
                ]))
        let invoice = try #require(checkout.attribute("invoice")?["id"]?.stringValue, "\(checkout.text.prefix(300))")
        let body = JSONWriter.bytes([
            "id": .string("evt_" + UUID().uuidString), "type": "payment.succeeded",
            "data": [
                "tenantId": .string(tenant), "billingAccountId": .string(credits.account), "invoiceId": .string(invoice),
                "amount": .number("10.00"), "paymentMethod": "PIX",
                "externalRef": .string("E" + UUID().uuidString.replacingOccurrences(of: "-", with: "")),
            ],
        ])
        let header = WebhookSignature.header(
            body: body, secrets: ["whsec_sandbox_development_only_0123456789"], timestamp: Int64(Date().timeIntervalSince1970))
        let paid = try await credits.client.send(
            "POST", "/api/v1/webhooks/payments/sandbox", rawBody: Data(body), headers: ["Billing-Signature": header])
        #expect(paid.attribute("outcome") == "PAYMENT_RECORDED", "\(paid.text.prefix(300))")
        func actor(_ type: String) async throws -> (String?, String?) {
            var found: JSONValue?
            _ = try await waitFor(timeout: .seconds(30)) {
                found = try await auditEvents(credits.client, token: token, type: type).first?["attributes"]
                return found != nil
            }
            return (found?["actor"]?.stringValue, found?["actorKind"]?.stringValue)
        }
        #expect(try await actor("billing.account.created") == ("operadora@saas.com.br", "OPERATOR"))
        #expect(try await actor("billing.invoice.created") == ("customer:cliente-7", "CUSTOMER"))
        #expect(try await actor("billing.payment.completed") == ("provider:sandbox", "PROVIDER"))
        #expect(try await actor("billing.credits.granted") == ("provider:sandbox", "PROVIDER"), "the grant the payment caused")
    }
}
