import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import BillingService
import Foundation
import Hummingbird
import JWTKit
import Logging
import NIOCore
import SubscriptionsContract

/// The public gateway: REST ↔ RPC, tenant JWT, permissions, idempotency keys. No domain logic.
public struct GatewayService: Sendable {
    public static var migrations: [Migration] {
        get throws { EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations"))) }
    }

    let runtime: ServiceRuntime

    public init(runtime: ServiceRuntime) {
        self.runtime = runtime
    }

    public func components() async throws -> ServiceComponents {
        let configuration = try GatewayConfiguration(reader: runtime.configuration.reader, environment: runtime.configuration.environment)
        let backends = try GatewayBackends(runtime: runtime)
        for (name, client) in backends.all {
            // A backend down degrades the gateway (reported on its admin port) but keeps it in rotation: other routes still work.
            runtime.readiness.addCheck(gatesReadiness: false) {
                do {
                    _ = try await client.call(RPCHealth.check, .init(), options: RPCCallOptions(timeout: .seconds(1)))
                    return nil
                } catch {
                    return "\(name): \(error)"
                }
            }
        }
        var jwks: JWKS?
        if let path = configuration.jwksFile {
            do {
                jwks = try WireJSONDecoder().decode(JWKS.self, from: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            } catch {
                throw ConfigurationError(variable: "BILLING_GATEWAY_JWKS_FILE", message: "cannot read a JWKS from \(path): \(error)")
            }
        }
        let verifier = try await TokenVerifier(
            hs256Secret: configuration.hs256Secret, jwks: jwks, issuer: configuration.issuer,
            audience: configuration.audience, leeway: TimeInterval(configuration.leewaySeconds), clock: runtime.clock)
        let idempotency = IdempotencyStore(
            database: runtime.database, retention: TimeInterval(configuration.idempotencyRetentionHours * 3600),
            requestTimeout: TimeInterval(configuration.requestTimeoutMilliseconds) / 1000)
        let pipeline = APIPipeline(
            verifier: verifier, idempotency: idempotency, logger: runtime.logger,
            maximumBodyBytes: configuration.maximumBodyBytes,
            requestTimeout: .milliseconds(Int64(configuration.requestTimeoutMilliseconds)))
        let trail = AuditTrail(database: runtime.database)
        let routes = Self.routes(backends, trail: trail)
        // The providers with receivers of their own are not served by the generic one.
        let generic = configuration.webhookSecrets.filter {
            ![PixWebhookReceiver.provider, StripeWebhookReceiver.provider, BoletoWebhookReceiver.provider].contains($0.key)
        }
        let boleto = BoletoWebhookReceiver(
            secrets: configuration.webhookSecrets[BoletoWebhookReceiver.provider] ?? [], invoicing: backends.invoicing,
            maximumBodyBytes: configuration.maximumBodyBytes,
            requestTimeout: .milliseconds(Int64(configuration.requestTimeoutMilliseconds)))
        let webhooks = PaymentWebhookReceiver(
            secrets: generic, clock: runtime.clock, invoicing: backends.invoicing,
            maximumBodyBytes: configuration.maximumBodyBytes,
            requestTimeout: .milliseconds(Int64(configuration.requestTimeoutMilliseconds)))
        let pix = PixWebhookReceiver(
            secrets: configuration.webhookSecrets[PixWebhookReceiver.provider] ?? [], invoicing: backends.invoicing,
            maximumBodyBytes: configuration.maximumBodyBytes,
            requestTimeout: .milliseconds(Int64(configuration.requestTimeoutMilliseconds)))
        let stripe = StripeWebhookReceiver(
            secrets: configuration.webhookSecrets[StripeWebhookReceiver.provider] ?? [], clock: runtime.clock, invoicing: backends.invoicing,
            maximumBodyBytes: configuration.maximumBodyBytes,
            requestTimeout: .milliseconds(Int64(configuration.requestTimeoutMilliseconds)))
        let router = GatewayRouter.build(
            routes: routes, webhooks: webhooks, pix: pix, stripe: stripe, pipeline: pipeline, readiness: runtime.readiness,
            environment: runtime.configuration.environment, stripePublishableKey: configuration.stripePublishableKey, boleto: boleto)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "billing-gateway"),
            logger: runtime.logger)
        return ServiceComponents(
            router: RPCRouter(),
            background: [
                IdempotencyPurger(store: idempotency, logger: runtime.logger), try runtime.eventConsumer(trail.subscription),
                ReadinessRefresher(readiness: runtime.readiness),
            ],
            frontends: [application])
    }

    /// Every public route, those open to customer tokens marked (``CustomerRoutes``).
    static func routes(_ backends: GatewayBackends, trail: AuditTrail) -> [APIRoute] {
        let routes =
            AccountRoutes.routes(client: backends.accounts) + CatalogRoutes.routes(client: backends.catalog)
            + UsageRoutes.routes(client: backends.ledger) + CreditRoutes.routes(client: backends.ledger)
            + SubscriptionRoutes.routes(client: backends.subscriptions) + InvoiceRoutes.routes(client: backends.invoicing)
            + InvoiceItemRoutes.routes(client: backends.invoicing) + CreditNoteRoutes.routes(client: backends.invoicing)
            + UpcomingInvoiceRoutes.routes(client: backends.invoicing) + TaxRateRoutes.routes(client: backends.invoicing)
            + BankTransferRoutes.routes(client: backends.invoicing)
            + FiscalRoutes.routes(client: backends.invoicing)
            + AuditRoutes.routes(trail: trail) + WebhookRoutes.routes(client: backends.notifications)
            + ReportRoutes.routes(subscriptions: backends.subscriptions, ledger: backends.ledger)
        let customers = CustomerRoutes.access(subscriptions: backends.subscriptions, invoicing: backends.invoicing)
        return routes.map(CSVExport.wrap).map { route in customers[route.operationID].map(route.forCustomers) ?? route }
    }
}
