import AccountsContract
import BillingEvents
import BillingPostgres
import BillingRPC
import BillingService
import Foundation
import Hummingbird
import JWTKit
import Logging
import SubscriptionsContract
import NIOCore

/// The public gateway: REST ↔ RPC, tenant JWT, permissions, idempotency keys. No domain logic.
public struct GatewayService: Sendable {
    public static var migrations: [Migration] {
        get throws { EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations"))) }
    }

    /// The contexts behind the gateway, with their default endpoints (the `make run` layout).
    static let services: [(name: String, endpoint: String)] = [
        ("accounts", "127.0.0.1:9101"), ("catalog", "127.0.0.1:9102"), ("subscriptions", "127.0.0.1:9103"),
        ("ledger", "127.0.0.1:9104"), ("invoicing", "127.0.0.1:9105"),
    ]

    let runtime: ServiceRuntime

    public init(runtime: ServiceRuntime) {
        self.runtime = runtime
    }

    public func components() async throws -> ServiceComponents {
        let configuration = try GatewayConfiguration(reader: runtime.configuration.reader, environment: runtime.configuration.environment)
        var clients: [String: RPCClient] = [:]
        for service in Self.services {
            let client = try runtime.client(for: service.name, defaultEndpoint: service.endpoint)
            clients[service.name] = client
            // A backend down degrades the gateway (reported on its admin port) but keeps it in rotation: other routes still work.
            runtime.readiness.addCheck(gatesReadiness: false) {
                do {
                    _ = try await client.call(RPCHealth.check, .init(), options: RPCCallOptions(timeout: .seconds(1)))
                    return nil
                } catch {
                    return "\(service.name): \(error)"
                }
            }
        }
        var jwks: JWKS?
        if let path = configuration.jwksFile {
            do {
                jwks = try JSONDecoder().decode(JWKS.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw ConfigurationError(variable: "BILLING_GATEWAY_JWKS_FILE", message: "cannot read a JWKS from \(path): \(error)")
            }
        }
        let verifier = try await TokenVerifier(hs256Secret: configuration.hs256Secret, jwks: jwks, issuer: configuration.issuer,
                                               audience: configuration.audience, leeway: TimeInterval(configuration.leewaySeconds), clock: runtime.clock)
        let idempotency = IdempotencyStore(database: runtime.database, retention: TimeInterval(configuration.idempotencyRetentionHours * 3600))
        let pipeline = APIPipeline(verifier: verifier, idempotency: idempotency, metrics: runtime.metrics, logger: runtime.logger,
                                   maximumBodyBytes: configuration.maximumBodyBytes,
                                   requestTimeout: .milliseconds(Int64(configuration.requestTimeoutMilliseconds)))
        let trail = AuditTrail(database: runtime.database)
        let routes = Self.routes(clients: clients, trail: trail)
        let webhooks = PaymentWebhookReceiver(secrets: configuration.webhookSecrets, clock: runtime.clock, invoicing: clients["invoicing"]!,
                                              maximumBodyBytes: configuration.maximumBodyBytes,
                                              requestTimeout: .milliseconds(Int64(configuration.requestTimeoutMilliseconds)))
        let router = GatewayRouter.build(routes: routes, webhooks: webhooks, pipeline: pipeline, readiness: runtime.readiness,
                                         environment: runtime.configuration.environment)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "billing-gateway"),
            logger: runtime.logger)
        return ServiceComponents(router: RPCRouter(),
                                 background: [IdempotencyPurger(store: idempotency, logger: runtime.logger), try runtime.eventConsumer(trail.subscription),
                                              ReadinessRefresher(readiness: runtime.readiness)],
                                 frontends: [application])
    }

    /// Every public route, those open to customer tokens marked (``CustomerRoutes``).
    static func routes(clients: [String: RPCClient], trail: AuditTrail) -> [APIRoute] {
        let subscriptions = SubscriptionsClient(rpc: clients["subscriptions"]!)
        let routes = AccountRoutes.routes(client: AccountsClient(rpc: clients["accounts"]!)) + CatalogRoutes.routes(client: clients["catalog"]!)
            + UsageRoutes.routes(client: clients["ledger"]!) + CreditRoutes.routes(client: clients["ledger"]!)
            + SubscriptionRoutes.routes(client: subscriptions) + InvoiceRoutes.routes(client: clients["invoicing"]!)
            + AuditRoutes.routes(trail: trail)
        let customers = CustomerRoutes.access(subscriptions: subscriptions, invoicing: clients["invoicing"]!)
        return routes.map { route in customers[route.operationID].map(route.forCustomers) ?? route }
    }
}
