import BillingCore
import BillingEventsPostgres
import BillingRPC
import Foundation
import LedgerContract

/// A wallet's history (seed 002 `credit_topups`/`usage_stats`, seed 003 "quem usou quanto e quando"): its grants and its
/// executions, listed with filters and cursor pages. Reads only: no wallet is locked.
extension CreditsService {
    func listGrants(_ request: ListCreditGrantsRequest, context: RPCServerContext) async throws -> CreditGrantPage {
        try Self.checkPage(request.pageSize, since: request.since, until: request.until)
        let tenant = context.tenant
        return try await database.withTenant(tenant) { try await history.grants(request, at: clock.now(), tenant: tenant, on: $0) }
    }

    func listExecutions(_ request: ListExecutionsRequest, context: RPCServerContext) async throws -> CreditExecutionPage {
        try Self.checkPage(request.pageSize, since: request.since, until: request.until)
        for (field, value) in [
            ("filter[userId]", request.userId), ("filter[featureId]", request.featureId), ("filter[model]", request.model),
            ("filter[costCenter]", request.costCenter),
        ] {
            if let value, !(1...200).contains(value.utf8.count) { throw LedgerError.invalid(field, "\(field) must be 1 to 200 bytes") }
        }
        let tenant = context.tenant
        var records = try await database.withTenant(tenant) { try await history.executions(request, tenant: tenant, on: $0) }
        let next = records.trimPage(to: request.pageSize)
        return CreditExecutionPage(
            items: records.map { execution($0, draws: [], wallet: nil) }, nextCursor: next.map { ExecutionID(rawValue: $0.id) })
    }

    /// One pass of the expiry warning job (every replica runs it): `billing.credits.expiring` for each grant whose credits left
    /// expire within its wallet's warning days, once per grant.
    public func warnExpiring(limit: Int) async throws -> Int {
        try await database.withSystemScope { connection in
            let now = clock.now()
            let due = try await history.markExpiring(limit: limit, at: now, on: connection)
            try await outbox.append(due.map { PendingEvent($0.event, tenant: $0.tenant, at: now) }, on: connection, logger: database.logger)
            return due.count
        }
    }

    private static func checkPage(_ size: Int, since: Date?, until: Date?) throws {
        guard (1...100).contains(size) else {
            throw LedgerError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        if let since, let until, until <= since { throw LedgerError.invalid("filter[until]", "filter[until] must be after filter[since]") }
    }
}
