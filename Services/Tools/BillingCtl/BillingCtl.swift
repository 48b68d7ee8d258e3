import ArgumentParser
import BillingCore
import Foundation

/// `billingctl`: the operator's CLI and the build's proto-docs generator (README, *billingctl*).
///
/// Commands that read the public API talk to the gateway (`--gateway-url`, `--token`); `events` talks to Redis as the operator
/// user; `outbox lag` reads the services' admin ports (`/metrics`); `migrations status` reads each schema's `schema_migrations`
/// in PostgreSQL. Every command prints text for people and, with `--json`, one JSON document for machines. A failure prints one
/// line on stderr and exits non-zero (1; 64 for a bad command line).
struct BillingCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billingctl",
        abstract: "The billing platform's operator CLI.",
        subcommands: [
            ProtoDocs.self, TokenCommand.self, AccountsCommand.self, WalletCommand.self, InvoicesCommand.self, EventsCommand.self, OutboxCommand.self,
            MigrationsCommand.self,
            PixWebhook.self,
        ])
}

@main
enum BillingCtlMain {
    static func main() async {
        do {
            var command = try BillingCtl.parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let code = BillingCtl.exitCode(for: error)
            // --help and friends print as the parser does; every failure is one line.
            if code == .success { BillingCtl.exit(withError: error) }
            let message = error is CommandFailure ? "\(error)" : BillingCtl.message(for: error)
            let line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .joined(separator: "; ")
            FileHandle.standardError.write(Data("billingctl: \(line.isEmpty ? String(describing: error) : line)\n".utf8))
            exit(error is CommandFailure ? 1 : (code.rawValue == 0 ? 1 : code.rawValue))
        }
    }
}

/// A command that failed for a reason worth one line (exit 1).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `--json`, which every command takes.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false
}

/// Writes text or JSON to stdout.
enum Output {
    static func line(_ text: String) { print(text) }

    static func json(_ value: JSONValue) { print(JSONWriter.string(value)) }

    /// A JSON value as text for people: strings bare, the rest as JSON.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "-"
        case .string(let string)?: return string
        case .number(let number)?: return number
        case .bool(let flag)?: return flag ? "true" : "false"
        case let other?: return JSONWriter.string(other)
        }
    }

    /// `key: value` lines of an object, keys padded.
    static func fields(_ object: JSONObject, indent: String = "") {
        let width = object.keys.map(\.count).max() ?? 0
        for (key, value) in object.pairs {
            print(indent + key + ":" + String(repeating: " ", count: width - key.count + 1) + text(value))
        }
    }

    /// Rows of columns, each column padded to its widest cell.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        for row in all {
            print(
                row.enumerated().map { index, cell in
                    index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                }
                .joined(separator: "  "))
        }
    }
}

let processEnvironment = ProcessInfo.processInfo.environment

/// The value of an environment variable, unset when empty.
func setting(_ name: String) -> String? { processEnvironment[name].flatMap { $0.isEmpty ? nil : $0 } }

/// Runs `body`, failing after `seconds` (an unreachable host must not hang the command).
func withTimeout<T: Sendable>(seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw CommandFailure("\(what): no answer within \(Int(seconds)) s")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
