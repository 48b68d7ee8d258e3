import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import BillingService
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// The accounts context: RPC handlers over the `accounts` schema, events through its outbox.
public struct AccountsService: Sendable {
    /// Migrations of the `accounts` schema, after the platform and event ones.
    public static var migrations: [Migration] {
        get throws {
            EventMigrations.all + (try Migration.load(directory: Bundle.module.resourceURL!.appendingPathComponent("Migrations")))
        }
    }

    let database: Database
    let clock: any BillingClock
    let outbox = Outbox(context: "accounts")
    let store: AccountStore

    public init(database: Database, clock: any BillingClock) {
        self.database = database
        self.clock = clock
        self.store = AccountStore(logger: database.logger)
    }

    /// Everything this process runs for the context: its RPC methods and the relay of its outbox.
    public static func components(runtime: ServiceRuntime) throws -> ServiceComponents {
        let service = AccountsService(database: runtime.database, clock: runtime.clock)
        return ServiceComponents(
            router: service.router(), background: [try runtime.outboxRelay(), try runtime.eventConsumer(service.invoicingEvents)])
    }

    public func router() -> RPCRouter {
        var router = RPCRouter()
        router.register(AccountsAPI.create) { request, context in try await create(request, context: context) }
        router.register(AccountsAPI.get) { request, context in try await get(request.id, tenant: context.tenant) }
        router.register(AccountsAPI.list) { request, context in try await list(request, tenant: context.tenant) }
        router.register(AccountsAPI.update) { request, context in try await update(request, context: context) }
        router.register(AccountsAPI.suspend) { request, context in try await changeStatus(request, .suspend, context: context) }
        router.register(AccountsAPI.reactivate) { request, context in try await changeStatus(request, .reactivate, context: context) }
        router.register(AccountsAPI.close) { request, context in try await changeStatus(request, .close, context: context) }
        return router
    }

    func create(_ request: CreateAccountRequest, context: RPCServerContext) async throws -> BillingAccount {
        let attributes = try AccountValidation.validate(request)
        let tenant = context.tenant
        let logger = database.logger
        return try await database.idempotent(
            tenant: tenant, operation: AccountsAPI.create.name, key: context.metadata.idempotencyKey,
            request: request
        ) { connection in
            let now = clock.now()
            let account = BillingAccount(
                id: .generate(at: now), name: attributes.name, email: attributes.email, currency: attributes.currency.code,
                taxId: attributes.taxID, taxIdType: attributes.taxIDType, timezone: attributes.timezone, metadata: attributes.metadata,
                status: .active, statusReason: nil, balance: .zero(attributes.currency), createdAt: now, updatedAt: now, closedAt: nil,
                testClockId: request.testClockId, locale: attributes.locale, contacts: attributes.contacts,
                notificationOptOuts: attributes.notificationOptOuts, taxExempt: attributes.taxExempt)
            try await store.insert(account, tenant: tenant, on: connection)
            try await outbox.append(
                AccountCreated(account: account), tenant: tenant, at: now, traceparent: context.metadata.traceparent,
                on: connection, logger: logger)
            return account
        }
    }

    func get(_ id: AccountID, tenant: String) async throws -> BillingAccount {
        try await database.withTenant(tenant) { connection in
            guard let account = try await store.find(id, tenant: tenant, on: connection) else { throw AccountsError.notFound(id) }
            return account
        }
    }

    func list(_ request: ListAccountsRequest, tenant: String) async throws -> AccountPage {
        guard (1...100).contains(request.pageSize) else {
            throw AccountsError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        let taxID = request.taxId.map(AccountValidation.searchableTaxID)
        return try await database.withTenant(tenant) { connection in
            try await store.list(request, taxID: taxID, tenant: tenant, on: connection)
        }
    }

    func update(_ request: UpdateAccountRequest, context: RPCServerContext) async throws -> BillingAccount {
        let tenant = context.tenant
        let logger = database.logger
        return try await database.idempotent(
            tenant: tenant, operation: AccountsAPI.update.name, key: context.metadata.idempotencyKey,
            request: request
        ) { connection in
            guard var account = try await store.find(request.id, tenant: tenant, forUpdate: true, on: connection) else {
                throw AccountsError.notFound(request.id)
            }
            _ = try AccountLifecycle.next(from: account.status, .update, id: account.id)
            let (attributes, changed) = try AccountValidation.apply(request.changes, to: Self.attributes(of: account))
            guard !changed.isEmpty else { return account }
            let now = clock.now()
            account.name = attributes.name
            account.email = attributes.email
            account.taxId = attributes.taxID
            account.taxIdType = attributes.taxIDType
            account.timezone = attributes.timezone
            account.metadata = attributes.metadata
            account.locale = attributes.locale
            account.contacts = attributes.contacts
            account.notificationOptOuts = attributes.notificationOptOuts
            account.taxExempt = attributes.taxExempt
            account.updatedAt = now
            try await store.update(account, tenant: tenant, on: connection)
            try await outbox.append(
                AccountUpdated(account: account, changedAttributes: changed), tenant: tenant, at: now,
                traceparent: context.metadata.traceparent, on: connection, logger: logger)
            return account
        }
    }

    func changeStatus(
        _ request: ChangeAccountStatusRequest, _ operation: AccountLifecycle.Operation, context: RPCServerContext
    ) async throws -> BillingAccount {
        let tenant = context.tenant
        let logger = database.logger
        if let reason = request.reason, reason.count > 500 {
            throw AccountsError.invalid("reason", "reason must have at most 500 characters")
        }
        return try await database.withTenant(tenant) { connection in
            guard var account = try await store.find(request.id, tenant: tenant, forUpdate: true, on: connection) else {
                throw AccountsError.notFound(request.id)
            }
            let next = try AccountLifecycle.next(from: account.status, operation, id: account.id)
            let now = clock.now()
            account.status = next
            account.statusReason = next == .active ? nil : request.reason
            account.updatedAt = now
            if next == .closed { account.closedAt = now }
            try await store.update(account, tenant: tenant, on: connection)
            let traceparent = context.metadata.traceparent
            switch operation {
            case .suspend:
                try await outbox.append(
                    AccountSuspended(account: account), tenant: tenant, at: now, traceparent: traceparent, on: connection, logger: logger)
            case .reactivate:
                try await outbox.append(
                    AccountReactivated(account: account), tenant: tenant, at: now, traceparent: traceparent, on: connection, logger: logger)
            case .close:
                try await outbox.append(
                    AccountClosed(account: account), tenant: tenant, at: now, traceparent: traceparent, on: connection, logger: logger)
            case .update: break
            }
            return account
        }
    }

    /// `balance` follows the account's credit kept by invoicing.
    var invoicingEvents: EventSubscription {
        let store = store
        return EventSubscription(
            group: AccountsAPI.contextName, contexts: [InvoicingAPI.contextName], events: InvoicingAPI.events,
            handlers: [
                AccountCreditChanged.eventType: { envelope, connection in
                    let event = try envelope.decode(AccountCreditChanged.self)
                    try await store.updateBalance(
                        event.billingAccountId, balance: event.balance, asOf: envelope.time, tenant: envelope.tenantid, on: connection)
                }
            ])
    }

    static func attributes(of account: BillingAccount) -> ValidatedAccountAttributes {
        ValidatedAccountAttributes(
            name: account.name, email: account.email, currency: Currency(code: account.currency) ?? .brl,
            taxID: account.taxId, taxIDType: account.taxIdType, timezone: account.timezone, metadata: account.metadata,
            locale: account.locale, contacts: account.contacts, notificationOptOuts: account.notificationOptOuts,
            taxExempt: account.taxExempt)
    }
}
