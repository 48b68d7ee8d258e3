import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingMail
import BillingPostgres
import BillingRPC
import BillingService
import BillingWebhooks
import CatalogContract
import Foundation
import InvoicingContract
import LedgerContract
import Logging
import NotificationsContract
import PostgresNIO
import ServiceLifecycle
import SubscriptionsContract

/// The notifications context: tenants' webhook endpoints and the delivery of every billing event to them, signed (Standard
/// Webhooks), at least once, retried for about three days; and e-mails to billing accounts' contacts over SMTP.
public struct NotificationsService: Sendable {
    public static var migrations: [Migration] {
        get throws {
            EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations")))
        }
    }

    /// The contexts whose events are delivered.
    static let contexts = [
        AccountsAPI.contextName, CatalogAPI.contextName, SubscriptionsAPI.contextName, LedgerAPI.contextName, InvoicingAPI.contextName,
        NotificationsAPI.contextName,
    ]

    /// Where deliveries may go and how they are retried.
    public struct Settings: Sendable {
        /// `http://` URLs and private, loopback and link-local addresses accepted (development only).
        public var allowPrivateDestinations: Bool
        /// After the first attempt: by default about three days (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 20 h), each ±10 %.
        public var retries: RetrySchedule
        /// An endpoint whose every attempt failed for this long is disabled.
        public var disableAfter: TimeInterval
        public var timeout: Duration

        public static let defaultRetries = RetrySchedule(delays: [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 72_000])

        public init(
            allowPrivateDestinations: Bool, retries: RetrySchedule = Self.defaultRetries, disableAfter: TimeInterval = 5 * 86_400,
            timeout: Duration = .seconds(10)
        ) {
            self.allowPrivateDestinations = allowPrivateDestinations
            self.retries = retries
            self.disableAfter = disableAfter
            self.timeout = timeout
        }
    }

    /// How long a claimed delivery is left to its replica before another takes it over (an attempt lasts at most the timeout).
    static let lease: TimeInterval = 60

    let database: Database
    let clock: any BillingClock
    let settings: Settings
    let store: WebhookStore
    let client: WebhookHTTPClient
    let mail: MailSettings?
    let smtp: SMTPClient?
    let emailStore: EmailStore
    let clients: Clients
    let outbox = Outbox(context: NotificationsAPI.contextName)

    /// The services e-mails read from: the account (contacts, language), the invoice (PDF, PIX code).
    public struct Clients: Sendable {
        public var accounts: AccountsClient
        public var invoicing: RPCClient
        public init(accounts: AccountsClient, invoicing: RPCClient) {
            self.accounts = accounts
            self.invoicing = invoicing
        }
    }

    /// Throws when the system's trust roots (or the SMTP server's CA file) cannot be loaded.
    public init(database: Database, clock: any BillingClock, settings: Settings, clients: Clients, mail: MailSettings? = nil) throws {
        self.database = database
        self.clock = clock
        self.settings = settings
        self.clients = clients
        self.mail = mail
        store = WebhookStore(logger: database.logger)
        emailStore = EmailStore(logger: database.logger)
        client = try WebhookHTTPClient()
        smtp = try mail.map { try SMTPClient(settings: $0.smtp) }
    }

    /// The RPC methods, the consumer that turns every event into deliveries, and the delivery job.
    public static func components(runtime: ServiceRuntime) throws -> ServiceComponents {
        let reader = runtime.configuration.reader
        let environment = runtime.configuration.environment
        let allowPrivate = try reader.bool("BILLING_NOTIFICATIONS_ALLOW_PRIVATE_DESTINATIONS", default: environment.isDevelopment)
        if allowPrivate {
            try environment.requireDevelopment(
                for: "BILLING_NOTIFICATIONS_ALLOW_PRIVATE_DESTINATIONS", "webhooks to http:// or private addresses (they reach inside the network)")
        }
        let scheduleText = reader.optionalString("BILLING_NOTIFICATIONS_RETRY_SCHEDULE")
        guard let retries = scheduleText.map(RetrySchedule.init) ?? Settings.defaultRetries else {
            throw ConfigurationError(
                variable: "BILLING_NOTIFICATIONS_RETRY_SCHEDULE", message: "'\(scheduleText ?? "")' is not a list of delays like 5s,5m,30m")
        }
        let disableText = reader.string("BILLING_NOTIFICATIONS_DISABLE_AFTER", default: "5d")
        guard let disableAfter = RetrySchedule(disableText)?.delays, disableAfter.count == 1 else {
            throw ConfigurationError(variable: "BILLING_NOTIFICATIONS_DISABLE_AFTER", message: "'\(disableText)' is not one duration like 5d or 120h")
        }
        let settings = Settings(
            allowPrivateDestinations: allowPrivate, retries: retries, disableAfter: disableAfter[0],
            timeout: .milliseconds(try reader.int("BILLING_NOTIFICATIONS_TIMEOUT_MS", default: 10_000, range: 100...60_000)))
        let clients = Clients(
            accounts: AccountsClient(rpc: try runtime.client(for: "accounts", defaultEndpoint: "127.0.0.1:9101")),
            invoicing: try runtime.client(for: "invoicing", defaultEndpoint: "127.0.0.1:9105"))
        let mail = try MailSettings(reader: reader, environment: environment)
        if mail == nil { runtime.logger.notice("e-mail notifications are off: BILLING_NOTIFICATIONS_SMTP_HOST is not set") }
        let service = try NotificationsService(database: runtime.database, clock: runtime.clock, settings: settings, clients: clients, mail: mail)
        let tick = Duration.milliseconds(try reader.int("BILLING_NOTIFICATIONS_DELIVERY_INTERVAL_MS", default: 500, range: 10...60_000))
        let capacity = try reader.int("BILLING_NOTIFICATIONS_CONCURRENCY", default: 100, range: 1...10_000)
        var background: [any Service] = [
            try runtime.outboxRelay(),
            try runtime.eventConsumer(service.events),
            RetentionJob(
                database: runtime.database, clock: runtime.clock,
                retention: TimeInterval(try reader.int("BILLING_NOTIFICATIONS_RETENTION_DAYS", default: 30, range: 1...3_650)) * 86_400,
                interval: .seconds(3_600)),
            LeasedWorkLoop(
                name: "webhook deliveries", interval: tick, capacity: capacity, logger: runtime.logger, claim: service.claim,
                perform: service.attempt),
        ]
        if mail != nil {
            background.append(
                LeasedWorkLoop(
                    name: "e-mails", interval: tick,
                    capacity: try reader.int("BILLING_NOTIFICATIONS_EMAIL_CONCURRENCY", default: 4, range: 1...100), logger: runtime.logger,
                    claim: service.claimEmails, perform: service.attempt))
        }
        return ServiceComponents(router: service.router(), background: background)
    }

    /// Every event of every context becomes a message and a delivery to each endpoint that takes its type, and, when it tells an
    /// account something and e-mail is on, an e-mail to the account — in the inbox's transaction: a redelivered event finds its
    /// message, deliveries and e-mail there already.
    var events: EventSubscription {
        let store = self.store
        let emailStore = self.emailStore
        let clock = self.clock
        let mailing = mail != nil
        return EventSubscription(
            group: NotificationsAPI.contextName, contexts: Self.contexts,
            events: AccountsAPI.events + CatalogAPI.events + SubscriptionsAPI.events + LedgerAPI.events + InvoicingAPI.events
                + NotificationsAPI.events,
            fallback: { envelope, connection in
                let payload = JSONWriter.string(try JSONValueEncoder().encode(envelope))
                let now = clock.now()
                try await store.enqueue(
                    messageID: envelope.id, eventType: envelope.type, payload: payload, at: now, tenant: envelope.tenantid, on: connection)
                guard mailing else { return }
                if let (type, account) = try EmailEvents.notification(for: envelope) {
                    try await emailStore.enqueue(
                        eventID: envelope.id, eventType: envelope.type, kind: type.rawValue, account: account, payload: payload, at: now,
                        tenant: envelope.tenantid, on: connection)
                } else if EmailEvents.tellsTheTenant(envelope) {
                    try await emailStore.enqueue(
                        eventID: envelope.id, eventType: envelope.type, kind: EmailStore.tenantNotice, account: nil, payload: payload, at: now,
                        tenant: envelope.tenantid, on: connection)
                }
            })
    }

    public func router() -> RPCRouter {
        var router = RPCRouter()
        router.register(NotificationsAPI.create) { request, context in try await create(request, context: context) }
        router.register(NotificationsAPI.get) { request, context in try await endpoint(request.id, tenant: context.tenant).endpoint }
        router.register(NotificationsAPI.list) { _, context in
            let tenant = context.tenant
            return WebhookEndpointList(items: try await database.withTenant(tenant) { try await store.endpoints(tenant: tenant, on: $0) })
        }
        router.register(NotificationsAPI.update) { request, context in try await update(request, context: context) }
        router.register(NotificationsAPI.delete) { request, context in try await delete(request.id, context: context) }
        router.register(NotificationsAPI.rotateSecret) { request, context in try await rotate(request.id, context: context) }
        router.register(NotificationsAPI.attempts) { request, context in
            guard (1...100).contains(request.pageSize) else { throw NotificationsError.invalid("page[size]", "page size must be between 1 and 100") }
            let tenant = context.tenant
            _ = try await endpoint(request.id, tenant: tenant)
            return WebhookAttemptList(
                items: try await database.withTenant(tenant) {
                    try await store.attempts(of: request.id, limit: request.pageSize, tenant: tenant, on: $0)
                })
        }
        router.register(NotificationsAPI.redeliver) { request, context in try await redeliver(request, context: context) }
        router.register(NotificationsAPI.testSend) { request, context in try await testSend(request.id, context: context) }
        router.register(NotificationsAPI.listEmails) { request, context in try await emails(request, context: context) }
        router.register(NotificationsAPI.settings) { _, context in try await settings(tenant: context.tenant) }
        router.register(NotificationsAPI.setSettings) { request, context in try await setSettings(request, tenant: context.tenant) }
        return router
    }
}
