import BillingCore
import BillingTesting
import Foundation
import Testing

/// Issue 20: a customer token (`billingAccountId`) reaches only its own account's customer routes.
@Suite("Customer tokens through the gateway (real processes)", .timeLimit(.minutes(8)))
struct CustomerTokensEndToEndTests {
    /// Tenant with two accounts, A with a subscription, an invoice and a payment, B with the same; a customer token of A.
    struct Fixture {
        let operators: SubscriptionFixture
        let customer: String
        let accountB: String
        let subscriptionB: String
        let invoiceA: String
        let invoiceB: String
        let paymentB: String

        var client: HTTPTestClient { operators.client }
        var accountA: String { operators.account }

        static func make(_ cluster: TestCluster.Running) async throws -> Fixture {
            let operators = try await SubscriptionFixture.make(cluster)
            let accountB = try await create(
                cluster.client, "/api/v1/billing-accounts", "billing-accounts",
                accountDocument(name: "Outra Empresa", email: "b@example.com")["data"]!["attributes"]!, token: operators.token)
            let subscribedB = try await operators.post(
                "/api/v1/subscriptions", "subscriptions",
                ["billingAccountId": .string(accountB), "planId": .string(operators.plan), "trialDays": 0])
            let subscriptionB = try #require(subscribedB.data?["id"]?.stringValue, "\(subscribedB.text.prefix(300))")
            func paidInvoice(_ account: String) async throws -> (invoice: String, payment: String) {
                let invoice = try #require(
                    try await operators.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(account)])
                        .data?["id"]?.stringValue)
                let finalized = try await operators.post("/api/v1/invoices/\(invoice)/finalize")
                let payment = try await operators.post(
                    "/api/v1/payments", "payments",
                    [
                        "billingAccountId": .string(account), "invoiceId": .string(invoice), "amount": finalized.attribute("amountDue") ?? .null,
                        "paymentMethod": "PIX", "externalRef": .string(UUID().uuidString),
                    ])
                return (invoice, try #require(payment.data?["id"]?.stringValue, "\(payment.text.prefix(300))"))
            }
            let (invoiceB, paymentB) = try await paidInvoice(accountB)
            // A's own subscription, without a trial (an operator's explicit choice): the plan's trial is still A's to take once.
            #expect(try await operators.subscribe([("trialDays", 0)]).status == 201)
            let invoiceA = try #require(
                try await operators.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(operators.account)])
                    .data?["id"]?.stringValue)
            _ = try await operators.post("/api/v1/invoices/\(invoiceA)/finalize")
            let customer = try cluster.tokens.token(
                tenant: operators.tenant, subject: "cliente-a", roles: ["owner"],
                extraClaims: ["billingAccountId": .string(operators.account)])
            return Fixture(
                operators: operators, customer: customer, accountB: accountB, subscriptionB: subscriptionB, invoiceA: invoiceA,
                invoiceB: invoiceB, paymentB: paymentB)
        }

        func send(_ method: String, _ path: String, _ type: String? = nil, _ attributes: JSONValue? = nil) async throws -> HTTPTestResponse {
            try await client.send(method, path, token: customer, json: type.map { resource($0, attributes ?? [:]) })
        }
    }

    @Test("every operator operation of /openapi.json answers 403 OPERATOR_ONLY to a customer owner, and writes nothing")
    func operatorRoutesRefused() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await Fixture.make(cluster)
        let document = try #require(try await cluster.client.get("/openapi.json", token: nil).json)
        var operatorOperations = 0
        let paths = try #require(document["paths"]?.objectValue)
        for path in paths.keys where path.hasPrefix("/api/v1/") {
            let item = try #require(paths[path]?.objectValue)
            for method in item.keys {
                guard let operation = item[method], operation["x-customer-access"] == nil, operation["x-permission"] != nil else { continue }
                // Placeholders stand for ids: refused before anything is looked up or parsed.
                let concrete = path.replacingOccurrences(of: "{id}", with: fixture.accountA)
                    .replacingOccurrences(of: "\\{[A-Za-z]+\\}", with: "x", options: .regularExpression)
                let response = try await fixture.send(
                    method.uppercased(), concrete, "anything",
                    [
                        "billingAccountId": .string(fixture.accountA),
                        "amount": 1000, "credits": 1000,
                    ])
                #expect(
                    response.status == 403 && response.firstError?["code"] == "OPERATOR_ONLY",
                    "\(method.uppercased()) \(path): \(response.status) \(response.text.prefix(200))")
                operatorOperations += 1
            }
        }
        #expect(operatorOperations >= 40, "grants, payments, refunds, invoices, catalog writes, usage, charges, test clocks, …")
        // Nothing was granted to A's wallet, nothing paid on A's invoice.
        let wallet = try await fixture.client.get("/api/v1/credit-wallets/\(fixture.accountA)", token: fixture.operators.token)
        #expect(credits(wallet.attribute("balance")) == DecimalNumber(0), "\(wallet.text.prefix(300))")
        let invoice = try await fixture.client.get("/api/v1/invoices/\(fixture.invoiceA)", token: fixture.operators.token)
        #expect(invoice.attribute("status") == "PENDING")
    }

    @Test("every customer operation on account B answers 404 and changes nothing; lists without a filter show only account A")
    func otherAccountIsNotFound() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await Fixture.make(cluster)
        let b = fixture.accountB, sub = fixture.subscriptionB
        let filter = "filter%5BbillingAccountId%5D=\(b)"
        let attempts: [(String, String, String?, JSONValue?)] = [
            ("GET", "/api/v1/billing-accounts/\(b)", nil, nil),
            ("GET", "/api/v1/billing-accounts/\(b)/entitlements", nil, nil),
            ("GET", "/api/v1/subscriptions?\(filter)", nil, nil),
            ("GET", "/api/v1/subscriptions/\(sub)", nil, nil),
            ("GET", "/api/v1/subscriptions/\(sub)/entitlements", nil, nil),
            ("POST", "/api/v1/subscriptions/\(sub)/cancel", "subscriptions", ["atPeriodEnd": false]),
            ("POST", "/api/v1/subscriptions/\(sub)/pause", nil, nil),
            ("POST", "/api/v1/subscriptions/\(sub)/change-plan", "subscription-changes", ["planId": .string(fixture.operators.plan)]),
            ("POST", "/api/v1/subscriptions", "subscriptions", ["billingAccountId": .string(b), "planId": .string(fixture.operators.plan)]),
            ("GET", "/api/v1/invoices?\(filter)", nil, nil),
            ("GET", "/api/v1/invoices/\(fixture.invoiceB)", nil, nil),
            ("GET", "/api/v1/invoices/\(fixture.invoiceB)/pix", nil, nil),
            ("GET", "/api/v1/payments/\(fixture.paymentB)", nil, nil),
            ("GET", "/api/v1/payments?\(filter)", nil, nil),
            (
                "POST", "/api/v1/checkouts", "checkouts",
                [
                    "billingAccountId": .string(b), "paymentMethod": "PIX",
                    "items": [["type": "CREDIT_PACKAGE", "packageCode": "start"]],
                ]
            ),
            ("POST", "/api/v1/billing-accounts/\(b)/payment-methods", "payment-methods", ["cardToken": "tok_visa"]),
            ("GET", "/api/v1/billing-accounts/\(b)/payment-methods", nil, nil),
            ("GET", "/api/v1/credit-wallets/\(b)", nil, nil),
            ("PUT", "/api/v1/credit-wallets/\(b)/settings", "credit-wallet-settings", ["spendingCaps": []]),
            ("GET", "/api/v1/credit-wallets/\(b)/consumption", nil, nil),
            ("GET", "/api/v1/usage-summaries?\(filter)", nil, nil),
            ("GET", "/api/v1/usage-limits?\(filter)", nil, nil),
        ]
        for (method, path, type, attributes) in attempts {
            let response = try await fixture.send(method, path, type, attributes)
            #expect(response.status == 404, "\(method) \(path): \(response.status) \(response.text.prefix(200))")
        }
        let subscriptionB = try await fixture.client.get("/api/v1/subscriptions/\(sub)", token: fixture.operators.token)
        #expect(subscriptionB.attribute("status") == "ACTIVE" && subscriptionB.attribute("cancelAtPeriodEnd") == false)
        let listed = try await fixture.client.get("/api/v1/subscriptions?filter%5BbillingAccountId%5D=\(b)", token: fixture.operators.token)
        #expect(listed.data?.arrayValue?.count == 1, "account B got no subscription from A's token")
        let invoices = try await fixture.send("GET", "/api/v1/invoices")
        let owners = Set(invoices.data?.arrayValue?.compactMap { $0["attributes"]?["billingAccountId"]?.stringValue } ?? [])
        #expect(invoices.status == 200 && owners == [fixture.accountA], "\(invoices.text.prefix(300))")
        // Account B has a payment; A's own list (even filtered by B's invoice) shows none of it.
        let payments = try await fixture.send("GET", "/api/v1/payments?filter%5BinvoiceId%5D=\(fixture.invoiceB)")
        #expect(payments.status == 200 && payments.data?.arrayValue?.isEmpty == true, "\(payments.text.prefix(300))")
    }

    @Test("a customer owner uses its own account: reads, subscribes with the plan's trial once, cannot choose a trial or its overdraft")
    func ownAccount() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await Fixture.make(cluster)
        let a = fixture.accountA
        for path in [
            "/api/v1/billing-accounts/\(a)", "/api/v1/billing-accounts/\(a)/entitlements", "/api/v1/invoices/\(fixture.invoiceA)",
            "/api/v1/invoices/\(fixture.invoiceA)/pix", "/api/v1/credit-wallets/\(a)", "/api/v1/credit-wallets/\(a)/consumption",
            "/api/v1/usage-limits", "/api/v1/subscription-plans", "/api/v1/subscription-plans/\(fixture.operators.plan)",
            "/api/v1/billing-accounts/\(a)/payment-methods",
        ] {
            let response = try await fixture.send("GET", path)
            #expect(response.status == 200, "GET \(path): \(response.status) \(response.text.prefix(200))")
        }
        // The customer cannot pick its own trial, start date or test clock.
        for (name, value) in [
            ("trialDays", JSONValue.number("730")), ("startDate", .string(RFC3339.format(Date()))),
            ("testClockId", .string(UUID().uuidString)),
        ] {
            var attributes = JSONObject([("billingAccountId", .string(a)), ("planId", .string(fixture.operators.plan))])
            attributes[name] = value
            let response = try await fixture.send("POST", "/api/v1/subscriptions", "subscriptions", .object(attributes))
            #expect(
                response.status == 403 && response.firstError?["source"]?["pointer"] == .string("/data/attributes/\(name)"),
                "\(name): \(response.text.prefix(300))")
        }
        // The plan's 14-day trial, once per account and plan.
        let first = try await fixture.send(
            "POST", "/api/v1/subscriptions", "subscriptions",
            ["billingAccountId": .string(a), "planId": .string(fixture.operators.plan)])
        #expect(first.status == 201 && first.attribute("status") == "TRIAL", "\(first.text.prefix(300))")
        let id = try #require(first.data?["id"]?.stringValue)
        #expect(
            try await fixture.send("POST", "/api/v1/subscriptions/\(id)/cancel", "subscriptions", ["atPeriodEnd": false])
                .attribute("status") == "CANCELED")
        let second = try await fixture.send(
            "POST", "/api/v1/subscriptions", "subscriptions",
            ["billingAccountId": .string(a), "planId": .string(fixture.operators.plan)])
        #expect(
            second.status == 201 && second.attribute("status") == "ACTIVE" && second.attribute("trialEnd") == .null,
            "a second subscription to the same plan gets no second trial: \(second.text.prefix(300))")
        let mine = try await fixture.send("GET", "/api/v1/subscriptions")
        let mineIDs = Set(mine.data?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
        #expect(mineIDs.contains(id))
        // Spending caps are the customer's to set; the overdraft is not.
        let caps = try await fixture.send(
            "PUT", "/api/v1/credit-wallets/\(a)/settings", "credit-wallet-settings",
            ["spendingCaps": [["period": "DAY", "credits": 100]]])
        #expect(caps.status == 200, "\(caps.text.prefix(300))")
        let overdraft = try await fixture.send("PUT", "/api/v1/credit-wallets/\(a)/settings", "credit-wallet-settings", ["overdraftLimit": 1_000_000])
        #expect(overdraft.status == 403 && overdraft.firstError?["source"]?["pointer"] == "/data/attributes/overdraftLimit")
        let wallet = try await fixture.client.get("/api/v1/credit-wallets/\(a)", token: fixture.operators.token)
        #expect(credits(wallet.attribute("settings")?["overdraftLimit"]) ?? DecimalNumber(0) == DecimalNumber(0), "\(wallet.text.prefix(300))")
        // A customer token naming only some permissions holds only those.
        let reader = try cluster.tokens.token(
            tenant: fixture.operators.tenant, permissions: ["INVOICES_READ"],
            extraClaims: ["billingAccountId": .string(a)])
        #expect(try await fixture.client.get("/api/v1/invoices/\(fixture.invoiceA)", token: reader).status == 200)
        #expect(try await fixture.client.get("/api/v1/credit-wallets/\(a)", token: reader).status == 403)
    }
}
