import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import PostgresNIO
import SubscriptionsContract
import Testing

@testable import Subscriptions

@Suite("Subscriptions move from whole documents to columns and a child table of add-ons")
struct SubscriptionStorageMigrationTests {
    /// Rows the e2e cluster wrote with the code before migration 0003 (subscriptions stored as `document`).
    private static let fixture = Bundle.module.url(forResource: "subscriptions-0002", withExtension: "jsonl", subdirectory: "Fixtures")!

    @Test("every subscription written before the migration reads back after it exactly as it was stored, and saves again")
    func documentsToColumns() async throws {
        let fixture = try TableFixture(contentsOf: Self.fixture)
        let migrations = try SubscriptionsService.migrations
        let before = migrations.filter { $0.track != "context" || $0.version <= 2 }
        try await TestEnvironment.withFreshSchema("submig", migrations: before) { database in
            let decoder = WireJSONDecoder()
            let stored = try await database.withSystemScope { connection in
                try await fixture.insert(on: connection, logger: database.logger)
                return try await connection.rows("SELECT tenant_id, document::text FROM subscriptions", logger: database.logger).map { row in
                    let (tenant, document) = try row.decode((String, String).self)
                    return (tenant: tenant, subscription: try decoder.decode(Subscription.self, from: Array(document.utf8)))
                }
            }
            #expect(stored.count == fixture.count(of: "subscriptions") && stored.count > 40)
            #expect(stored.contains { !$0.subscription.addons.isEmpty } && stored.contains { $0.subscription.scheduledChange != nil })
            #expect(stored.contains { $0.subscription.testClockId != nil } && stored.contains { $0.subscription.plan.usageCharges != nil })

            let nextActions = { () async throws -> [UUID: Date?] in
                try await database.withSystemScope { connection in
                    Dictionary(
                        uniqueKeysWithValues: try await connection.rows("SELECT id, next_action_at FROM subscriptions", logger: database.logger).map {
                            try $0.decode((UUID, Date?).self)
                        })
                }
            }
            let due = try await nextActions()
            #expect(
                Array(try await MigrationRunner.apply(migrations, to: database).map(\.version).prefix(5)) == [3, 4, 5, 6, 7],
                "columns, then add-on limits, pause reasons, trial reminders and the MRR history"
            )
            // 0007: the MRR history starts from each subscription's current terms, as `RecurringRevenue` counts them.
            let backfilled = try await database.withSystemScope { connection in
                try await connection.rows(
                    "SELECT subscription_id, annual::text FROM subscription_mrr WHERE annual > 0", logger: database.logger
                ).map { row in
                    let (id, annual) = try row.decode((UUID, String).self)
                    return (id, try DecimalNumber(parsing: annual))
                }
            }
            for (_, subscription) in stored where [.active, .pastDue].contains(subscription.status) {
                let annual = backfilled.first { $0.0 == subscription.id.rawValue }?.1 ?? .zero
                #expect(annual == RecurringRevenue.annualAmount(of: subscription), "\(subscription.id) backfilled")
            }
            // 0006: a TRIAL subscription's next action is its unsent reminder (72 hours before its trial's end); the others' stay.
            let moved = try await nextActions()
            let timeline = SubscriptionTimeline(grace: 14 * 86_400)
            let trials = stored.map(\.subscription).filter { $0.status == .trial }
            #expect(!trials.isEmpty)
            for subscription in stored.map(\.subscription) {
                let id = subscription.id.rawValue
                if subscription.status == .trial, let end = subscription.trialEnd {
                    #expect(moved[id] == end.addingTimeInterval(-72 * 3600) && moved[id] == timeline.nextAction(subscription), "\(id)")
                } else {
                    #expect(moved[id] == due[id], "\(id) keeps its next action")
                }
            }

            let store = SubscriptionStore(logger: database.logger)
            for (tenant, expected) in stored {
                var read = try await database.withTenant(tenant) { try await store.find(expected.id, tenant: tenant, on: $0) }
                #expect(read == expected, "subscription \(expected.id)")
                // Written back through the new columns (one add-on fewer, a scheduled change gone), it reads as written.
                guard var changed = read else { continue }
                if !changed.addons.isEmpty { changed.addons.removeLast() }
                changed.scheduledChange = nil
                changed.quantity += 1
                try await database.withTenant(tenant) { try await store.save(changed, nextAction: nil, tenant: tenant, on: $0) }
                read = try await database.withTenant(tenant) { try await store.find(expected.id, tenant: tenant, on: $0) }
                #expect(read == changed, "subscription \(expected.id) saved again")
            }
            let columns = try await database.withSystemScope { connection in
                try await connection.rows(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'subscriptions'",
                    logger: database.logger
                ).map { try $0.decode(String.self) }
            }
            #expect(!columns.contains("document"), "the document is gone once its fields are columns")
        }
    }
}
