import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import InvoicingContract
import Logging
import PostgresNIO
import SubscriptionsContract
import Testing

@testable import Subscriptions

/// A subscriptions service on a fresh schema, with no peers (these tests store subscriptions directly).
private func withService(
    clock: ManualClock, grace: TimeInterval = 14 * 86_400, _ body: (SubscriptionsService, Database) async throws -> Void
) async throws {
    try await TestEnvironment.withFreshSchema("subs", migrations: try SubscriptionsService.migrations, maximumConnections: 24) { database in
        let client = RPCClient(transport: NoPeersTransport())
        let service = SubscriptionsService(
            database: database, clock: clock, accounts: AccountsClient(rpc: client), catalog: CatalogClient(rpc: client), grace: grace)
        try await body(service, database)
    }
}

private func insert(_ subscriptions: [Subscription], tenant: String, service: SubscriptionsService) async throws {
    try await service.lifecycle.database.withTenant(tenant) { connection in
        for subscription in subscriptions {
            try await service.lifecycle.store.insert(
                subscription, nextAction: service.lifecycle.timeline.nextAction(subscription), tenant: tenant, on: connection)
        }
    }
}

/// Outbox rows of one event type per subject.
private func published(_ type: String, database: Database) async throws -> [String: Int] {
    try await database.withSystemScope { connection in
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT subject, count(*) FROM outbox WHERE type = $1 GROUP BY subject",
                binds: try .of(type)), logger: database.logger)
        return Dictionary(
            uniqueKeysWithValues: try rows.map { row in
                let (subject, count) = try row.decode((String, Int64).self)
                return (subject, Int(count))
            })
    }
}

/// The outbox's events about `subject`, in the order they were appended: type and the instant each happened at.
private func timeline(of subject: SubscriptionID, database: Database) async throws -> [(type: String, at: Date)] {
    try await database.withSystemScope { connection in
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT type, occurred_at FROM outbox WHERE subject = $1 ORDER BY position", binds: try .of(subject.description)),
            logger: database.logger
        ).map { row in
            let (type, at) = try row.decode((String, Date).self)
            return (type, at)
        }
    }
}

private func context(_ tenant: String) -> RPCServerContext {
    RPCServerContext(method: "test", metadata: RPCMetadata(tenant: tenant), deadline: nil, logger: Logger(label: "test"))
}

@Suite("Subscriptions on PostgreSQL: scheduler, test clocks, invoice events", .serialized)
struct SubscriptionStoreTests {
    @Test("two scheduler replicas racing over 1,000 due subscriptions renew each exactly once")
    func racingSchedulers() async throws {
        let start = instant("2027-03-01T00:00:00Z")
        let clock = ManualClock(start)
        try await withService(clock: clock) { service, database in
            let replica = SubscriptionsService(
                database: database, clock: clock, accounts: service.lifecycle.accounts, catalog: service.lifecycle.catalog, grace: 14 * 86_400)
            for tenant in ["race-a", "race-b"] {
                try await insert((0..<500).map { _ in subscription(plan(), start: start) }, tenant: tenant, service: service)
            }
            clock.set(instant("2027-04-01T00:00:01Z"))
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for scheduler in [service, replica, service, replica] {
                    group.addTask {
                        var total = 0
                        while case let advanced = try await scheduler.renewals.runDue(limit: 37), advanced > 0 { total += advanced }
                        return total
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.reduce(0, +) == 1000, "every due subscription claimed once: \(counts)")
            let renewed = try await published(SubscriptionRenewed.eventType, database: database)
            #expect(renewed.count == 1000 && renewed.values.allSatisfy { $0 == 1 })
            #expect(try await service.renewals.runDue(limit: 100) == 0, "nothing is due any more")
        }
    }

    @Test("a test clock moves its subscriptions (and only them) through trial end and renewals, each event at its own instant")
    func testClock() async throws {
        let clock = ManualClock(instant("2027-01-01T00:00:00Z"))
        try await withService(clock: clock) { service, database in
            let tenant = "clock-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            let testClock = try await service.testClocks.createTestClock(
                CreateTestClockRequest(name: "demo", frozenTime: instant("2027-01-31T10:00:00Z")), context: context(tenant))
            let onClock = subscription(plan(trialDays: 14), start: testClock.frozenTime, clock: testClock.id)
            let onRealTime = subscription(plan(), start: clock.now())
            try await insert([onClock, onRealTime], tenant: tenant, service: service)
            let advanced = try await service.testClocks.advanceTestClock(
                AdvanceTestClockRequest(id: testClock.id, frozenTime: instant("2028-02-29T10:00:00Z")), context: context(tenant))
            #expect(advanced.frozenTime == instant("2028-02-29T10:00:00Z") && advanced.subscriptionCount == 1)
            #expect(try await published(SubscriptionRenewed.eventType, database: database)[onClock.id.description] == 12)
            #expect(try await published(SubscriptionTrialEnded.eventType, database: database)[onClock.id.description] == 1)
            #expect(
                try await published(SubscriptionRenewed.eventType, database: database)[onRealTime.id.description] == nil,
                "real-time subscriptions wait for real time")
            let stored = try await service.lifecycle.get(onClock.id, tenant: tenant)
            #expect(stored.status == .active && stored.currentPeriodStart == instant("2028-02-14T10:00:00Z"))
            await #expect(throws: SubscriptionsError.self) {
                _ = try await service.testClocks.advanceTestClock(
                    AdvanceTestClockRequest(id: testClock.id, frozenTime: instant("2028-01-01T00:00:00Z")), context: context(tenant))
            }
            // Commands on a clocked subscription use the clock's time: canceling now ends it at the clock's instant.
            let canceled = try await service.lifecycle.cancel(
                CancelSubscriptionRequest(id: onClock.id, atPeriodEnd: false, reason: "demo over"), context: context(tenant))
            #expect(canceled.status == .canceled && canceled.endedAt == instant("2028-02-29T10:00:00Z") && canceled.cancelReason == "demo over")
        }
    }

    @Test("the scheduler publishes trial_will_end three days before the trial ends, once however often it runs, and stores that it did")
    func trialReminderOnce() async throws {
        let start = instant("2027-03-01T12:00:00Z")
        let clock = ManualClock(start)
        try await withService(clock: clock) { service, database in
            let tenant = "remind-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            let sub = subscription(plan(trialDays: 14), start: start)
            try await insert([sub], tenant: tenant, service: service)
            clock.set(instant("2027-03-12T11:59:59Z"))
            #expect(try await service.renewals.runDue(limit: 100) == 0, "not due a second early")
            clock.set(instant("2027-03-12T12:00:01Z"))
            #expect(try await service.renewals.runDue(limit: 100) == 1)
            #expect(try await service.renewals.runDue(limit: 100) == 0, "its next action moved to the trial's end")
            #expect(try await published(SubscriptionTrialWillEnd.eventType, database: database)[sub.id.description] == 1)
            var stored = try await service.lifecycle.get(sub.id, tenant: tenant)
            #expect(stored.status == .trial && stored.trialReminderAt == instant("2027-03-12T12:00:00Z") && stored.updatedAt == sub.updatedAt)

            clock.set(instant("2027-03-15T12:00:00Z"))
            #expect(try await service.renewals.runDue(limit: 100) == 1)
            #expect(try await service.renewals.runDue(limit: 100) == 0)
            stored = try await service.lifecycle.get(sub.id, tenant: tenant)
            #expect(stored.status == .active && stored.trialReminderAt == instant("2027-03-12T12:00:00Z"))
            let events = try await timeline(of: sub.id, database: database)
            #expect(events.map(\.type) == [SubscriptionTrialWillEnd.eventType, SubscriptionTrialEnded.eventType, SubscriptionActivated.eventType])
            #expect(events.map(\.at) == [instant("2027-03-12T12:00:00Z"), instant("2027-03-15T12:00:00Z"), instant("2027-03-15T12:00:00Z")])
        }
    }

    @Test("a 2-day trial: trial_will_end at the scheduler's first run, stamped with the trial's start; a canceled trial gets none")
    func shortTrialReminder() async throws {
        let start = instant("2027-03-01T12:00:00Z")
        let clock = ManualClock(start)
        try await withService(clock: clock) { service, database in
            let tenant = "short-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            let short = subscription(plan(trialDays: 2), start: start)
            let canceled = subscription(plan(trialDays: 14), start: start)
            try await insert([short, canceled], tenant: tenant, service: service)
            _ = try await service.lifecycle.cancel(
                CancelSubscriptionRequest(id: canceled.id, atPeriodEnd: false, reason: nil), context: context(tenant))
            clock.set(instant("2027-03-01T12:00:05Z"))
            #expect(try await service.renewals.runDue(limit: 100) == 1)
            #expect(
                try await timeline(of: short.id, database: database).filter { $0.type == SubscriptionTrialWillEnd.eventType }.map(\.at) == [start])
            clock.set(instant("2027-04-01T00:00:00Z"))
            _ = try await service.renewals.runDue(limit: 100)
            let reminders = try await published(SubscriptionTrialWillEnd.eventType, database: database)
            #expect(reminders == [short.id.description: 1], "once for the short trial, never for the canceled one")
        }
    }

    @Test("a test clock advanced 14 days over a 14-day trial: trial_will_end at day 11, then trial_ended at day 14")
    func testClockTrialReminder() async throws {
        let clock = ManualClock(instant("2027-01-01T00:00:00Z"))
        try await withService(clock: clock) { service, database in
            let tenant = "clockr-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            let testClock = try await service.testClocks.createTestClock(
                CreateTestClockRequest(name: "trial", frozenTime: instant("2027-05-01T09:00:00Z")), context: context(tenant))
            let sub = subscription(plan(trialDays: 14), start: testClock.frozenTime, clock: testClock.id)
            try await insert([sub], tenant: tenant, service: service)
            _ = try await service.testClocks.advanceTestClock(
                AdvanceTestClockRequest(id: testClock.id, frozenTime: instant("2027-05-15T09:00:00Z")), context: context(tenant))
            let events = try await timeline(of: sub.id, database: database)
            #expect(events.map(\.type) == [SubscriptionTrialWillEnd.eventType, SubscriptionTrialEnded.eventType, SubscriptionActivated.eventType])
            #expect(events.map(\.at) == [instant("2027-05-12T09:00:00Z"), instant("2027-05-15T09:00:00Z"), instant("2027-05-15T09:00:00Z")])
            let stored = try await service.lifecycle.get(sub.id, tenant: tenant)
            #expect(stored.status == .active && stored.trialReminderAt == instant("2027-05-12T09:00:00Z"))
            _ = try await service.testClocks.advanceTestClock(
                AdvanceTestClockRequest(id: testClock.id, frozenTime: instant("2027-07-01T00:00:00Z")), context: context(tenant))
            #expect(try await published(SubscriptionTrialWillEnd.eventType, database: database)[sub.id.description] == 1)
        }
    }

    @Test("a command resent with its idempotency key (a replica died before answering) answers what the first did, once")
    func commandResentWithKey() async throws {
        let clock = ManualClock(instant("2027-03-05T00:00:00Z"))
        try await withService(clock: clock) { service, database in
            let tenant = "key-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            let sub = subscription(plan(), start: instant("2027-03-01T00:00:00Z"))
            try await insert([sub], tenant: tenant, service: service)
            let keyed = RPCServerContext(
                method: SubscriptionsAPI.pause.name, metadata: RPCMetadata(tenant: tenant, idempotencyKey: "pause-1"), deadline: nil,
                logger: Logger(label: "test"))
            let paused = try await service.lifecycle.pause(sub.id, context: keyed)
            let resent = try await service.lifecycle.pause(sub.id, context: keyed)
            #expect(paused.status == .paused && resent == paused, "answered from the first, not refused as already PAUSED")
            #expect(try await published(SubscriptionPaused.eventType, database: database)[sub.id.description] == 1)
            await #expect(throws: SubscriptionsError.self, "without the key it is a second command, refused") {
                _ = try await service.lifecycle.pause(sub.id, context: context(tenant))
            }
        }
    }

    @Test("an overdue invoice makes the subscription PAST_DUE; paying it makes it ACTIVE; a paid invoice turns its pending add-on on — each once")
    func invoiceEvents() async throws {
        let clock = ManualClock(instant("2027-03-05T00:00:00Z"))
        try await withService(clock: clock) { service, database in
            let tenant = "inv-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            var sub = subscription(plan(), start: instant("2027-03-01T00:00:00Z"))
            sub.addons = [
                SubscriptionAddon(
                    addonId: CatalogItemID("0190f0c0-0000-7000-8000-0000000000aa")!, addonVersion: 1, code: "whatsapp", name: "WhatsApp",
                    featureFlag: "whatsapp", price: DecimalNumber("49.90")!, status: .pending, cancelAtPeriodEnd: false,
                    activatedAt: nil, canceledAt: nil, createdAt: sub.startDate, taxCode: "01.07")
            ]
            sub.plan.taxCode = "SAAS"
            try await insert([sub], tenant: tenant, service: service)
            let handlers = service.lifecycle.invoiceEvents.handlers
            func deliver<Event: IntegrationEvent>(_ event: Event) async throws {
                let envelope = try EventEnvelope(event, source: "test", tenant: tenant, at: clock.now())
                try await database.withTenant(tenant) { try await handlers[Event.eventType]!(envelope, $0) }
            }
            let invoice = InvoiceSummary(
                id: InvoiceID(rawValue: UUID()), billingAccountId: sub.billingAccountId, number: "2027-000001", status: "OVERDUE",
                total: try Money.parse("100.00", currency: .brl), amountDue: try Money.parse("100.00", currency: .brl),
                periodStart: sub.currentPeriodStart, periodEnd: sub.currentPeriodEnd, dueDate: nil, subscriptionId: sub.id)
            try await deliver(InvoiceOverdue(invoice: invoice))
            try await deliver(InvoiceOverdue(invoice: invoice))
            var stored = try await service.lifecycle.get(sub.id, tenant: tenant)
            #expect(stored.status == .pastDue && stored.pastDueSince == clock.now())
            #expect(stored.plan.taxCode == "SAAS" && stored.addons[0].taxCode == "01.07", "the tax codes (issue 26) are stored with them")
            let entitlements = try await service.lifecycle.entitlements(EntitlementsRequest(subscriptionId: sub.id), context: context(tenant))
            #expect(entitlements.restricted && entitlements.active && entitlements.features == ["ai"], "the pending add-on grants nothing yet")

            clock.set(instant("2027-03-06T00:00:00Z"))
            let paid = InvoicePaid(
                invoice: invoice, paidAt: clock.now(),
                addonActivations: [
                    InvoiceAddonActivation(
                        subscriptionId: sub.id,
                        addonId: sub.addons[0].addonId)
                ])
            try await deliver(paid)
            try await deliver(paid)
            stored = try await service.lifecycle.get(sub.id, tenant: tenant)
            #expect(stored.status == .active && stored.pastDueSince == nil && stored.addons[0].status == .active)
            #expect(
                try await service.lifecycle.entitlements(EntitlementsRequest(billingAccountId: sub.billingAccountId), context: context(tenant))
                    .features == [
                        "ai", "whatsapp",
                    ])
            #expect(try await published(SubscriptionPastDue.eventType, database: database)[sub.id.description] == 1)
            #expect(try await published(AddonActivated.eventType, database: database)[sub.id.description] == 1)
            #expect(try await published(SubscriptionActivated.eventType, database: database)[sub.id.description] == 1)

            // Overdue again, then credit notes take the invoice to zero with nothing paid (CREDITED): owed no more, ACTIVE.
            let second = InvoiceSummary(
                id: InvoiceID(rawValue: UUID()), billingAccountId: sub.billingAccountId, number: "2027-000002", status: "OVERDUE",
                total: try Money.parse("100.00", currency: .brl), amountDue: try Money.parse("100.00", currency: .brl),
                periodStart: sub.currentPeriodStart, periodEnd: sub.currentPeriodEnd, dueDate: nil, subscriptionId: sub.id)
            try await deliver(InvoiceOverdue(invoice: second))
            #expect(try await service.lifecycle.get(sub.id, tenant: tenant).status == .pastDue)
            func note(_ invoice: InvoiceSummary, status: InvoiceStatus) throws -> CreditNoteIssued {
                var after = invoice
                after.status = status.rawValue
                let zero = Money.zero(.brl), total = try Money.parse("40.00", currency: .brl)
                return CreditNoteIssued(
                    creditNote: CreditNote(
                        id: CreditNoteID(rawValue: UUID()), number: "NC-2027-000001", invoiceId: invoice.id, invoiceNumber: invoice.number,
                        billingAccountId: invoice.billingAccountId, reason: .other, memo: nil, lines: [], total: total, prePaymentAmount: total,
                        refundAmount: zero, creditAmount: zero, outOfBandAmount: zero, refunds: [], invoiceStatus: status,
                        invoiceAmountDue: zero, livemode: true, createdBy: nil, createdAt: clock.now()),
                    invoice: after)
            }
            try await deliver(try note(second, status: .overdue))
            #expect(try await service.lifecycle.get(sub.id, tenant: tenant).status == .pastDue, "partly credited: still owed")
            try await deliver(try note(second, status: .credited))
            stored = try await service.lifecycle.get(sub.id, tenant: tenant)
            #expect(stored.status == .active && stored.pastDueSince == nil)
        }
    }
}
