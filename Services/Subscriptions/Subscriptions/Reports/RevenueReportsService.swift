import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import SubscriptionsContract

/// The operator's revenue report (issue 26): MRR and its movements per calendar month and currency, read from the history the
/// store records with every subscription write (`RevenueHistory`) and classified by `RevenueMovements`.
struct RevenueReportsService: Sendable {
    let database: Database
    let clock: any BillingClock
    let store: SubscriptionStore

    func register(on router: inout RPCRouter) {
        router.register(SubscriptionsAPI.revenueReport) { request, context in try await revenue(request, tenant: context.tenant) }
    }

    /// The months from `from` to `to`; the current one as of now (or the test clock's time). Invalid ranges name their field.
    func revenue(_ request: RevenueReportRequest, tenant: String) async throws -> RevenueReport {
        let zone = request.timeZone ?? "UTC"
        // One snapshot for every read: the boundaries and the first-paid instants agree.
        return try await database.withTenant(tenant, isolation: .repeatableRead) { connection in
            var asOf = clock.now()
            if let clockID = request.testClockId {
                guard let testClock = try await store.findClock(clockID.rawValue, tenant: tenant, on: connection) else {
                    throw SubscriptionsError.testClockNotFound(clockID)
                }
                asOf = testClock.frozenTime
            }
            let months: ReportMonths
            do {
                months = try ReportMonths.parse(from: request.from, to: request.to, timeZone: zone, now: asOf)
            } catch let refusal as ReportMonths.Refusal {
                throw SubscriptionsError.invalid(refusal.field, refusal.message, reason: "INVALID_REPORT_RANGE")
            }
            // Each month's end, the current one's as of now (what took effect up to the microsecond `asOf` stands on).
            let now = RFC3339.truncatedToMicroseconds(asOf).addingTimeInterval(0.000_001)
            let instants = months.bounds.enumerated().map { index, bound in index == 0 ? bound : min(bound, now) }
            let history = RevenueHistory(logger: database.logger)
            let standings = try await history.standings(
                at: instants, testClock: request.testClockId?.rawValue, tenant: tenant, on: connection)
            let firstPaid = try await history.firstPaid(testClock: request.testClockId?.rawValue, tenant: tenant, on: connection)
            return RevenueReport(
                from: request.from, to: request.to, timeZone: zone, asOf: asOf,
                months: RevenueMovements.report(
                    months: months.labels, monthStarts: Array(months.bounds.dropLast()), boundaries: standings, firstPaid: firstPaid))
        }
    }
}
