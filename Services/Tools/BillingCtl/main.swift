import BillingEventsRedis
import BillingService
import ContractCatalog
import Foundation
import Invoicing

/// `billingctl`: operator and build commands.
///
///     billingctl proto-docs <directory>                          one Markdown page per context from the Contract targets
///     billingctl events dead-letters list [stream]               the dead-letter streams, or one stream's entries
///     billingctl events dead-letters show <stream> <entry>       one dead letter: its error and envelope
///     billingctl events dead-letters replay <stream> <entry|--all>
///                                                                put events back on their stream (applied once: the inbox)
///     billingctl pix-webhook register <gateway-url> <secret>    registers the gateway's PIX webhook at the PSP (API Pix
///                                                                `PUT /webhook/{chave}`), the PSP read from BILLING_INVOICING_PIX_*
///
/// The events commands reach Redis as an operator: `BILLING_REDIS_URL`, `BILLING_REDIS_USERNAME` (default `billing-admin`)
/// and `BILLING_REDIS_PASSWORD`.
let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: billingctl proto-docs <directory>
           billingctl events dead-letters list [stream]
           billingctl events dead-letters show <stream> <entry>
           billingctl events dead-letters replay <stream> <entry|--all>
           billingctl pix-webhook register <gateway-url> <secret>
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

/// The operator's connection to the event bus, from the environment.
func operatorRedis() -> RedisConnection {
    let environment = ProcessInfo.processInfo.environment
    let url = environment["BILLING_REDIS_URL"] ?? "redis://127.0.0.1:56379"
    guard var configuration = RedisConfiguration(url: url) else { fail("BILLING_REDIS_URL '\(url)' is not redis://host:port") }
    if let password = environment["BILLING_REDIS_PASSWORD"], !password.isEmpty {
        configuration.credentials = .init(username: environment["BILLING_REDIS_USERNAME"] ?? "billing-admin", password: password)
    }
    return RedisConnection(configuration: configuration, label: "billingctl")
}

func describe(_ entry: DeadLetters.Entry) -> String {
    "\(entry.id)  \(entry.type ?? "?")  event \(entry.eventId ?? "?")  tenant \(entry.tenant ?? "?")  deliveries \(entry.deliveries)  \(entry.error.prefix(160))"
}

func deadLetters(_ arguments: [String]) async throws {
    let letters = DeadLetters(redis: operatorRedis())
    switch (arguments.first, arguments.count) {
    case ("list", 1):
        for stream in try await letters.streams() {
            let count = try await letters.entries(in: stream, count: 10_000).count
            print("\(stream)  \(count) entries")
        }
    case ("list", 2):
        for entry in try await letters.entries(in: arguments[1], count: 10_000) { print(describe(entry)) }
    case ("show", 3):
        guard let entry = try await letters.entry(arguments[2], in: arguments[1]) else { fail("no dead letter \(arguments[2]) in \(arguments[1])") }
        print(describe(entry))
        print("from \(entry.stream) entry \(entry.originalEntry)")
        print(entry.envelope)
    case ("replay", 3):
        let ids = arguments[2] == "--all" ? try await letters.entries(in: arguments[1], count: 10_000).map(\.id) : [arguments[2]]
        for id in ids {
            guard let replayed = try await letters.replay(id, in: arguments[1]) else { fail("no dead letter \(id) in \(arguments[1])") }
            print("replayed \(id) as \(replayed)")
        }
    default:
        fail(usage)
    }
}

switch (arguments.first, arguments.dropFirst().first) {
case ("proto-docs", _):
    guard arguments.count == 2 else { fail("usage: billingctl proto-docs <directory>") }
    let directory = URL(fileURLWithPath: arguments[1])
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for (name, page) in ContractCatalog.protoDocs().sorted(by: { $0.key < $1.key }) {
        try page.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        print("wrote \(directory.path)/\(name)")
    }
case ("events", "dead-letters"):
    do {
        try await deadLetters(Array(arguments.dropFirst(2)))
    } catch {
        fail("billingctl: \(error)")
    }
case ("pix-webhook", "register"):
    guard arguments.count == 4, let base = URL(string: arguments[2]), base.scheme == "https" || base.scheme == "http" else {
        fail("usage: billingctl pix-webhook register <gateway-url, e.g. https://billing.example.com> <the apipix webhook secret>")
    }
    guard let secret = arguments[3].addingPercentEncoding(withAllowedCharacters: .alphanumerics) else { fail("the secret is not text") }
    // The PSP appends /pix to the URL: after `ignorar=` it is a parameter the gateway ignores, whatever the PSP does with queries.
    let url = base.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/webhooks/pix?hmac=\(secret)&ignorar="
    do {
        let client = try APIPixClient(configuration: try APIPixConfiguration(ConfigurationReader()))
        try await client.registerWebhook(url: url)
        try await client.shutdown()
        print("registered \(url.replacingOccurrences(of: secret, with: "***")) for key \(client.key)")
    } catch {
        fail("billingctl: \(error)")
    }
default:
    fail(usage)
}
