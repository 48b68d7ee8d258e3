import BillingCore
import BillingTesting
import Foundation
import Gateway
import Testing

@Suite("Invoices and payments through the gateway (real processes)", .timeLimit(.minutes(8)))
struct InvoicingEndToEndTests {
    @Test(
        "seed 001's quick example runs as printed, on its /billing/api/v1 paths: account → plan → subscription → invoice → finalize → PIX payment leaves the invoice PAID"
    )
    func seedQuickExample() async throws {
        // On seed 001's own base path (`/billing/api/v1`), as its examples print it.
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster)
        let subscription = try await fixture.subscribe()
        #expect(subscription.status == 201)
        let invoiceResponse = try await fixture.post(
            "/billing/api/v1/invoices", "invoices",
            [
                "billingAccountId": .string(fixture.account), "periodStart": subscription.attribute("currentPeriodStart") ?? .null,
                "periodEnd": subscription.attribute("currentPeriodEnd") ?? .null,
            ])
        #expect(invoiceResponse.status == 201, "\(invoiceResponse.text.prefix(400))")
        let invoice = try #require(invoiceResponse.data?["id"]?.stringValue)
        #expect(invoiceResponse.attribute("status") == "DRAFT" && invoiceResponse.attribute("lines")?.arrayValue?.first?["kind"] == "TRIAL")
        let total = try #require(invoiceResponse.attribute("total"))
        #expect(total.decimalValue == DecimalNumber(0), "a trial period is billed at zero")
        let finalized = try await fixture.client.post("/billing/api/v1/invoices/\(invoice)/finalize", token: fixture.token)
        #expect(finalized.status == 200 && finalized.attribute("number")?.stringValue?.count == 11, "\(finalized.text.prefix(300))")
        let payment = try await fixture.post(
            "/billing/api/v1/payments", "payments",
            [
                "billingAccountId": .string(fixture.account), "invoiceId": .string(invoice), "amount": total, "paymentMethod": "PIX",
                "externalRef": "E12345678901234567890123456789012",
            ])
        #expect(payment.status == 201 && payment.attribute("status") == "COMPLETED", "\(payment.text.prefix(300))")
        #expect(try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token).attribute("status") == "PAID")
    }

    @Test(
        """
        a paid plan: partial payments add up to PAID; an overpayment becomes the account's credit, applied to the next invoice and given back \
        when it is canceled; a paid invoice takes no more; externalRef replays answer the first
        """
    )
    func partialPayments() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        #expect(try await fixture.subscribe([("quantity", 2)]).status == 201)
        let created = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        let invoice = try #require(created.data?["id"]?.stringValue)
        #expect(created.attribute("total")?.decimalValue == DecimalNumber("599.80"), "299.90 × 2: \(created.text.prefix(300))")
        // The period is billed once, whoever drafts it first (this call or the system at the period's start): asking again answers
        // the same draft.
        let again = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        #expect(again.status == 200 && again.data?["id"]?.stringValue == invoice, "\(again.text.prefix(300))")
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                let all = try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token)
                return all.data?.arrayValue?.map { $0["id"]?.stringValue } == [invoice]
            }, "one invoice for the period, after the system's own draft had its chance")
        #expect(try await fixture.client.post("/api/v1/invoices/\(invoice)/finalize", token: fixture.token).attribute("status") == "PENDING")
        func pay(_ amount: String, _ reference: String = UUID().uuidString) async throws -> HTTPTestResponse {
            try await fixture.post(
                "/api/v1/payments", "payments",
                [
                    "billingAccountId": .string(fixture.account), "invoiceId": .string(invoice),
                    "amount": .number(amount), "paymentMethod": "CARD", "externalRef": .string(reference),
                ])
        }
        let pix = try await fixture.client.get("/api/v1/invoices/\(invoice)/pix", token: fixture.token)
        let copyPaste = try #require(pix.attribute("copyPaste")?.stringValue, "\(pix.text.prefix(300))")
        #expect(copyPaste.hasPrefix("000201") && copyPaste.contains("br.gov.bcb.pix") && copyPaste.contains("5406599.80"))
        #expect(PixBRCode.crc16(String(copyPaste.dropLast(4))) == String(copyPaste.suffix(4)))
        #expect(pix.attribute("qrCodeSvg")?.stringValue?.hasPrefix("<svg") == true, "drawn by qrencode")
        let page = try await fixture.client.send("GET", "/api/v1/invoices/\(invoice)", token: fixture.token, headers: ["Accept": "text/html"])
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(
            page.text.contains("R$ 599,80") && page.text.contains("11.222.333/0001-81") && page.text.contains(copyPaste)
                && page.text.contains("Plano Pro")
                && page.text.contains("<svg"),
            "\(page.text.prefix(600))")
        let pdf = try await fixture.client.send("GET", "/api/v1/invoices/\(invoice)", token: fixture.token, headers: ["Accept": "application/pdf"])
        #expect(pdf.status == 200 && pdf.headers["content-type"] == "application/pdf" && pdf.body.starts(with: Array("%PDF-1.4".utf8)))
        // Read back by an independent reader (poppler's pdftotext): the same amounts, buyer tax id, plan and PIX code.
        let printed = try pdfText(pdf.body)
        try? FileManager.default.createDirectory(
            at: TestEnvironment.repositoryRoot.appendingPathComponent("artifacts/invoices"), withIntermediateDirectories: true)
        try? pdf.body.write(to: TestEnvironment.repositoryRoot.appendingPathComponent("artifacts/invoices/pending-invoice.pdf"))  // to look at
        let number = try #require(try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token).attribute("number")?.stringValue)
        #expect(
            printed.contains("R$ 599,80") && printed.contains("11.222.333/0001-81") && printed.contains("Plano Pro")
                && printed.contains(String(copyPaste.prefix(60))) && printed.contains("Fatura " + number),
            "\(printed.prefix(800))")
        let first = try await pay("100.00", "ch_1")
        #expect(first.status == 201)
        #expect(try await pay("100.00", "ch_1").data?["id"] == first.data?["id"], "the same externalRef answers the first payment")
        let negative = try await pay("-1.00")
        #expect(negative.status == 422 && negative.firstError?["source"]?["pointer"] == "/data/attributes/amount")
        let afterFirst = try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token)
        #expect(afterFirst.attribute("status") == "PENDING" && afterFirst.attribute("amountDue")?.decimalValue == DecimalNumber("499.80"))
        // 0.20 more than is due: the invoice is paid and the rest is the account's credit.
        #expect(try await pay("500.00").status == 201)
        let paid = try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token)
        #expect(paid.attribute("status") == "PAID" && paid.attribute("amountPaid")?.decimalValue == DecimalNumber("599.80"))
        let paidAgain = try await pay("1.00")
        #expect(paidAgain.status == 409 && paidAgain.firstError?["code"] == "INVOICE_ALREADY_PAID")
        let billedAgain = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        #expect(
            billedAgain.status == 409 && billedAgain.firstError?["code"] == "PERIOD_ALREADY_INVOICED"
                && billedAgain.firstError?["detail"]?.stringValue?.contains(invoice) == true, "\(billedAgain.text.prefix(300))")

        #expect(
            try await waitFor(timeout: .seconds(60)) {
                try await fixture.client.get("/api/v1/billing-accounts/\(fixture.account)", token: fixture.token).attribute("balance")?.decimalValue
                    == DecimalNumber("0.20")
            }, "the overpayment shows as the account's balance")
        // A second subscription's period: its invoice (this call's, or the system's draft) takes the credit.
        let second = try await SubscriptionFixture.createPlan(fixture.client, token: fixture.token, [("trialDays", 0), ("name", "Plano Extra")])
        #expect(try await fixture.subscribe([("planId", .string(second)), ("quantity", 2)]).status == 201)
        let next = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        #expect(
            next.attribute("lines")?.arrayValue?.last?["kind"] == "ACCOUNT_CREDIT"
                && next.attribute("total")?.decimalValue == DecimalNumber("599.60"),
            "\(next.text.prefix(400))")
        let nextID = try #require(next.data?["id"]?.stringValue)
        #expect(try await fixture.client.post("/api/v1/invoices/\(nextID)/cancel", token: fixture.token).attribute("status") == "CANCELED")
        let redo = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        #expect(redo.attribute("total")?.decimalValue == DecimalNumber("599.60"), "the canceled draft gave its credit back")
    }

    @Test("20 payments racing for the whole amount due: exactly one succeeds, the invoice is paid once")
    func racingPayments() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        #expect(try await fixture.subscribe().status == 201)
        let invoice = try #require(
            try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)]).data?["id"]?.stringValue)
        #expect(try await fixture.client.post("/api/v1/invoices/\(invoice)/finalize", token: fixture.token).status == 200)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await fixture.post(
                        "/api/v1/payments", "payments",
                        [
                            "billingAccountId": .string(fixture.account), "invoiceId": .string(invoice),
                            "amount": .number("299.90"), "paymentMethod": "PIX",
                            "externalRef": .string(UUID().uuidString),
                        ]
                    ).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 1 && statuses.allSatisfy { [201, 409, 422].contains($0) }, "\(statuses)")
        let paid = try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token)
        #expect(paid.attribute("status") == "PAID" && paid.attribute("amountPaid")?.decimalValue == DecimalNumber("299.90"))
    }

    @Test("finalize and cancel racing on one draft: exactly one wins; numbers are gapless per tenant")
    func finalizeRaceAndNumbers() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        var numbers: [String] = []
        for round in 0..<4 {
            // A period is billed once: each round bills another account of the tenant.
            let account =
                round == 0
                ? fixture.account
                : try await create(
                    fixture.client, "/api/v1/billing-accounts", "billing-accounts",
                    ["name": .string("Round \(round)"), "email": "round@example.com", "currency": "BRL"], token: fixture.token)
            #expect(try await fixture.subscribe([("billingAccountId", .string(account))]).status == 201)
            let invoice = try #require(
                try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(account)]).data?["id"]?.stringValue)
            async let finalize = fixture.client.post("/api/v1/invoices/\(invoice)/finalize", token: fixture.token)
            async let cancel = fixture.client.post("/api/v1/invoices/\(invoice)/cancel", token: fixture.token)
            let (finalized, canceled) = try await (finalize, cancel)
            #expect([finalized.status, canceled.status].sorted() == [200, 409], "\(finalized.status) \(canceled.status)")
            if finalized.status == 200, let number = finalized.attribute("number")?.stringValue { numbers.append(number) }
        }
        let sequence = numbers.compactMap { Int($0.suffix(6)) }
        #expect(sequence == Array((sequence.first ?? 1)..<((sequence.first ?? 1) + sequence.count)), "gapless: \(numbers)")
        #expect(sequence.first == 1 || numbers.isEmpty, "a new tenant's first number is 000001: \(numbers)")
    }

    @Test("100 parallel refunds of 10.00 on a 500.00 payment: exactly 50 succeed, the rest 409; the payment ends REFUNDED")
    func racingRefunds() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0), ("basePrice", .number("500.00"))])
        #expect(try await fixture.subscribe().status == 201)
        let invoice = try #require(
            try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)]).data?["id"]?.stringValue)
        #expect(try await fixture.client.post("/api/v1/invoices/\(invoice)/finalize", token: fixture.token).status == 200)
        let payment = try #require(
            try await fixture.post(
                "/api/v1/payments", "payments",
                [
                    "billingAccountId": .string(fixture.account), "invoiceId": .string(invoice), "amount": .number("500.00"), "paymentMethod": "PIX",
                    "externalRef": .string(UUID().uuidString),
                ]
            ).data?["id"]?.stringValue)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await fixture.post(
                        "/api/v1/payments/\(payment)/refunds", "refunds", ["amount": .number("10.00"), "reason": "duplicate charge"]
                    ).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 50 && statuses.filter { $0 == 409 }.count == 50, "\(statuses)")
        let refunded = try await fixture.client.get("/api/v1/payments/\(payment)", token: fixture.token)
        #expect(refunded.attribute("status") == "REFUNDED" && refunded.attribute("refunded")?.decimalValue == DecimalNumber("500.00"))
        let more = try await fixture.post("/api/v1/payments/\(payment)/refunds", "refunds", ["amount": .number("0.01")])
        #expect(more.status == 409)
    }

    @Test(
        """
        periods invoice themselves from subscription events, once each: a test clock across 3 renewals drafts 4 invoices; an upgrade's proration \
        lines land on the next one
        """
    )
    func invoicesFromSubscriptionEvents() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(
            cluster, plan: [("trialDays", 0), ("basePrice", .number("100.00"))], clockTime: "2027-04-01T00:00:00Z")
        let clock = try #require(fixture.clock)
        let subscription = try #require(try await fixture.subscribe().data?["id"]?.stringValue)
        #expect(try await fixture.post("/api/v1/test-clocks/\(clock)/advance", "test-clocks", ["frozenTime": "2027-04-16T00:00:00Z"]).status == 200)
        let max = try await SubscriptionFixture.createPlan(
            fixture.client, token: fixture.token, [("name", "Plano Max"), ("basePrice", .number("200.00")), ("trialDays", 0)])
        let upgraded = try await fixture.post("/api/v1/subscriptions/\(subscription)/change-plan", "subscription-changes", ["planId": .string(max)])
        #expect(upgraded.attribute("prorationTotal")?.decimalValue == DecimalNumber("50.00"), "Stripe's example: \(upgraded.text.prefix(300))")
        #expect(try await fixture.post("/api/v1/test-clocks/\(clock)/advance", "test-clocks", ["frozenTime": "2027-07-01T00:00:00Z"]).status == 200)

        // Events are applied eventually and, after a redelivery, possibly out of order: wait for the state they all lead to.
        var invoices: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                invoices =
                    try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token).data?
                    .arrayValue ?? []
                return invoices.count >= 4
                    && invoices.contains { invoice in
                        invoice["attributes"]?["lines"]?.arrayValue?.contains { $0["kind"] == "PRORATION" } == true
                    }
            })
        // Events of one tenant may be applied out of order after a redelivery, so invoices are compared by period, not creation.
        let periods = invoices.compactMap { $0["attributes"]?["periodStart"]?.stringValue }.sorted()
        #expect(
            periods == ["2027-04-01T00:00:00Z", "2027-05-01T00:00:00Z", "2027-06-01T00:00:00Z", "2027-07-01T00:00:00Z"],
            "one invoice per period: \(periods)")
        let may = try #require(invoices.first { $0["attributes"]?["periodStart"] == "2027-05-01T00:00:00Z" }?["attributes"])
        #expect(may["lines"]?.arrayValue?.map { $0["kind"]?.stringValue ?? "" } == ["SUBSCRIPTION", "PRORATION", "PRORATION"])
        #expect(may["total"]?.decimalValue == DecimalNumber("250.00"), "200.00 for May + 50.00 of April's upgrade")
        #expect(invoices.allSatisfy { $0["attributes"]?["status"] == "DRAFT" })
        #expect(invoices.allSatisfy { $0["attributes"]?["livemode"] == false }, "a test account's invoices are test data")
        let finalized = try await fixture.post("/api/v1/invoices/\(try #require(invoices.first?["id"]?.stringValue))/finalize")
        #expect(finalized.attribute("number")?.stringValue?.hasPrefix("TEST-") == true, "numbered apart: \(finalized.text.prefix(300))")
    }

    @Test("test clocks drive test accounts only (Stripe's rule): a live account cannot subscribe on a clock, nor a test account off it")
    func testClocksDriveTestAccountsOnly() async throws {
        let cluster = try await TestCluster.shared.start()
        let live = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        let clock = try await create(live.client, "/api/v1/test-clocks", "test-clocks", ["frozenTime": "2027-04-01T00:00:00Z"], token: live.token)
        let refused = try await live.subscribe([("testClockId", .string(clock))])
        #expect(
            refused.status == 422 && refused.firstError?["code"] == "TEST_CLOCK_MISMATCH"
                && refused.firstError?["source"]?["pointer"] == "/data/attributes/testClockId", "\(refused.text.prefix(300))")
        let test = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)], clockTime: "2027-04-01T00:00:00Z")
        let otherClock = try await create(
            test.client, "/api/v1/test-clocks", "test-clocks", ["frozenTime": "2027-04-01T00:00:00Z"], token: test.token)
        #expect(try await test.subscribe([("testClockId", .string(otherClock))]).firstError?["code"] == "TEST_CLOCK_MISMATCH")
        let subscribed = try await test.subscribe()
        let testClock = try #require(test.clock)
        #expect(subscribed.status == 201 && subscribed.attribute("testClockId") == .string(testClock), "on its account's clock")
        #expect(subscribed.attribute("startDate") == "2027-04-01T00:00:00Z")

        // The ledger grants a test account test credits only; a live account's are real.
        for (fixture, livemode) in [(test, false), (live, true)] {
            let granted = try await fixture.post(
                "/api/v1/credit-grants", "credit-grants", ["billingAccountId": .string(fixture.account), "credits": .number("25")])
            #expect(granted.status == 201 && granted.attribute("livemode") == .bool(livemode), "\(granted.text.prefix(300))")
            let wallet = try await fixture.client.get("/api/v1/credit-wallets/\(fixture.account)", token: fixture.token)
            #expect(wallet.attribute("livemode") == .bool(livemode), "\(wallet.text.prefix(300))")
            #expect(wallet.attribute("grants")?.arrayValue?.allSatisfy { $0["livemode"] == .bool(livemode) } == true)
        }
    }

    @Test(
        """
        postpaid credit overage: the overdraft owed when a period ends is billed once on the next invoice at the plan's price and written off \
        the wallet, not repaid from the new allowance
        """
    )
    func creditOverage() async throws {
        let cluster = try await TestCluster.shared.start()
        let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let fixture = try await SubscriptionFixture.make(
            cluster,
            plan: [
                ("trialDays", 0), ("basePrice", .number("100.00")), ("includedCredits", 10),
                ("creditOveragePrice", .number("0.25")),
            ], clockTime: RFC3339.format(start))
        let refused = try await fixture.client.post(
            "/api/v1/subscription-plans", token: fixture.token,
            json: resource(
                "subscription-plans",
                [
                    "name": "Bad", "billingInterval": "MONTHLY", "billingCycleType": "ANNIVERSARY", "basePrice": 10, "currency": "BRL",
                    "creditOveragePrice": -1,
                ]))
        #expect(
            refused.status == 422 && refused.firstError?["source"]?["pointer"] == "/data/attributes/creditOveragePrice", "\(refused.text.prefix(300))"
        )
        let model = uniqueCode("unit")
        _ = try await create(
            fixture.client, "/api/v1/ai-models", "ai-models", ["modelId": .string(model), "name": "Unit", "inputRate": 1, "outputRate": 1],
            token: fixture.token)
        let clock = try #require(fixture.clock)
        let subscription = try #require(try await fixture.subscribe().data?["id"]?.stringValue)
        let wallet = "/api/v1/credit-wallets/\(fixture.account)"
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                try await fixture.client.get(wallet, token: fixture.token).attribute("monthlyRemaining")?.decimalValue == DecimalNumber(10)
            }, "the first period's allowance")
        let settings = try await fixture.client.send(
            "PUT", wallet + "/settings", token: fixture.token,
            json: resource("credit-wallet-settings", ["overdraftLimit": 20]))
        #expect(settings.status == 200, "\(settings.text.prefix(300))")
        let charged = try await fixture.client.post(
            "/api/v1/credit-charges", token: fixture.token,
            json: resource(
                "credit-charges",
                [
                    "billingAccountId": .string(fixture.account), "model": .string(model), "inputTokens": 15, "outputTokens": 0,
                    "idempotencyKey": .string(UUID().uuidString),
                ]))
        #expect(charged.status == 201, "\(charged.text.prefix(300))")
        #expect(
            try await fixture.client.get(wallet, token: fixture.token).attribute("debt")?.decimalValue == DecimalNumber(5),
            "10 allowance + 5 overdraft")

        #expect(
            try await fixture.post(
                "/api/v1/test-clocks/\(clock)/advance", "test-clocks",
                ["frozenTime": .string(RFC3339.format(start.addingTimeInterval(32 * 86_400)))]
            ).status == 200)
        var invoices: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                invoices =
                    try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token).data?
                    .arrayValue ?? []
                return invoices.count >= 2
            })
        let overage = invoices.flatMap { $0["attributes"]?["lines"]?.arrayValue ?? [] }.filter { $0["kind"] == "CREDIT_OVERAGE" }
        #expect(overage.count == 1, "billed once: \(overage)")
        #expect(
            overage.first?["quantity"]?.decimalValue == DecimalNumber(5) && overage.first?["unitAmount"]?.decimalValue == DecimalNumber("0.25")
                && overage.first?["amount"]?.decimalValue == DecimalNumber("1.25"), "\(overage)")
        let renewal = try #require(
            invoices.first { $0["attributes"]?["lines"]?.arrayValue?.contains { $0["kind"] == "CREDIT_OVERAGE" } == true }?["attributes"])
        #expect(renewal["total"]?.decimalValue == DecimalNumber("101.25") && renewal["subscriptionId"]?.stringValue == subscription)
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                let after = try await fixture.client.get(wallet, token: fixture.token)
                let allowance = after.attribute("grants")?.arrayValue?.first {
                    $0["reference"]?.stringValue?.hasPrefix("subscription:\(subscription):") == true
                }
                return after.attribute("debt")?.decimalValue == .zero && allowance?["remaining"]?.decimalValue == DecimalNumber(10)
            }, "the debt is written off, and the new period's allowance granted in full")
        #expect(try await fixture.client.get(wallet + "/audit", token: fixture.token).attribute("consistent") == true)
    }

    @Test(
        """
        provider webhooks: the same signed notification 5 times in parallel pays once; stale, forged, altered, unsigned and unknown-provider \
        ones are refused
        """
    )
    func providerWebhooks() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        #expect(try await fixture.subscribe().status == 201)
        let invoice = try #require(
            try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)]).data?["id"]?.stringValue)
        #expect(try await fixture.client.post("/api/v1/invoices/\(invoice)/finalize", token: fixture.token).status == 200)
        let secret = "whsec_sandbox_development_only_0123456789"
        let body = JSONWriter.bytes([
            "id": .string("evt_" + UUID().uuidString), "type": "payment.succeeded",
            "data": [
                "tenantId": .string(fixture.tenant), "billingAccountId": .string(fixture.account), "invoiceId": .string(invoice),
                "amount": .number("299.90"),
                "paymentMethod": "PIX", "externalRef": .string("E" + UUID().uuidString.replacingOccurrences(of: "-", with: "")),
            ],
        ])
        func deliver(_ body: [UInt8], secret: String = secret, age: TimeInterval = 0, provider: String = "sandbox") async throws -> HTTPTestResponse {
            let header = WebhookSignature.header(body: body, secrets: [secret], timestamp: Int64(Date().timeIntervalSince1970 - age))
            return try await fixture.client.send(
                "POST", "/api/v1/webhooks/payments/\(provider)", rawBody: Data(body), headers: ["Billing-Signature": header])
        }
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<5 { group.addTask { try await deliver(body).attribute("outcome")?.stringValue ?? "error" } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.sorted() == ["DUPLICATE", "DUPLICATE", "DUPLICATE", "DUPLICATE", "PAYMENT_RECORDED"], "\(outcomes)")
        let paid = try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token)
        #expect(paid.attribute("status") == "PAID" && paid.attribute("amountPaid")?.decimalValue == DecimalNumber("299.90"))

        let stale = try await deliver(body, age: 301)
        #expect(stale.status == 401 && stale.firstError?["code"] == "SIGNATURE_EXPIRED")
        let forged = try await deliver(body, secret: "whsec_not_the_right_secret_000")
        #expect(forged.status == 401 && forged.firstError?["code"] == "SIGNATURE_MISMATCH")
        // The body changed by one byte (a character of the event id, so it is still valid JSON) under the original signature.
        var altered = body
        let idStart = try #require((0..<(altered.count - 4)).first { Array(altered[$0..<($0 + 4)]) == Array("evt_".utf8) }) + 4
        altered[idStart] = altered[idStart] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let signedOriginal = WebhookSignature.header(body: body, secrets: [secret], timestamp: Int64(Date().timeIntervalSince1970))
        let tampered = try await fixture.client.send(
            "POST", "/api/v1/webhooks/payments/sandbox", rawBody: Data(altered),
            headers: ["Billing-Signature": signedOriginal])
        #expect(tampered.status == 401 && tampered.firstError?["code"] == "SIGNATURE_MISMATCH")
        #expect(try await deliver(body, provider: "nobody").status == 404)
        let unsigned = try await fixture.client.send("POST", "/api/v1/webhooks/payments/sandbox", rawBody: Data(body))
        #expect(unsigned.status == 401 && unsigned.firstError?["code"] == "SIGNATURE_MISSING")
    }

    @Test(
        """
        checkout: a credit package bought by PIX and paid through the sandbox webhook grants its credits; a paid add-on bought by card turns its \
        feature on, and refunding its payment in full cancels it; a declined card leaves the invoice PENDING
        """
    )
    func checkouts() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        let subscription = try #require(try await fixture.subscribe().data?["id"]?.stringValue)
        let code = uniqueCode("growth")
        _ = try await create(
            fixture.client, "/api/v1/credit-packages", "credit-packages",
            ["code": .string(code), "name": "Growth", "credits": 300, "price": .number("99.70"), "currency": "BRL"], token: fixture.token)
        let pixCheckout = try await fixture.post(
            "/api/v1/checkouts", "checkouts",
            [
                "billingAccountId": .string(fixture.account), "paymentMethod": "PIX",
                "items": [["type": "CREDIT_PACKAGE", "packageCode": .string(code)]],
            ])
        #expect(pixCheckout.status == 201, "\(pixCheckout.text.prefix(400))")
        let invoice = try #require(pixCheckout.attribute("invoice")?["id"]?.stringValue)
        #expect(
            pixCheckout.attribute("invoice")?["status"] == "PENDING"
                && pixCheckout.attribute("pix")?["copyPaste"]?.stringValue?.contains("540599.70") == true)
        // The PIX charge shown waits as a PENDING payment; paying it completes that same payment.
        func payments(_ query: String) async throws -> [JSONValue] {
            try await fixture.client.get("/api/v1/payments?\(query)", token: fixture.token).data?.arrayValue ?? []
        }
        let waiting = try await payments("filter%5BinvoiceId%5D=\(invoice)")
        #expect(
            waiting.count == 1 && waiting.first?["attributes"]?["status"] == "PENDING"
                && waiting.first?["attributes"]?["amount"]?.decimalValue == DecimalNumber("99.70"), "\(waiting)")
        let body = JSONWriter.bytes([
            "id": .string("evt_" + UUID().uuidString), "type": "payment.succeeded",
            "data": [
                "tenantId": .string(fixture.tenant), "billingAccountId": .string(fixture.account), "invoiceId": .string(invoice),
                "amount": .number("99.70"),
                "paymentMethod": "PIX", "externalRef": .string("E" + UUID().uuidString.replacingOccurrences(of: "-", with: "")),
            ],
        ])
        let header = WebhookSignature.header(
            body: body, secrets: ["whsec_sandbox_development_only_0123456789"], timestamp: Int64(Date().timeIntervalSince1970))
        let delivered = try await fixture.client.send(
            "POST", "/api/v1/webhooks/payments/sandbox", rawBody: Data(body), headers: ["Billing-Signature": header])
        #expect(delivered.attribute("outcome") == "PAYMENT_RECORDED", "\(delivered.text.prefix(300))")
        let settled = try await payments("filter%5BinvoiceId%5D=\(invoice)")
        #expect(
            settled.count == 1 && settled.first?["id"] == waiting.first?["id"] && settled.first?["attributes"]?["status"] == "COMPLETED"
                && settled.first?["attributes"]?["externalRef"]?.stringValue?.hasPrefix("E") == true, "\(settled)")
        let paidInvoice = try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token)
        #expect(paidInvoice.attribute("paymentMethod") == "PIX" && paidInvoice.attribute("paidAt")?.stringValue != nil)
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                let wallet = try await fixture.client.get("/api/v1/credit-wallets/\(fixture.account)", token: fixture.token)
                return wallet.attribute("purchasedRemaining")?.decimalValue == DecimalNumber(300)
            }, "the ledger granted the package once the invoice was paid")

        let addon = try await create(
            fixture.client, "/api/v1/addons", "addons",
            [
                "code": .string(uniqueCode("wa")), "name": "WhatsApp", "price": .number("49.90"),
                "currency": "BRL", "featureFlag": "whatsapp",
            ], token: fixture.token)
        let pending = try await fixture.post("/api/v1/subscriptions/\(subscription)/addons", "subscription-addons", ["addonId": .string(addon)])
        #expect(pending.attribute("addons")?.arrayValue?.first?["status"] == "PENDING")
        let item: JSONValue = ["type": "ADDON", "subscriptionId": .string(subscription), "addonId": .string(addon)]
        let declined = try await fixture.post(
            "/api/v1/checkouts", "checkouts",
            [
                "billingAccountId": .string(fixture.account), "paymentMethod": "CARD", "cardToken": "tok_declined", "items": [item],
            ])
        #expect(declined.status == 201 && declined.attribute("cardStatus") == "DECLINED" && declined.attribute("invoice")?["status"] == "PENDING")
        let declinedInvoice = try #require(declined.attribute("invoice")?["id"]?.stringValue)
        let failed = try await payments("filter%5BinvoiceId%5D=\(declinedInvoice)&filter%5Bstatus%5D=FAILED&filter%5BpaymentMethod%5D=CARD")
        #expect(
            failed.count == 1 && failed.first?["attributes"]?["failureReason"]?.stringValue?.isEmpty == false
                && failed.first?["attributes"]?["amount"]?.decimalValue == DecimalNumber("49.90"), "a decline is a FAILED payment: \(failed)")
        let approved = try await fixture.post(
            "/api/v1/checkouts", "checkouts",
            [
                "billingAccountId": .string(fixture.account), "paymentMethod": "CARD", "cardToken": "tok_visa", "items": [item],
            ])
        #expect(approved.attribute("cardStatus") == "APPROVED" && approved.attribute("invoice")?["status"] == "PAID", "\(approved.text.prefix(400))")
        #expect(approved.attribute("invoice")?["paymentMethod"] == "CARD")
        // Filters: by account and method, by time, and pages.
        let all = try await payments("filter%5BbillingAccountId%5D=\(fixture.account)")
        #expect(all.compactMap { $0["attributes"]?["status"]?.stringValue } == ["COMPLETED", "FAILED", "COMPLETED"], "\(all)")
        #expect(try await payments("filter%5BbillingAccountId%5D=\(fixture.account)&filter%5BpaymentMethod%5D=PIX").count == 1)
        #expect(try await payments("filter%5BbillingAccountId%5D=\(fixture.account)&filter%5Bsince%5D=2999-01-01T00:00:00Z").isEmpty)
        let firstPage = try await fixture.client.get(
            "/api/v1/payments?filter%5BbillingAccountId%5D=\(fixture.account)&page%5Bsize%5D=2", token: fixture.token)
        let next = try #require(firstPage.json?["links"]?["next"]?.stringValue, "\(firstPage.text.prefix(400))")
        #expect(try await fixture.client.get(next, token: fixture.token).data?.arrayValue?.first?["id"] == all.last?["id"])
        let badFilter = try await fixture.client.get("/api/v1/payments?filter%5Bstatus%5D=LOST", token: fixture.token)
        #expect(badFilter.status == 400 && badFilter.firstError?["source"]?["parameter"] == "filter[status]", "\(badFilter.text.prefix(300))")
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                try await fixture.client.get("/api/v1/subscriptions/\(subscription)/entitlements", token: fixture.token).attribute("features")?
                    .arrayValue?
                    .contains("whatsapp") == true
            }, "the paid invoice turned the add-on on")
        let addonPayment = try #require(approved.attribute("payment")?["id"]?.stringValue)
        let refunded = try await fixture.post("/api/v1/payments/\(addonPayment)/refunds", "refunds", [:])
        #expect(refunded.status == 201, "\(refunded.text.prefix(300))")
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                let read = try await fixture.client.get("/api/v1/subscriptions/\(subscription)", token: fixture.token)
                return read.attribute("addons")?.arrayValue?.first?["status"] == "CANCELED"
            }, "refunding the add-on's payment in full canceled the add-on")
        let features = try await fixture.client.get("/api/v1/subscriptions/\(subscription)/entitlements", token: fixture.token)
        #expect(features.attribute("features")?.arrayValue?.contains("whatsapp") == false)
        let bad = try await fixture.post(
            "/api/v1/checkouts", "checkouts",
            [
                "billingAccountId": .string(fixture.account), "paymentMethod": "PIX",
                "items": [
                    ["type": "CREDIT_PACKAGE", "packageCode": "no-such-package"]
                ],
            ])
        #expect(bad.status == 422 && bad.firstError?["source"]?["pointer"] == "/data/attributes/items/0/packageCode", "\(bad.text.prefix(300))")
    }

    @Test("usage charges: a plan's meter priced by a TIERED product bills a USAGE line per tier touched on the invoice")
    func usageCharges() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant("usage-bill"), roles: ["owner"])
        let client = cluster.client
        let meterCode = uniqueCode("messages")
        let meter = try await create(
            client, "/api/v1/usage-meters", "usage-meters", ["code": .string(meterCode), "name": "Messages", "aggregation": "COUNT"],
            token: token)
        let product = try await create(
            client, "/api/v1/billing-products", "billing-products",
            [
                "code": .string(uniqueCode("msg")), "name": "Messages", "pricingModel": "TIERED", "currency": "BRL",
                "tiers": [["upTo": 5, "unitAmount": .number("1.00")], ["upTo": nil, "unitAmount": .number("0.50")]],
            ], token: token)
        let plan = try await SubscriptionFixture.createPlan(
            client, token: token,
            [
                ("trialDays", 0), ("basePrice", .number("100.00")), ("usageCharges", [["meterId": .string(meter), "productId": .string(product)]]),
            ])
        let renewal = try await UsageRenewal.invoice(
            client, token: token, plan: plan,
            usage: { account, start in
                (0..<8).map { index in usageEvent("m-\(index)", account: account, meter: meterCode, timestamp: start.addingTimeInterval(60)) }
            })
        let usage = renewal?["lines"]?.arrayValue?.filter { $0["kind"] == "USAGE" } ?? []
        #expect(usage.map { $0["amount"]?.decimalValue } == [DecimalNumber("5.00"), DecimalNumber("1.50")], "tier 1: 5 × 1.00, tier 2: 3 × 0.50")
        #expect(usage.map { $0["tier"] } == [1, 2] && usage.allSatisfy { $0["meterCode"] == .string(meterCode) })
        #expect(renewal?["total"]?.decimalValue == DecimalNumber("106.50"))
    }

    @Test(
        """
        a SUM meter totalling below zero (corrections) bills a zero USAGE line that says so on the period's invoice; the plan fee is invoiced \
        all the same
        """
    )
    func negativeUsageBillsZero() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant("usage-neg"), roles: ["owner"])
        let client = cluster.client
        let meterCode = uniqueCode("tokens")
        let meter = try await create(
            client, "/api/v1/usage-meters", "usage-meters",
            ["code": .string(meterCode), "name": "Tokens", "aggregation": "SUM", "property": "tokens"], token: token)
        let product = try await create(
            client, "/api/v1/billing-products", "billing-products",
            ["code": .string(uniqueCode("tok")), "name": "Tokens", "pricingModel": "PER_UNIT", "currency": "BRL", "unitAmount": .number("0.10")],
            token: token)
        let plan = try await SubscriptionFixture.createPlan(
            client, token: token,
            [("trialDays", 0), ("basePrice", .number("100.00")), ("usageCharges", [["meterId": .string(meter), "productId": .string(product)]])])
        let renewal = try await UsageRenewal.invoice(
            client, token: token, plan: plan,
            usage: { account, start in
                [
                    usageEvent("n-1", account: account, meter: meterCode, timestamp: start.addingTimeInterval(3600), properties: ["tokens": 3]),
                    usageEvent("n-2", account: account, meter: meterCode, timestamp: start.addingTimeInterval(7200), properties: ["tokens": -10]),
                ]
            })
        #expect(renewal != nil, "a negative usage total never blocks the period's invoice")
        let usage = renewal?["lines"]?.arrayValue?.filter { $0["kind"] == "USAGE" } ?? []
        #expect(usage.count == 1 && usage.first?["amount"]?.decimalValue == DecimalNumber("0.00"))
        #expect(usage.first?["description"]?.stringValue?.contains("below zero") == true, "\(usage)")
        #expect(renewal?["total"]?.decimalValue == DecimalNumber("100.00"))
    }

    @Test(
        """
        minimum commitment (issue 26, Orb's minimum): a plan with minimumAmount 20.00 whose period used 6.50 of usage bills a \
        MINIMUM_TRUE_UP line of 13.50 (the plan fee does not count); usage above the minimum adds none; a minimumAmount finer than \
        the currency is a 422 naming it
        """
    )
    func minimumCommitment() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant("minimum"), roles: ["owner"])
        let client = cluster.client
        let meterCode = uniqueCode("calls")
        let meter = try await create(
            client, "/api/v1/usage-meters", "usage-meters", ["code": .string(meterCode), "name": "Calls", "aggregation": "COUNT"], token: token)
        let product = try await create(
            client, "/api/v1/billing-products", "billing-products",
            ["code": .string(uniqueCode("call")), "name": "Calls", "pricingModel": "PER_UNIT", "currency": "BRL", "unitAmount": .number("1.30")],
            token: token)
        let charges: JSONValue = [["meterId": .string(meter), "productId": .string(product)]]
        let refused = try await client.post(
            "/api/v1/subscription-plans", token: token,
            json: resource(
                "subscription-plans",
                [
                    "name": "Mínimo", "billingInterval": "MONTHLY", "billingCycleType": "ANNIVERSARY", "basePrice": .number("100.00"),
                    "currency": "BRL", "usageCharges": charges, "minimumAmount": .number("20.005"),
                ]))
        #expect(refused.status == 422 && refused.firstError?["source"]?["pointer"] == "/data/attributes/minimumAmount", "\(refused.text.prefix(300))")
        for (calls, trueUp) in [(5, DecimalNumber("13.50")), (20, nil)] {
            let plan = try await SubscriptionFixture.createPlan(
                client, token: token,
                [("trialDays", 0), ("basePrice", .number("100.00")), ("usageCharges", charges), ("minimumAmount", .number("20.00"))])
            let renewal = try await UsageRenewal.invoice(
                client, token: token, plan: plan,
                usage: { account, start in
                    (0..<calls).map { usageEvent("c\(calls)-\($0)", account: account, meter: meterCode, timestamp: start.addingTimeInterval(60)) }
                })
            let lines = renewal?["lines"]?.arrayValue ?? []
            let usage = lines.filter { $0["kind"] == "USAGE" }.compactMap { $0["amount"]?.decimalValue }
            let minimum = lines.filter { $0["kind"] == "MINIMUM_TRUE_UP" }
            #expect(minimum.map { $0["amount"]?.decimalValue } == (trueUp.map { [$0] } ?? []), "\(calls) calls: \(lines)")
            let expected = calls == 5 ? DecimalNumber("120.00") : DecimalNumber("126.00")
            #expect(renewal?["total"]?.decimalValue == expected, "usage \(usage)")
        }
    }

    @Test("with autoFinalize set, a period's invoice is finalized as it is drafted, with the tenant's net terms")
    func autoFinalize() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        let settings = try await fixture.client.send(
            "PUT", "/api/v1/invoice-settings", token: fixture.token,
            json: resource("invoice-settings", ["autoFinalize": true, "netTermsDays": 10]))
        #expect(settings.status == 200 && settings.attribute("autoFinalize") == true, "\(settings.text.prefix(300))")
        #expect(try await fixture.client.get("/api/v1/invoice-settings", token: fixture.token).attribute("netTermsDays") == 10)
        let bad = try await fixture.client.send(
            "PUT", "/api/v1/invoice-settings", token: fixture.token,
            json: resource("invoice-settings", ["autoFinalize": true, "netTermsDays": 400]))
        #expect(bad.status == 422 && bad.firstError?["source"]?["pointer"] == "/data/attributes/netTermsDays")
        #expect(try await fixture.subscribe().status == 201)
        var invoice: JSONValue?
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                invoice = try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token).data?
                    .arrayValue?.first
                return invoice?["attributes"]?["status"] != "DRAFT" && invoice != nil  // drafted, then numbered by the finalization job
            })
        #expect(invoice?["attributes"]?["status"] == "PENDING" && invoice?["attributes"]?["number"]?.stringValue?.count == 11)
        #expect(invoice?["attributes"]?["netTermsDays"] == 10)
    }

    @Test(
        """
        a refund takes back what the payment bought: its share of the package's credits (REFUND_REVERSAL), 409 CREDITS_SPENT when they \
        were spent, unless leaveWalletInDebt, which leaves the wallet owing them
        """
    )
    func refundTakesBackCredits() async throws {
        let cluster = try await TestCluster.shared.start()
        let credits = try await CreditFixture.make(cluster)
        let code = uniqueCode("refundable")
        _ = try await create(
            credits.client, "/api/v1/credit-packages", "credit-packages",
            ["code": .string(code), "name": "Growth", "credits": 300, "price": .number("90.00"), "currency": "BRL"], token: credits.token)
        let bought = try await credits.client.post(
            "/api/v1/checkouts", token: credits.token,
            json: resource(
                "checkouts",
                [
                    "billingAccountId": .string(credits.account), "paymentMethod": "CARD", "cardToken": "tok_visa",
                    "items": [["type": "CREDIT_PACKAGE", "packageCode": .string(code)]],
                ]))
        #expect(bought.attribute("cardStatus") == "APPROVED", "\(bought.text.prefix(300))")
        let payment = try #require(bought.attribute("payment")?["id"]?.stringValue)
        func purchased(_ expected: Int) async throws -> Bool {
            try await waitFor(timeout: .seconds(60)) {
                try await credits.wallet()?["purchasedRemaining"]?.decimalValue == DecimalNumber(Int64(expected))
            }
        }
        func refund(_ attributes: JSONValue) async throws -> HTTPTestResponse {
            try await credits.client.post("/api/v1/payments/\(payment)/refunds", token: credits.token, json: resource("refunds", attributes))
        }
        #expect(try await purchased(300))
        let third = try await refund(["amount": .number("30.00")])
        #expect(third.status == 201, "\(third.text.prefix(300))")
        #expect(try await purchased(200), "a third of the price took back a third of the credits")
        #expect(try await credits.charge(150).status == 201, "50 of the package are left")
        let refused = try await refund([:])
        #expect(refused.status == 409 && refused.firstError?["code"] == "CREDITS_SPENT", "\(refused.text.prefix(300))")
        let forced = try await refund(["leaveWalletInDebt": true])
        #expect(forced.status == 201 && forced.attribute("payment")?["status"] == "REFUNDED", "\(forced.text.prefix(300))")
        #expect(try await purchased(0))
        let wallet = try await credits.wallet()
        #expect(wallet?["debt"]?.decimalValue == DecimalNumber(150) && wallet?["available"]?.decimalValue == DecimalNumber(-150))
        try await credits.audited("after the refunds")
    }

    @Test(
        "auto-recharge (seed 003): falling below the threshold sells the package on an invoice charged to the saved card, once; the ledger grants it")
    func autoRecharge() async throws {
        let cluster = try await TestCluster.shared.start()
        let credits = try await CreditFixture.make(cluster)
        let code = uniqueCode("recharge")
        _ = try await create(
            credits.client, "/api/v1/credit-packages", "credit-packages",
            ["code": .string(code), "name": "Recarga", "credits": 500, "price": .number("150.00"), "currency": "BRL"], token: credits.token)
        let card = try await credits.client.post(
            "/api/v1/billing-accounts/\(credits.account)/payment-methods", token: credits.token,
            json: resource("payment-methods", ["cardToken": "tok_visa", "label": "Visa •••• 4242"]))
        #expect(card.status == 201 && card.attribute("isDefault") == true && card.attribute("cardToken") == nil, "\(card.text.prefix(300))")
        let unknown = try await credits.client.post(
            "/api/v1/billing-accounts/\(credits.account)/payment-methods", token: credits.token,
            json: resource("payment-methods", ["cardToken": "tok_nonsense"]))
        #expect(unknown.status == 422 && unknown.firstError?["source"]?["pointer"] == "/data/attributes/cardToken")
        #expect(try await credits.grant(100).status == 201)
        let settings = try await credits.client.send(
            "PUT", "/api/v1/credit-wallets/\(credits.account)/settings", token: credits.token,
            json: resource("credit-wallet-settings", ["autoRecharge": ["packageCode": .string(code), "threshold": 50]]))
        #expect(settings.status == 200, "\(settings.text.prefix(300))")
        #expect(try await credits.charge(60).status == 201, "40 left, below the threshold of 50")
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                try await credits.wallet()?["purchasedRemaining"]?.decimalValue == DecimalNumber(500)
            }, "the package was invoiced, charged to the saved card and granted")
        let invoices =
            try await credits.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(credits.account)", token: credits.token).data?.arrayValue
            ?? []
        #expect(
            invoices.count == 1 && invoices.first?["attributes"]?["status"] == "PAID"
                && invoices.first?["attributes"]?["total"]?.decimalValue == DecimalNumber("150.00"))
        try await credits.audited("after the recharge")
    }

    @Test(
        """
        automatic collection: a period invoice is charged to the saved card; a decline is retried per the tenant's schedule with the card that \
        is then the default, and stops after the last attempt
        """
    )
    func cardRetries() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0), ("basePrice", .number("100.00"))])
        let bad = try await fixture.client.send(
            "PUT", "/api/v1/invoice-settings", token: fixture.token,
            json: resource("invoice-settings", ["autoFinalize": true, "netTermsDays": 7, "cardRetrySchedule": "2x"]))
        #expect(bad.status == 422 && bad.firstError?["source"]?["pointer"] == "/data/attributes/cardRetrySchedule", "\(bad.text.prefix(300))")
        let settings = try await fixture.client.send(
            "PUT", "/api/v1/invoice-settings", token: fixture.token,
            json: resource("invoice-settings", ["autoFinalize": true, "netTermsDays": 7, "cardRetrySchedule": "30s,2s"]))
        #expect(settings.status == 200 && settings.attribute("cardRetrySchedule") == "30s,2s", "\(settings.text.prefix(300))")
        func saveCard(_ account: String, _ token: String) async throws {
            let saved = try await fixture.post(
                "/api/v1/billing-accounts/\(account)/payment-methods", "payment-methods", ["cardToken": .string(token)])
            #expect(saved.status == 201, "\(saved.text.prefix(300))")
        }
        func invoice(of account: String) async throws -> JSONValue? {
            try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(account)", token: fixture.token).data?.arrayValue?.first?[
                "attributes"]
        }

        // Declined first; the customer then saves a good card (well within the 30 s before the retry, even on a loaded machine),
        // and the retry pays with it.
        try await saveCard(fixture.account, "tok_declined")
        #expect(try await fixture.subscribe().status == 201)
        var current: JSONValue?
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                current = try await invoice(of: fixture.account)
                return current?["paymentAttempts"] == 1 && current?["nextPaymentAttempt"]?.stringValue != nil
            }, "the first charge was declined and a retry is scheduled: \(String(describing: current))")
        #expect(current?["status"] == "PENDING")
        try await saveCard(fixture.account, "tok_visa")
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                current = try await invoice(of: fixture.account)
                return current?["status"] == "PAID"
            }, "\(String(describing: current))")
        #expect(current?["paymentAttempts"] == 2 && current?["nextPaymentAttempt"]?.stringValue == nil)
        // Each attempt is a payment: the decline FAILED, the retry COMPLETED; none left PROCESSING.
        let attemptsPaid = try await fixture.client.get(
            "/api/v1/payments?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token
        ).data?.arrayValue?.compactMap { $0["attributes"]?["status"]?.stringValue }
        #expect(attemptsPaid == ["FAILED", "COMPLETED"], "\(String(describing: attemptsPaid))")
        #expect(current?["paymentMethod"] == "CARD")

        // Declined every time: the first charge and two retries, then nothing more is scheduled and the invoice waits for PIX.
        let other = try await create(
            fixture.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: fixture.token)
        try await saveCard(other, "tok_insufficient_funds")
        #expect(
            try await fixture.client.post(
                "/api/v1/subscriptions", token: fixture.token,
                json: resource(
                    "subscriptions",
                    [
                        "billingAccountId": .string(other), "planId": .string(fixture.plan),
                    ])
            ).status == 201)
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                current = try await invoice(of: other)
                return current?["paymentAttempts"] == 3
            }, "\(String(describing: current))")
        #expect(
            current?["status"] == "PENDING" && current?["nextPaymentAttempt"]?.stringValue == nil
                && current?["amountPaid"]?.decimalValue == DecimalNumber("0.00"))
        var failures: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                failures = try await auditEvents(fixture.client, token: fixture.token, type: "billing.payment.failed")
                    .filter { $0["attributes"]?["data"]?["billingAccountId"] == .string(other) }
                return failures.count == 3
            }, "one payment.failed per attempt: \(failures.count)")
        let attempts = failures.compactMap { $0["attributes"]?["data"]?["attempt"]?.decimalValue?.description }.sorted()
        #expect(attempts == ["1", "2", "3"])
        #expect(failures.allSatisfy { $0["attributes"]?["data"]?["reason"] == "insufficient_funds" })
        // Each billing.payment.failed names a FAILED payment that GET /payments/{id} returns, with its reason.
        for failure in failures {
            let id = try #require(failure["attributes"]?["data"]?["paymentId"]?.stringValue)
            let payment = try await fixture.client.get("/api/v1/payments/\(id)", token: fixture.token)
            #expect(
                payment.status == 200 && payment.attribute("status") == "FAILED" && payment.attribute("failureReason") == "insufficient_funds"
                    && payment.attribute("paymentMethod") == "CARD", "\(payment.text.prefix(300))")
        }
    }

    @Test("void: a finalized invoice with nothing paid becomes VOID and keeps its number; a draft cannot be voided, a void one not again")
    func voidInvoice() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        #expect(try await fixture.subscribe().status == 201)
        let invoice = try #require(
            try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)]).data?["id"]?.stringValue)
        let draftVoid = try await fixture.client.post("/api/v1/invoices/\(invoice)/void", token: fixture.token)
        #expect(draftVoid.status == 409 && draftVoid.firstError?["code"] == "INVALID_STATUS_TRANSITION")
        let number = try await fixture.client.post("/api/v1/invoices/\(invoice)/finalize", token: fixture.token).attribute("number")
        let voided = try await fixture.client.post("/api/v1/invoices/\(invoice)/void", token: fixture.token)
        #expect(voided.status == 200 && voided.attribute("status") == "VOID" && voided.attribute("number") == number)
        #expect(try await fixture.client.post("/api/v1/invoices/\(invoice)/void", token: fixture.token).status == 409)
    }
}

/// The text of a PDF as poppler's `pdftotext` reads it (installed by `make test`): an independent check of what the
/// invoicing service writes by hand.
func pdfText(_ body: Data) throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("invoice-\(UUID().uuidString).pdf")
    try body.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
    process.arguments = ["-layout", file.path, "-"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = Pipe()
    try process.run()
    let text = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestClusterError(message: "pdftotext could not read the PDF (status \(process.terminationStatus))")
    }
    return String(decoding: text, as: UTF8.self)
}

/// A period's usage billed as in production: a test account on a clock 40 days back subscribes, `usage(account, start)` is recorded in
/// its first period, the clock moves past the period's end, and the renewal's invoice (which bills the period that ended) is answered.
enum UsageRenewal {
    static func invoice(
        _ client: HTTPTestClient, token: String, plan: String, usage: (String, Date) -> [JSONValue]
    ) async throws -> JSONValue? {
        let start = Date().addingTimeInterval(-40 * 86_400)
        let clock = try await create(client, "/api/v1/test-clocks", "test-clocks", ["frozenTime": .string(RFC3339.format(start))], token: token)
        let account = try await create(
            client, "/api/v1/billing-accounts", "billing-accounts",
            accountDocument(extra: [("testClockId", .string(clock))])["data"]!["attributes"]!, token: token)
        let subscription = try await client.post(
            "/api/v1/subscriptions", token: token, json: resource("subscriptions", ["billingAccountId": .string(account), "planId": .string(plan)]))
        #expect(subscription.status == 201, "\(subscription.text.prefix(300))")
        let sent = try await client.post("/api/v1/usage-events", token: token, json: ["data": .array(usage(account, start))])
        #expect([200, 201, 207].contains(sent.status) && sent.json?["meta"]?["refused"] == 0, "\(sent.text.prefix(300))")
        let periodEnd = try #require(subscription.attribute("currentPeriodEnd")?.stringValue)
        let advanced = try await client.post(
            "/api/v1/test-clocks/\(clock)/advance", token: token,
            json: resource("test-clocks", ["frozenTime": .string(RFC3339.format(try #require(RFC3339.parse(periodEnd)).addingTimeInterval(3600)))]))
        #expect(advanced.status == 200, "\(advanced.text.prefix(300))")
        var renewal: JSONValue?
        _ = try await waitFor(timeout: .seconds(30)) {
            let invoices = try await client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(account)", token: token).data?.arrayValue ?? []
            renewal = invoices.first { $0["attributes"]?["periodStart"]?.stringValue == periodEnd }?["attributes"]
            return renewal != nil
        }
        return renewal
    }
}
