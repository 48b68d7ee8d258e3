import BillingService
import Foundation

/// The gateway's own settings (`BILLING_GATEWAY_…`).
struct GatewayConfiguration: Sendable {
    var httpHost: String
    var httpPort: Int
    /// HS256 secret for development tokens; nil disables HS256.
    var hs256Secret: String?
    /// A JWKS file with the RS256/ES256 public keys of the identity provider.
    var jwksFile: String?
    var issuer: String
    var audience: String
    var leewaySeconds: Int
    var maximumBodyBytes: Int
    var requestTimeoutMilliseconds: Int
    var idempotencyRetentionHours: Int
    /// Payment providers' webhook secrets by provider.
    var webhookSecrets: [String: [String]]
    /// Stripe's publishable key (`pk_…`): the console takes cards with Stripe Elements.
    var stripePublishableKey: String?

    init(reader: ConfigurationReader, environment: DeploymentEnvironment) throws {
        httpHost = reader.string("BILLING_GATEWAY_HTTP_HOST", default: "127.0.0.1")
        httpPort = try reader.int("BILLING_GATEWAY_HTTP_PORT", default: 8080, range: 0...65535)
        let secret = reader.environment["BILLING_GATEWAY_JWT_HS256_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        _ = reader.secret("BILLING_GATEWAY_JWT_HS256_SECRET", default: "")
        if let secret, secret.utf8.count < 32 {
            throw ConfigurationError(variable: "BILLING_GATEWAY_JWT_HS256_SECRET", message: "must be at least 32 bytes long")
        }
        hs256Secret = secret
        jwksFile = reader.optionalString("BILLING_GATEWAY_JWKS_FILE")
        guard hs256Secret != nil || jwksFile != nil else {
            throw ConfigurationError(
                variable: "BILLING_GATEWAY_JWKS_FILE",
                message: "set it (production) or BILLING_GATEWAY_JWT_HS256_SECRET (development): tokens cannot be checked otherwise")
        }
        issuer = reader.string("BILLING_GATEWAY_JWT_ISSUER", default: "billing-local")
        audience = reader.string("BILLING_GATEWAY_JWT_AUDIENCE", default: "billing-api")
        leewaySeconds = try reader.int("BILLING_GATEWAY_JWT_LEEWAY_SECONDS", default: 30, range: 0...300)
        maximumBodyBytes = try reader.int("BILLING_GATEWAY_MAX_BODY_BYTES", default: 1_048_576, range: 1024...64_000_000)
        requestTimeoutMilliseconds = try reader.int("BILLING_GATEWAY_REQUEST_TIMEOUT_MS", default: 30_000, range: 100...600_000)
        idempotencyRetentionHours = try reader.int("BILLING_GATEWAY_IDEMPOTENCY_RETENTION_HOURS", default: 24, range: 1...720)
        // The sandbox's well-known secret stands in only in development; elsewhere no provider's webhook is accepted until its
        // secret is set, and the sandbox's is refused (anyone could sign a payment with it).
        let webhookText = reader.secret("BILLING_GATEWAY_WEBHOOK_SECRETS", default: environment.isDevelopment ? Self.developmentWebhookSecrets : "")
        webhookSecrets = try Self.webhookSecrets(webhookText)
        stripePublishableKey = reader.optionalString("BILLING_GATEWAY_STRIPE_PUBLISHABLE_KEY")
        if let key = stripePublishableKey, !key.hasPrefix("pk_") || !key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            throw ConfigurationError(variable: "BILLING_GATEWAY_STRIPE_PUBLISHABLE_KEY", message: "a Stripe publishable key starts with pk_")
        }
        if webhookSecrets["sandbox"] != nil {
            try environment.requireDevelopment(for: "BILLING_GATEWAY_WEBHOOK_SECRETS", "the sandbox payment provider's webhook")
        }
    }

    /// The sandbox provider's secret for development and tests (HS256 tokens); production sets its own.
    static let developmentWebhookSecrets = "sandbox=whsec_sandbox_development_only_0123456789"

    /// `provider=secret[|secret…][;provider=…]`: several secrets per provider while keys rotate.
    static func webhookSecrets(_ text: String) throws -> [String: [String]] {
        var secrets: [String: [String]] = [:]
        for entry in text.split(separator: ";") where !entry.trimmingCharacters(in: .whitespaces).isEmpty {
            let pair = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty, pair[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw ConfigurationError(variable: "BILLING_GATEWAY_WEBHOOK_SECRETS", message: "expected provider=secret[|secret][;provider=secret]")
            }
            let values = pair[1].split(separator: "|").map(String.init).filter { !$0.isEmpty }
            guard values.allSatisfy({ $0.utf8.count >= 16 }), !values.isEmpty else {
                throw ConfigurationError(variable: "BILLING_GATEWAY_WEBHOOK_SECRETS", message: "each secret of \(pair[0]) must be at least 16 bytes")
            }
            secrets[pair[0]] = values
        }
        return secrets
    }
}
