import ArgumentParser
import BillingCore
import BillingService
import ContractCatalog
import Crypto
import Foundation
import Gateway
import Invoicing

// MARK: - proto-docs (the build's: `make proto-docs`)

struct ProtoDocs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proto-docs", abstract: "Write one Markdown page per context from the Contract targets (`make proto-docs`).")
    @OptionGroup var output: OutputOptions
    @Argument(help: "The directory to write (created if missing).") var directory: String

    func run() async throws {
        let directory = URL(fileURLWithPath: self.directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [JSONValue] = []
        for (name, page) in ContractCatalog.protoDocs().sorted(by: { $0.key < $1.key }) {
            try page.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            if output.json { written.append(.string("\(directory.path)/\(name)")) } else { print("wrote \(directory.path)/\(name)") }
        }
        if output.json { Output.json(["written": .array(written)]) }
    }
}

// MARK: - token (development only)

/// The development token `make token` prints (deploy/local/dev-token.py), minted here the same way: HS256 with
/// `BILLING_GATEWAY_JWT_HS256_SECRET`, issuer and audience from `BILLING_GATEWAY_JWT_ISSUER`/`_AUDIENCE`, the same claims and
/// defaults (the same `TENANT`, `SUBJECT`, `ROLES`, `PERMISSIONS`, `TTL_SECONDS`, `BILLING_ACCOUNT_ID` variables), every
/// permission by default (the gateway's `Permission.all`, which `deploy/local/permissions.txt` lists). Refused unless
/// `BILLING_ENVIRONMENT=development`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a development tenant JWT, as `make token` does (only with BILLING_ENVIRONMENT=development).",
        discussion: """
            Signs HS256 with BILLING_GATEWAY_JWT_HS256_SECRET for BILLING_GATEWAY_JWT_ISSUER (default billing-local) and \
            BILLING_GATEWAY_JWT_AUDIENCE (default billing-api): `set -a; source <(deploy/local/cluster.sh env run); set +a` sets \
            them. Each option defaults to the variable `make token` reads (TENANT, SUBJECT, ROLES, PERMISSIONS, TTL_SECONDS, \
            BILLING_ACCOUNT_ID).
            """)
    @OptionGroup var output: OutputOptions
    @Option(help: "The tenant (organizationId; default $TENANT or dev-tenant).") var tenant: String?
    @Option(help: "The subject (default $SUBJECT or dev-user).") var subject: String?
    @Option(help: "Roles, comma-separated (default $ROLES or owner).") var roles: String?
    @Option(help: "Permissions, comma-separated (default $PERMISSIONS or every permission).") var permissions: String?
    @Option(name: .customLong("ttl-seconds"), help: "Lifetime in seconds (default $TTL_SECONDS or 30 days).") var ttlSeconds: Int?
    @Option(name: .customLong("billing-account-id"), help: "A customer token for this account (default $BILLING_ACCOUNT_ID).")
    var billingAccountId: String?

    func run() async throws {
        guard (setting("BILLING_ENVIRONMENT") ?? "production").lowercased() == "development" else {
            throw CommandFailure(
                "token mints development tokens only: BILLING_ENVIRONMENT is \(setting("BILLING_ENVIRONMENT") ?? "unset (production)"), not development"
            )
        }
        guard let secret = setting("BILLING_GATEWAY_JWT_HS256_SECRET") else {
            throw CommandFailure("BILLING_GATEWAY_JWT_HS256_SECRET is not set (source deploy/local/cluster.sh env run)")
        }
        var ttl = 30 * 24 * 3600
        if let ttlSeconds {
            ttl = ttlSeconds
        } else if let text = setting("TTL_SECONDS") {
            guard let value = Int(text) else { throw CommandFailure("TTL_SECONDS '\(text)' is not a number") }
            ttl = value
        }
        guard ttl > 0 else { throw ValidationError("--ttl-seconds must be positive") }
        func list(_ text: String) -> [JSONValue] { text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) } }
        let now = Int64(Date().timeIntervalSince1970)
        var claims = JSONObject([
            ("sub", .string(subject ?? setting("SUBJECT") ?? "dev-user")),
            ("organizationId", .string(tenant ?? setting("TENANT") ?? "dev-tenant")),
            ("roles", .array(list(roles ?? setting("ROLES") ?? "owner"))),
            ("permissions", .array(list(permissions ?? setting("PERMISSIONS") ?? Permission.all.map(\.name).joined(separator: ",")))),
            ("iss", .string(setting("BILLING_GATEWAY_JWT_ISSUER") ?? "billing-local")),
            ("aud", .string(setting("BILLING_GATEWAY_JWT_AUDIENCE") ?? "billing-api")),
            ("iat", .number(now)), ("nbf", .number(now - 5)), ("exp", .number(now + Int64(ttl))),
        ])
        if let account = billingAccountId ?? setting("BILLING_ACCOUNT_ID") { claims["billingAccountId"] = .string(account) }
        let header: JSONValue = ["alg": "HS256", "typ": "JWT"]
        let input = Self.base64URL(JSONWriter.bytes(header)) + "." + Self.base64URL(JSONWriter.bytes(.object(claims)))
        let signature = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let token = input + "." + Self.base64URL(Data(signature))
        if output.json {
            Output.json(["token": .string(token), "claims": .object(claims)])
        } else {
            print(token)
        }
    }

    static func base64URL(_ bytes: some DataProtocol) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

// MARK: - pix-webhook register

struct PixWebhook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pix-webhook", abstract: "The PSP's PIX webhook (API Pix).", subcommands: [Register.self])

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register the gateway's PIX webhook at the PSP (API Pix `PUT /webhook/{chave}`), the PSP read from BILLING_INVOICING_PIX_*.")
        @OptionGroup var output: OutputOptions
        @Argument(help: "The gateway's public URL, e.g. https://billing.example.com.") var gatewayURL: String
        @Argument(help: "The apipix webhook secret (the gateway's BILLING_GATEWAY_WEBHOOK_SECRETS apipix=…).") var secret: String

        func validate() throws {
            guard let base = URL(string: gatewayURL), base.scheme == "https" || base.scheme == "http", base.host != nil else {
                throw ValidationError("'\(gatewayURL)' is not the gateway's URL, e.g. https://billing.example.com")
            }
        }

        func run() async throws {
            guard let secret = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) else {
                throw ValidationError("the secret is not text")
            }
            // The PSP appends /pix to the URL: after `ignorar=` it is a parameter the gateway ignores, whatever the PSP does with queries.
            let url = gatewayURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/webhooks/pix?hmac=\(secret)&ignorar="
            let client = try APIPixClient(configuration: try APIPixConfiguration(ConfigurationReader()))
            do {
                try await client.registerWebhook(url: url)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
            let shown = url.replacingOccurrences(of: secret, with: "***")
            if output.json {
                Output.json(["registered": .string(shown), "key": .string(client.key)])
            } else {
                print("registered \(shown) for key \(client.key)")
            }
        }
    }
}
