import BillingCore
import BillingTesting
import Foundation
import Testing

/// An account with a wallet and an AI model costing 1 credit per input or output token, created through the gateway.
struct CreditFixture {
    let client: HTTPTestClient
    let token: String
    let account: String
    /// `unit`: 1 credit per token, so a charge of N credits is N input tokens.
    let model: String

    static func make(_ cluster: TestCluster.Running, tenant: String? = nil, token: String? = nil, model: String? = nil) async throws -> CreditFixture
    {
        let tenant = tenant ?? newTenant("credits")
        let token = try token ?? cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let account = try await create(
            cluster.client, "/api/v1/billing-accounts", "billing-accounts",
            ["name": "Créditos Ltda", "email": "ia@example.com", "currency": "BRL"], token: token)
        var modelId = model
        if modelId == nil {
            let code = uniqueCode("unit")
            _ = try await create(
                cluster.client, "/api/v1/ai-models", "ai-models",
                ["modelId": .string(code), "name": "Unit", "inputRate": 1, "outputRate": 1], token: token)
            modelId = code
        }
        return CreditFixture(client: cluster.client, token: token, account: account, model: modelId!)
    }

    func grant(_ credits: JSONValue, _ extra: [(String, JSONValue)] = []) async throws -> HTTPTestResponse {
        var attributes = JSONObject([("billingAccountId", .string(account)), ("credits", credits)])
        for (key, value) in extra { attributes[key] = value }
        return try await client.post("/api/v1/credit-grants", token: token, json: resource("credit-grants", .object(attributes)))
    }

    func charge(
        _ tokens: Int64, key: String = UUID().uuidString, model: String? = nil, output: Int64 = 0,
        extra: [(String, JSONValue)] = []
    ) async throws -> HTTPTestResponse {
        var attributes = JSONObject([
            ("billingAccountId", .string(account)), ("model", .string(model ?? self.model)), ("inputTokens", .number(tokens)),
            ("outputTokens", .number(output)), ("idempotencyKey", .string(key)),
        ])
        for (key, value) in extra { attributes[key] = value }
        return try await client.post("/api/v1/credit-charges", token: token, json: resource("credit-charges", .object(attributes)))
    }

    func authorize(
        _ tokens: Int64, ttl: Int? = nil, key: String = UUID().uuidString, extra: [(String, JSONValue)] = []
    ) async throws -> HTTPTestResponse {
        var attributes = JSONObject([
            ("billingAccountId", .string(account)), ("model", .string(model)), ("estimatedInputTokens", .number(tokens)),
            ("estimatedOutputTokens", 0), ("idempotencyKey", .string(key)),
        ])
        if let ttl { attributes["ttlSeconds"] = .number(Int64(ttl)) }
        for (key, value) in extra { attributes[key] = value }
        return try await client.post("/api/v1/credit-authorizations", token: token, json: resource("credit-authorizations", .object(attributes)))
    }

    func settle(_ id: String, tokens: Int64) async throws -> HTTPTestResponse {
        try await client.post(
            "/api/v1/credit-authorizations/\(id)/settle", token: token,
            json: resource("credit-settlements", ["inputTokens": .number(tokens), "outputTokens": 0]))
    }

    func release(_ id: String) async throws -> HTTPTestResponse {
        try await client.post("/api/v1/credit-authorizations/\(id)/release", token: token)
    }

    func wallet() async throws -> JSONValue? {
        let response = try await client.get("/api/v1/credit-wallets/\(account)", token: token)
        #expect(response.status == 200, "\(response.text.prefix(300))")
        return response.data?["attributes"]
    }

    /// Asserts the books agree (balance = journal = grants - debt, held = journal = open holds) and returns the balance.
    @discardableResult
    func audited(_ comment: String = "") async throws -> DecimalNumber? {
        let response = try await client.get("/api/v1/credit-wallets/\(account)/audit", token: token)
        let audit = response.data?["attributes"]
        #expect(response.status == 200 && audit?["consistent"] == true, "\(comment) \(response.text.prefix(600))")
        return audit?["balance"]?.decimalValue
    }
}

func credits(_ value: JSONValue?) -> DecimalNumber? { value?.decimalValue }

@Suite("AI credit wallets through the gateway (real processes)", .serialized, .timeLimit(.minutes(20)))
struct CreditsEndToEndTests {
    static let repetitions = 20
    /// A cluster of its own: 1,000 charges racing on one wallet occupy its ledger's connections, which must not slow other suites.
    /// They queue on the wallet's row lock one after another; while the rest of the suite loads the machine, the last may wait
    /// longer than the default 10 s RPC and 30 s request budgets (a loaded run once got 218 answers other than 201/402). These tests are about
    /// what is charged, so the budgets are raised (still under the test client's 60 s).
    static let cluster = TestCluster(environment: ["BILLING_LEDGER_TIMEOUT_MS": "45000", "BILLING_GATEWAY_REQUEST_TIMEOUT_MS": "50000"])

    @Test("200 concurrent charges of 10 on a wallet of 1,000: exactly 100 succeed and the balance is exactly 0 (20 runs)")
    func twoHundredCharges() async throws {
        let cluster = try await Self.cluster.start()
        let tenant = newTenant("race")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let first = try await CreditFixture.make(cluster, tenant: tenant, token: token)
        for run in 0..<Self.repetitions {
            let fixture = run == 0 ? first : try await CreditFixture.make(cluster, tenant: tenant, token: token, model: first.model)
            #expect(try await fixture.grant(1000).status == 201)
            let outcome = try await race(fixture, count: 200, tokens: 10)
            #expect(outcome.succeeded == 100 && outcome.refused == 100 && outcome.other == 0, "run \(run): \(outcome)")
            #expect(outcome.negativeSeen == false)
            #expect(try await fixture.audited("run \(run)") == DecimalNumber(0))
        }
    }

    @Test("1,000 concurrent charges of 7 on 5,000: exactly 714 succeed, balance 2 (20 runs)")
    func thousandCharges() async throws {
        let cluster = try await Self.cluster.start()
        let tenant = newTenant("race7")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let first = try await CreditFixture.make(cluster, tenant: tenant, token: token)
        for run in 0..<Self.repetitions {
            let fixture = run == 0 ? first : try await CreditFixture.make(cluster, tenant: tenant, token: token, model: first.model)
            #expect(try await fixture.grant(5000).status == 201)
            let outcome = try await race(fixture, count: 1000, tokens: 7)
            #expect(outcome.succeeded == 714 && outcome.refused == 286 && outcome.other == 0, "run \(run): \(outcome)")
            #expect(outcome.negativeSeen == false)
            #expect(try await fixture.audited("run \(run)") == DecimalNumber(2))
        }
    }

    @Test("the same idempotency key sent 20 times in parallel charges once (20 runs)")
    func sameKeyInParallel() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        #expect(try await fixture.grant(10_000).status == 201)
        var ids: Set<String> = []
        for run in 0..<Self.repetitions {
            let key = "exec-\(run)-\(UUID().uuidString)"
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let r = try await fixture.charge(25, key: key)
                        return (r.status, r.data?["id"]?.stringValue)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.0 == 200 || $0.0 == 201 }, "\(answers)")
            #expect(answers.count { $0.0 == 201 } == 1)
            #expect(Set(answers.compactMap(\.1)).count == 1)
            ids.formUnion(answers.compactMap(\.1))
        }
        #expect(ids.count == Self.repetitions)
        #expect(try await fixture.audited() == DecimalNumber(10_000 - 25 * Int64(Self.repetitions)))
        // The key on a different execution is a conflict, not a silent replay.
        let reused = try await fixture.charge(26, key: "exec-reused")
        #expect(reused.status == 201)
        let other = try await fixture.authorize(26, key: "exec-reused")
        #expect(other.status == 409 && other.firstError?["code"] == "IDEMPOTENCY_KEY_REUSED", "\(other.text.prefix(300))")
        // The key on a charge of other token counts is a conflict too, never the first charge answered as this one.
        #expect(try await fixture.charge(26, key: "exec-reused").status == 200, "the same charge again is a replay")
        let otherTokens = try await fixture.charge(27, key: "exec-reused")
        #expect(otherTokens.status == 409 && otherTokens.firstError?["code"] == "IDEMPOTENCY_KEY_REUSED", "\(otherTokens.text.prefix(300))")
    }

    @Test("seed 002: 1,300 tokens at 1 credit per 1,000 rounded up cost 2; seed 003: 3,000 + 5,000 tokens at $3/$15 per million cost 0.084")
    func seedExamples() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        let blocks = uniqueCode("copilot"), sonnet = uniqueCode("sonnet")
        _ = try await create(
            cluster.client, "/api/v1/ai-models", "ai-models",
            [
                "modelId": .string(blocks), "name": "Copilot", "inputRate": 0, "outputRate": 0,
                "rounding": ["mode": "PER_BLOCK", "blockSize": 1000, "creditsPerBlock": 1],
            ], token: fixture.token)
        _ = try await create(
            cluster.client, "/api/v1/ai-models", "ai-models",
            [
                "modelId": .string(sonnet), "name": "Sonnet", "inputRate": .number("0.000003"), "outputRate": .number("0.000015"),
            ], token: fixture.token)
        #expect(try await fixture.grant(100).status == 201)
        let copilot = try await fixture.charge(800, model: blocks, output: 500)
        #expect(copilot.status == 201, "\(copilot.text.prefix(300))")
        #expect(credits(copilot.attribute("credits")) == DecimalNumber(2))
        let research = try await fixture.charge(3000, model: sonnet, output: 5000, extra: [("userId", "ana"), ("featureId", "deep-research")])
        #expect(credits(research.attribute("credits")) == DecimalNumber(significand: 84, scale: 3))
        #expect(credits(research.attribute("wallet")?["balance"]) == DecimalNumber(significand: 97_916, scale: 3))
        let unknown = try await fixture.charge(10, model: "no-such-model")
        #expect(unknown.status == 404 && unknown.firstError?["code"] == "MODEL_NOT_FOUND")
        #expect(unknown.firstError?["source"]?["pointer"] == "/data/attributes/model")
        let report = try await cluster.client.get(
            "/api/v1/credit-wallets/\(fixture.account)/consumption?filter%5BgroupBy%5D=user", token: fixture.token)
        #expect(report.status == 200, "\(report.text.prefix(300))")
        let ana = report.data?.arrayValue?.first { $0["id"] == "ana" }?["attributes"]
        #expect(ana?["inputTokens"] == 3000 && ana?["outputTokens"] == 5000)
        #expect(credits(ana?["credits"]) == DecimalNumber(significand: 84, scale: 3))
        try await fixture.audited()
    }

    @Test("not enough credits: 402 INSUFFICIENT_CREDITS with available and required, and the exhausted event once")
    func insufficientCredits() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        let refused = try await fixture.charge(5)
        #expect(refused.status == 402, "\(refused.text.prefix(300))")
        #expect(refused.firstError?["code"] == "INSUFFICIENT_CREDITS")
        #expect(refused.firstError?["meta"]?["available"] == "0" && refused.firstError?["meta"]?["required"] == "5")
        #expect(try await fixture.grant(10).status == 201)
        let held = try await fixture.authorize(8)
        #expect(held.status == 201)
        let short = try await fixture.charge(3)
        #expect(short.status == 402 && short.firstError?["meta"]?["available"] == "2", "holds count against what is available")
        let wallet = try await fixture.wallet()
        #expect(
            credits(wallet?["balance"]) == DecimalNumber(10) && credits(wallet?["held"]) == DecimalNumber(8)
                && credits(wallet?["available"]) == DecimalNumber(2))
        try await fixture.audited()
        // Exhausted once: when the empty wallet refused, not when 2 credits were still available. (Consumers may record
        // events out of stream order, so the wait is for both.)
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                let granted = try await auditEvents(fixture.client, token: fixture.token, type: "billing.credits.granted").count
                let exhausted = try await auditEvents(fixture.client, token: fixture.token, type: "billing.credits.exhausted").count
                return granted == 1 && exhausted >= 1
            })
        #expect(try await auditEvents(fixture.client, token: fixture.token, type: "billing.credits.exhausted").count == 1)
    }

    @Test("allowance alerts at 80, 90, 95 and 100 % once each, exhausted once, auto-recharge requested once until a purchase arrives")
    func alertsAndAutoRecharge() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        let package = uniqueCode("growth")
        _ = try await create(
            cluster.client, "/api/v1/credit-packages", "credit-packages",
            ["code": .string(package), "name": "Growth", "credits": 300, "price": .number("99.70"), "currency": "BRL"], token: fixture.token)
        #expect(
            try await fixture.grant(100, [("source", "MONTHLY"), ("expiresAt", .string(RFC3339.format(Date().addingTimeInterval(30 * 86_400))))])
                .status == 201)
        let settings = try await fixture.client.send(
            "PUT", "/api/v1/credit-wallets/\(fixture.account)/settings", token: fixture.token,
            json: resource("credit-wallet-settings", ["autoRecharge": ["packageCode": .string(package), "threshold": 30]]))
        #expect(settings.status == 200, "\(settings.text.prefix(300))")
        let unknownPackage = try await fixture.client.send(
            "PUT", "/api/v1/credit-wallets/\(fixture.account)/settings", token: fixture.token,
            json: resource("credit-wallet-settings", ["autoRecharge": ["packageCode": "no-such-package", "threshold": 30]]))
        #expect(unknownPackage.status == 404 && unknownPackage.firstError?["code"] == "PACKAGE_NOT_FOUND")
        for (tokens, status) in [(85, 201), (10, 201), (5, 201), (1, 402)] as [(Int64, Int)] {
            #expect(try await fixture.charge(tokens).status == status)
        }
        let pending = try await fixture.wallet()
        #expect(pending?["settings"]?["autoRecharge"]?["pendingRequestId"]?.stringValue != nil)
        #expect(credits(pending?["allowanceUsedPercent"]) == DecimalNumber(100))
        #expect(try await fixture.grant(50, [("source", "PURCHASE")]).status == 201)
        #expect(
            try await fixture.wallet()?["settings"]?["autoRecharge"]?["pendingRequestId"]?.stringValue == nil, "the purchase ends the pending request"
        )
        #expect(try await fixture.charge(25).status == 201, "25 left, below the threshold again")
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                let requested = try await auditEvents(fixture.client, token: fixture.token, type: "billing.credits.recharge_requested").count
                let thresholds = try await auditEvents(fixture.client, token: fixture.token, type: "billing.credits.threshold_reached").count
                let exhausted = try await auditEvents(fixture.client, token: fixture.token, type: "billing.credits.exhausted").count
                return requested == 2 && thresholds >= 4 && exhausted >= 1
            })
        let thresholds = try await auditEvents(fixture.client, token: fixture.token, type: "billing.credits.threshold_reached")
            .compactMap { $0["attributes"]?["data"]?["thresholdPercent"]?.decimalValue }
        #expect(thresholds.sorted() == [80, 90, 95, 100].map { DecimalNumber(Int64($0)) })
        #expect(try await auditEvents(fixture.client, token: fixture.token, type: "billing.credits.exhausted").count == 1)
        try await fixture.audited()
    }

    @Test("authorize then settle: the real amount is charged and the rest released; one resolution wins, the others get 409")
    func authorizeSettleRelease() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        #expect(try await fixture.grant(100).status == 201)
        let hold = try await fixture.authorize(30)
        #expect(hold.status == 201 && hold.attribute("status") == "HELD", "\(hold.text.prefix(300))")
        let id = hold.data!["id"]!.stringValue!
        let settled = try await fixture.settle(id, tokens: 22)
        #expect(settled.status == 200 && settled.attribute("status") == "SETTLED", "\(settled.text.prefix(300))")
        #expect(credits(settled.attribute("credits")) == DecimalNumber(22) && credits(settled.attribute("estimatedCredits")) == DecimalNumber(30))
        #expect(
            credits(settled.attribute("wallet")?["balance"]) == DecimalNumber(78) && credits(settled.attribute("wallet")?["held"]) == DecimalNumber(0)
        )
        let again = try await fixture.release(id)
        #expect(again.status == 409 && again.firstError?["code"] == "HOLD_ALREADY_SETTLED")

        // Settle and release racing on one hold, 20 times: exactly one wins each time.
        for _ in 0..<20 {
            let race = try await fixture.authorize(1)
            let raceID = race.data!["id"]!.stringValue!
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<6 {
                    group.addTask { index % 2 == 0 ? try await fixture.settle(raceID, tokens: 1).status : try await fixture.release(raceID).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count { $0 == 200 } == 1 && statuses.count { $0 == 409 } == 5, "\(statuses)")
        }

        // Above the estimate: charged only as far as the wallet can pay; the rest is reported, never overspent.
        let big = try await fixture.authorize(10)
        let bigID = big.data!["id"]!.stringValue!
        let available = credits(try await fixture.wallet()?["available"])!
        let over = try await fixture.settle(bigID, tokens: 1_000_000)
        #expect(over.status == 200)
        #expect(credits(over.attribute("credits")) == available.adding(DecimalNumber(10)))
        #expect(over.attribute("uncoveredCredits") != nil)
        #expect(credits(try await fixture.wallet()?["available"]) == DecimalNumber(0))
        try await fixture.audited()
    }

    @Test("a hold expires by itself after its TTL; settling it afterwards is 409 HOLD_EXPIRED and the credits are available again")
    func holdExpiry() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        #expect(try await fixture.grant(50).status == 201)
        let hold = try await fixture.authorize(40, ttl: 8)
        let id = hold.data!["id"]!.stringValue!
        #expect(credits(try await fixture.wallet()?["available"]) == DecimalNumber(10))
        try await Task.sleep(for: .milliseconds(8300))
        #expect(credits(try await fixture.wallet()?["available"]) == DecimalNumber(50))
        let late = try await fixture.settle(id, tokens: 40)
        #expect(late.status == 409 && late.firstError?["code"] == "HOLD_EXPIRED", "\(late.text.prefix(300))")
        let read = try await fixture.client.get("/api/v1/credit-authorizations/\(id)", token: fixture.token)
        #expect(read.attribute("status") == "EXPIRED")
        try await fixture.audited()
    }

    @Test("consumption order: lowest priority first, then soonest expiry, then oldest; expired grants lose what is left")
    func consumptionOrder() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        let soon = RFC3339.format(Date().addingTimeInterval(600))
        let later = RFC3339.format(Date().addingTimeInterval(86_400 * 30))
        let monthly = try await fixture.grant(100, [("source", "MONTHLY"), ("expiresAt", .string(later))])
        let purchase = try await fixture.grant(20, [("source", "PURCHASE")])
        let bonusLate = try await fixture.grant(5, [("source", "BONUS"), ("expiresAt", .string(later))])
        let bonusSoon = try await fixture.grant(5, [("source", "BONUS"), ("expiresAt", .string(soon))])
        let ids = [monthly, purchase, bonusLate, bonusSoon].map { $0.data?["id"]?.stringValue ?? "?" }
        let charge = try await fixture.charge(28)
        let draws = charge.attribute("draws")?.arrayValue?.map { ($0["grantId"]?.stringValue ?? "", credits($0["credits"])!) } ?? []
        #expect(draws.map(\.0) == [ids[1], ids[3], ids[2]], "purchase (10), then the bonus expiring soonest, then the other bonus")
        #expect(draws.map(\.1) == [DecimalNumber(20), DecimalNumber(5), DecimalNumber(3)])
        let wallet = try await fixture.wallet()
        #expect(credits(wallet?["purchasedRemaining"]) == DecimalNumber(0) && credits(wallet?["monthlyRemaining"]) == DecimalNumber(100))
        // A grant that expires loses its rest (bonusSoon is spent; make another one expire).
        let expiring = try await fixture.grant(
            7, [("source", "MANUAL"), ("priority", 500), ("expiresAt", .string(RFC3339.format(Date().addingTimeInterval(3))))])
        #expect(expiring.status == 201, "\(expiring.text.prefix(300))")
        try await Task.sleep(for: .milliseconds(3300))
        let after = try await fixture.wallet()
        #expect(credits(after?["balance"]) == DecimalNumber(102), "130 + 7 granted - 28 charged - 7 expired")
        try await fixture.audited()
    }

    @Test("overdraft: off by default; a per-account limit allows a bounded negative balance, repaid by the next grant")
    func overdraft() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        #expect(try await fixture.grant(10).status == 201)
        #expect(try await fixture.charge(15).status == 402)
        let settings = try await fixture.client.send(
            "PUT", "/api/v1/credit-wallets/\(fixture.account)/settings", token: fixture.token,
            json: resource("credit-wallet-settings", ["overdraftLimit": 20]))
        #expect(settings.status == 200, "\(settings.text.prefix(300))")
        #expect(try await fixture.charge(25).status == 201)
        #expect(try await fixture.charge(6).status == 402, "10 + 20 overdraft = 30; 25 spent")
        let wallet = try await fixture.wallet()
        #expect(credits(wallet?["balance"]) == DecimalNumber(-15) && credits(wallet?["debt"]) == DecimalNumber(15))
        #expect(try await fixture.grant(40).status == 201)
        let repaid = try await fixture.wallet()
        #expect(credits(repaid?["balance"]) == DecimalNumber(25) && credits(repaid?["debt"]) == DecimalNumber(0))
        try await fixture.audited()
    }

    @Test("a settlement is held to the spending caps like a charge: a hold of nothing settled for 1,000 tokens charges only what the cap allows")
    func settlementWithinCaps() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        #expect(try await fixture.grant(1000).status == 201)
        let settings = try await fixture.client.send(
            "PUT", "/api/v1/credit-wallets/\(fixture.account)/settings", token: fixture.token,
            json: resource("credit-wallet-settings", ["spendingCaps": [["userId": "bia", "period": "DAY", "credits": 30]]]))
        #expect(settings.status == 200, "\(settings.text.prefix(300))")
        #expect(try await fixture.charge(20, extra: [("userId", "bia")]).status == 201)
        let hold = try await fixture.authorize(0, extra: [("userId", "bia")])
        #expect(hold.status == 201, "\(hold.text.prefix(300))")
        let settled = try await fixture.settle(hold.data?["id"]?.stringValue ?? "", tokens: 1_000)
        #expect(
            settled.status == 200 && credits(settled.attribute("credits")) == DecimalNumber(10), "10 left under the cap: \(settled.text.prefix(300))")
        #expect(credits(settled.attribute("uncoveredCredits")) == DecimalNumber(990), "what the cap does not allow is uncovered, not charged")
        let capped = try await fixture.charge(1, extra: [("userId", "bia")])
        #expect(capped.status == 402 && capped.firstError?["code"] == "SPENDING_CAP_REACHED", "the cap is spent: \(capped.text.prefix(300))")
        try await fixture.audited()
    }

    @Test("spending caps per user and rate limits: 402 SPENDING_CAP_REACHED and 429 RATE_LIMITED")
    func capsAndRateLimits() async throws {
        let cluster = try await Self.cluster.start()
        let fixture = try await CreditFixture.make(cluster)
        #expect(try await fixture.grant(1000).status == 201)
        let settings = try await fixture.client.send(
            "PUT", "/api/v1/credit-wallets/\(fixture.account)/settings", token: fixture.token,
            json: resource(
                "credit-wallet-settings",
                [
                    "spendingCaps": [["userId": "bia", "period": "DAY", "credits": 30]],
                    "rateLimits": ["perMinute": 8],
                ]))
        #expect(settings.status == 200, "\(settings.text.prefix(300))")
        // The rate limit counts per UTC minute: the charges below start early in one, so they cannot straddle two.
        let second = Int(Date().timeIntervalSince1970) % 60
        if second > 40 { try await Task.sleep(for: .seconds(61 - second)) }
        #expect(try await fixture.charge(20, extra: [("userId", "bia")]).status == 201)
        let capped = try await fixture.charge(11, extra: [("userId", "bia")])
        #expect(capped.status == 402 && capped.firstError?["code"] == "SPENDING_CAP_REACHED", "\(capped.text.prefix(300))")
        #expect(try await fixture.charge(10, extra: [("userId", "bia")]).status == 201)
        #expect(try await fixture.charge(50, extra: [("userId", "caio")]).status == 201, "the cap is Bia's only")
        var statuses: [Int] = []
        for _ in 0..<6 { statuses.append(try await fixture.charge(1).status) }
        #expect(statuses.filter { $0 == 201 }.count == 5 && statuses.last == 429, "8 per minute: 3 made, 5 more allowed; \(statuses)")
        let limited = try await fixture.charge(1)
        #expect(limited.firstError?["code"] == "RATE_LIMITED")
        try await fixture.audited()
    }
}

/// Fires `count` charges of `tokens` at once; counts outcomes and watches every balance reported.
private func race(
    _ fixture: CreditFixture, count: Int, tokens: Int64
)
    async throws -> (succeeded: Int, refused: Int, other: Int, negativeSeen: Bool, otherStatuses: [Int: Int])
{
    try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
        for _ in 0..<count {
            group.addTask {
                let response = try await fixture.charge(tokens)
                let available = credits(response.attribute("wallet")?["available"]) ?? .zero
                return (response.status, available.isNegative)
            }
        }
        var outcome = (succeeded: 0, refused: 0, other: 0, negativeSeen: false, otherStatuses: [Int: Int]())
        for try await (status, negative) in group {
            switch status {
            case 201: outcome.succeeded += 1
            case 402: outcome.refused += 1
            default:
                outcome.other += 1
                outcome.otherStatuses[status, default: 0] += 1
            }
            outcome.negativeSeen = outcome.negativeSeen || negative
        }
        return outcome
    }
}

/// Holds made by the random workload, and how each was resolved.
private actor HoldBook {
    private(set) var open: [Int: [String]] = [:]
    private(set) var resolutions: [String: [String]] = [:]
    private(set) var all: [String: Int] = [:]

    func add(_ id: String, wallet: Int) {
        open[wallet, default: []].append(id)
        all[id] = wallet
    }

    /// A random hold of the wallet, possibly one resolved already (races are the point).
    func pick(_ wallet: Int) -> String? { open[wallet]?.randomElement() }

    func resolved(_ id: String, as status: String) {
        resolutions[id, default: []].append(status)
        for wallet in open.keys { open[wallet]?.removeAll { $0 == id } }
    }
}

extension CreditsEndToEndTests {
    @Test(
        """
        10,000 random grants, charges, holds, settles, releases and expiries over 50 wallets with 32 workers: never negative, every hold \
        resolved once, journal = balance
        """
    )
    func randomWorkload() async throws {
        let cluster = try await Self.cluster.start()
        let tenant = newTenant("random")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        var wallets = [try await CreditFixture.make(cluster, tenant: tenant, token: token)]
        for _ in 1..<50 { wallets.append(try await CreditFixture.make(cluster, tenant: tenant, token: token, model: wallets[0].model)) }
        let fixtures = wallets
        let holds = HoldBook()
        let operations = 10_000, workers = 32
        let unexpected = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var problems: [String] = []
                    for step in stride(from: worker, to: operations, by: workers) {
                        let index = Int.random(in: 0..<fixtures.count), fixture = fixtures[index]
                        let roll = Int.random(in: 0..<100)
                        let response: HTTPTestResponse
                        var allowed: Set<Int> = [200, 201, 402]
                        switch roll {
                        case 0..<12:
                            let expiring = Bool.random()
                            if expiring { allowed.insert(422) }  // under load "1 s from now" may already be past: refused, never a 500
                            response = try await fixture.grant(
                                .number(Int64.random(in: 1...60)),
                                expiring
                                    ? [("expiresAt", .string(RFC3339.format(Date().addingTimeInterval(Double.random(in: 1...4)))))] : [])
                        case 12..<40:
                            response = try await fixture.charge(Int64.random(in: 1...30))
                        case 40..<65:
                            response = try await fixture.authorize(Int64.random(in: 1...30), ttl: Int.random(in: 1...3))
                            if response.status == 201, let id = response.data?["id"]?.stringValue { await holds.add(id, wallet: index) }
                        default:
                            guard let id = await holds.pick(index) else { continue }
                            allowed = [200, 409]
                            if roll < 88 {
                                response = try await fixture.settle(id, tokens: Int64.random(in: 0...40))
                            } else {
                                response = try await fixture.release(id)
                            }
                            if response.status == 200 { await holds.resolved(id, as: response.attribute("status")?.stringValue ?? "?") }
                        }
                        if !allowed.contains(response.status) { problems.append("step \(step): \(response.status) \(response.text.prefix(200))") }
                        if let available = credits(response.attribute("wallet")?["available"]), available.isNegative {
                            problems.append("step \(step): available \(available.text)")
                        }
                    }
                    return problems
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(unexpected.isEmpty, "\(unexpected.prefix(5))")
        try await Task.sleep(for: .milliseconds(3500))
        for (index, fixture) in fixtures.enumerated() {
            let wallet = try await fixture.wallet()
            #expect(credits(wallet?["held"]) == DecimalNumber(0), "wallet \(index): every hold settled, released or expired")
            #expect(credits(wallet?["available"])?.isNegative == false)
            try await fixture.audited("wallet \(index)")
        }
        let resolutions = await holds.resolutions, all = await holds.all
        #expect(resolutions.values.allSatisfy { $0.count == 1 }, "a hold resolved twice")
        for id in all.keys.shuffled().prefix(200) {
            let read = try await fixtures[0].client.get("/api/v1/credit-authorizations/\(id)", token: token)
            let status = read.attribute("status")?.stringValue
            #expect(status == (resolutions[id]?.first ?? "EXPIRED"), "hold \(id): \(status ?? "?") vs \(resolutions[id] ?? [])")
        }
    }
}
