import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import PostgresNIO
import SubscriptionsContract
import Testing

@testable import Subscriptions

private func mrr(_ subscription: Subscription) -> String? { RecurringRevenue.monthlyAmount(of: subscription)?.amountText }

private func account(_ n: UInt8) -> UUID { UUID(uuid: (0, 0, 0, 0, 0, 0, 0x70, 0, 0x80, 0, 0, 0, 0, 0, 0, n)) }

private func key(_ n: UInt8, _ currency: String = "USD") -> RevenueMovements.AccountKey {
    RevenueMovements.AccountKey(account: account(n), currency: currency)
}

/// An account standing of `monthly` MRR (given per month, stored in annual terms as the store reads it).
private func standing(_ monthly: Int64, subscriptions: Int = 1) -> RevenueMovements.Standing {
    RevenueMovements.Standing(annual: DecimalNumber(monthly * 12), subscriptions: subscriptions)
}

@Suite("Revenue reports: MRR normalization and movements (pure)")
struct RevenueReportDomainTests {
    @Test(
        "each interval is normalized to a month (Stripe: yearly ÷ 12, quarterly ÷ 3, weekly × 52 ÷ 12, daily × 365 ÷ 12)",
        arguments: [
            ("100.00", BillingInterval.monthly, "100.00"), ("1200.00", .yearly, "100.00"), ("600.00", .yearly, "50.00"),
            ("300.00", .quarterly, "100.00"), ("10.00", .weekly, "43.33"), ("1.00", .daily, "30.42"), ("99.99", .yearly, "8.33"),
        ])
    func normalization(price: String, interval: BillingInterval, expected: String) {
        let sub = subscription(plan(price, interval: interval), start: instant("2026-01-10T00:00:00Z"))
        #expect(mrr(sub) == expected)
    }

    @Test("quantity multiplies the plan price, ACTIVE add-ons add theirs, PENDING and CANCELED ones do not")
    func quantityAndAddons() throws {
        var sub = subscription(plan("100.00"), start: instant("2026-01-10T00:00:00Z"))
        sub.quantity = 3
        let addon = { (price: String, status: AddonStatus) in
            SubscriptionAddon(
                addonId: CatalogItemID("0190f0c0-0000-7000-8000-0000000000a1")!, addonVersion: 1, code: "x", name: "X", featureFlag: "x",
                price: DecimalNumber(price)!, status: status, cancelAtPeriodEnd: false, activatedAt: nil, canceledAt: nil,
                createdAt: sub.createdAt)
        }
        sub.addons = [addon("29.90", .active), addon("50.00", .pending), addon("70.00", .canceled)]
        #expect(mrr(sub) == "329.90")
    }

    @Test("TRIAL, PAUSED, CANCELED and EXPIRED count 0; PAST_DUE and canceled-at-period-end count until they end")
    func statuses() {
        let base = subscription(plan("100.00"), start: instant("2026-01-10T00:00:00Z"))
        for (status, expected) in [
            (SubscriptionStatus.trial, "0.00"), (.paused, "0.00"), (.canceled, "0.00"), (.expired, "0.00"), (.pastDue, "100.00"),
            (.active, "100.00"),
        ] {
            var sub = base
            sub.status = status
            sub.cancelAtPeriodEnd = status == .active
            #expect(mrr(sub) == expected, "\(status)")
        }
    }

    @Test("Stripe's example: 100 subscribers at 100 USD a month and 50 at 600 USD a year make an MRR of 12,500 USD")
    func stripeExample() {
        let boundaries: [[RevenueMovements.AccountKey: RevenueMovements.Standing]] = [
            [:],
            Dictionary(
                uniqueKeysWithValues: (1...150).map { n in
                    (key(UInt8(n)), RevenueMovements.Standing(annual: DecimalNumber(n <= 100 ? 1200 : 600), subscriptions: 1))
                }),
        ]
        let rows = RevenueMovements.report(
            months: ["2026-01"], monthStarts: [instant("2026-01-01T00:00:00Z")], boundaries: boundaries, firstPaid: [:])
        #expect(rows.count == 1 && rows[0].mrr.amountText == "12500.00" && rows[0].newMrr.amountText == "12500.00")
        #expect(rows[0].activeAccounts == 150 && rows[0].arpa?.amountText == "83.33")
    }

    @Test("weekly plans stay exact when summed: three at 10.00 a week are 130.00 a month, not 3 × 43.33")
    func exactSums() {
        let boundaries: [[RevenueMovements.AccountKey: RevenueMovements.Standing]] = [
            [:], [key(1): RevenueMovements.Standing(annual: DecimalNumber(1560), subscriptions: 3)],
        ]
        let rows = RevenueMovements.report(
            months: ["2026-01"], monthStarts: [instant("2026-01-01T00:00:00Z")], boundaries: boundaries, firstPaid: [:])
        #expect(rows.first?.mrr.amountText == "130.00")
    }

    @Test(
        """
        worked example: January A subscribes at 100/month and B at 1,200/year (MRR 200, all new); February A upgrades to 150 and B \
        cancels (expansion 50, churn 100, MRR 150, logo churn 50 %); March B comes back at 100 and A drops to 120
        """)
    func workedExample() {
        let jan = instant("2026-01-01T00:00:00Z")
        let feb = instant("2026-02-01T00:00:00Z")
        let mar = instant("2026-03-01T00:00:00Z")
        let boundaries: [[RevenueMovements.AccountKey: RevenueMovements.Standing]] = [
            [:],
            [key(1): standing(100), key(2): standing(100)],
            [key(1): standing(150)],
            [key(1): standing(120), key(2): standing(100)],
        ]
        let firstPaid = [key(1): instant("2026-01-05T00:00:00Z"), key(2): instant("2026-01-20T00:00:00Z")]
        let rows = RevenueMovements.report(
            months: ["2026-01", "2026-02", "2026-03"], monthStarts: [jan, feb, mar], boundaries: boundaries, firstPaid: firstPaid)
        #expect(rows.map(\.month) == ["2026-01", "2026-02", "2026-03"])
        let (january, february, march) = (rows[0], rows[1], rows[2])
        #expect(january.startingMrr.amountText == "0.00" && january.mrr.amountText == "200.00" && january.newMrr.amountText == "200.00")
        #expect(january.newAccounts == 2 && january.activeAccounts == 2 && january.arpa?.amountText == "100.00")
        #expect(january.logoChurnRate == nil && january.revenueChurnRate == nil, "no MRR at the start: no rate")
        #expect(february.startingMrr.amountText == "200.00" && february.mrr.amountText == "150.00")
        #expect(february.expansionMrr.amountText == "50.00" && february.churnedMrr.amountText == "100.00")
        #expect(february.newMrr.amountText == "0.00" && february.contractionMrr.amountText == "0.00")
        #expect(february.netNewMrr.amountText == "-50.00")
        #expect(february.churnedAccounts == 1 && february.accountsAtStart == 2 && february.logoChurnRate == DecimalNumber("50")!)
        #expect(february.revenueChurnRate == DecimalNumber("50")!, "(churned 100 + contraction 0) ÷ 200")
        #expect(february.netRevenueChurnRate == DecimalNumber("25")!, "(100 + 0 − expansion 50) ÷ 200")
        #expect(february.arpa?.amountText == "150.00" && february.activeSubscriptions == 1)
        #expect(march.reactivationMrr.amountText == "100.00" && march.newMrr.amountText == "0.00" && march.reactivatedAccounts == 1)
        #expect(march.contractionMrr.amountText == "30.00" && march.mrr.amountText == "220.00" && march.netNewMrr.amountText == "70.00")
        #expect(march.logoChurnRate == DecimalNumber("0")! && march.revenueChurnRate == DecimalNumber("20")!)
    }

    @Test("currencies are reported apart, never added")
    func currencies() {
        let boundaries: [[RevenueMovements.AccountKey: RevenueMovements.Standing]] = [
            [:], [key(1, "BRL"): standing(300), key(2, "USD"): standing(100)],
        ]
        let rows = RevenueMovements.report(
            months: ["2026-01"], monthStarts: [instant("2026-01-01T00:00:00Z")], boundaries: boundaries, firstPaid: [:])
        #expect(rows.map(\.currency) == ["BRL", "USD"])
        #expect(rows.map(\.mrr.amountText) == ["300.00", "100.00"])
    }

    @Test("a switch between two subscriptions of one account at the same price moves nothing")
    func switchWithinAccount() {
        let boundaries: [[RevenueMovements.AccountKey: RevenueMovements.Standing]] = [
            [key(1): standing(100)], [key(1): standing(100)],
        ]
        let rows = RevenueMovements.report(
            months: ["2026-02"], monthStarts: [instant("2026-02-01T00:00:00Z")], boundaries: boundaries,
            firstPaid: [key(1): instant("2026-01-03T00:00:00Z")])
        #expect(rows.first?.netNewMrr.amountText == "0.00" && rows.first?.churnedMrr.amountText == "0.00")
    }

    @Test(
        "month ranges: YYYY-MM, from ≤ to, at most 36 months, not past the current month, an IANA zone; month starts in that zone",
        arguments: [
            ("2026-1", "2026-06", "UTC", "from"), ("2026-01", "June", "UTC", "to"), ("2026-06", "2026-01", "UTC", "to"),
            ("2023-01", "2026-01", "UTC", "to"), ("2026-01", "2027-01", "UTC", "to"), ("2026-01", "2026-06", "Mars/Olympus", "timeZone"),
            ("2026-13", "2026-06", "UTC", "from"), ("+026-01", "2026-06", "UTC", "from"),
        ])
    func monthRanges(from: String, to: String, zone: String, field: String) {
        let now = instant("2026-06-15T00:00:00Z")
        #expect(throws: ReportMonths.Refusal.self) { try ReportMonths.parse(from: from, to: to, timeZone: zone, now: now) }
        do {
            _ = try ReportMonths.parse(from: from, to: to, timeZone: zone, now: now)
        } catch {
            #expect(error.field == field)
        }
    }

    @Test("months start at local midnight of the 1st in the report's time zone")
    func monthBounds() throws {
        let months = try ReportMonths.parse(
            from: "2025-12", to: "2026-02", timeZone: "America/Sao_Paulo", now: instant("2026-02-10T00:00:00Z"))
        #expect(months.labels == ["2025-12", "2026-01", "2026-02"])
        #expect(
            months.bounds == [
                instant("2025-12-01T03:00:00Z"), instant("2026-01-01T03:00:00Z"), instant("2026-02-01T03:00:00Z"),
                instant("2026-03-01T03:00:00Z"),
            ])
        #expect(try ReportMonths.parse(from: "2023-07", to: "2026-06", timeZone: "UTC", now: instant("2026-06-01T00:00:00Z")).labels.count == 36)
    }
}

@Suite("Revenue reports on PostgreSQL: the MRR history written with each subscription, read per month", .serialized)
struct RevenueReportStoreTests {
    @Test(
        """
        subscribe, trial end, upgrade and cancel recorded as they happen: January A 100/month and B 1,200/year (MRR 200, new 200, C in \
        trial counts 0); February C's trial ends (new 50), A doubles (expansion 100), B cancels (churn 100): MRR 250
        """)
    func reportFromHistory() async throws {
        let clock = ManualClock(instant("2026-01-10T00:00:00Z"))
        try await TestEnvironment.withFreshSchema("revenue", migrations: try SubscriptionsService.migrations) { database in
            let client = RPCClient(transport: NoPeersTransport())
            let service = SubscriptionsService(
                database: database, clock: clock, accounts: AccountsClient(rpc: client), catalog: CatalogClient(rpc: client), grace: 14 * 86_400)
            let store = service.lifecycle.store
            let timeline = service.lifecycle.timeline
            let tenant = "revenue-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            func write(_ sub: Subscription, inserting: Bool = false) async throws {
                try await database.withTenant(tenant) { connection in
                    if inserting {
                        try await store.insert(sub, nextAction: timeline.nextAction(sub), tenant: tenant, on: connection)
                    } else {
                        try await store.save(sub, nextAction: timeline.nextAction(sub), tenant: tenant, on: connection)
                    }
                }
            }
            var a = subscription(plan("100.00"), start: instant("2026-01-10T00:00:00Z"))
            try await write(a, inserting: true)
            let b = subscription(plan("1200.00", interval: .yearly), start: instant("2026-01-20T00:00:00Z"))
            try await write(b, inserting: true)
            let c = subscription(plan("50.00", trialDays: 14), start: instant("2026-01-25T00:00:00Z"))
            try await write(c, inserting: true)
            // February: the scheduler ends C's trial on the 8th (its MRR counts from the trial's end).
            clock.set(instant("2026-02-08T00:00:01Z"))
            _ = try await service.renewals.runDue(limit: 100)
            a = try await service.lifecycle.get(a.id, tenant: tenant)
            a.quantity = 2
            a.updatedAt = instant("2026-02-15T00:00:00Z")
            try await write(a)
            var canceled = try await service.lifecycle.get(b.id, tenant: tenant)
            canceled.status = .canceled
            canceled.endedAt = instant("2026-02-20T00:00:00Z")
            canceled.canceledAt = canceled.endedAt
            canceled.updatedAt = instant("2026-02-20T00:00:00Z")
            try await write(canceled)
            try await write(canceled)  // an unchanged write records nothing more
            clock.set(instant("2026-03-15T00:00:00Z"))
            let reports = RevenueReportsService(database: database, clock: clock, store: store)
            let report = try await reports.revenue(RevenueReportRequest(from: "2026-01", to: "2026-03"), tenant: tenant)
            #expect(report.months.map(\.month) == ["2026-01", "2026-02", "2026-03"] && report.months.allSatisfy { $0.currency == "BRL" })
            let (january, february, march) = (report.months[0], report.months[1], report.months[2])
            #expect(january.mrr.amountText == "200.00" && january.newMrr.amountText == "200.00" && january.activeSubscriptions == 2)
            #expect(february.startingMrr.amountText == "200.00" && february.mrr.amountText == "250.00")
            #expect(february.newMrr.amountText == "50.00" && february.expansionMrr.amountText == "100.00")
            #expect(february.churnedMrr.amountText == "100.00" && february.logoChurnRate == DecimalNumber("50")!)
            #expect(february.activeAccounts == 2 && february.arpa?.amountText == "125.00")
            #expect(march.mrr.amountText == "250.00" && march.netNewMrr.amountText == "0.00")
            let rows = try await database.withTenant(tenant) { connection in
                try await connection.rows(
                    PostgresQuery(unsafeSQL: "SELECT count(*) FROM subscription_mrr WHERE tenant_id = $1", binds: try .of(tenant)),
                    logger: database.logger
                ).first!.decode(Int64.self)
            }
            #expect(rows == 5, "A, B, C's trial end, A's upgrade, B's cancel: one row per change")
            // Another tenant sees none of it.
            let other = try await reports.revenue(RevenueReportRequest(from: "2026-01", to: "2026-03"), tenant: tenant + "-x")
            #expect(other.months.isEmpty)
            // A range in the future is refused, naming the field.
            await #expect(throws: SubscriptionsError.self) {
                _ = try await reports.revenue(RevenueReportRequest(from: "2026-01", to: "2026-04"), tenant: tenant)
            }
        }
    }
}
