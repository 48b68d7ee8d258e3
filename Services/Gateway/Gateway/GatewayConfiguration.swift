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

    init(reader: ConfigurationReader) throws {
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
            throw ConfigurationError(variable: "BILLING_GATEWAY_JWKS_FILE",
                                     message: "set it (production) or BILLING_GATEWAY_JWT_HS256_SECRET (development): tokens cannot be checked otherwise")
        }
        issuer = reader.string("BILLING_GATEWAY_JWT_ISSUER", default: "billing-local")
        audience = reader.string("BILLING_GATEWAY_JWT_AUDIENCE", default: "billing-api")
        leewaySeconds = try reader.int("BILLING_GATEWAY_JWT_LEEWAY_SECONDS", default: 30, range: 0...300)
        maximumBodyBytes = try reader.int("BILLING_GATEWAY_MAX_BODY_BYTES", default: 1_048_576, range: 1024...64_000_000)
        requestTimeoutMilliseconds = try reader.int("BILLING_GATEWAY_REQUEST_TIMEOUT_MS", default: 30_000, range: 100...600_000)
        idempotencyRetentionHours = try reader.int("BILLING_GATEWAY_IDEMPOTENCY_RETENTION_HOURS", default: 24, range: 1...720)
    }
}
