import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import InvoicingContract
import PostgresNIO
import SubscriptionsContract
import Synchronization
import Testing

@testable import Invoicing

/// A card provider that, while it charges, checks in its own transaction that nobody holds the invoice's row, and records the
/// references it was asked to charge.
private final class LockProbeProvider: ChargeOnlyCardProvider, @unchecked Sendable {
    let name = "probe"
    let database: Database
    let references = Mutex<[String]>([])
    let lockedDuringCharge = Mutex<[Bool]>([])
    /// The statuses of the invoice's payments while the provider charged.
    let paymentsDuringCharge = Mutex<[[String]]>([])
    let invoice: Mutex<UUID?> = Mutex(nil)
    let tenant: String

    init(database: Database, tenant: String) {
        self.database = database
        self.tenant = tenant
    }

    func charge(_ request: CardChargeRequest) async throws(InvoicingError) -> CardCharge {
        let reference = request.reference
        references.withLock { $0.append(reference) }
        let id = invoice.withLock { $0 }!
        let locked: Bool
        do {
            try await database.withTenant(tenant) { connection in
                try await connection.execute(
                    PostgresQuery(
                        unsafeSQL: "SELECT id FROM invoices WHERE tenant_id = $1 AND id = $2 FOR UPDATE NOWAIT", binds: try .of(tenant, id)),
                    logger: database.logger)
            }
            locked = false
        } catch {
            locked = true
        }
        let statuses = try? await database.withTenant(tenant) { connection in
            try await connection.rows(
                PostgresQuery(
                    unsafeSQL: "SELECT status FROM payments WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY id", binds: try .of(tenant, id)),
                logger: database.logger
            ).map { try $0.decode(String.self) }
        }
        paymentsDuringCharge.withLock { $0.append(statuses ?? []) }
        lockedDuringCharge.withLock { $0.append(locked) }
        return CardCharge(approved: true, chargeId: "probe_" + reference, declineReason: nil)
    }
}

@Suite("Card collection under faults, on PostgreSQL")
struct CardCollectionFaultTests {
    @Test(
        """
        the provider is charged with no invoice row locked, a PROCESSING payment written before; an attempt left in flight by a dead replica \
        is charged again with its own reference, once, and completes the payment that replica began
        """
    )
    func chargeOutsideLocksAndRecoverInFlight() async throws {
        try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
            let clock = ManualClock(RFC3339.parse("2027-03-10T00:00:00Z")!)
            let tenant = "collect-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            let provider = LockProbeProvider(database: database, tenant: tenant)
            let rpc = RPCClient(transport: NoPeersTransport())
            let service = InvoicingService(
                database: database, clock: clock, accounts: AccountsClient(rpc: rpc), subscriptions: SubscriptionsClient(rpc: rpc),
                catalog: CatalogClient(rpc: rpc), ledger: rpc, cards: provider)
            let account = UUID()
            let total = Money(minorUnits: 29_990, currency: .brl)
            let invoice = Invoice(
                id: .generate(at: clock.now()), billingAccountId: AccountID(rawValue: account), number: "2027-000001", status: .pending,
                currency: "BRL",
                lines: [], total: total, amountPaid: .zero(.brl), amountDue: total, periodStart: clock.now(),
                periodEnd: clock.now().addingTimeInterval(30 * 86_400), subscriptionId: .generate(), netTermsDays: 7,
                dueDate: clock.now().addingTimeInterval(7 * 86_400), finalizedAt: clock.now(), paidAt: nil, voidedAt: nil,
                createdAt: clock.now(), updatedAt: clock.now())
            provider.invoice.withLock { $0 = invoice.id.rawValue }
            try await database.withTenant(tenant) { connection in
                try await service.invoices.store.insert(invoice, tenant: tenant, on: connection)
                try await service.payments.paymentMethods.saveDefault(
                    id: UUIDv7.generate(), account: account, provider: "probe", token: "tok_probe", label: nil, at: clock.now(), tenant: tenant,
                    on: connection)
                try await service.invoices.collections.schedule(invoice.id, at: clock.now(), tenant: tenant, on: connection)
            }
            // A replica claims attempt 1 and dies before charging or recording it.
            let orphaned = try await database.withSystemScope { connection in
                try await service.invoices.collections.claimDue(
                    at: clock.now(), limit: 10, lease: clock.now().addingTimeInterval(PaymentsService.collectionLease), on: connection)
            }
            #expect(orphaned.map(\.attempt) == [1])
            // It had written the attempt's PROCESSING payment (it was about to ask the provider).
            let begun = try await service.payments.begin(attempt: "\(invoice.id)-1", of: invoice, tenant: tenant)
            #expect(begun.status == .processing)
            #expect(try await service.payments.collectCards(limit: 10) == 0, "leased to the dead replica: nobody else takes it yet")
            clock.advance(by: PaymentsService.collectionLease + 1)
            #expect(try await service.payments.collectCards(limit: 10) == 1)
            #expect(provider.references.withLock { $0 } == ["\(invoice.id)-1"], "the in-flight attempt is charged with its own reference")
            #expect(provider.lockedDuringCharge.withLock { $0 } == [false], "no row of the invoice was locked while the provider charged")
            let paid = try await service.invoices.get(invoice.id, tenant: tenant)
            #expect(paid.status == .paid && paid.paymentAttempts == 1)
            #expect(provider.paymentsDuringCharge.withLock { $0 } == [["PROCESSING"]], "the attempt shows while the provider charges")
            let payments = try await service.payments.payments(ListPaymentsRequest(invoiceId: invoice.id), tenant: tenant).items
            #expect(
                payments.map(\.id) == [begun.id] && payments.first?.status == .completed && payments.first?.externalRef == "probe_\(invoice.id)-1",
                "the retry completed the payment the dead replica began: \(payments)")
            #expect(paid.paymentMethod == .card)
            #expect(try await database.count("SELECT count(*) FROM card_collections WHERE tenant_id = '\(tenant)'") == 0)
            clock.advance(by: PaymentsService.collectionLease + 1)
            #expect(try await service.payments.collectCards(limit: 10) == 0, "nothing is charged twice")
        }
    }
}
