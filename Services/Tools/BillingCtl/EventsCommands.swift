import ArgumentParser
import BillingCore
import BillingEvents
import BillingEventsRedis
import Foundation

/// The operator's connection to the event bus: `BILLING_REDIS_URL`, `BILLING_REDIS_USERNAME` (default `billing-admin`) and
/// `BILLING_REDIS_PASSWORD` (else `BILLING_REDIS_PASSWORD_ADMIN`, what `deploy/local/cluster.sh env` prints).
func operatorRedis(timeoutMilliseconds: Int = 5000) throws -> RedisConnection {
    let url = setting("BILLING_REDIS_URL") ?? "redis://127.0.0.1:56379"
    guard var configuration = RedisConfiguration(url: url) else { throw CommandFailure("BILLING_REDIS_URL '\(url)' is not redis://host:port") }
    configuration.commandTimeoutMilliseconds = timeoutMilliseconds
    if let password = setting("BILLING_REDIS_PASSWORD") ?? setting("BILLING_REDIS_PASSWORD_ADMIN") {
        configuration.credentials = .init(username: setting("BILLING_REDIS_USERNAME") ?? "billing-admin", password: password)
    }
    return RedisConnection(configuration: configuration, label: "billingctl")
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "The event bus (Redis Streams), as the Redis operator user.",
        discussion: "Reaches Redis with BILLING_REDIS_URL, BILLING_REDIS_USERNAME (default billing-admin) and BILLING_REDIS_PASSWORD.",
        subcommands: [Tail.self, DeadLetterCommands.self])

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow new entries of a bus stream (every context's stream when none is named).",
            discussion: """
                A stream is `billing.events.<context>` or just the context (`accounts`). Prints each entry as it is published — \
                entry id, stream, type, subject, tenant, event id (--json: one JSON object per line with the whole envelope) — \
                and stops after --count entries, or after --timeout seconds without one. --tenant and --type keep only the \
                matching events.
                """)
        @OptionGroup var output: OutputOptions
        @Argument(help: "The stream (`billing.events.ledger` or `ledger`); default every context's.") var stream: String?
        @Option(help: "Stop after this many entries.") var count = 10
        @Option(help: "Where to start: `$` (only entries published from now on), `0` (the oldest kept) or an entry id.")
        var from = "$"
        @Option(help: "Stop after this many seconds with no new entry (default: wait until --count entries came).")
        var timeout: Double?
        @Option(help: "Only events of this tenant (the envelope's tenantid).") var tenant: String?
        @Option(help: "Only events of this type (`billing.account.created`).") var type: String?

        static let contexts = ["accounts", "catalog", "subscriptions", "ledger", "invoicing", "notifications", "gateway"]

        func validate() throws {
            guard count > 0 else { throw ValidationError("--count must be positive") }
            if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
        }

        func run() async throws {
            let streams = stream.map { [$0.hasPrefix("billing.") ? $0 : "billing.events.\($0)"] } ?? Self.contexts.map { "billing.events.\($0)" }
            let block = 1000
            let redis = try operatorRedis(timeoutMilliseconds: block + 5000)
            defer { Task { await redis.close() } }
            // `$` is resolved to each stream's last id once, so entries published between two reads are not missed.
            var positions: [String: String] = [:]
            for name in streams {
                if from == "$" {
                    let last = try await redis.command(["XREVRANGE", name, "+", "-", "COUNT", "1"])
                    positions[name] = last.array?.first?.array?.first?.string ?? "0-0"
                } else {
                    positions[name] = from
                }
            }
            var printed = 0
            var idleSince = ContinuousClock.now
            while printed < count {
                let reply = try await redis.command(
                    ["XREAD", "COUNT", "500", "BLOCK", String(block), "STREAMS"] + streams + streams.map { positions[$0]! },
                    timeoutMilliseconds: block + 5000)
                if let message = reply.errorMessage { throw CommandFailure("Redis: \(message)") }
                var entries: [(stream: String, id: String, fields: RedisReply)] = []
                for streamReply in reply.array ?? [] {
                    guard let parts = streamReply.array, parts.count == 2, let name = parts[0].string else { continue }
                    for entry in parts[1].array ?? [] {
                        guard let pair = entry.array, pair.count == 2, let id = pair[0].string else { continue }
                        entries.append((name, id, pair[1]))
                        positions[name] = id
                    }
                }
                if entries.isEmpty {
                    if let timeout, ContinuousClock.now - idleSince >= .milliseconds(Int(timeout * 1000)) { break }
                    continue
                }
                var matched = false
                for entry in entries where printed < count {
                    if printEntry(stream: entry.stream, id: entry.id, fields: entry.fields) {
                        printed += 1
                        matched = true
                    }
                }
                if matched { idleSince = .now }
                if let timeout, !matched, ContinuousClock.now - idleSince >= .milliseconds(Int(timeout * 1000)) { break }
            }
        }

        /// Prints the entry when it passes the filters.
        func printEntry(stream: String, id: String, fields: RedisReply) -> Bool {
            let values = fields.array ?? []
            var text = ""
            var index = 0
            while index + 1 < values.count {
                if values[index].string == "envelope" { text = values[index + 1].string ?? "" }
                index += 2
            }
            let envelope = try? JSONParser.parse(text)
            if let tenant, envelope?["tenantid"]?.stringValue != tenant { return false }
            if let type, envelope?["type"]?.stringValue != type { return false }
            // Written at once (not buffered): whoever reads the pipe sees each entry as it comes.
            let line: String
            if output.json {
                line = JSONWriter.string(["stream": .string(stream), "entry": .string(id), "envelope": envelope ?? .string(text)])
            } else {
                line = [
                    id, stream, Output.text(envelope?["type"]), Output.text(envelope?["subject"]), "tenant " + Output.text(envelope?["tenantid"]),
                    "event " + Output.text(envelope?["id"]),
                ].joined(separator: "  ")
            }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
            return true
        }
    }

    struct DeadLetterCommands: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dead-letters",
            abstract: "Events a consumer group set aside after failing them for a permanent cause.",
            subcommands: [List.self, Show.self, Replay.self])

        static func describe(_ entry: DeadLetters.Entry) -> String {
            "\(entry.id)  \(entry.type ?? "?")  event \(entry.eventId ?? "?")  tenant \(entry.tenant ?? "?")  deliveries \(entry.deliveries)  \(entry.error.prefix(160))"
        }

        static func json(_ entry: DeadLetters.Entry, envelope: Bool) -> JSONValue {
            var object = JSONObject([
                ("id", .string(entry.id)), ("deadLetterStream", .string(entry.deadLetterStream)), ("stream", .string(entry.stream)),
                ("originalEntry", .string(entry.originalEntry)), ("type", entry.type.map { JSONValue.string($0) } ?? .null),
                ("eventId", entry.eventId.map { JSONValue.string($0) } ?? .null), ("tenant", entry.tenant.map { JSONValue.string($0) } ?? .null),
                ("deliveries", .number(entry.deliveries)), ("error", .string(entry.error)),
            ])
            if envelope { object["envelope"] = (try? JSONParser.parse(entry.envelope)) ?? .string(entry.envelope) }
            return .object(object)
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The dead-letter streams with their sizes, or one stream's entries.")
            @OptionGroup var output: OutputOptions
            @Argument(help: "A dead-letter stream (`billing.events.<context>.dead-letter.<group>`).") var stream: String?

            func run() async throws {
                let redis = try operatorRedis()
                defer { Task { await redis.close() } }
                let letters = DeadLetters(redis: redis)
                if let stream {
                    let entries = try await letters.entries(in: stream, count: 10_000)
                    if output.json { return Output.json(.array(entries.map { DeadLetterCommands.json($0, envelope: false) })) }
                    for entry in entries { print(DeadLetterCommands.describe(entry)) }
                } else {
                    var streams: [JSONValue] = []
                    for stream in try await letters.streams() {
                        let count = try await letters.entries(in: stream, count: 10_000).count
                        if output.json {
                            streams.append(["stream": .string(stream), "entries": .number(count)])
                        } else {
                            print("\(stream)  \(count) entries")
                        }
                    }
                    if output.json { Output.json(.array(streams)) }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "One dead letter: its error and envelope.")
            @OptionGroup var output: OutputOptions
            @Argument(help: "The dead-letter stream.") var stream: String
            @Argument(help: "The entry's id in it.") var entry: String

            func run() async throws {
                let redis = try operatorRedis()
                defer { Task { await redis.close() } }
                guard let letter = try await DeadLetters(redis: redis).entry(entry, in: stream) else {
                    throw CommandFailure("no dead letter \(entry) in \(stream)")
                }
                if output.json { return Output.json(DeadLetterCommands.json(letter, envelope: true)) }
                print(DeadLetterCommands.describe(letter))
                print("from \(letter.stream) entry \(letter.originalEntry)")
                print(letter.envelope)
            }
        }

        struct Replay: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Put dead letters back on their stream (the consumers' inbox applies each once).")
            @OptionGroup var output: OutputOptions
            @Argument(help: "The dead-letter stream.") var stream: String
            @Argument(help: "The entry to replay (or --all).") var entry: String?
            @Flag(help: "Replay every entry of the stream.") var all = false

            func validate() throws {
                guard (entry == nil) == all else { throw ValidationError("name one entry or pass --all") }
            }

            func run() async throws {
                let redis = try operatorRedis()
                defer { Task { await redis.close() } }
                let letters = DeadLetters(redis: redis)
                let ids = all ? try await letters.entries(in: stream, count: 10_000).map(\.id) : [entry!]
                var replayed: [JSONValue] = []
                for id in ids {
                    guard let newEntry = try await letters.replay(id, in: stream) else { throw CommandFailure("no dead letter \(id) in \(stream)") }
                    if output.json {
                        replayed.append(["entry": .string(id), "replayedAs": .string(newEntry)])
                    } else {
                        print("replayed \(id) as \(newEntry)")
                    }
                }
                if output.json { Output.json(.array(replayed)) }
            }
        }
    }
}
