import Accounts
import ArgumentParser
import AsyncHTTPClient
import BillingCore
import BillingPostgres
import Catalog
import Foundation
import Gateway
import Invoicing
import Ledger
import Logging
import NIOPosix
import NIOSSL
import Notifications
import PostgresNIO
import Subscriptions

/// The services `make run` starts, with their default ports (README, *Architecture*).
enum Services {
    static let all: [(name: String, index: Int)] = [
        ("gateway", 0), ("accounts", 1), ("catalog", 2), ("subscriptions", 3), ("ledger", 4), ("invoicing", 5), ("notifications", 6),
    ]

    /// `BILLING_<SERVICE>_ADMIN_HOST`/`_ADMIN_PORT`, as the service itself reads them (default 127.0.0.1 and 9200 + its index).
    static func adminURL(_ name: String, index: Int) -> String {
        let prefix = "BILLING_\(name.uppercased())_"
        return "http://\(setting(prefix + "ADMIN_HOST") ?? "127.0.0.1"):\(setting(prefix + "ADMIN_PORT") ?? String(9200 + index))"
    }

    /// `BILLING_<SERVICE>_DATABASE_URL`, as the service itself reads it.
    static func databaseURL(_ name: String) -> String {
        setting("BILLING_\(name.uppercased())_DATABASE_URL") ?? "postgres://billing_\(name):billing_\(name)@127.0.0.1:55432/billing"
    }

    static func selected(_ names: [String]) throws -> [(name: String, index: Int)] {
        for name in names where !all.contains(where: { $0.name == name }) {
            throw ValidationError("unknown service '\(name)' (\(all.map(\.name).joined(separator: ", ")))")
        }
        return names.isEmpty ? all : all.filter { names.contains($0.name) }
    }
}

// MARK: - outbox lag

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "The transactional outboxes.", subcommands: [Lag.self])

    struct Lag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each service's outbox backlog: events committed but not yet published to Redis, and the oldest one's age.",
            discussion: """
                Read from each service's admin port (`GET /metrics`: billing_outbox_backlog and \
                billing_outbox_oldest_unpublished_age_seconds, which the service's outbox relay samples from its own table), at \
                BILLING_<SERVICE>_ADMIN_HOST:BILLING_<SERVICE>_ADMIN_PORT (default 127.0.0.1 and the `make run` ports 9200–9206). \
                Exits 1 when a service's admin port does not answer.
                """)
        @OptionGroup var output: OutputOptions
        @Option(name: .customLong("service"), help: "Only this service (repeatable).") var services: [String] = []
        @Option(name: .customLong("admin-url"), help: "A service's admin base URL, `service=http://host:port` (repeatable).")
        var adminURLs: [String] = []

        func validate() throws {
            _ = try Services.selected(services)
            for pair in adminURLs where !pair.contains("=") { throw ValidationError("--admin-url takes service=http://host:port") }
        }

        func run() async throws {
            var overrides: [String: String] = [:]
            for pair in adminURLs {
                let parts = pair.split(separator: "=", maxSplits: 1)
                overrides[String(parts[0])] = String(parts[1])
            }
            var results: [JSONValue] = []
            var rows: [[String]] = []
            var unreachable: [String] = []
            let selected = try Services.selected(services)
            // Every admin port at once, each with its own deadline: one that does not answer delays the others by nothing.
            let answers = await withTaskGroup(of: (Int, Result<String, any Error>).self) { group in
                for (position, service) in selected.enumerated() {
                    let url = overrides[service.name] ?? Services.adminURL(service.name, index: service.index)
                    group.addTask {
                        do {
                            var request = HTTPClientRequest(url: url + "/metrics")
                            request.method = .GET
                            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                            guard response.status == .ok else { throw CommandFailure("status \(response.status.code)") }
                            return (position, .success(String(buffer: try await response.body.collect(upTo: 32 << 20))))
                        } catch {
                            return (position, .failure(error))
                        }
                    }
                }
                var answers: [Int: Result<String, any Error>] = [:]
                for await (position, answer) in group { answers[position] = answer }
                return answers
            }
            for (position, service) in selected.enumerated() {
                let url = overrides[service.name] ?? Services.adminURL(service.name, index: service.index)
                let metrics: String
                switch answers[position]! {
                case .success(let text): metrics = text
                case .failure(let error):
                    unreachable.append(service.name)
                    results.append(["service": .string(service.name), "adminURL": .string(url), "error": .string("\(error)")])
                    rows.append([service.name, "-", "-", "-", "admin port \(url) did not answer"])
                    continue
                }
                let backlog = PrometheusText.samples("billing_outbox_backlog", in: metrics)
                let age = PrometheusText.samples("billing_outbox_oldest_unpublished_age_seconds", in: metrics)
                var streams: [JSONValue] = []
                for (labels, value) in backlog.sorted(by: { ($0.key["stream"] ?? "") < ($1.key["stream"] ?? "") }) {
                    let stream = labels["stream"] ?? "?"
                    let oldest = age[labels] ?? "0"
                    streams.append([
                        "stream": .string(stream), "backlog": PrometheusText.json(value), "oldestAgeSeconds": PrometheusText.json(oldest),
                    ])
                    rows.append([service.name, stream, value, oldest, ""])
                }
                if backlog.isEmpty { rows.append([service.name, "-", "-", "-", "no outbox sampled yet"]) }
                results.append(["service": .string(service.name), "adminURL": .string(url), "streams": .array(streams)])
            }
            if output.json {
                Output.json(.array(results))
            } else {
                Output.table(["SERVICE", "STREAM", "BACKLOG", "OLDEST (s)", ""], rows)
            }
            if !unreachable.isEmpty { throw CommandFailure("no answer from the admin port of \(unreachable.joined(separator: ", "))") }
        }
    }
}

/// Reading the Prometheus text exposition.
enum PrometheusText {
    /// Every sample of a metric: its labels and its value as written.
    static func samples(_ metric: String, in text: String) -> [[String: String]: String] {
        var samples: [[String: String]: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(metric) && !line.hasPrefix("#") {
            let rest = line.dropFirst(metric.count)
            var labels: [String: String] = [:]
            var valuePart = rest
            if rest.first == "{" {
                guard let close = rest.lastIndex(of: "}") else { continue }
                labels = parseLabels(String(rest[rest.index(after: rest.startIndex)..<close]))
                valuePart = rest[rest.index(after: close)...]
            } else if rest.first != " " {
                continue  // another metric whose name starts with this one
            }
            guard let value = valuePart.split(separator: " ").first else { continue }
            samples[labels] = String(value)
        }
        return samples
    }

    /// A sample's value as a JSON number (NaN and infinities, which JSON lacks, as null).
    static func json(_ value: String) -> JSONValue {
        guard let number = Double(value), number.isFinite else { return .null }
        if case .number? = try? JSONParser.parse(value) { return .number(value) }
        return .number(String(number))
    }

    static func parseLabels(_ text: String) -> [String: String] {
        var labels: [String: String] = [:]
        var characters = text[...]
        while let equals = characters.firstIndex(of: "=") {
            let name = characters[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: ", "))
            characters = characters[characters.index(after: equals)...]
            guard characters.first == "\"" else { break }
            characters = characters.dropFirst()
            var value = ""
            while let character = characters.popFirst() {
                if character == "\\", let next = characters.popFirst() {
                    value.append(next == "n" ? "\n" : next)
                } else if character == "\"" {
                    break
                } else {
                    value.append(character)
                }
            }
            labels[name] = value
        }
        return labels
    }
}

// MARK: - migrations status

struct MigrationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrations", abstract: "Schema migrations.", subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each schema's migrations: applied, pending (in this build, not yet applied) or changed after applying.",
            discussion: """
                Reads each service's `schema_migrations` table (the migration runner's record: track, version, name, checksum, \
                applied at) in PostgreSQL with the service's own role, BILLING_<SERVICE>_DATABASE_URL (default the `make run` \
                URL), and compares it with the migrations this build of billingctl carries — the same ones each service applies \
                at start-up. Exits 1 when a database cannot be read; pending or changed migrations are reported, not failures \
                (a service applies pending ones when it starts; it refuses to start on a changed one).
                """)
        @OptionGroup var output: OutputOptions
        @Option(name: .customLong("service"), help: "Only this service's schema (repeatable).") var services: [String] = []
        @Flag(help: "List every migration, not only the counts and what is not applied.") var verbose = false

        func validate() throws { _ = try Services.selected(services) }

        static func expected(_ service: String) throws -> [Migration] {
            let own: [Migration]
            switch service {
            case "gateway": own = try GatewayService.migrations
            case "accounts": own = try AccountsService.migrations
            case "catalog": own = try CatalogService.migrations
            case "subscriptions": own = try SubscriptionsService.migrations
            case "ledger": own = try LedgerService.migrations
            case "invoicing": own = try InvoicingService.migrations
            case "notifications": own = try NotificationsService.migrations
            default: own = []
            }
            return PlatformMigrations.all + own
        }

        struct Applied: Sendable { let track: String, version: Int, name: String, checksum: String, appliedAt: Date }

        func run() async throws {
            var logger = Logger(label: "billingctl")
            logger.logLevel = .critical
            var results: [JSONValue] = []
            var failures: [String] = []
            for service in try Services.selected(services) {
                let expected = try Self.expected(service.name)
                let applied: [Applied]
                do {
                    applied = try await Self.read(schema: service.name, url: Services.databaseURL(service.name), logger: logger)
                } catch {
                    let message = "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
                    failures.append("\(service.name) (\(message))")
                    results.append(["service": .string(service.name), "error": .string(message)])
                    if !output.json { print("\(service.name): cannot read schema_migrations: \(message)") }
                    continue
                }
                let byKey = Dictionary(applied.map { ("\($0.track)/\($0.version)", $0) }, uniquingKeysWith: { first, _ in first })
                let expectedKeys = Set(expected.map { "\($0.track)/\($0.version)" })
                var migrations: [JSONValue] = []
                var counts = ["applied": 0, "pending": 0, "changed": 0, "unknown": 0]
                for migration in expected {
                    let record = byKey["\(migration.track)/\(migration.version)"]
                    let state = record == nil ? "pending" : (record!.checksum == migration.checksum ? "applied" : "changed")
                    counts[state, default: 0] += 1
                    migrations.append(
                        .object(
                            JSONObject([
                                ("track", .string(migration.track)), ("version", .number(migration.version)), ("name", .string(migration.name)),
                                ("state", .string(state)),
                                ("appliedAt", record.map { .string(ISO8601DateFormatter().string(from: $0.appliedAt)) } ?? .null),
                            ])))
                }
                // Applied by a newer build than this one (a rollback, or billingctl older than the services).
                for record in applied where !expectedKeys.contains("\(record.track)/\(record.version)") {
                    counts["unknown", default: 0] += 1
                    migrations.append(
                        .object(
                            JSONObject([
                                ("track", .string(record.track)), ("version", .number(record.version)), ("name", .string(record.name)),
                                ("state", "unknown"), ("appliedAt", .string(ISO8601DateFormatter().string(from: record.appliedAt))),
                            ])))
                }
                let latest = applied.max { $0.appliedAt < $1.appliedAt }
                results.append(
                    .object(
                        JSONObject([
                            ("service", .string(service.name)), ("schema", .string(service.name)),
                            ("applied", .number(counts["applied"]!)), ("pending", .number(counts["pending"]!)),
                            ("changed", .number(counts["changed"]!)), ("unknown", .number(counts["unknown"]!)),
                            ("lastAppliedAt", latest.map { .string(ISO8601DateFormatter().string(from: $0.appliedAt)) } ?? .null),
                            ("migrations", .array(migrations)),
                        ])))
                if !output.json {
                    print(
                        "\(service.name): \(counts["applied"]!) applied, \(counts["pending"]!) pending, \(counts["changed"]!) changed, "
                            + "\(counts["unknown"]!) unknown to this build"
                            + (latest.map { "; last applied \(ISO8601DateFormatter().string(from: $0.appliedAt))" } ?? ""))
                    for migration in migrations where verbose || migration["state"] != "applied" {
                        print(
                            "  \(Output.text(migration["state"]))  \(Output.text(migration["track"]))/\(Output.text(migration["version"]))  "
                                + "\(Output.text(migration["name"]))  \(Output.text(migration["appliedAt"]))")
                    }
                }
            }
            if output.json { Output.json(.array(results)) }
            if !failures.isEmpty { throw CommandFailure("cannot read the migrations of \(failures.joined(separator: ", "))") }
        }

        static func read(schema: String, url: String, logger: Logger) async throws -> [Applied] {
            let configuration = try DatabaseConfiguration(url: url, schema: schema, maximumConnections: 1)
            // One connection of its own: a wrong password or an unreachable server fails at once, with PostgreSQL's reason.
            let tls: PostgresConnection.Configuration.TLS =
                try configuration.tls.map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable
            let connectionConfiguration = PostgresConnection.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
                database: configuration.database, tls: tls)
            return try await withTimeout(seconds: 15, "PostgreSQL at \(configuration.redactedURL)") {
                let connection: PostgresConnection
                do {
                    connection = try await PostgresConnection.connect(
                        on: MultiThreadedEventLoopGroup.singleton.any(), configuration: connectionConfiguration, id: 1, logger: logger)
                } catch let error as PSQLError {
                    throw CommandFailure("PostgreSQL at \(configuration.redactedURL): \(error.serverInfo?[.message] ?? "\(error.code)")")
                }
                do {
                    // The schema name is one of Services.all, never the operator's text.
                    let applied = try await connection.rows(
                        PostgresQuery(
                            unsafeSQL:
                                "SELECT track, version, name, checksum, applied_at FROM \(schema).schema_migrations ORDER BY applied_at, track, version"
                        ),
                        logger: logger
                    ).map { row in
                        let (track, version, name, checksum, appliedAt) = try row.decode((String, Int, String, String, Date).self)
                        return Applied(track: track, version: version, name: name, checksum: checksum, appliedAt: appliedAt)
                    }
                    try? await connection.close()
                    return applied
                } catch let error as PSQLError {
                    try? await connection.close()
                    throw CommandFailure("\(schema).schema_migrations: \(error.serverInfo?[.message] ?? "\(error.code)")")
                }
            }
        }
    }
}
