import BillingCore
import BillingTesting
import Foundation

/// A cluster of its own (the providers' database, a Redis of its own) whose invoicing collects PIX through a PSP stand-in that
/// follows the Banco Central's API Pix over mutual TLS, and cards through a Stripe stand-in over TLS, and whose notifications
/// e-mail customers through an SMTP server (aiosmtpd) requiring STARTTLS and AUTH; started once.
actor ProviderRailCluster {
    static let shared = ProviderRailCluster()
    static let webhookSecret = "pix-webhook-secret-0123456789"
    static let smtpUser = "billing-mailer"
    static let smtpPassword = "smtp-password-0123456789"
    /// The SMTP server refuses this recipient (550).
    static let refusedRecipient = "refused@cliente.example"

    struct Started {
        let psp: PixStandIn
        let stripe: StripeStandIn
        let smtp: SMTPSink
        let bank: BancoDoBrasilStandIn
        let redis: TestRedis
        let cluster: TestCluster
        let running: TestCluster.Running
    }

    /// One start for every suite: the suites ask concurrently, and an actor is reentrant across the awaits of a start, so the
    /// first caller's task is what the others wait for (two clusters on one database would take each other's jobs).
    private var starting: Task<Started, any Error>?

    func start() async throws -> Started {
        if let starting { return try await starting.value }
        let task = Task { try await Self.launch() }
        starting = task
        return try await task.value
    }

    private static func launch() async throws -> Started {
        let psp = try await PixStandIn.start()
        let stripe = try await StripeStandIn.start()
        let bank = try await BancoDoBrasilStandIn.start()
        // The PSP stand-in's server certificate names localhost and 127.0.0.1: the SMTP server presents it too.
        let smtp = try await SMTPSink.start(
            tls: (psp.certificates.serverCertificate, psp.certificates.serverKey), user: smtpUser, password: smtpPassword,
            reject: [refusedRecipient])
        let redis = TestRedis()
        try await redis.start()
        let cluster = TestCluster(
            database: TestEnvironment.providersDatabaseName, redisPort: redis.port,
            environment: Self.pspEnvironment(psp).merging(Self.stripeEnvironment(stripe)) { $1 }.merging([
                "BILLING_INVOICING_PIX_INTERVAL_MS": "200",
                "BILLING_INVOICING_PIX_RECONCILE_INTERVAL_MS": "1000",
                "BILLING_INVOICING_COLLECTION_INTERVAL_MS": "200",
                "BILLING_INVOICING_FOLLOW_UP_INTERVAL_MS": "200",
                "BILLING_INVOICING_PROVIDER_RECHECK_MS": "1000",
                "BILLING_GATEWAY_WEBHOOK_SECRETS": "apipix=\(Self.webhookSecret);stripe=\(stripe.webhookSecret);boleto=\(Self.boletoWebhookSecret)",
            ]) { $1 }.merging(Self.bankEnvironment(bank)) { $1 }.merging(Self.smtpEnvironment(smtp, caFile: psp.certificates.caFile)) { $1 })
        let running = try await cluster.start()
        stripe.setWebhookEndpoint(running.gatewayURL + "/api/v1/webhooks/stripe")
        return Started(psp: psp, stripe: stripe, smtp: smtp, bank: bank, redis: redis, cluster: cluster, running: running)
    }

    /// The PSP, the cluster and its processes.
    func pix() async throws -> (psp: PixStandIn, cluster: TestCluster, running: TestCluster.Running) {
        let started = try await start()
        return (started.psp, started.cluster, started.running)
    }

    /// What `billing-invoicing` (and `billingctl`) read to reach the PSP.
    static func pspEnvironment(_ psp: PixStandIn) -> [String: String] {
        [
            "BILLING_INVOICING_PIX_PROVIDER": "apipix", "BILLING_INVOICING_PIX_API_URL": psp.baseURL,
            "BILLING_INVOICING_PIX_TOKEN_URL": psp.tokenURL, "BILLING_INVOICING_PIX_CLIENT_ID": psp.clientID,
            "BILLING_INVOICING_PIX_CLIENT_SECRET": psp.clientSecret, "BILLING_INVOICING_PIX_CERT_FILE": psp.certificates.clientCertificate,
            "BILLING_INVOICING_PIX_KEY_FILE": psp.certificates.clientKey, "BILLING_INVOICING_PIX_CA_FILE": psp.certificates.caFile,
            "BILLING_INVOICING_PIX_KEY": "pix@standin.example",
        ]
    }

    static let boletoWebhookSecret = "boleto-webhook-secret-0123456789"

    /// The bank stand-in (Banco do Brasil API Cobranças) and the cluster.
    func boleto() async throws -> (bank: BancoDoBrasilStandIn, running: TestCluster.Running) {
        let started = try await start()
        return (started.bank, started.running)
    }

    /// What `billing-invoicing` reads to register boletos at the bank stand-in (mutual TLS with the stand-in CA's client certificate).
    static func bankEnvironment(_ bank: BancoDoBrasilStandIn) -> [String: String] {
        [
            "BILLING_INVOICING_BOLETO_PROVIDER": "bb", "BILLING_INVOICING_BOLETO_BB_API_URL": bank.baseURL,
            "BILLING_INVOICING_BOLETO_BB_TOKEN_URL": bank.tokenURL, "BILLING_INVOICING_BOLETO_BB_CLIENT_ID": bank.clientID,
            "BILLING_INVOICING_BOLETO_BB_CLIENT_SECRET": bank.clientSecret, "BILLING_INVOICING_BOLETO_BB_APP_KEY": bank.applicationKey,
            "BILLING_INVOICING_BOLETO_BB_CERT_FILE": bank.certificates.clientCertificate,
            "BILLING_INVOICING_BOLETO_BB_KEY_FILE": bank.certificates.clientKey, "BILLING_INVOICING_BOLETO_BB_CA_FILE": bank.certificates.caFile,
            "BILLING_INVOICING_BOLETO_BB_AGREEMENT": "3128557", "BILLING_INVOICING_BOLETO_INTERVAL_MS": "200",
            // Daily in production; long enough here that the webhook, not the reconciliation, records the test's payment.
            "BILLING_INVOICING_BOLETO_RECONCILE_INTERVAL_MS": "600000",
        ]
    }

    /// The SMTP server and the cluster.
    func mail() async throws -> (smtp: SMTPSink, running: TestCluster.Running) {
        let started = try await start()
        return (started.smtp, started.running)
    }

    /// What `billing-notifications` reads to send e-mail: STARTTLS to `localhost` (the certificate's name), AUTH PLAIN.
    static func smtpEnvironment(_ smtp: SMTPSink, caFile: String) -> [String: String] {
        [
            "BILLING_NOTIFICATIONS_SMTP_HOST": "localhost", "BILLING_NOTIFICATIONS_SMTP_PORT": String(smtp.port),
            "BILLING_NOTIFICATIONS_SMTP_SECURITY": "starttls", "BILLING_NOTIFICATIONS_SMTP_USERNAME": smtpUser,
            "BILLING_NOTIFICATIONS_SMTP_PASSWORD": smtpPassword, "BILLING_NOTIFICATIONS_SMTP_CA_FILE": caFile,
            "BILLING_NOTIFICATIONS_EMAIL_FROM": "Cobrança Acme <cobranca@billing.example>",
            "BILLING_NOTIFICATIONS_EMAIL_RETRY_SCHEDULE": "1s,2s",
            // An endpoint failing for 3 s is disabled (retried every second meanwhile).
            "BILLING_NOTIFICATIONS_RETRY_SCHEDULE": Array(repeating: "1s", count: 12).joined(separator: ","),
            "BILLING_NOTIFICATIONS_DISABLE_AFTER": "3s",
        ]
    }

    /// What `billing-invoicing` reads to reach Stripe.
    static func stripeEnvironment(_ stripe: StripeStandIn) -> [String: String] {
        [
            "BILLING_INVOICING_CARD_PROVIDER": "stripe", "BILLING_INVOICING_STRIPE_API_URL": stripe.baseURL,
            "BILLING_INVOICING_STRIPE_SECRET_KEY": stripe.secretKey, "BILLING_INVOICING_STRIPE_CA_FILE": stripe.caFile,
            "BILLING_INVOICING_STRIPE_RETURN_URL": "https://shop.example/billing/return",
        ]
    }
}
