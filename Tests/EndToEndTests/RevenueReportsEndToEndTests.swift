import BillingCore
import BillingTesting
import Foundation
import Testing

@Suite("Revenue reports through the gateway (real processes)", .timeLimit(.minutes(8)))
struct RevenueReportsEndToEndTests {
    @Test(
        """
        on a test clock: January A subscribes at 100/month and B at 1,200/year (MRR 200, new 200); February A doubles its quantity and \
        B cancels (expansion 100, churn 100, MRR 200, logo churn 50 %); operators only, bad ranges 422 naming the parameter
        """)
    func mrrMovements() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(
            cluster, plan: [("basePrice", .number("100.00")), ("trialDays", 0)], clockTime: "2026-01-05T12:00:00Z")
        let clock = try #require(fixture.clock)
        let yearly = try await SubscriptionFixture.createPlan(
            fixture.client, token: fixture.token,
            [("name", "Plano Anual"), ("billingInterval", "YEARLY"), ("basePrice", .number("1200.00")), ("trialDays", 0)])
        let second = try await create(
            fixture.client, "/api/v1/billing-accounts", "billing-accounts",
            accountDocument(name: "Empresa XYZ Ltda", email: "contas@xyz.com.br", extra: [("testClockId", .string(clock))])["data"]!["attributes"]!,
            token: fixture.token)
        let a = try await fixture.subscribe([("trialDays", 0)])
        #expect(a.status == 201, "\(a.text.prefix(300))")
        let aID = try #require(a.data?["id"]?.stringValue)
        let b = try await fixture.client.post(
            "/api/v1/subscriptions", token: fixture.token,
            json: resource("subscriptions", ["billingAccountId": .string(second), "planId": .string(yearly), "quantity": 1]))
        #expect(b.status == 201 && b.attribute("status") == "ACTIVE", "\(b.text.prefix(300))")
        let bID = try #require(b.data?["id"]?.stringValue)

        // Invoices export as CSV too, filtered by their creation instant (the list has no period filter of its own).
        let drafted = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        #expect([200, 201].contains(drafted.status), "\(drafted.text.prefix(300))")
        let invoice = try #require(drafted.data?["id"]?.stringValue)
        let invoices = "/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)"
        let all = try await fixture.client.send(
            "GET", invoices + "&filter%5Bsince%5D=2000-01-01T00:00:00Z", token: fixture.token, headers: ["Accept": "text/csv"])
        #expect(all.status == 200 && all.text.hasPrefix("id,") && all.text.contains(invoice), "\(all.text.prefix(300))")
        let none = try await fixture.client.send(
            "GET", invoices + "&filter%5Buntil%5D=2000-01-01T00:00:00Z", token: fixture.token, headers: ["Accept": "text/csv"])
        #expect(none.status == 200 && none.text.components(separatedBy: "\r\n").count == 2, "only the header: \(none.text.prefix(200))")

        let advanced = try await fixture.post("/api/v1/test-clocks/\(clock)/advance", "test-clocks", ["frozenTime": "2026-02-10T00:00:00Z"])
        #expect(advanced.status == 200)
        let more = try await fixture.post("/api/v1/subscriptions/\(aID)/change-quantity", "subscription-changes", ["quantity": 2])
        #expect(more.status == 200, "\(more.text.prefix(300))")
        let canceled = try await fixture.post("/api/v1/subscriptions/\(bID)/cancel", "subscriptions", ["atPeriodEnd": false])
        #expect(canceled.attribute("status") == "CANCELED")

        let path = "/api/v1/reports/revenue?filter%5Bfrom%5D=2026-01&filter%5Bto%5D=2026-02&filter%5BtestClockId%5D=\(clock)"
        let report = try await fixture.client.get(path, token: fixture.token)
        #expect(report.status == 200, "\(report.text.prefix(500))")
        let months = try #require(report.data?.arrayValue)
        #expect(months.count == 2, "\(report.text.prefix(800))")
        guard months.count == 2 else { return }
        let (january, february) = (months[0]["attributes"]!, months[1]["attributes"]!)
        #expect(january["month"] == "2026-01" && january["currency"] == "BRL")
        #expect(january["mrr"]?.decimalValue == DecimalNumber("200.00") && january["newMrr"]?.decimalValue == DecimalNumber("200.00"))
        #expect(january["activeAccounts"] == 2 && january["activeSubscriptions"] == 2 && january["arpa"]?.decimalValue == DecimalNumber("100.00"))
        #expect(february["startingMrr"]?.decimalValue == DecimalNumber("200.00") && february["mrr"]?.decimalValue == DecimalNumber("200.00"))
        #expect(february["expansionMrr"]?.decimalValue == DecimalNumber("100.00") && february["churnedMrr"]?.decimalValue == DecimalNumber("100.00"))
        #expect(february["netNewMrr"]?.decimalValue == DecimalNumber("0.00") && february["churnedAccounts"] == 1)
        #expect(
            february["logoChurnRate"]?.decimalValue == DecimalNumber("50") && february["revenueChurnRate"]?.decimalValue == DecimalNumber("50")
                && february["netRevenueChurnRate"]?.decimalValue == DecimalNumber("0"))
        #expect(report.json?["meta"]?["asOf"] == "2026-02-10T00:00:00Z")

        // Live subscriptions only, without the clock: the test clock's are not in them.
        let live = try await fixture.client.get("/api/v1/reports/revenue?filter%5Bfrom%5D=2026-01&filter%5Bto%5D=2026-02", token: fixture.token)
        #expect(live.status == 200 && live.data?.arrayValue?.isEmpty == true, "\(live.text.prefix(300))")

        // Bad ranges: 422 naming the parameter.
        for (query, parameter) in [
            ("filter%5Bfrom%5D=2026-13&filter%5Bto%5D=2026-02", "filter[from]"),
            ("filter%5Bfrom%5D=2026-02&filter%5Bto%5D=2026-01", "filter[to]"),
            ("filter%5Bfrom%5D=2020-01&filter%5Bto%5D=2026-01", "filter[to]"),
            ("filter%5Bto%5D=2026-01", "filter[from]"),
            ("filter%5Bfrom%5D=2026-01&filter%5Bto%5D=2026-03&filter%5BtestClockId%5D=\(clock)", "filter[to]"),
            ("filter%5Bfrom%5D=2026-01&filter%5Bto%5D=2026-01&filter%5BtimeZone%5D=Nowhere%2FTown", "filter[timeZone]"),
        ] {
            let refused = try await fixture.client.get("/api/v1/reports/revenue?" + query, token: fixture.token)
            #expect(refused.status == 422 && refused.firstError?["source"]?["parameter"]?.stringValue == parameter, "\(refused.text.prefix(300))")
        }

        // Operators with REPORTS_READ only: a customer token and an operator without it are refused.
        let customer = try cluster.tokens.token(
            tenant: fixture.tenant, roles: ["owner"], extraClaims: ["billingAccountId": .string(fixture.account)])
        #expect(try await fixture.client.get(path, token: customer).status == 403)
        let reader = try cluster.tokens.token(tenant: fixture.tenant, permissions: ["SUBSCRIPTIONS_READ"])
        #expect(try await fixture.client.get(path, token: reader).status == 403)
        let reports = try cluster.tokens.token(tenant: fixture.tenant, permissions: ["REPORTS_READ"])
        #expect(try await fixture.client.get(path, token: reports).status == 200)
    }

    @Test("credits sold vs consumed this month: 100 purchased and 50 bonus granted, 30 consumed; a bad month is 422 naming the parameter")
    func creditsSoldAndConsumed() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await CreditFixture.make(cluster)
        #expect(try await fixture.grant(100, [("source", "PURCHASE")]).status == 201)
        #expect(try await fixture.grant(50, [("source", "BONUS")]).status == 201)
        #expect(try await fixture.charge(30).status == 201)
        let month = String(RFC3339.format(Date()).prefix(7))
        let report = try await fixture.client.get(
            "/api/v1/reports/credits?filter%5Bfrom%5D=\(month)&filter%5Bto%5D=\(month)", token: fixture.token)
        #expect(report.status == 200, "\(report.text.prefix(400))")
        let row = report.data?.arrayValue?.first?["attributes"]
        #expect(row?["month"]?.stringValue == month)
        #expect(row?["sold"]?.decimalValue == DecimalNumber(100) && row?["granted"]?.decimalValue == DecimalNumber(150))
        #expect(row?["grantedBySource"]?["BONUS"]?.decimalValue == DecimalNumber(50))
        #expect(row?["consumed"]?.decimalValue == DecimalNumber(30) && row?["consumingAccounts"] == 1, "\(report.text.prefix(400))")
        let refused = try await fixture.client.get("/api/v1/reports/credits?filter%5Bfrom%5D=2026-1&filter%5Bto%5D=\(month)", token: fixture.token)
        #expect(refused.status == 422 && refused.firstError?["source"]?["parameter"]?.stringValue == "filter[from]")
    }

    @Test("Accept: text/csv streams every page of credit executions as one RFC 4180 CSV (chunked), quoting what needs it")
    func csvExport() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await CreditFixture.make(cluster)
        #expect(try await fixture.grant(1000).status == 201)
        #expect(try await fixture.charge(7, extra: [("userId", "ana, \"the\" boss")]).status == 201)
        for _ in 0..<104 { #expect(try await fixture.charge(1).status == 201) }
        let path = "/api/v1/credit-executions?filter%5BbillingAccountId%5D=\(fixture.account)"
        let csv = try await fixture.client.send("GET", path, token: fixture.token, headers: ["Accept": "text/csv"])
        #expect(csv.status == 200)
        let header = { (name: String) in csv.headers.first { $0.key.lowercased() == name }?.value }
        #expect(header("content-type")?.hasPrefix("text/csv") == true && header("transfer-encoding")?.lowercased() == "chunked")
        let lines = csv.text.components(separatedBy: "\r\n")
        #expect(lines.count == 107 && lines.last == "", "a header, 105 records (two pages of 100), each ended by CRLF")
        #expect(lines.first?.hasPrefix("id,") == true && lines.first?.contains("credits") == true, "\(lines.first ?? "")")
        #expect(csv.text.contains("\"ana, \"\"the\"\" boss\""), "a comma and quotes: quoted, quotes doubled")
        let ids = Set(lines.dropFirst().dropLast().map { $0.split(separator: ",").first.map(String.init) ?? "" })
        #expect(ids.count == 105, "every execution once across pages")
        let json = try await fixture.client.get(path, token: fixture.token)
        #expect(json.status == 200 && json.data?.arrayValue?.count == 20, "without Accept: text/csv the JSON:API page as before")
        let refused = try await fixture.client.send(
            "GET", path + "&filter%5Bsince%5D=yesterday", token: fixture.token, headers: ["Accept": "text/csv"])
        #expect(refused.status == 400 && refused.firstError?["source"]?["parameter"]?.stringValue == "filter[since]")
    }
}
