import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import InvoicingContract
import PostgresNIO
import Testing

@testable import Invoicing

@Suite("Invoices move from whole documents to columns and child tables")
struct InvoiceStorageMigrationTests {
    /// Rows the e2e cluster wrote with the code before migration 0010 (invoices stored as `document`, proration lines as `line`).
    private static let fixture = Bundle.module.url(forResource: "invoicing-0009", withExtension: "jsonl", subdirectory: "Fixtures")!

    @Test("every invoice and waiting line written before the migration reads back after it exactly as it was stored")
    func documentsToColumns() async throws {
        let fixture = try TableFixture(contentsOf: Self.fixture)
        let migrations = try InvoicingService.migrations
        let before = migrations.filter { $0.track != "context" || $0.version <= 9 }
        try await TestEnvironment.withFreshSchema("invmig", migrations: before) { database in
            let decoder = WireJSONDecoder()
            let (invoices, pending) = try await database.withSystemScope { connection in
                try await fixture.insert(on: connection, logger: database.logger)
                let invoices = try await connection.rows("SELECT tenant_id, document::text FROM invoices", logger: database.logger).map { row in
                    let (tenant, document) = try row.decode((String, String).self)
                    // Written before test accounts existed: every one of them is live.
                    let live = "{\"livemode\":true," + document.dropFirst()
                    return (tenant: tenant, invoice: try decoder.decode(Invoice.self, from: Array(live.utf8)))
                }
                let pending = try await connection.rows(
                    "SELECT tenant_id, subscription_id, line::text FROM pending_lines WHERE invoice_id IS NULL ORDER BY created_at, position",
                    logger: database.logger
                ).map { row in
                    let (tenant, subscription, line) = try row.decode((String, UUID, String).self)
                    return (tenant: tenant, subscription: subscription, line: try decoder.decode(InvoiceLine.self, from: Array(line.utf8)))
                }
                return (invoices, pending)
            }
            #expect(invoices.count == fixture.count(of: "invoices"))
            #expect(invoices.count > 50 && !pending.isEmpty, "the fixture covers many invoices and waiting proration lines")
            #expect(Set(invoices.flatMap { $0.invoice.lines.map(\.kind) }).count >= 8, "every kind of line is in the fixture")
            #expect(invoices.contains { $0.invoice.creditPurchases != nil } && invoices.contains { $0.invoice.addonActivations != nil })

            #expect(try await MigrationRunner.apply(migrations, to: database).map(\.version).first == 10, "0010 and what follows apply")

            let store = InvoiceStore(logger: database.logger)
            for (tenant, expected) in invoices {
                var read = try await database.withTenant(tenant) { try await store.find(expected.id, tenant: tenant, on: $0) }
                // Lines have ids since 0015 (stored documents had none): every line got one; the rest reads back as it was.
                #expect(read?.lines.allSatisfy { $0.id != nil } == true)
                for index in read?.lines.indices ?? 0..<0 { read?.lines[index].id = nil }
                #expect(read == expected, "invoice \(expected.id)")
            }
            var waiting: [String: [InvoiceLine]] = [:]
            for entry in pending { waiting["\(entry.tenant) \(entry.subscription.text)", default: []].append(entry.line) }
            for (key, expected) in waiting {
                let parts = key.split(separator: " ").map(String.init)
                let taken = try await database.withTenant(parts[0]) { connection in
                    try await store.takePendingLines(
                        subscription: UUID(uuidString: parts[1])!, endingBy: .distantFuture, invoice: .generate(), tenant: parts[0], on: connection)
                }
                #expect(
                    taken.map { line in
                        var line = line
                        line.id = nil
                        return line
                    } == expected, "waiting lines of subscription \(parts[1])")
            }
            let columns = try await database.withSystemScope { connection in
                try await connection.rows(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'invoices'",
                    logger: database.logger
                ).map { try $0.decode(String.self) }
            }
            #expect(!columns.contains("document"), "the document is gone once its fields are columns")
        }
    }
}
