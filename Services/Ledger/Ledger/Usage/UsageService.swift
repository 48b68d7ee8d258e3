import BillingCore
import BillingPostgres
import BillingRPC
import LedgerContract

/// The ledger's `Usage` service (`billing.ledger.v1.Usage`): usage events recorded once each, meters aggregated per hour,
/// summaries per period, periods closed before they are invoiced.
struct UsageService: Sendable {
    let database: Database
    let clock: any BillingClock
    let directory: LedgerDirectory
    let references: ReferenceResolver
    let usage: UsageStore
    /// Counts the accepted events of meters that name a limit resource against the account's limits.
    let counter: LimitCounter

    func register(on router: inout RPCRouter) {
        router.register(LedgerAPI.ingest) { request, context in try await ingest(request, context: context) }
        router.register(LedgerAPI.summary) { request, context in try await summary(request, context: context) }
        router.register(LedgerAPI.listEvents) { request, context in try await events(request, context: context) }
        router.register(LedgerAPI.closePeriod) { request, context in try await closePeriod(request, context: context) }
    }
}
