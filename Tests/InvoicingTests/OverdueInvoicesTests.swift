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
        try await withInvoicing { service, database, clock in
            let tenant = "overdue-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            func invoice(_ status: InvoiceStatus, due: String, number: String) -> Invoice {
                let total = Money(minorUnits: 29_990, currency: .brl)
                return Invoice(
                    id: .generate(at: clock.now()), billingAccountId: .generate(), number: number, status: status, currency: "BRL",
                    lines: [], total: total, amountPaid: status == .paid ? total : .zero(.brl), amountDue: status == .paid ? .zero(.brl) : total,
                    periodStart: nil, periodEnd: nil, subscriptionId: .generate(), netTermsDays: 7,
                    dueDate: RFC3339.parse(due)!, finalizedAt: clock.now(), paidAt: nil, voidedAt: nil, createdAt: clock.now(), updatedAt: clock.now()
                )
            }
            let late = invoice(.pending, due: "2027-03-09T00:00:00Z", number: "2027-000001")
            let notYet = invoice(.pending, due: "2027-03-11T00:00:00Z", number: "2027-000002")
            let paid = invoice(.paid, due: "2027-03-01T00:00:00Z", number: "2027-000003")
            try await database.withTenant(tenant) { connection in
                for item in [late, notYet, paid] { try await service.invoices.store.insert(item, tenant: tenant, on: connection) }
            }
            #expect(try await service.invoices.markOverdue(limit: 100) == 1)
            #expect(try await service.invoices.markOverdue(limit: 100) == 0, "marked once")
            #expect(try await service.invoices.get(late.id, tenant: tenant).status == .overdue)
            #expect(try await service.invoices.get(notYet.id, tenant: tenant).status == .pending)
            #expect(try await service.invoices.get(paid.id, tenant: tenant).status == .paid)
            let events = try await database.withSystemScope { connection in
                try await connection.rows(
                    PostgresQuery(unsafeSQL: "SELECT subject FROM outbox WHERE type = 'billing.invoice.overdue'"), logger: database.logger
                )
                .map { try $0.decode(String.self) }
            }
            #expect(events == [late.id.description])
        }
    }

    @Test(
        """
        automatic finalization: queued drafts numbered in queue order, gapless, in one pass; a draft finalized by hand is left alone; one that \
        cannot be finalized waits and holds no other back
        """
    )
    func queuedFinalization() async throws {
        try await withInvoicing { service, database, clock in
            let tenant = "finalize-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            func draft() -> Invoice {
                let total = Money(minorUnits: 10_000, currency: .brl)
                return Invoice(
                    id: .generate(at: clock.now()), billingAccountId: .generate(), number: nil, status: .draft, currency: "BRL",
                    lines: [], total: total, amountPaid: .zero(.brl), amountDue: total, periodStart: nil, periodEnd: nil, subscriptionId: nil,
                    netTermsDays: 7, dueDate: nil, finalizedAt: nil, paidAt: nil, voidedAt: nil, createdAt: clock.now(), updatedAt: clock.now())
            }
            let drafts = (0..<5).map { _ in draft() }
            try await database.withTenant(tenant) { connection in
                for (index, item) in drafts.enumerated() {
                    _ = try await service.invoices.store.insert(item, tenant: tenant, on: connection)
                    try await service.invoices.store.queueFinalization(
                        item.id, traceparent: nil, at: clock.now().addingTimeInterval(Double(index)), tenant: tenant,
                        on: connection)
                }
                // Draft 1 is finalized by hand first; draft 3's row is unreadable (a poison entry: a currency no code knows).
                var manual = drafts[1]
                _ = try await service.invoices.finalizeDraft(&manual, at: clock.now(), tenant: tenant, on: connection)
                try await service.invoices.store.save(manual, tenant: tenant, on: connection)
                try await connection.execute(
                    PostgresQuery(
                        unsafeSQL: "UPDATE invoices SET currency = 'ZZZ' WHERE id = $1",
                        binds: try .of(drafts[3].id.rawValue)), logger: database.logger)
            }
            clock.advance(by: 10)
            _ = try await service.invoices.finalizeQueued(limit: 100)
            var numbers: [String?] = []
            for index in [0, 2, 4] {
                let invoice = try await service.invoices.get(drafts[index].id, tenant: tenant)
                numbers.append(invoice.status == .pending ? invoice.number : nil)
            }
            #expect(numbers == ["2027-000002", "2027-000003", "2027-000004"], "after the hand-finalized 2027-000001, in queue order, no gap")
            #expect(try await service.invoices.get(drafts[1].id, tenant: tenant).number == "2027-000001")
            let waiting = try await database.count(
                "SELECT count(*) FROM finalize_queue WHERE tenant_id = '\(tenant)' AND queued_at > '2027-03-10T00:00:30Z'")
            #expect(waiting == 1, "the unreadable draft is put back to be tried in a minute; the others are gone from the queue")
            #expect(try await database.count("SELECT count(*) FROM finalize_queue WHERE tenant_id = '\(tenant)'") == 1)
        }
    }
}
