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
import Testing
@testable import Invoicing

@Suite("Overdue invoices on PostgreSQL")
struct OverdueInvoicesTests {
    @Test("a PENDING invoice past its due date becomes OVERDUE once, with its event; one not yet due, or paid, stays")
    func overdue() async throws {
        try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
            let clock = ManualClock(RFC3339.parse("2027-03-10T00:00:00Z")!)
            let rpc = RPCClient(transport: NoPeersTransport())
            let service = InvoicingService(database: database, clock: clock, accounts: AccountsClient(rpc: rpc), subscriptions: SubscriptionsClient(rpc: rpc),
                                          catalog: CatalogClient(rpc: rpc), ledger: rpc)
            let tenant = "overdue-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            func invoice(_ status: InvoiceStatus, due: String, number: String) -> Invoice {
                let total = Money(minorUnits: 29_990, currency: .brl)
                return Invoice(id: .generate(at: clock.now()), billingAccountId: UUID().uuidString.lowercased(), number: number, status: status, currency: "BRL",
                               lines: [], total: total, amountPaid: status == .paid ? total : .zero(.brl), amountDue: status == .paid ? .zero(.brl) : total,
                               periodStart: nil, periodEnd: nil, subscriptionId: UUID().uuidString.lowercased(), netTermsDays: 7,
                               dueDate: RFC3339.parse(due)!, finalizedAt: clock.now(), paidAt: nil, voidedAt: nil, createdAt: clock.now(), updatedAt: clock.now())
            }
            let late = invoice(.pending, due: "2027-03-09T00:00:00Z", number: "2027-000001")
            let notYet = invoice(.pending, due: "2027-03-11T00:00:00Z", number: "2027-000002")
            let paid = invoice(.paid, due: "2027-03-01T00:00:00Z", number: "2027-000003")
            try await database.withTenant(tenant) { connection in
                for item in [late, notYet, paid] { try await service.store.insert(item, tenant: tenant, on: connection) }
            }
            #expect(try await service.markOverdue(limit: 100) == 1)
            #expect(try await service.markOverdue(limit: 100) == 0, "marked once")
            #expect(try await service.get(late.id, tenant: tenant).status == .overdue)
            #expect(try await service.get(notYet.id, tenant: tenant).status == .pending)
            #expect(try await service.get(paid.id, tenant: tenant).status == .paid)
            let events = try await database.withSystemScope { connection in
                try await connection.rows(PostgresQuery(unsafeSQL: "SELECT subject FROM outbox WHERE type = 'billing.invoice.overdue'"), logger: database.logger)
                    .map { try $0.decode(String.self) }
            }
            #expect(events == [late.id.description])
        }
    }
}
