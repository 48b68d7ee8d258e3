import BillingCore
import BillingRPC
import CatalogContract
import Foundation
import LedgerContract

extension UsageService {
    /// The longest period a summary covers (a yearly plan's, with room for a leap year and a shifted start).
    static let maximumSummaryDays: TimeInterval = 400

    func summary(_ request: UsageSummaryRequest, context: RPCServerContext) async throws -> UsageSummaries {
        let tenant = context.tenant
        let accountId = request.billingAccountId.rawValue
        var meter: MeterDefinition?
        if let code = request.meterCode { meter = try await references.meter(code: code, tenant: tenant, options: context.peerCallOptions) }
        var learned = false
        while true {
            // One transaction: the account, then every figure, all from one connection.
            let summaries: UsageSummaries? = try await database.withTenant(tenant) { connection in
                guard let account = try await directory.accounts([accountId], tenant: tenant, on: connection)[accountId] else { return nil }
                if let closeUntil = request.closeUntil {
                    // Waits for ingestions holding the account; the reads below (new snapshots) then see all they wrote.
                    _ = try await directory.close(accountId, until: RFC3339.truncatedToMicroseconds(closeUntil), tenant: tenant, on: connection)
                }
                let span = try period(of: request, account: account)
                var definitions = meter.map { [$0] } ?? []
                if meter == nil {
                    let ids = try await usage.meters(withUsageIn: span, account: accountId, tenant: tenant, on: connection)
                    definitions = try await directory.meters(ids: ids, tenant: tenant, on: connection)
                }
                let ids = definitions.map(\.id)
                let aggregates = try await usage.aggregates(account: accountId, meters: ids, span: span, tenant: tenant, on: connection)
                let distinct = try await usage.distinctCounts(
                    account: accountId, meters: definitions.filter { $0.aggregation == .countDistinct }.map(\.id),
                    span: span, tenant: tenant, on: connection)
                return UsageSummaries(
                    billingAccountId: request.billingAccountId, periodStart: span.start, periodEnd: span.end, timezone: account.timezone,
                    summaries: try definitions.sorted { $0.code < $1.code }.map { meter in
                        let aggregate = aggregates[meter.id] ?? UsageAggregate()
                        return UsageSummary(
                            billingAccountId: request.billingAccountId, meterCode: meter.code, aggregation: meter.aggregation.rawValue,
                            periodStart: span.start, periodEnd: span.end,
                            value: try aggregate.value(for: meter.aggregation, distinctCount: distinct[meter.id] ?? 0),
                            eventCount: aggregate.count)
                    })
            }
            if let summaries { return summaries }
            guard !learned else { throw LedgerError.accountNotFound(request.billingAccountId) }
            try await references.learnAccounts([accountId], tenant: tenant, options: context.peerCallOptions)
            learned = true
        }
    }

    /// The requested span: explicit instants, a calendar month, or the current month, months read in the account's time zone.
    func period(of request: UsageSummaryRequest, account: LedgerAccount) throws -> TimeSpan {
        switch (request.periodStart, request.periodEnd, request.month) {
        case (nil, nil, nil):
            return CalendarMonth(containing: clock.now(), in: account.timeZone).span(in: account.timeZone)
        case (nil, nil, let text?):
            guard let month = CalendarMonth(text) else { throw LedgerError.invalid("month", "month must be YYYY-MM, not '\(text.prefix(20))'") }
            return month.span(in: account.timeZone)
        case (let start?, let end?, nil):
            guard start < end else { throw LedgerError.invalid("periodEnd", "periodEnd must be after periodStart") }
            guard end.timeIntervalSince(start) <= Self.maximumSummaryDays * 86_400 else {
                throw LedgerError.invalid("periodEnd", "a summary covers at most \(Int(Self.maximumSummaryDays)) days")
            }
            return TimeSpan(start: start, end: end)
        case (_, _, .some):
            throw LedgerError.invalid("month", "give either month or periodStart and periodEnd, not both")
        case (nil, .some, nil):
            throw LedgerError.invalid("periodStart", "periodStart is required with periodEnd")
        case (.some, nil, nil):
            throw LedgerError.invalid("periodEnd", "periodEnd is required with periodStart")
        }
    }

    /// Moves the account's closing instant forward; in-flight ingestions holding the account finish first.
    func closePeriod(_ request: ClosePeriodRequest, context: RPCServerContext) async throws -> ClosedPeriod {
        let tenant = context.tenant
        let account = try await references.account(request.billingAccountId, tenant: tenant, options: context.peerCallOptions)
        let closedUntil = try await database.withTenant(tenant) { connection in
            try await directory.close(account.id, until: RFC3339.truncatedToMicroseconds(request.closedUntil), tenant: tenant, on: connection)
        }
        guard let closedUntil else { throw LedgerError.accountNotFound(request.billingAccountId) }
        return ClosedPeriod(billingAccountId: request.billingAccountId, closedUntil: closedUntil)
    }
}
