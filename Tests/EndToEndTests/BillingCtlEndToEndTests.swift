import BillingCore
import BillingEventsRedis
import BillingTesting
import Foundation
import Testing

/// The built `billingctl` run as an operator would, against the shared test cluster: each command's `--json` output parsed.
enum BillingCtl {
    struct Result {
        let status: Int32
        let output: String
        let error: String
        var json: JSONValue? { try? JSONParser.parse(output) }
        /// One JSON document per line (`events tail --json`).
        var jsonLines: [JSONValue] { output.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) } }
    }

    static var executable: URL { TestEnvironment.buildDirectory.appendingPathComponent("billingctl") }

    /// What an operator's shell holds after `source <(deploy/local/cluster.sh env test)`, pointed at this cluster.
    static func environment(_ cluster: TestCluster.Running, token: String?) -> [String: String] {
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "BILLING_GATEWAY_URL": cluster.gatewayURL,
            "BILLING_REDIS_URL": "redis://127.0.0.1:\(TestEnvironment.redisPort)",
            "BILLING_REDIS_PASSWORD": TestEnvironment.redisPassword(of: "ADMIN") ?? "",
        ]
        if let token { environment["BILLING_TOKEN"] = token }
        for (service, ports) in cluster.ports {
            environment["BILLING_\(service.uppercased())_ADMIN_PORT"] = String(ports.admin)
            environment["BILLING_\(service.uppercased())_DATABASE_URL"] = TestEnvironment.databaseURL(schema: service)
        }
        return environment
    }

    /// Starts `billingctl arguments…`; output goes to files (a pipe nobody reads while it runs could fill and block it).
    static func start(_ arguments: [String], environment: [String: String]) throws -> (Process, URL, URL) {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw TestClusterError(message: "\(executable.path) is not built (run `swift build`)")
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("billingctl-\(UUID().uuidString)")
        let out = base.appendingPathExtension("out"), err = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return (process, out, err)
    }

    static func finish(_ started: (Process, URL, URL), within limit: Duration = .seconds(90)) async throws -> Result {
        let (process, out, err) = started
        let deadline = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            await TestCluster.waitForExit(process)
        }
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        return Result(
            status: process.terminationStatus, output: try String(contentsOf: out, encoding: .utf8),
            error: try String(contentsOf: err, encoding: .utf8))
    }

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Result {
        try await finish(try start(arguments, environment: environment))
    }
}

@Suite("billingctl against the test cluster (real processes)", .timeLimit(.minutes(5)))
struct BillingCtlEndToEndTests {
    static let commands = ["proto-docs", "token", "accounts", "wallet", "invoices", "events", "outbox", "migrations", "pix-webhook"]

    @Test("--help lists every command and subcommand; a bad command line exits non-zero with one line")
    func help() async throws {
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let help = try await BillingCtl.run(["--help"], environment: environment)
        #expect(help.status == 0, "\(help.error)")
        for command in Self.commands { #expect(help.output.contains("  \(command)"), "\(command) missing from:\n\(help.output)") }
        for (command, subcommands) in [
            ("accounts", ["list", "show"]), ("wallet", ["show", "audit"]), ("invoices", ["show", "export"]), ("events", ["tail", "dead-letters"]),
            ("outbox", ["lag"]), ("migrations", ["status"]), ("pix-webhook", ["register"]),
        ] {
            let page = try await BillingCtl.run([command, "--help"], environment: environment)
            #expect(page.status == 0)
            for subcommand in subcommands { #expect(page.output.contains("  \(subcommand)"), "\(command) \(subcommand) missing:\n\(page.output)") }
        }
        let deadLetters = try await BillingCtl.run(["events", "dead-letters", "--help"], environment: environment)
        for subcommand in ["list", "show", "replay"] { #expect(deadLetters.output.contains("  \(subcommand)")) }
        // Gateway commands take --gateway-url, --token and --json.
        let show = try await BillingCtl.run(["accounts", "show", "--help"], environment: environment)
        for option in ["--gateway-url", "--token", "--json"] { #expect(show.output.contains(option), "\(show.output)") }

        for bad in [
            ["frobnicate"], ["accounts", "show"], ["accounts", "list", "--limit", "many"], ["events", "tail", "--count", "0"],
            ["pix-webhook", "register", "not a url", "secret"], ["outbox", "lag", "--service", "nope"],
        ] {
            let result = try await BillingCtl.run(bad, environment: environment)
            #expect(result.status != 0, "\(bad) exited 0")
            #expect(result.output.isEmpty, "\(bad) printed \(result.output)")
            let lines = result.error.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("billingctl: "), "\(bad): \(result.error)")
        }
    }

    @Test("token mints a development token the gateway accepts, and is refused outside development")
    func token() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant("ctl")
        var environment = BillingCtl.environment(cluster, token: nil)
        environment["BILLING_GATEWAY_JWT_HS256_SECRET"] = cluster.tokens.hs256Secret
        environment["BILLING_GATEWAY_JWT_ISSUER"] = cluster.tokens.issuer
        environment["BILLING_GATEWAY_JWT_AUDIENCE"] = cluster.tokens.audience
        environment["BILLING_ENVIRONMENT"] = "development"
        let minted = try await BillingCtl.run(["token", "--tenant", tenant, "--json"], environment: environment)
        #expect(minted.status == 0, "\(minted.error)")
        let token = try #require(minted.json?["token"]?.stringValue)
        #expect(minted.json?["claims"]?["organizationId"]?.stringValue == tenant)
        #expect(minted.json?["claims"]?["permissions"]?.arrayValue?.contains("BILLING_ACCOUNTS_CREATE") == true)
        let accounts = try await cluster.client.get("/api/v1/billing-accounts", token: token)
        #expect(accounts.status == 200, "\(accounts.text.prefix(300))")
        // Text output is the bare token; a customer token carries the account.
        let customer = try await BillingCtl.run(
            ["token", "--tenant", tenant, "--billing-account-id", "0190a000-0000-7000-8000-000000000001"], environment: environment)
        #expect(customer.status == 0 && customer.output.split(separator: ".").count == 3, "\(customer.error)")

        environment["BILLING_ENVIRONMENT"] = "production"
        let refused = try await BillingCtl.run(["token", "--json"], environment: environment)
        #expect(refused.status != 0)
        #expect(refused.output.isEmpty && refused.error.contains("development"), "\(refused.error)")
    }

    @Test("accounts list and show, wallet show and audit, invoices show and export")
    func gatewayCommands() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await CreditFixture.make(cluster, tenant: newTenant("ctl"))
        let environment = BillingCtl.environment(cluster, token: fixture.token)
        let second = try await create(
            cluster.client, "/api/v1/billing-accounts", "billing-accounts",
            ["name": "Segunda Conta Ltda", "email": "segunda@example.com", "currency": "BRL"], token: fixture.token)

        let list = try await BillingCtl.run(["accounts", "list", "--json"], environment: environment)
        #expect(list.status == 0, "\(list.error)")
        #expect(Set(list.json?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []) == [fixture.account, second], "\(list.output)")
        let limited = try await BillingCtl.run(["accounts", "list", "--limit", "1", "--json"], environment: environment)
        #expect(limited.json?.arrayValue?.count == 1)
        let table = try await BillingCtl.run(["accounts", "list"], environment: environment)
        #expect(table.output.hasPrefix("ID") && table.output.contains(second) && table.output.contains("Segunda Conta Ltda"), "\(table.output)")
        let show = try await BillingCtl.run(["accounts", "show", second, "--json"], environment: environment)
        #expect(show.json?["id"]?.stringValue == second && show.json?["attributes"]?["name"] == "Segunda Conta Ltda", "\(show.output)")
        let text = try await BillingCtl.run(["accounts", "show", second], environment: environment)
        #expect(text.output.contains("billing-accounts \(second)") && text.output.contains("segunda@example.com"), "\(text.output)")
        let missing = try await BillingCtl.run(["accounts", "show", "0190a000-0000-7000-8000-000000000009"], environment: environment)
        #expect(missing.status == 1 && missing.error.contains("404") && missing.error.split(separator: "\n").count == 1, "\(missing.error)")
        let anonymous = try await BillingCtl.run(["accounts", "list", "--token", "not-a-jwt"], environment: environment)
        #expect(anonymous.status == 1 && anonymous.error.contains("401"), "\(anonymous.error)")

        #expect(try await fixture.grant(100).status == 201)
        #expect(try await fixture.charge(30).status == 201)
        let wallet = try await BillingCtl.run(["wallet", "show", fixture.account, "--json"], environment: environment)
        #expect(wallet.status == 0, "\(wallet.error)")
        #expect(wallet.json?["attributes"]?["balance"]?.decimalValue == DecimalNumber(70), "\(wallet.output)")
        let audit = try await BillingCtl.run(["wallet", "audit", fixture.account, "--json"], environment: environment)
        #expect(audit.status == 0, "\(audit.error)")
        #expect(audit.json?["attributes"]?["consistent"] == true && audit.json?["attributes"]?["balance"]?.decimalValue == DecimalNumber(70))
        let auditText = try await BillingCtl.run(["wallet", "audit", fixture.account], environment: environment)
        #expect(auditText.output.contains("consistent:") && auditText.output.contains("true"), "\(auditText.output)")

        // A one-off charge, which POST /invoices bills alone.
        let item = try await cluster.client.post(
            "/api/v1/billing-accounts/\(second)/invoice-items", token: fixture.token,
            json: resource("invoice-items", ["description": "Implantação, fase 1", "unitAmount": .number("150.00")]))
        #expect(item.status == 201, "\(item.text.prefix(300))")
        let created = try await cluster.client.post(
            "/api/v1/invoices", token: fixture.token, json: resource("invoices", ["billingAccountId": .string(second)]))
        #expect(created.status == 201 || created.status == 200, "\(created.text.prefix(300))")
        let invoice = try #require(created.data?["id"]?.stringValue)
        let invoiceShow = try await BillingCtl.run(["invoices", "show", invoice, "--json"], environment: environment)
        #expect(invoiceShow.json?["id"]?.stringValue == invoice, "\(invoiceShow.output) \(invoiceShow.error)")
        #expect(invoiceShow.json?["attributes"]?["billingAccountId"]?.stringValue == second)
        let export = try await BillingCtl.run(["invoices", "export", "--account", second, "--json"], environment: environment)
        #expect(export.status == 0, "\(export.error)")
        #expect(export.json?.arrayValue?.map { $0["id"]?.stringValue } == [invoice], "\(export.output)")
        #expect(export.json?.arrayValue?.first?["billingAccountId"]?.stringValue == second)
        let csv = try await BillingCtl.run(["invoices", "export"], environment: environment)
        let lines = csv.output.split(separator: "\r\n")
        #expect(lines.first?.hasPrefix("id,") == true && lines.count == 2 && lines[1].hasPrefix(invoice), "\(csv.output)")
        let badFilter = try await BillingCtl.run(["invoices", "export", "--since", "yesterday"], environment: environment)
        #expect(badFilter.status == 1 && badFilter.output.isEmpty && badFilter.error.contains("400"), "\(badFilter.error)")
    }

    @Test("events tail follows new entries of a stream; dead-letters list, show and replay")
    func events() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant("ctl")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let environment = BillingCtl.environment(cluster, token: token)
        let tail = try BillingCtl.start(
            ["events", "tail", "accounts", "--tenant", tenant, "--count", "2", "--timeout", "60", "--json"], environment: environment)
        // The tail starts from the stream's end when it starts: keep creating accounts until it has seen two.
        var created: [String] = []
        for attempt in 0..<30 where tail.0.isRunning {
            created.append(
                try await create(
                    cluster.client, "/api/v1/billing-accounts", "billing-accounts",
                    ["name": .string("Tail \(attempt)"), "email": "tail@example.com", "currency": "BRL"], token: token))
            try await Task.sleep(for: .seconds(1))
        }
        let tailed = try await BillingCtl.finish(tail)
        #expect(tailed.status == 0, "\(tailed.error)")
        let entries = tailed.jsonLines
        #expect(entries.count == 2, "\(tailed.output)")
        for entry in entries {
            #expect(entry["stream"] == "billing.events.accounts")
            #expect(entry["envelope"]?["type"] == "billing.account.created" && entry["envelope"]?["tenantid"]?.stringValue == tenant)
            let text = entry["envelope"].map(JSONWriter.string) ?? ""
            #expect(created.contains { text.contains($0) }, "\(text)")
        }
        // From the oldest entry kept, bounded by --count.
        let replayed = try await BillingCtl.run(
            ["events", "tail", "billing.events.accounts", "--from", "0", "--tenant", tenant, "--count", "1", "--timeout", "10", "--json"],
            environment: environment)
        #expect(replayed.jsonLines.count == 1 && replayed.jsonLines.first?["envelope"]?["tenantid"]?.stringValue == tenant, "\(replayed.output)")

        // A dead letter of a stream of this test's own (nobody consumes it), as a consumer group writes one.
        let stream = "billing.events.ctl-\(UUID().uuidString.prefix(8).lowercased())"
        let deadLetterStream = "\(stream).dead-letter.ctl-test"
        let redis = RedisConnection(configuration: TestEnvironment.redisAdmin, label: "test")
        let envelope =
            #"{"specversion":"1.0","id":"evt-ctl-1","source":"billing-accounts","type":"billing.account.created","time":"2026-01-01T00:00:00Z","datacontenttype":"application/json","tenantid":"\#(tenant)","data":{}}"#
        let entry = try await redis.command([
            "XADD", deadLetterStream, "*", "stream", stream, "entry", "1-1", "error", "refused by its handler", "deliveries", "5", "envelope",
            envelope,
        ]).string
        let id = try #require(entry)
        let streams = try await BillingCtl.run(["events", "dead-letters", "list", "--json"], environment: environment)
        #expect(streams.status == 0, "\(streams.error)")
        #expect(
            streams.json?.arrayValue?.contains { $0["stream"]?.stringValue == deadLetterStream && $0["entries"] == 1 } == true, "\(streams.output)")
        let list = try await BillingCtl.run(["events", "dead-letters", "list", deadLetterStream, "--json"], environment: environment)
        #expect(list.json?.arrayValue?.map { $0["id"]?.stringValue } == [id], "\(list.output)")
        let show = try await BillingCtl.run(["events", "dead-letters", "show", deadLetterStream, id, "--json"], environment: environment)
        #expect(show.json?["error"] == "refused by its handler" && show.json?["deliveries"] == 5 && show.json?["eventId"] == "evt-ctl-1")
        #expect(show.json?["envelope"]?["tenantid"]?.stringValue == tenant, "\(show.output)")
        let replay = try await BillingCtl.run(["events", "dead-letters", "replay", deadLetterStream, "--all", "--json"], environment: environment)
        #expect(replay.status == 0 && replay.json?.arrayValue?.first?["entry"]?.stringValue == id, "\(replay.output) \(replay.error)")
        #expect(try await redis.command(["XLEN", stream]).integer == 1)
        #expect(try await redis.command(["XLEN", deadLetterStream]).integer == 0)
        let gone = try await BillingCtl.run(["events", "dead-letters", "show", deadLetterStream, id], environment: environment)
        #expect(gone.status == 1 && gone.error.contains("no dead letter"), "\(gone.error)")
        _ = try await redis.command(["DEL", stream, deadLetterStream])
        await redis.close()
    }

    @Test("outbox lag reads every service's admin port; migrations status finds every schema up to date")
    func operations() async throws {
        let cluster = try await TestCluster.shared.start()
        let environment = BillingCtl.environment(cluster, token: nil)
        // The relays sample their backlog right away and then every 5 s.
        var lag = try await BillingCtl.run(["outbox", "lag", "--json"], environment: environment)
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                lag = try await BillingCtl.run(["outbox", "lag", "--json"], environment: environment)
                return lag.json?.arrayValue?.first { $0["service"] == "accounts" }?["streams"]?.arrayValue?.isEmpty == false
            })
        #expect(lag.status == 0, "\(lag.error)")
        let services = lag.json?.arrayValue ?? []
        #expect(Set(services.compactMap { $0["service"]?.stringValue }) == Set(TestCluster.serviceNames), "\(lag.output)")
        #expect(services.allSatisfy { $0["error"] == nil }, "\(lag.output)")
        let accounts = services.first { $0["service"] == "accounts" }?["streams"]?.arrayValue?.first
        #expect(accounts?["stream"] == "billing.events.accounts" && accounts?["backlog"]?.decimalValue != nil, "\(lag.output)")
        let text = try await BillingCtl.run(["outbox", "lag", "--service", "accounts"], environment: environment)
        #expect(text.status == 0 && text.output.hasPrefix("SERVICE") && text.output.contains("billing.events.accounts"), "\(text.output)")
        // An admin port nobody listens on: reported, and the command fails.
        let down = try await BillingCtl.run(
            ["outbox", "lag", "--service", "ledger", "--admin-url", "ledger=http://127.0.0.1:\(FreePort.allocate())", "--json"],
            environment: environment)
        #expect(down.status == 1 && down.json?.arrayValue?.first?["error"] != nil, "\(down.output) \(down.error)")

        let migrations = try await BillingCtl.run(["migrations", "status", "--json"], environment: environment)
        #expect(migrations.status == 0, "\(migrations.error)")
        let schemas = migrations.json?.arrayValue ?? []
        #expect(Set(schemas.compactMap { $0["service"]?.stringValue }) == Set(TestCluster.serviceNames), "\(migrations.output)")
        for schema in schemas {
            #expect(schema["pending"] == 0 && schema["changed"] == 0, "\(schema)")
            #expect((schema["applied"]?.decimalValue ?? DecimalNumber(0)) > DecimalNumber(2), "\(schema)")
        }
        let summary = try await BillingCtl.run(["migrations", "status", "--service", "ledger"], environment: environment)
        #expect(summary.output.hasPrefix("ledger: ") && summary.output.contains("0 pending"), "\(summary.output)")
        var unreachable = environment
        unreachable["BILLING_CATALOG_DATABASE_URL"] = "postgres://billing_catalog:wrong@127.0.0.1:\(TestEnvironment.postgresPort)/billing"
        let refused = try await BillingCtl.run(["migrations", "status", "--service", "catalog"], environment: unreachable)
        #expect(refused.status == 1 && refused.error.split(separator: "\n").count == 1, "\(refused.error)")
        #expect(refused.error.contains("password authentication failed"), "\(refused.error)")
    }
}
