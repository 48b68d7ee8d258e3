import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import LedgerContract

/// The ledger's `Reports` service (`billing.ledger.v1.Reports`): credits sold vs consumed per calendar month (issue 26).
struct CreditReportsService: Sendable {
    let database: Database
    let clock: any BillingClock

    func register(on router: inout RPCRouter) {
        router.register(LedgerAPI.creditsReport) { request, context in try await credits(request, tenant: context.tenant) }
    }

    /// The months from `from` to `to` in the time zone; the current one up to now. Invalid ranges name their field.
    func credits(_ request: CreditsReportRequest, tenant: String) async throws -> CreditsReport {
        let zone = request.timeZone ?? "UTC"
        let months: ReportMonths
        do throws(ReportMonths.Refusal) {
            months = try ReportMonths.parse(from: request.from, to: request.to, timeZone: zone, now: clock.now())
        } catch {
            throw LedgerError.invalid(error.field, error.message, reason: "INVALID_REPORT_RANGE")
        }
        let store = CreditReportStore(logger: database.logger)
        let granted = try await database.withTenant(tenant) { connection in
            try await store.granted(bounds: months.bounds, tenant: tenant, on: connection)
        }
        let spent = try await database.withTenant(tenant) { connection in
            try await store.spent(bounds: months.bounds, tenant: tenant, on: connection)
        }
        let rows = months.labels.enumerated().map { index, label in
            let sources = granted[index] ?? [:]
            let (consumed, expired, accounts) = spent[index] ?? (.zero, .zero, 0)
            return CreditsMonth(
                month: label, sold: sources["PURCHASE"] ?? .zero,
                granted: Credits(units: sources.values.reduce(0) { $0 + $1.units }), grantedBySource: sources, consumed: consumed,
                expired: expired, consumingAccounts: accounts)
        }
        return CreditsReport(from: request.from, to: request.to, timeZone: zone, months: rows)
    }
}
