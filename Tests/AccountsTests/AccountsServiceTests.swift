import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingTesting
import Logging
import Testing

@testable import Accounts

func withAccountsService(_ body: (AccountsService) async throws -> Void) async throws {
    try await TestEnvironment.withDatabase(schema: "accounts", migrations: try AccountsService.migrations) { database in
        try await body(AccountsService(database: database, clock: SystemClock()))
    }
}

func context(tenant: String, key: String? = nil) -> RPCServerContext {
    RPCServerContext(method: "test", metadata: RPCMetadata(tenant: tenant, idempotencyKey: key), deadline: nil, logger: Logger(label: "test"))
}

@Suite("Accounts service on PostgreSQL", .serialized)
struct AccountsServiceTests {
    @Test("the same idempotency key returns the first account; a different request with it is refused")
    func idempotency() async throws {
        try await withAccountsService { service in
            let tenant = "svc-\(UUIDv7.generate().uuidString.suffix(12))"
            let request = CreateAccountRequest(name: "A", email: "a@example.com", currency: "BRL")
            let first = try await service.create(request, context: context(tenant: tenant, key: "k1"))
            let again = try await service.create(request, context: context(tenant: tenant, key: "k1"))
            #expect(first == again)
            // What the caller gets is the error's mapping at the service edge (RPCRouter.wireError), as over the wire.
            await #expect {
                try await service.create(
                    CreateAccountRequest(name: "B", email: "b@example.com", currency: "BRL"), context: context(tenant: tenant, key: "k1"))
            } throws: { error in
                let wire = RPCRouter.wireError(for: error, method: AccountsAPI.create.name, deadlinePassed: false, logger: Logger(label: "test"))
                return wire.code == .invalidArgument && wire.reason == "IDEMPOTENCY_KEY_REUSED"
            }
            let page = try await service.list(ListAccountsRequest(), tenant: tenant)
            #expect(page.items.count == 1)
        }
    }

    @Test("every change writes its event to the outbox in the same transaction")
    func outboxEvents() async throws {
        try await withAccountsService { service in
            let tenant = "svc-\(UUIDv7.generate().uuidString.suffix(12))"
            let account = try await service.create(
                CreateAccountRequest(name: "A", email: "a@example.com", currency: "BRL"), context: context(tenant: tenant))
            _ = try await service.changeStatus(ChangeAccountStatusRequest(id: account.id, reason: "late"), .suspend, context: context(tenant: tenant))
            _ = try await service.changeStatus(ChangeAccountStatusRequest(id: account.id), .reactivate, context: context(tenant: tenant))
            _ = try await service.update(UpdateAccountRequest(id: account.id, changes: AccountChanges(name: "B")), context: context(tenant: tenant))
            _ = try await service.changeStatus(ChangeAccountStatusRequest(id: account.id), .close, context: context(tenant: tenant))
            // A refused change writes nothing.
            await #expect(throws: AccountsError.self) {
                try await service.changeStatus(ChangeAccountStatusRequest(id: account.id), .suspend, context: context(tenant: tenant))
            }
            let types = try await service.database.withTenant(tenant) { connection in
                try await connection.rows("SELECT type FROM outbox WHERE tenant_id = \(tenant) ORDER BY position", logger: service.database.logger)
                    .map { try $0.decode(String.self) }
            }
            #expect(
                types == [
                    "billing.account.created", "billing.account.suspended", "billing.account.reactivated", "billing.account.updated",
                    "billing.account.closed",
                ])
        }
    }
}
