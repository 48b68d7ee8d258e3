import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import Testing

/// One write of a storm as its client saw it: the idempotency key, the status of every attempt (0: no answer), and what the
/// final answer created.
struct StormRequest: Sendable {
    enum Kind: String, Sendable, CaseIterable { case account, grant, charge, hold, payment, refund, usage }
    let kind: Kind
    let key: String
    let account: String
    var statuses: [Int] = []
    /// The payment a refund was of; a payment's own id once it is answered.
    var payment: String?
    /// A usage event's per-item status (ACCEPTED, DUPLICATE, REFUSED).
    var itemStatus: String?

    var final: Int { statuses.last ?? 0 }
    var answered: Bool { final != 0 }
    /// 2xx, and for a usage event an item the ledger kept.
    var applied: Bool { (200..<300).contains(final) && (kind != .usage || itemStatus != "REFUSED") }
}

/// A write storm through the gateway: accounts, grants, charges, holds, PIX payments, refunds of them and usage events, each
/// request with its own idempotency key (a grant's reference, a charge's key, a payment's `externalRef` and a usage event's
/// id are that key too). A request that gets no answer, a 5xx or 409 IDEMPOTENCY_KEY_IN_USE is sent again with the same key
/// until it is answered for good; with `impatient`, a request is also given up after a random 50–800 ms and sent again.
final class Storm: Sendable {
    let running: TestCluster.Running
    let tenant: String
    let token: String
    let accounts: [String]
    let invoices: [String: [String]]
    let model: String
    let meter: String
    let impatient: Bool
    let log = Mutex<[StormRequest]>([])
    private let stopped = Mutex(false)
    private let patientClients: [HTTPTestClient]
    private let impatientClients: [HTTPTestClient]

    /// A tenant with `accounts` accounts, each granted 100,000 credits and owing three 25.00 invoices (a credit package of 5,000
    /// credits bought by PIX) that payments of 1.00 pay down; a paid one grants its package.
    static func prepare(_ running: TestCluster.Running, accounts count: Int = 6, impatient: Bool = false) async throws -> Storm {
        let tenant = newTenant("drill")
        let token = try running.tokens.token(tenant: tenant, roles: ["owner"])
        let client = running.client
        let model = uniqueCode("unit")
        _ = try await create(
            client, "/api/v1/ai-models", "ai-models", ["modelId": .string(model), "name": "Unit", "inputRate": 1, "outputRate": 1], token: token)
        let meter = uniqueCode("calls")
        _ = try await create(
            client, "/api/v1/usage-meters", "usage-meters", ["code": .string(meter), "name": "Calls", "aggregation": "COUNT"], token: token)
        let package = uniqueCode("pack")
        _ = try await create(
            client, "/api/v1/credit-packages", "credit-packages",
            ["code": .string(package), "name": "Big", "credits": 5_000, "price": .number("25.00"), "currency": "BRL"], token: token)
        var accounts: [String] = []
        var invoices: [String: [String]] = [:]
        for index in 0..<count {
            let account = try await create(
                client, "/api/v1/billing-accounts", "billing-accounts",
                ["name": .string("Drill \(index)"), "email": "drill@example.com", "currency": "BRL"], token: token)
            let granted = try await client.post(
                "/api/v1/credit-grants", token: token,
                json: resource("credit-grants", ["billingAccountId": .string(account), "credits": 100_000]))
            guard granted.status == 201 else { throw TestClusterError(message: "grant: \(granted.text.prefix(300))") }
            for _ in 0..<3 {
                let checkout = try await client.post(
                    "/api/v1/checkouts", token: token,
                    json: resource(
                        "checkouts",
                        [
                            "billingAccountId": .string(account), "paymentMethod": "PIX",
                            "items": [["type": "CREDIT_PACKAGE", "packageCode": .string(package)]],
                        ]))
                guard checkout.status == 201, let invoice = checkout.attribute("invoice")?["id"]?.stringValue else {
                    throw TestClusterError(message: "checkout: \(checkout.text.prefix(300))")
                }
                invoices[account, default: []].append(invoice)
            }
            accounts.append(account)
        }
        return Storm(
            running: running, tenant: tenant, token: token, accounts: accounts, invoices: invoices, model: model, meter: meter,
            impatient: impatient)
    }

    private init(
        running: TestCluster.Running, tenant: String, token: String, accounts: [String], invoices: [String: [String]], model: String,
        meter: String, impatient: Bool
    ) {
        self.running = running
        self.tenant = tenant
        self.token = token
        self.accounts = accounts
        self.invoices = invoices
        self.model = model
        self.meter = meter
        self.impatient = impatient
        patientClients = running.gatewayURLs.map { HTTPTestClient(baseURL: $0, timeout: .seconds(90)) }
        impatientClients = running.gatewayURLs.flatMap { url in
            [50, 150, 400, 800].map { HTTPTestClient(baseURL: url, timeout: .milliseconds(Int64($0))) }
        }
    }

    /// `workers` clients writing until ``stop()``, then until every request in flight is answered for good.
    func run(workers: Int) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while !self.stopped.withLock({ $0 }) { await self.one() }
                }
            }
        }
    }

    func stop() { stopped.withLock { $0 = true } }

    private func one() async {
        let key = UUID().uuidString.lowercased()
        let account = accounts.randomElement()!
        let kind = StormRequest.Kind.allCases.randomElement()!
        var request = StormRequest(kind: kind, key: key, account: account)
        let body: JSONValue
        var path: String
        switch kind {
        case .account:
            path = "/api/v1/billing-accounts"
            body = resource("billing-accounts", ["name": "Storm", "email": .string("\(key)@drill.example.com"), "currency": "BRL"])
        case .grant:
            path = "/api/v1/credit-grants"
            body = resource("credit-grants", ["billingAccountId": .string(account), "credits": 3, "reference": .string(key)])
        case .charge:
            path = "/api/v1/credit-charges"
            body = resource(
                "credit-charges",
                [
                    "billingAccountId": .string(account), "model": .string(model), "inputTokens": 2, "outputTokens": 0,
                    "idempotencyKey": .string(key),
                ])
        case .hold:
            path = "/api/v1/credit-authorizations"
            body = resource(
                "credit-authorizations",
                [
                    "billingAccountId": .string(account), "model": .string(model), "estimatedInputTokens": 2, "estimatedOutputTokens": 0,
                    "idempotencyKey": .string(key), "ttlSeconds": 30,
                ])
        case .payment:
            path = "/api/v1/payments"
            body = resource(
                "payments",
                [
                    "billingAccountId": .string(account), "invoiceId": .string(invoices[account]!.randomElement()!), "amount": .number("1.00"),
                    "paymentMethod": "PIX", "externalRef": .string(key),
                ])
        case .refund:
            guard let paid = log.withLock({ entries in entries.filter { $0.kind == .payment && $0.applied }.randomElement() }),
                let payment = paid.payment
            else { return }
            request.payment = payment
            path = "/api/v1/payments/\(payment)/refunds"
            body = resource("refunds", ["amount": .number("0.01")])
        case .usage:
            path = "/api/v1/usage-events"
            body = ["data": [usageEvent(key, account: account, meter: meter)]]
        }
        let deadline = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < deadline {
            let clients = impatient && Bool.random() ? impatientClients : patientClients
            do {
                let response = try await clients.randomElement()!.post(path, token: token, json: body, headers: ["Idempotency-Key": key])
                request.statuses.append(response.status)
                let inFlight = response.status == 409 && response.firstError?["code"] == "IDEMPOTENCY_KEY_IN_USE"
                if response.status >= 500 || inFlight {
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 100...400)))
                    continue
                }
                if kind == .payment { request.payment = response.data?["id"]?.stringValue }
                if kind == .usage {
                    request.itemStatus = (response.data?.arrayValue?.first ?? response.data)?["attributes"]?["status"]?.stringValue
                }
                break
            } catch {
                request.statuses.append(0)
                try? await Task.sleep(for: .milliseconds(Int.random(in: 50...300)))
            }
        }
        let done = request
        log.withLock { $0.append(done) }
    }

    /// The storm's counts by kind and final status, for the issue note.
    var summary: String {
        let entries = log.withLock { $0 }
        let retried = entries.filter { $0.statuses.count > 1 }.count
        let byKind = StormRequest.Kind.allCases.map { kind in
            let mine = entries.filter { $0.kind == kind }
            return "\(kind.rawValue) \(mine.filter(\.applied).count)/\(mine.count)"
        }
        let statuses = Dictionary(grouping: entries, by: \.final).mapValues(\.count).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        return "\(entries.count) requests (\(retried) sent more than once); applied/sent by kind: \(byKind.joined(separator: ", "));"
            + " final statuses: \(statuses.joined(separator: ", "))"
    }
}

/// What a drill checks in PostgreSQL after the storm: every request answered 2xx applied exactly once, every other not at
/// all, the books balanced, each paid package granted once.
struct DrillLedger {
    let databases: [String: Database]

    static func with(_ body: (DrillLedger) async throws -> Void) async throws {
        var databases: [String: Database] = [:]
        for schema in ["accounts", "ledger", "invoicing", "subscriptions"] {
            var logger = Logger(label: "drill.\(schema)")
            logger.logLevel = .error
            databases[schema] = Database(
                configuration: try DatabaseConfiguration(
                    url: TestEnvironment.databaseURL(schema: schema, database: TestEnvironment.isolatedDatabaseName), schema: schema,
                    maximumConnections: 4),
                logger: logger)
        }
        let ledger = DrillLedger(databases: databases)
        try await withThrowingDiscardingTaskGroup { group in
            for database in databases.values { group.addTask { await database.run() } }
            try await body(ledger)
            group.cancelAll()
        }
    }

    /// Counts rows per key: `sql` selects the key column of rows whose key is in `$1`.
    func counts(_ schema: String, _ sql: String, keys: [String]) async throws -> [String: Int] {
        guard !keys.isEmpty else { return [:] }
        return try await databases[schema]!.withSystemScope { connection in
            var counts: [String: Int] = [:]
            for row in try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: try .of(keys)), logger: databases[schema]!.logger) {
                counts[try row.decode(String.self), default: 0] += 1
            }
            return counts
        }
    }

    /// The first column of each row, as text.
    func strings(_ schema: String, _ sql: String, _ binds: PostgresBindings) async throws -> [String] {
        try await databases[schema]!.withSystemScope { connection in
            try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: databases[schema]!.logger).map {
                try $0.decode(String.self)
            }
        }
    }

    /// Every answered request checked against the database; returns the problems found (empty: exactly once held).
    func verify(_ storm: Storm) async throws -> [String] {
        let entries = storm.log.withLock { $0 }
        var problems: [String] = []
        let queries: [StormRequest.Kind: (String, String)] = [
            .account: (
                "accounts",
                "SELECT split_part(email, '@', 1) FROM billing_accounts WHERE tenant_id = '\(storm.tenant)' AND split_part(email, '@', 1) = ANY($1)"
            ),
            .grant: ("ledger", "SELECT reference FROM credit_grants WHERE tenant_id = '\(storm.tenant)' AND reference = ANY($1)"),
            .charge: ("ledger", "SELECT idempotency_key FROM credit_executions WHERE tenant_id = '\(storm.tenant)' AND idempotency_key = ANY($1)"),
            .hold: ("ledger", "SELECT idempotency_key FROM credit_executions WHERE tenant_id = '\(storm.tenant)' AND idempotency_key = ANY($1)"),
            .payment: ("invoicing", "SELECT external_ref FROM payments WHERE tenant_id = '\(storm.tenant)' AND external_ref = ANY($1)"),
            .usage: ("ledger", "SELECT event_id FROM usage_events WHERE tenant_id = '\(storm.tenant)' AND event_id = ANY($1)"),
        ]
        for (kind, (schema, sql)) in queries {
            let mine = entries.filter { $0.kind == kind && $0.answered }
            let found = try await counts(schema, sql, keys: mine.map(\.key))
            for request in mine where (found[request.key] ?? 0) != (request.applied ? 1 : 0) {
                problems.append("\(kind.rawValue) \(request.key): answered \(request.statuses), stored \(found[request.key] ?? 0) times")
            }
        }
        // Refunds of 0.01 each: what a payment has refunded is what its 2xx refunds add up to, in as many rows.
        let refunds = Dictionary(grouping: entries.filter { $0.kind == .refund && $0.answered }, by: { $0.payment! })
        let refunded = try await strings(
            "invoicing",
            "SELECT p.id::text || ' ' || p.refunded_minor || ' ' || (SELECT count(*) FROM refunds r WHERE r.tenant_id = p.tenant_id AND r.payment_id = p.id) "
                + "FROM payments p WHERE p.tenant_id = $1 AND p.id::text = ANY($2)",
            try .of(storm.tenant, Array(refunds.keys)))
        for line in refunded {
            let parts = line.split(separator: " ").map(String.init)
            let ok = refunds[parts[0]]!.filter(\.applied).count
            if parts[1] != String(ok) || parts[2] != String(ok) {
                problems.append("payment \(parts[0]): \(ok) refunds answered 2xx, \(parts[2]) stored for \(parts[1]) cents")
            }
        }
        let unanswered = entries.filter { !$0.answered }.count
        if unanswered > 0 { problems.append("\(unanswered) requests never answered within 180 s") }
        problems += try await booksBalance(tenant: storm.tenant)
        problems += try await packagesGrantedOnce(tenant: storm.tenant)
        return problems
    }

    /// Each wallet's balance equals its journal's sum and its grants' remaining less its debt; held equals its journal too.
    func booksBalance(tenant: String) async throws -> [String] {
        try await strings(
            "ledger",
            """
            SELECT w.account_id::text FROM credit_wallets w
            WHERE w.tenant_id = $1 AND (
                w.balance <> (SELECT coalesce(sum(j.amount), 0) FROM credit_journal j WHERE j.tenant_id = w.tenant_id AND j.account_id = w.account_id)
                OR w.held <> (SELECT coalesce(sum(j.held_delta), 0) FROM credit_journal j WHERE j.tenant_id = w.tenant_id AND j.account_id = w.account_id)
                OR w.balance <> (SELECT coalesce(sum(g.remaining), 0) FROM credit_grants g WHERE g.tenant_id = w.tenant_id AND g.account_id = w.account_id) - w.debt)
            """, try .of(tenant)
        ).map { "wallet \($0): balance, journal and grants disagree" }
    }

    /// Every paid invoice's credit packages granted exactly once.
    func packagesGrantedOnce(tenant: String) async throws -> [String] {
        let paid = try await strings(
            "invoicing", "SELECT id::text FROM invoices WHERE tenant_id = $1 AND status = 'PAID' AND credit_purchases IS NOT NULL", try .of(tenant))
        let granted = try await counts(
            "ledger",
            "SELECT split_part(reference, ':', 2) FROM credit_grants WHERE tenant_id = '\(tenant)' AND split_part(reference, ':', 2) = ANY($1)",
            keys: paid)
        return paid.filter { granted[$0] != 1 }.map { "paid invoice \($0): its package granted \(granted[$0] ?? 0) times" }
    }
}
