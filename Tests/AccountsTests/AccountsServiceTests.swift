import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingTesting
import Foundation
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

    @Test("taxes (issue 26): taxExempt is stored, read back, listed, changed by an update and carried in its event")
    func taxExempt() async throws {
        try await withAccountsService { service in
            let tenant = "svc-\(UUIDv7.generate().uuidString.suffix(12))"
            let exempt = try await service.create(
                CreateAccountRequest(name: "Igreja", email: "a@example.com", currency: "BRL", taxExempt: true), context: context(tenant: tenant))
            let plain = try await service.create(
                CreateAccountRequest(name: "Loja", email: "b@example.com", currency: "BRL"), context: context(tenant: tenant))
            #expect(exempt.taxExempt && !plain.taxExempt)
            #expect(try await service.get(exempt.id, tenant: tenant).taxExempt)
            #expect(try await service.get(plain.id, tenant: tenant).taxExempt == false)
            #expect(try await service.list(ListAccountsRequest(), tenant: tenant).items.map(\.taxExempt) == [true, false])
            let updated = try await service.update(
                UpdateAccountRequest(id: exempt.id, changes: AccountChanges(taxExempt: false)), context: context(tenant: tenant))
            #expect(updated.taxExempt == false)
            #expect(try await service.get(exempt.id, tenant: tenant).taxExempt == false)
            let envelopes = try await service.database.withTenant(tenant) { connection in
                try await connection.rows(
                    "SELECT envelope::text FROM outbox WHERE tenant_id = \(tenant) AND type = 'billing.account.updated' ORDER BY position",
                    logger: service.database.logger
                ).map { try $0.decode(String.self) }
            }
            let envelope = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(envelopes.first).utf8))
            #expect(envelope["data"]?["changedAttributes"] == ["taxExempt"] && envelope["data"]?["account"]?["taxExempt"] == false)
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
