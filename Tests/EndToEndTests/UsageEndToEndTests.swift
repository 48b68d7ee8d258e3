import BillingCore
import BillingRPC
import BillingRPCHTTP2
import BillingTesting
import Foundation
import LedgerContract
import Logging
import Testing

/// A usage event resource for `POST /usage-events`.
func usageEvent(
    _ id: String, account: String, meter: String, value: JSONValue? = nil, timestamp: Date? = nil,
    properties: JSONValue? = nil, costCenter: String? = nil
) -> JSONValue {
    var attributes = JSONObject([("billingAccountId", .string(account)), ("meterCode", .string(meter))])
    if let costCenter { attributes["costCenter"] = .string(costCenter) }
    if let value { attributes["value"] = value }
    if let timestamp { attributes["timestamp"] = .string(RFC3339.format(timestamp)) }
    if let properties { attributes["properties"] = properties }
    return ["type": "usage-events", "id": .string(id), "attributes": .object(attributes)]
}

/// An account (in `timezone`) and meters, created through the gateway.
struct UsageFixture {
    let client: HTTPTestClient
    let tenant: String
    let token: String
    let account: String
    /// Meter codes by their role in the test (`sum` → `sum-3f2a…`).
    let meters: [String: String]

    static func make(_ cluster: TestCluster.Running, timezone: String = "UTC", meters: [(String, JSONValue)] = []) async throws -> UsageFixture {
        let tenant = newTenant("usage")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let account = try await create(
            cluster.client, "/api/v1/billing-accounts", "billing-accounts",
            ["name": "Usage Ltda", "email": "usage@example.com", "currency": "BRL", "timezone": .string(timezone)], token: token)
        var codes: [String: String] = [:]
        for (role, definition) in meters {
            let code = uniqueCode(role)
            guard case .object(var attributes) = definition else { continue }
            attributes["code"] = .string(code)
            attributes["name"] = .string("Meter \(role)")
            _ = try await create(cluster.client, "/api/v1/usage-meters", "usage-meters", .object(attributes), token: token)
            codes[role] = code
        }
        return UsageFixture(client: cluster.client, tenant: tenant, token: token, account: account, meters: codes)
    }

    func send(_ events: [JSONValue], headers: [String: String] = [:]) async throws -> HTTPTestResponse {
        try await client.post("/api/v1/usage-events", token: token, json: ["data": .array(events)], headers: headers)
    }

    func summaries(_ query: String = "") async throws -> HTTPTestResponse {
        try await client.get("/api/v1/usage-summaries?filter%5BbillingAccountId%5D=\(account)" + query, token: token)
    }

    /// The value of a meter's summary (role → code), nil when absent.
    func summaryValue(_ role: String, _ query: String = "") async throws -> DecimalNumber? {
        let response = try await summaries(query + "&filter%5BmeterCode%5D=\(meters[role]!)")
        #expect(response.status == 200, "\(response.text.prefix(300))")
        return response.data?.arrayValue?.first?["attributes"]?["value"]?.decimalValue
    }

    func check(_ limited: String, quantity: Int64? = nil) async throws -> HTTPTestResponse {
        var attributes = JSONObject([("billingAccountId", .string(account)), ("resource", .string(limited))])
        if let quantity { attributes["quantity"] = .number(quantity) }
        return try await client.post("/api/v1/usage-limits/check", token: token, json: resource("usage-limit-checks", .object(attributes)))
    }

    func setLimits(_ limits: JSONValue) async throws -> HTTPTestResponse {
        try await client.send(
            "PUT", "/api/v1/billing-accounts/\(account)/usage-limits", token: token,
            json: resource("usage-limits", ["limits": limits]))
    }
}

private func statuses(_ response: HTTPTestResponse) -> [String] {
    (response.data?.arrayValue ?? []).map { $0["attributes"]?["status"]?.stringValue ?? "?" }
}

@Suite("Usage metering and plan limits through the gateway (real processes)", .timeLimit(.minutes(5)))
struct UsageEndToEndTests {
    @Test("Lago's example: {u1, 10} and {u1, 20} give COUNT 2, SUM 30, MAX 20, COUNT_DISTINCT(user) 1, LAST 20, AVERAGE 15")
    func lagoAggregations() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await UsageFixture.make(
            cluster,
            meters: [
                ("count", ["aggregation": "COUNT"]), ("sum", ["aggregation": "SUM", "property": "pageviews"]),
                ("max", ["aggregation": "MAX", "property": "pageviews"]), ("distinct", ["aggregation": "COUNT_DISTINCT", "property": "user"]),
                ("last", ["aggregation": "LAST", "property": "pageviews"]), ("average", ["aggregation": "AVERAGE", "property": "pageviews"]),
            ])
        let first = Date().addingTimeInterval(-120)
        var events: [JSONValue] = []
        for (role, code) in fixture.meters {
            events.append(
                usageEvent("\(role)-1", account: fixture.account, meter: code, timestamp: first, properties: ["user": "u1", "pageviews": 10]))
            events.append(
                usageEvent(
                    "\(role)-2", account: fixture.account, meter: code, timestamp: first.addingTimeInterval(60),
                    properties: ["user": "u1", "pageviews": 20]))
        }
        let sent = try await fixture.send(events)
        #expect(sent.status == 200, "\(sent.text.prefix(500))")
        #expect(sent.json?["meta"]?["accepted"] == 12)
        let expected: [String: Int64] = ["count": 2, "sum": 30, "max": 20, "distinct": 1, "last": 20, "average": 15]
        for (role, value) in expected {
            #expect(try await fixture.summaryValue(role) == DecimalNumber(value), "\(role)")
        }
        // Without a meter filter: one summary per meter with usage, each with its aggregation and event count.
        let all = try await fixture.summaries()
        #expect(all.data?.arrayValue?.count == 6)
        #expect(all.data?.arrayValue?.allSatisfy { $0["attributes"]?["eventCount"] == 2 } == true)
        #expect(all.json?["meta"]?["timezone"] == "UTC")
    }

    @Test("a batch with duplicates and bad items gets the right answer for each; valid events are stored")
    func mixedBatch() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await UsageFixture.make(cluster, meters: [("sum", ["aggregation": "SUM", "property": "tokens"])])
        let sum = fixture.meters["sum"]!
        let account = fixture.account
        let events: [JSONValue] = [
            usageEvent("ok-1", account: account, meter: sum, properties: ["tokens": 100]),
            usageEvent("ok-1", account: account, meter: sum, properties: ["tokens": 100]),
            usageEvent("bad-meter", account: account, meter: "no-such-meter", properties: ["tokens": 1]),
            usageEvent("future", account: account, meter: sum, timestamp: Date().addingTimeInterval(3600), properties: ["tokens": 1]),
            usageEvent("text", account: account, meter: sum, properties: ["tokens": "lots"]),
            usageEvent("big", account: account, meter: sum, properties: ["tokens": 1, "blob": .string(String(repeating: "x", count: 5000))]),
            ["type": "usage-events", "attributes": ["billingAccountId": .string(account), "meterCode": .string(sum)]],
            usageEvent("no-account", account: "8b1c6a52-4d8e-4f7e-9c55-0e1b0d1e2f3a", meter: sum, properties: ["tokens": 1]),
            usageEvent("object-value", account: account, meter: sum, value: ["a": 1]),
            usageEvent("ok-2", account: account, meter: sum, value: .number("2.5")),
        ]
        let first = try await fixture.send(events)
        #expect(first.status == 200, "\(first.text.prefix(500))")
        #expect(
            statuses(first) == ["ACCEPTED", "DUPLICATE", "REFUSED", "REFUSED", "REFUSED", "REFUSED", "REFUSED", "REFUSED", "REFUSED", "ACCEPTED"])
        let items = first.data?.arrayValue ?? []
        let reasons = items.map { $0["attributes"]?["reason"]?.stringValue }
        #expect(
            reasons == [
                nil, nil, "UNKNOWN_METER", "FUTURE_TIMESTAMP", "NON_NUMERIC_VALUE", "PROPERTIES_TOO_LARGE", "INVALID_EVENT_ID",
                "UNKNOWN_ACCOUNT", "INVALID_EVENT", nil,
            ])
        let pointers = items.map { $0["attributes"]?["pointer"]?.stringValue }
        #expect(pointers[2] == "/data/2/attributes/meterCode")
        #expect(pointers[3] == "/data/3/attributes/timestamp")
        #expect(pointers[4] == "/data/4/attributes/properties/tokens")
        #expect(pointers[6] == "/data/6/id")
        #expect(pointers[7] == "/data/7/attributes/billingAccountId")
        #expect(pointers[8] == "/data/8/attributes/value")
        #expect(first.json?["meta"] == ["accepted": 2, "duplicates": 1, "refused": 7])
        // The whole batch again: the stored ones are duplicates, the rest refused as before; nothing counted twice.
        let again = try await fixture.send(events)
        #expect(
            statuses(again) == ["DUPLICATE", "DUPLICATE", "REFUSED", "REFUSED", "REFUSED", "REFUSED", "REFUSED", "REFUSED", "REFUSED", "DUPLICATE"])
        #expect(try await fixture.summaryValue("sum") == DecimalNumber(significand: 1025, scale: 1))

        // One event alone: accepted is 200 with the resource, refused is a 422 naming the attribute.
        let single = try await fixture.client.post(
            "/api/v1/usage-events", token: fixture.token,
            json: ["data": usageEvent("single", account: account, meter: sum, value: 1)])
        #expect(single.status == 200 && single.attribute("status") == "ACCEPTED" && single.data?["id"] == "single")
        let refused = try await fixture.client.post(
            "/api/v1/usage-events", token: fixture.token,
            json: ["data": usageEvent("single-bad", account: account, meter: sum)])
        #expect(refused.status == 422)
        #expect(refused.firstError?["code"] == "MISSING_PROPERTY")
        #expect(refused.firstError?["source"]?["pointer"] == "/data/attributes/properties/tokens")
        // Batch limits and malformed documents are the request's fault as a whole.
        let tooMany = try await fixture.send((0...1000).map { usageEvent("many-\($0)", account: account, meter: sum, value: 1) })
        #expect(tooMany.status == 422 && tooMany.firstError?["code"] == "INVALID_BATCH_SIZE")
        #expect(try await fixture.client.post("/api/v1/usage-events", token: fixture.token, json: ["data": "x"]).status == 422)
        let reader = try cluster.tokens.token(tenant: newTenant(), permissions: ["USAGE_EVENTS_READ"])
        #expect(try await fixture.client.post("/api/v1/usage-events", token: reader, json: ["data": []]).status == 403)
    }

    @Test("the same event id sent from 20 parallel requests counts once")
    func parallelReplays() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await UsageFixture.make(cluster, meters: [("sum", ["aggregation": "SUM", "property": "tokens"])])
        let event = usageEvent("evt-parallel", account: fixture.account, meter: fixture.meters["sum"]!, properties: ["tokens": 7])
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<20 { group.addTask { statuses(try await fixture.send([event])) } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.count == 20)
        #expect(results.count { $0 == "ACCEPTED" } == 1)
        #expect(results.count { $0 == "DUPLICATE" } == 19)
        #expect(try await fixture.summaryValue("sum") == DecimalNumber(7))
    }

    @Test(
        """
        the first usage of new meters and accounts from 8 parallel batches, each naming them in another order: all accepted, none refused as a \
        conflict
        """
    )
    func parallelFirstUse() async throws {
        let cluster = try await TestCluster.shared.start()
        let roles = (0..<6).map { "count\($0)" }
        let fixture = try await UsageFixture.make(cluster, meters: roles.map { ($0, ["aggregation": "COUNT"]) })
        var accounts = [fixture.account]
        for index in 0..<3 {
            accounts.append(
                try await create(
                    cluster.client, "/api/v1/billing-accounts", "billing-accounts",
                    ["name": .string("Usage \(index)"), "email": "usage@example.com", "currency": "BRL"], token: fixture.token))
        }
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for batch in 0..<8 {
                let events = accounts.shuffled().flatMap { account in
                    roles.shuffled().map { usageEvent("first-\(batch)-\(account)-\($0)", account: account, meter: fixture.meters[$0]!) }
                }
                group.addTask {
                    let response = try await fixture.send(events)
                    // A refused batch reads as its HTTP status and error, so a failure says which.
                    return response.data?.arrayValue == nil ? ["HTTP \(response.status): \(response.text.prefix(200))"] : statuses(response)
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.count == 8 * accounts.count * roles.count && results.allSatisfy { $0 == "ACCEPTED" }, "\(Set(results))")
        #expect(try await fixture.summaryValue("count0") == DecimalNumber(8))
    }

    @Test("period boundaries follow the account's time zone, half-hour offsets included", arguments: ["America/Sao_Paulo", "Asia/Kolkata", "UTC"])
    func timeZoneBoundaries(zone: String) async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await UsageFixture.make(cluster, timezone: zone, meters: [("count", ["aggregation": "COUNT"])])
        let timeZone = try #require(TimeZone(identifier: zone))
        let month = CalendarMonth(containing: Date(), in: timeZone)
        let boundary = month.span(in: timeZone).start
        let previous = try #require(
            CalendarMonth(year: month.month == 1 ? month.year - 1 : month.year, month: month.month == 1 ? 12 : month.month - 1))
        let code = fixture.meters["count"]!
        let sent = try await fixture.send([
            usageEvent("before", account: fixture.account, meter: code, timestamp: boundary.addingTimeInterval(-0.001)),
            usageEvent("at", account: fixture.account, meter: code, timestamp: boundary),
            usageEvent("after", account: fixture.account, meter: code, timestamp: boundary.addingTimeInterval(1800)),
        ])
        #expect(sent.json?["meta"]?["accepted"] == 3, "\(sent.text.prefix(300))")
        #expect(try await fixture.summaryValue("count", "&filter%5Bmonth%5D=\(previous)") == DecimalNumber(1))
        #expect(try await fixture.summaryValue("count", "&filter%5Bmonth%5D=\(month)") == DecimalNumber(2))
        // The default period is the current month in the account's zone.
        let current = try await fixture.summaries()
        #expect(current.json?["meta"]?["periodStart"]?.stringValue.flatMap(RFC3339.parse) == boundary)
        #expect(current.json?["meta"]?["timezone"] == .string(zone))
        // Explicit instants: the half hour after the boundary.
        let explicit =
            "&filter%5BperiodStart%5D=\(RFC3339.format(boundary))&filter%5BperiodEnd%5D=\(RFC3339.format(boundary.addingTimeInterval(1800)))"
        #expect(try await fixture.summaryValue("count", explicit) == DecimalNumber(1))
    }

    @Test("late events count while their period is open and are refused once it is closed")
    func lateEvents() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await UsageFixture.make(cluster, meters: [("count", ["aggregation": "COUNT"])])
        let code = fixture.meters["count"]!
        let now = Date()
        #expect(
            statuses(
                try await fixture.send([usageEvent("late-1", account: fixture.account, meter: code, timestamp: now.addingTimeInterval(-3 * 86_400))]))
                == ["ACCEPTED"])
        // Invoicing closes the period before it finalizes the invoice.
        let ports = try #require(cluster.ports["ledger"])
        let transport = RPCHTTP2ClientTransport(
            configuration: RPCClientConfiguration(
                serviceName: "ledger", endpoints: [RPCEndpoint(host: "127.0.0.1", port: ports.rpc)],
                tls: try TestCertificates.tls(as: "invoicing")),
            logger: Logger(label: "test"))
        defer { transport.close() }
        _ = try await RPCClient(transport: transport).call(
            LedgerAPI.closePeriod,
            ClosePeriodRequest(billingAccountId: AccountID(fixture.account)!, closedUntil: now.addingTimeInterval(-86_400)),
            options: RPCCallOptions(tenant: fixture.tenant, timeout: .seconds(30)))
        let late = try await fixture.client.post(
            "/api/v1/usage-events", token: fixture.token,
            json: ["data": usageEvent("late-2", account: fixture.account, meter: code, timestamp: now.addingTimeInterval(-2 * 86_400))])
        #expect(late.status == 409)
        #expect(late.firstError?["code"] == "PERIOD_CLOSED")
        #expect(late.firstError?["source"]?["pointer"] == "/data/attributes/timestamp")
        #expect(
            statuses(
                try await fixture.send([
                    usageEvent("late-1", account: fixture.account, meter: code, timestamp: now.addingTimeInterval(-3 * 86_400)),
                    usageEvent("fresh", account: fixture.account, meter: code),
                ])) == ["DUPLICATE", "ACCEPTED"])
    }

    @Test("200 concurrent checks of 1 against a remaining limit of 100: exactly 100 allowed, the rest 402 in seed 004's words")
    func concurrentLimitChecks() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await UsageFixture.make(cluster, timezone: "America/Sao_Paulo")
        let set = try await fixture.setLimits([
            ["resource": "messages", "limit": 150, "enforcement": "HARD"],
            ["resource": "storage", "limit": 10, "enforcement": "SOFT"],
        ])
        #expect(set.status == 200, "\(set.text.prefix(300))")
        #expect(try await fixture.check("messages", quantity: 50).attribute("remaining") == 100)
        let answers = try await withThrowingTaskGroup(of: HTTPTestResponse.self) { group in
            for _ in 0..<200 { group.addTask { try await fixture.check("messages") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count { $0.status == 200 } == 100)
        let refusals = answers.filter { $0.status == 402 }
        #expect(refusals.count == 100)
        let refusal = try #require(refusals.first?.firstError)
        #expect(refusal["code"] == "LIMIT_REACHED")
        #expect(refusal["detail"] == "Limite de messages atingido - faça upgrade")
        #expect(refusal["meta"]?["resource"] == "messages" && refusal["meta"]?["limit"] == "150" && refusal["meta"]?["used"] == "150")

        let soft = try await fixture.check("storage", quantity: 12)
        #expect(soft.status == 200 && soft.attribute("allowed") == true && soft.attribute("overLimit") == true)

        let usage = try await fixture.client.get("/api/v1/usage-limits?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token)
        let rows = usage.data?.arrayValue ?? []
        let messages = rows.first { $0["attributes"]?["resource"] == "messages" }?["attributes"]
        #expect(messages?["used"] == 150 && messages?["limit"] == 150 && messages?["percentUsed"]?.decimalValue == DecimalNumber(100))
        #expect(rows.first { $0["attributes"]?["resource"] == "storage" }?["attributes"]?["percentUsed"]?.decimalValue == DecimalNumber(120))

        // 80 % and 90 % announced once each, the limit once, on the event bus (seen in the audit trail).
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                let limits = try await auditEvents(fixture.client, token: fixture.token, type: "billing.usage.limit_reached").count
                let thresholds = try await auditEvents(fixture.client, token: fixture.token, type: "billing.usage.threshold_reached").count
                return limits == 2 && thresholds >= 4
            })
        let thresholds = try await auditEvents(fixture.client, token: fixture.token, type: "billing.usage.threshold_reached")
        for resource in ["messages", "storage"] {
            let percents = thresholds.filter { $0["attributes"]?["data"]?["resource"] == .string(resource) }
                .compactMap { $0["attributes"]?["data"]?["thresholdPercent"]?.decimalValue }
            #expect(percents.sorted() == [DecimalNumber(80), DecimalNumber(90)], "\(resource)")
        }
    }

    @Test("limits: validation, unknown accounts, permissions; meters cannot change how they count")
    func limitAndMeterRules() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await UsageFixture.make(cluster, meters: [("sum", ["aggregation": "SUM", "property": "tokens"])])
        let negative = try await fixture.setLimits([["resource": "messages", "limit": -1, "enforcement": "HARD"]])
        #expect(negative.status == 422 && negative.firstError?["source"]?["pointer"] == "/data/attributes/limits/0/limit")
        let twice = try await fixture.setLimits([
            ["resource": "users", "limit": 1, "enforcement": "HARD"], ["resource": "users", "limit": 2, "enforcement": "SOFT"],
        ])
        #expect(twice.status == 422 && twice.firstError?["source"]?["pointer"] == "/data/attributes/limits/1/resource")
        let unknown = try await fixture.client.send(
            "PUT", "/api/v1/billing-accounts/0196a1b2-0000-7000-8000-000000000000/usage-limits", token: fixture.token,
            json: resource("usage-limits", ["limits": []]))
        #expect(unknown.status == 404)
        let operator_ = try cluster.tokens.token(tenant: newTenant(), permissions: ["USAGE_EVENTS_CREATE", "USAGE_EVENTS_READ"])
        #expect(
            try await fixture.client.send(
                "PUT", "/api/v1/billing-accounts/\(fixture.account)/usage-limits", token: operator_,
                json: resource("usage-limits", ["limits": []])
            ).status == 403)
        #expect(try await fixture.client.get("/api/v1/usage-summaries", token: fixture.token).status == 400)
        let badMonth = try await fixture.summaries("&filter%5Bmonth%5D=2026-13")
        #expect(badMonth.status == 422 && badMonth.firstError?["source"]?["parameter"] == "filter[month]")
        let otherTenant = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        #expect(
            try await fixture.client.get("/api/v1/usage-summaries?filter%5BbillingAccountId%5D=\(fixture.account)", token: otherTenant).status == 404)

        let meters = try await fixture.client.get("/api/v1/usage-meters?filter%5Bcode%5D=\(fixture.meters["sum"]!)", token: fixture.token)
        let meterID = try #require(meters.data?.arrayValue?.first?["id"]?.stringValue)
        let change = try await fixture.client.send(
            "PATCH", "/api/v1/usage-meters/\(meterID)", token: fixture.token,
            json: resource("usage-meters", ["aggregation": "MAX"]))
        #expect(change.status == 422 && change.firstError?["code"] == "METER_DEFINITION_IMMUTABLE")
        #expect(
            try await fixture.client.send(
                "PATCH", "/api/v1/usage-meters/\(meterID)", token: fixture.token,
                json: resource("usage-meters", ["name": "Tokens"])
            ).status == 200)
    }
}

@Suite("Recorded usage events through the gateway (real processes)", .timeLimit(.minutes(3)))
struct UsageEventListEndToEndTests {
    @Test("GET /usage-events lists an account's recorded events oldest first, by meter and time range, page by page; bad filters are 4xx")
    func listRecordedEvents() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await UsageFixture.make(
            cluster, meters: [("sum", ["aggregation": "SUM", "property": "tokens"]), ("count", ["aggregation": "COUNT"])])
        let base = Date().addingTimeInterval(-3600)
        let events: [JSONValue] = (0..<5).map { index in
            usageEvent(
                "e-\(index)", account: fixture.account, meter: fixture.meters[index.isMultiple(of: 2) ? "sum" : "count"]!,
                timestamp: base.addingTimeInterval(Double(index) * 60), properties: ["tokens": .number("\(index).5")],
                costCenter: index < 2 ? "marketing" : nil)
        }
        #expect(try await fixture.send(events).json?["meta"]?["accepted"] == 5)
        // Cost centres (seed 003 enterprise): filtered on, shown; one too long is refused for that event only.
        let marketing = try await fixture.client.get(
            "/api/v1/usage-events?filter%5BbillingAccountId%5D=\(fixture.account)&filter%5BcostCenter%5D=marketing", token: fixture.token)
        #expect(
            marketing.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["e-0", "e-1"]
                && marketing.data?.arrayValue?.first?["attributes"]?["costCenter"] == "marketing", "\(marketing.text.prefix(300))")
        let long = try await fixture.send([
            usageEvent("e-long", account: fixture.account, meter: fixture.meters["count"]!, costCenter: String(repeating: "x", count: 201))
        ])
        #expect(long.json?["data"]?.arrayValue?.first?["attributes"]?["reason"] == "INVALID_COST_CENTER", "\(long.text.prefix(300))")

        var ids: [String] = []
        var next: String? = "/api/v1/usage-events?filter%5BbillingAccountId%5D=\(fixture.account)&page%5Bsize%5D=2"
        while let path = next {
            let page = try await fixture.client.get(path, token: fixture.token)
            #expect(page.status == 200, "\(page.text.prefix(300))")
            ids += page.data?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            next = page.json?["links"]?["next"]?.stringValue
        }
        #expect(ids == ["e-0", "e-1", "e-2", "e-3", "e-4"], "oldest first, every page followed")

        let sums = try await fixture.client.get(
            "/api/v1/usage-events?filter%5BbillingAccountId%5D=\(fixture.account)&filter%5BmeterCode%5D=\(fixture.meters["sum"]!)"
                + "&filter%5Bsince%5D=\(RFC3339.format(base.addingTimeInterval(60)))", token: fixture.token)
        let items = sums.data?.arrayValue ?? []
        #expect(items.compactMap { $0["id"]?.stringValue } == ["e-2", "e-4"], "\(sums.text.prefix(300))")
        #expect(items.first?["attributes"]?["value"]?.decimalValue == DecimalNumber("2.5") && items.first?["attributes"]?["counted"] == true)
        #expect(items.first?["attributes"]?["timestamp"] == .string(RFC3339.format(base.addingTimeInterval(120))))

        let unknownMeter = try await fixture.client.get(
            "/api/v1/usage-events?filter%5BbillingAccountId%5D=\(fixture.account)&filter%5BmeterCode%5D=nope", token: fixture.token)
        #expect(unknownMeter.status == 404 && unknownMeter.firstError?["code"] == "METER_NOT_FOUND", "\(unknownMeter.text.prefix(300))")
        let other = try await UsageFixture.make(cluster)
        let foreign = try await fixture.client.get("/api/v1/usage-events?filter%5BbillingAccountId%5D=\(other.account)", token: fixture.token)
        #expect(foreign.status == 404, "another tenant's account is not found: \(foreign.text.prefix(300))")
        let badCursor = try await fixture.client.get(
            "/api/v1/usage-events?filter%5BbillingAccountId%5D=\(fixture.account)&page%5Bafter%5D=x", token: fixture.token)
        #expect(badCursor.status == 400 && badCursor.firstError?["source"]?["parameter"] == "page[after]", "\(badCursor.text.prefix(300))")
        let backwards = try await fixture.client.get(
            "/api/v1/usage-events?filter%5BbillingAccountId%5D=\(fixture.account)&filter%5Bsince%5D=2027-01-02T00:00:00Z"
                + "&filter%5Buntil%5D=2027-01-01T00:00:00Z", token: fixture.token)
        #expect(backwards.status == 422 && backwards.firstError?["source"]?["parameter"] == "filter[until]", "\(backwards.text.prefix(300))")
    }
}
