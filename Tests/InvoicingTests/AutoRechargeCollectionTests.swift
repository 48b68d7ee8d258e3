import AccountsContract
import BillingCore
import BillingEvents
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import InvoicingContract
import LedgerContract
import PostgresNIO
import SubscriptionsContract
import Synchronization
import Testing

@testable import Invoicing

/// A card provider that approves or declines every charge and records the references it was asked to charge.
private final class RecordingProvider: ChargeOnlyCardProvider, @unchecked Sendable {
    let name = "recording"
    let approve: Bool
    let references = Mutex<[String]>([])

    init(approve: Bool) { self.approve = approve }

    func charge(_ request: CardChargeRequest) async throws(InvoicingError) -> CardCharge {
        let reference = request.reference
        references.withLock { $0.append(reference) }
        return approve
            ? CardCharge(approved: true, chargeId: "rec_" + reference, declineReason: nil)
            : CardCharge(approved: false, chargeId: "", declineReason: "insufficient funds")
    }
}

@Suite("Auto-recharge on PostgreSQL: the card is charged after the event's transaction commits, once")
struct AutoRechargeCollectionTests {
    /// The account and the credit package, as the accounts and catalog services would answer.
    static func peers(at time: Date) -> RPCClient {
        var router = RPCRouter()
        router.register(AccountsAPI.get) { request, _ in
            BillingAccount(
                id: request.id, name: "Empresa", email: "a@b.co", currency: "BRL", taxId: nil, taxIdType: nil, timezone: "UTC", metadata: [:],
                status: .active, statusReason: nil, balance: .zero(.brl), createdAt: time, updatedAt: time, closedAt: nil)
        }
        router.register(CatalogAPI.creditPackages.getByCode) { request, _ in
            CatalogItem(
                id: .generate(), version: 1, status: .active,
                attributes: CreditPackageAttributes(
                    code: request.code, name: "Start", credits: try Credits(whole: 100), price: DecimalNumber("39.70")!, currency: "BRL"),
                createdAt: time, versionCreatedAt: time)
        }
        return RPCClient(transport: RouterTransport(router))
    }

    @Test(
        "a recharge request is invoiced and queued for collection: a delivery rolled back charged nothing, the collection charges once, a decline is not retried and names the request",
        arguments: [true, false])
    func chargedAfterCommit(approve: Bool) async throws {
        try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
            let clock = ManualClock(RFC3339.parse("2027-03-10T00:00:00Z")!)
            let tenant = "recharge-" + UUIDv7.generate().text.suffix(8)
            let provider = RecordingProvider(approve: approve)
            let rpc = Self.peers(at: clock.now())
            let service = InvoicingService(
                database: database, clock: clock, accounts: AccountsClient(rpc: rpc), subscriptions: SubscriptionsClient(rpc: rpc),
                catalog: CatalogClient(rpc: rpc), ledger: rpc, cards: provider)
            let account = AccountID.generate()
            try await database.withTenant(tenant) { connection in
                try await service.payments.paymentMethods.saveDefault(
                    id: UUIDv7.generate(), account: account.rawValue, provider: "recording", token: "tok_1", label: nil, at: clock.now(),
                    tenant: tenant, on: connection)
            }
            let request = RechargeRequestID.generate()
            let envelope = try EventEnvelope(
                CreditsRechargeRequested(
                    requestId: request, billingAccountId: account, packageCode: "start", threshold: try Credits(whole: 10),
                    available: try Credits(whole: 5)), source: "test", tenant: tenant, at: clock.now())
            let handler = service.payments.rechargeHandler

            // The consumer dies after the handler ran but before its transaction committed: the event comes again.
            struct ConsumerDied: Error {}
            await #expect(throws: ConsumerDied.self) {
                try await database.withTenant(tenant) { connection in
                    try await handler(envelope, connection)
                    throw ConsumerDied()
                }
            }
            #expect(provider.references.withLock { $0 }.isEmpty, "nothing was charged for the delivery that rolled back")
            try await database.withTenant(tenant) { connection in try await handler(envelope, connection) }
            try await database.withTenant(tenant) { connection in try await handler(envelope, connection) }
            #expect(provider.references.withLock { $0 }.isEmpty, "nothing is charged inside the event's transaction")
            #expect(try await database.count("SELECT count(*) FROM invoices WHERE tenant_id = '\(tenant)'") == 1)

            #expect(try await service.payments.collectCards(limit: 10) == 1)
            clock.advance(by: 86_400)
            #expect(try await service.payments.collectCards(limit: 10) == 0, "charged once, and a decline is not tried again")
            let references = provider.references.withLock { $0 }
            #expect(references.count == 1)
            let status = try await database.count(
                "SELECT count(*) FROM invoices WHERE tenant_id = '\(tenant)' AND status = '\(approve ? "PAID" : "PENDING")'")
            #expect(status == 1)
            // The one charge is one payment: COMPLETED, or FAILED with the decline's reason (none left PROCESSING).
            let outcome = approve ? "COMPLETED" : "FAILED"
            #expect(try await database.count("SELECT count(*) FROM payments WHERE tenant_id = '\(tenant)' AND status = '\(outcome)'") == 1)
            #expect(try await database.count("SELECT count(*) FROM payments WHERE tenant_id = '\(tenant)'") == 1)
            #expect(try await database.count("SELECT count(*) FROM card_collections WHERE tenant_id = '\(tenant)'") == 0)
            let failures = try await database.count(
                """
                SELECT count(*) FROM outbox WHERE tenant_id = '\(tenant)' AND type = 'billing.payment.failed'
                AND envelope->'data'->'rechargeRequestIds' ? '\(request)'
                """)
            #expect(failures == (approve ? 0 : 1), "the ledger learns which request failed, so it can ask again")
        }
    }
}
