import ArgumentParser
import AsyncHTTPClient
import BillingCore
import Foundation
import NIOCore
import NIOHTTP1

/// Where the gateway is and who calls it: `--gateway-url` (default `BILLING_GATEWAY_URL`, else the `make run` address,
/// `http://127.0.0.1:$BILLING_GATEWAY_HTTP_PORT` or :8080) and `--token` (default `BILLING_TOKEN`).
struct GatewayOptions: ParsableArguments {
    @Option(name: .customLong("gateway-url"), help: "The gateway's base URL (default: $BILLING_GATEWAY_URL, else the `make run` address).")
    var gatewayURL: String?

    @Option(name: .long, help: "A tenant JWT (default: $BILLING_TOKEN; `billingctl token` mints one in development).")
    var token: String?

    var baseURL: String {
        let url = gatewayURL ?? setting("BILLING_GATEWAY_URL") ?? "http://127.0.0.1:\(setting("BILLING_GATEWAY_HTTP_PORT") ?? "8080")"
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    func validate() throws {
        guard let url = URL(string: baseURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--gateway-url '\(baseURL)' is not an http(s) URL")
        }
    }

    func client() throws -> GatewayClient {
        guard let token = token ?? setting("BILLING_TOKEN") else {
            throw CommandFailure("no token: pass --token or set BILLING_TOKEN (in development `billingctl token` mints one)")
        }
        return GatewayClient(baseURL: baseURL, token: token)
    }
}

/// The public API under `/api/v1`, as the operator holding the token.
struct GatewayClient {
    let baseURL: String
    let token: String
    static let timeout = TimeAmount.seconds(60)

    private func request(_ path: String, accept: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + "/api/v1" + path)
        request.method = .GET
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "billingctl")
        return request
    }

    /// A JSON:API document; an answer other than 2xx is a one-line failure with the API's error code and detail.
    func get(_ path: String) async throws -> JSONValue {
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request(path, accept: "application/vnd.api+json"), timeout: Self.timeout)
        } catch {
            throw CommandFailure("cannot reach the gateway at \(baseURL): \(error)")
        }
        let body = try await response.body.collect(upTo: 64 << 20)
        let document = try? JSONParser.parse(Array(body.readableBytesView))
        guard (200..<300).contains(response.status.code) else {
            throw Self.failure(response.status, document, text: String(buffer: body))
        }
        guard let document else { throw CommandFailure("GET \(path): the gateway answered something other than JSON") }
        return document
    }

    /// Streams the answer's body to `write` as it comes (the CSV export); an error answer fails as `get` does.
    func stream(_ path: String, accept: String, _ write: (ByteBuffer) throws -> Void) async throws {
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request(path, accept: accept), timeout: Self.timeout)
        } catch {
            throw CommandFailure("cannot reach the gateway at \(baseURL): \(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw Self.failure(response.status, try? JSONParser.parse(Array(body.readableBytesView)), text: String(buffer: body))
        }
        for try await chunk in response.body { try write(chunk) }
    }

    /// Every resource of a list, following `links.next`, at most `limit`.
    func list(_ path: String, limit: Int) async throws -> [JSONValue] {
        var resources: [JSONValue] = []
        var next: String? = path
        while let current = next, resources.count < limit {
            let document = try await get(current)
            resources += document["data"]?.arrayValue ?? []
            next = document["links"]?["next"]?.stringValue.flatMap { link in
                // `links.next` is absolute or rooted at /api/v1; keep the path and query under /api/v1.
                guard let range = link.range(of: "/api/v1") else { return nil }
                return String(link[range.upperBound...])
            }
        }
        return Array(resources.prefix(limit))
    }

    static func failure(_ status: HTTPResponseStatus, _ document: JSONValue?, text: String) -> CommandFailure {
        if let error = document?["errors"]?.arrayValue?.first {
            let code = error["code"]?.stringValue ?? error["title"]?.stringValue ?? ""
            let detail = error["detail"]?.stringValue ?? error["title"]?.stringValue ?? ""
            return CommandFailure("the gateway answered \(status.code) \(code): \(detail)")
        }
        return CommandFailure("the gateway answered \(status.code): \(text.prefix(200).replacingOccurrences(of: "\n", with: " "))")
    }
}

/// A query string from the given filters (nil ones left out), percent-encoded.
func query(_ items: [(String, String?)]) -> String {
    var components = URLComponents()
    components.queryItems = items.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
    guard let text = components.percentEncodedQuery, !text.isEmpty else { return "" }
    // URLComponents leaves [ and ] as they are; the gateway reads them either way, encode them as browsers do.
    // `+` (a time zone offset) is a space to form decoders: always %2B.
    return "?" + text.replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "]", with: "%5D").replacingOccurrences(of: "+", with: "%2B")
}

/// A path segment from an id the operator typed.
func segment(_ id: String) throws -> String {
    guard !id.isEmpty, let encoded = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#")))
    else {
        throw ValidationError("'\(id)' is not an id")
    }
    return encoded
}

/// Prints one JSON:API resource: its type, id and attributes (text) or the resource object (`--json`).
func printResource(_ resource: JSONValue?, json: Bool) {
    guard let resource else { return }
    if json {
        Output.json(resource)
        return
    }
    print("\(Output.text(resource["type"])) \(Output.text(resource["id"]))")
    if let attributes = resource["attributes"]?.objectValue { Output.fields(attributes, indent: "  ") }
}

// MARK: - accounts

struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Billing accounts, through the gateway.", subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List billing accounts, oldest first (GET /billing-accounts).")
        @OptionGroup var gateway: GatewayOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only accounts in this status (ACTIVE, SUSPENDED, CLOSED).") var status: String?
        @Option(help: "Only accounts with this e-mail.") var email: String?
        @Option(help: "At most this many accounts (pages are followed).") var limit = 100

        func validate() throws { guard limit > 0 else { throw ValidationError("--limit must be positive") } }

        func run() async throws {
            let path = "/billing-accounts" + query([("filter[status]", status), ("filter[email]", email), ("page[size]", String(min(limit, 100)))])
            let accounts = try await gateway.client().list(path, limit: limit)
            if output.json { return Output.json(.array(accounts)) }
            Output.table(
                ["ID", "STATUS", "CURRENCY", "EMAIL", "NAME"],
                accounts.map { account in
                    [
                        Output.text(account["id"]), Output.text(account["attributes"]?["status"]), Output.text(account["attributes"]?["currency"]),
                        Output.text(account["attributes"]?["email"]), Output.text(account["attributes"]?["name"]),
                    ]
                })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One billing account (GET /billing-accounts/{id}).")
        @OptionGroup var gateway: GatewayOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The account's id.") var id: String

        func run() async throws {
            let path = "/billing-accounts/" + (try segment(id))
            let document = try await gateway.client().get(path)
            printResource(document["data"], json: output.json)
        }
    }
}

// MARK: - wallet

struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet",
        abstract: "An account's AI credit wallet, through the gateway.", subcommands: [Show.self, Audit.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Balance, held, available, allowance, settings and open grants (GET /credit-wallets/{accountId}).")
        @OptionGroup var gateway: GatewayOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The billing account's id.") var accountId: String

        func run() async throws {
            let path = "/credit-wallets/" + (try segment(accountId))
            let document = try await gateway.client().get(path)
            printResource(document["data"], json: output.json)
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Checks the wallet's books: balance = journal = grants − debt, held = open holds (GET /credit-wallets/{accountId}/audit).",
            discussion: "Exits 1 when the books do not agree (`consistent` false).")
        @OptionGroup var gateway: GatewayOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The billing account's id.") var accountId: String

        func run() async throws {
            let path = "/credit-wallets/" + (try segment(accountId)) + "/audit"
            let audit = try await gateway.client().get(path)["data"]
            printResource(audit, json: output.json)
            if audit?["attributes"]?["consistent"] == .bool(false) {
                throw CommandFailure("the wallet of \(accountId) is not consistent")
            }
        }
    }
}

// MARK: - invoices

struct InvoicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoices",
        abstract: "Invoices, through the gateway.", subcommands: [Show.self, Export.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One invoice with its lines and totals (GET /invoices/{id}).")
        @OptionGroup var gateway: GatewayOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The invoice's id.") var id: String

        func run() async throws {
            let path = "/invoices/" + (try segment(id))
            let document = try await gateway.client().get(path)
            printResource(document["data"], json: output.json)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every invoice as CSV (GET /invoices with Accept: text/csv), streamed page by page.",
            discussion: "With --json, the same rows as a JSON array of objects keyed by the CSV's header (values as text).")
        @OptionGroup var gateway: GatewayOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .customLong("account"), help: "Only this billing account's invoices.") var accountId: String?
        @Option(help: "Only invoices in this status (DRAFT, PENDING, PAID, OVERDUE, VOID, …).") var status: String?
        @Option(help: "Created at or after this instant (RFC 3339).") var since: String?
        @Option(help: "Created before this instant (RFC 3339).") var until: String?
        @Option(name: [.customShort("o"), .customLong("output")], help: "Write the CSV to this file instead of stdout.") var file: String?

        func run() async throws {
            let path =
                "/invoices"
                + query([
                    ("filter[billingAccountId]", accountId), ("filter[status]", status), ("filter[since]", since), ("filter[until]", until),
                ])
            let client = try gateway.client()
            var collected: [UInt8] = []
            let destination: FileHandle?
            if let name = file, !output.json {
                guard FileManager.default.createFile(atPath: name, contents: nil), let handle = FileHandle(forWritingAtPath: name) else {
                    throw CommandFailure("cannot write \(name)")
                }
                destination = handle
            } else {
                destination = nil
            }
            defer { try? destination?.close() }
            try await client.stream(path, accept: "text/csv") { chunk in
                if output.json {
                    collected += chunk.readableBytesView
                } else {
                    (destination ?? FileHandle.standardOutput).write(Data(chunk.readableBytesView))
                }
            }
            if output.json {
                let rows = CSV.parse(String(decoding: collected, as: UTF8.self))
                guard let header = rows.first else { return Output.json(.array([])) }
                var objects: [JSONValue] = []
                for row in rows.dropFirst() {
                    var object = JSONObject()
                    for (index, name) in header.enumerated() { object[name] = JSONValue.string(row.indices.contains(index) ? row[index] : "") }
                    objects.append(.object(object))
                }
                Output.json(.array(objects))
            }
        }
    }
}

/// RFC 4180 reading: quoted fields with doubled quotes, CRLF or LF line ends.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text.unicodeScalars)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.unicodeScalars.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(character)
                }
                continue
            }
            switch character {
            case "\"": quoted = true
            case ",":
                row.append(field)
                field = ""
            case "\r": break
            case "\n":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            default: field.unicodeScalars.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
