import BillingService
import Foundation
import Testing

@testable import Gateway

@Suite("Payment webhook signatures")
struct WebhookSignatureTests {
    static let body = Array(#"{"id":"evt_1","type":"payment.succeeded"}"#.utf8)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a body signed now with the secret passes; with another secret, another body or no v1 it fails")
    func verification() throws {
        let header = WebhookSignature.header(body: Self.body, secrets: ["whsec_current_secret_0001"], timestamp: 1_800_000_000)
        try WebhookSignature.verify(header: header, body: Self.body, secrets: ["whsec_current_secret_0001"], now: Self.now)
        #expect(throws: WebhookSignature.Failure.mismatch) {
            try WebhookSignature.verify(header: header, body: Self.body, secrets: ["whsec_other_secret_00001"], now: Self.now)
        }
        #expect(throws: WebhookSignature.Failure.mismatch) {
            try WebhookSignature.verify(
                header: header, body: Array(#"{"id":"evt_2","type":"payment.succeeded"}"#.utf8), secrets: ["whsec_current_secret_0001"], now: Self.now
            )
        }
        #expect(throws: WebhookSignature.Failure.self) {
            try WebhookSignature.verify(header: "t=1800000000", body: Self.body, secrets: ["x"], now: Self.now)
        }
        #expect(throws: WebhookSignature.Failure.self) { try WebhookSignature.verify(header: nil, body: Self.body, secrets: ["x"], now: Self.now) }
    }

    @Test(
        "300 s tolerance either way; a replay from earlier is refused",
        arguments: [(-300.0, true), (300.0, true), (-301.0, false), (301.0, false), (-86_400.0, false)])
    func tolerance(_ row: (TimeInterval, Bool)) {
        let stamp = Int64(Self.now.timeIntervalSince1970 + row.0)
        let header = WebhookSignature.header(body: Self.body, secrets: ["whsec_current_secret_0001"], timestamp: stamp)
        let passed = (try? WebhookSignature.verify(header: header, body: Self.body, secrets: ["whsec_current_secret_0001"], now: Self.now)) != nil
        #expect(passed == row.1)
    }

    @Test("key rotation: a header carrying old and new signatures passes with either secret configured, and both configured")
    func rotation() throws {
        let header = WebhookSignature.header(
            body: Self.body, secrets: ["whsec_old_secret_000001", "whsec_new_secret_000001"], timestamp: 1_800_000_000)
        for configured in [["whsec_old_secret_000001"], ["whsec_new_secret_000001"], ["whsec_unrelated_000001", "whsec_new_secret_000001"]] {
            try WebhookSignature.verify(header: header, body: Self.body, secrets: configured, now: Self.now)
        }
    }

    @Test("the secrets variable: provider=secret|secret;provider=secret, short secrets refused")
    func configuration() throws {
        #expect(
            try GatewayConfiguration.webhookSecrets("sandbox=aaaaaaaaaaaaaaaa|bbbbbbbbbbbbbbbb;pagar-me=cccccccccccccccc")
                == ["sandbox": ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"], "pagar-me": ["cccccccccccccccc"]])
        #expect(throws: (any Error).self) { _ = try GatewayConfiguration.webhookSecrets("sandbox=short") }
        #expect(throws: (any Error).self) { _ = try GatewayConfiguration.webhookSecrets("no-equals-sign") }
    }

    @Test("the sandbox's webhook secret exists only in development: a bare production gateway accepts no provider, and refuses the sandbox's")
    func developmentSecretOnlyInDevelopment() throws {
        let hs256 = ["BILLING_GATEWAY_JWT_HS256_SECRET": String(repeating: "k", count: 32)]
        let development = try GatewayConfiguration(reader: ConfigurationReader(environment: hs256), environment: .development)
        #expect(development.webhookSecrets == ["sandbox": ["whsec_sandbox_development_only_0123456789"]])
        // Production with the same HS256 secret (the old rule's trigger) gets no sandbox secret.
        let bare = try GatewayConfiguration(reader: ConfigurationReader(environment: hs256), environment: .production)
        #expect(bare.webhookSecrets.isEmpty)
        let production = ["BILLING_GATEWAY_JWKS_FILE": "/etc/billing/jwks.json"]
        #expect(throws: ConfigurationError.self) {
            _ = try GatewayConfiguration(
                reader: ConfigurationReader(
                    environment: production.merging(
                        ["BILLING_GATEWAY_WEBHOOK_SECRETS": GatewayConfiguration.developmentWebhookSecrets]) { $1 }), environment: .production)
        }
        let configured = try GatewayConfiguration(
            reader: ConfigurationReader(
                environment: production.merging(
                    ["BILLING_GATEWAY_WEBHOOK_SECRETS": "pagar-me=cccccccccccccccc"]) { $1 }), environment: .production)
        #expect(configured.webhookSecrets == ["pagar-me": ["cccccccccccccccc"]])
    }
}
