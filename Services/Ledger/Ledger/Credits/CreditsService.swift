import BillingCore
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import CatalogContract
import LedgerContract

/// The ledger's `Credits` service (`billing.ledger.v1.Credits`): AI credit wallets — grants, charges, holds and their
/// settlement, settings, audits, consumption reports and overage billing — and what other contexts' events do to them.
struct CreditsService: Sendable {
    let database: Database
    let clock: any BillingClock
    let directory: LedgerDirectory
    let references: ReferenceResolver
    let wallets: WalletStore
    let history: CreditHistoryStore
    let modelRates: ModelRateCache
    let catalog: CatalogClient
    let outbox: Outbox
    let walletQueues: WalletQueues
    let openHolds = OpenHolds()
    /// How many of the last settled executions an authorization without an estimate looks at.
    let estimateHistory: Int

    init(
        database: Database, clock: any BillingClock, directory: LedgerDirectory, references: ReferenceResolver, catalog: CatalogClient,
        outbox: Outbox, walletBatch: Int, estimateHistory: Int = 200
    ) {
        self.estimateHistory = estimateHistory
        self.database = database
        self.clock = clock
        self.directory = directory
        self.references = references
        self.wallets = WalletStore(logger: database.logger)
        self.history = CreditHistoryStore(logger: database.logger)
        self.modelRates = ModelRateCache(catalog: catalog, clock: clock)
        self.catalog = catalog
        self.outbox = outbox
        self.walletQueues = WalletQueues(maximumBatch: walletBatch)
    }

    func register(on router: inout RPCRouter) {
        router.register(LedgerAPI.grantCredits) { request, context in try await grantCredits(request, context: context) }
        router.register(LedgerAPI.chargeCredits) { request, context in try await chargeCredits(request, context: context) }
        router.register(LedgerAPI.authorizeCredits) { request, context in try await authorizeCredits(request, context: context) }
        router.register(LedgerAPI.settleCredits) { request, context in try await settleCredits(request, context: context) }
        router.register(LedgerAPI.releaseCredits) { request, context in try await releaseCredits(request, context: context) }
        router.register(LedgerAPI.getExecution) { request, context in try await getExecution(request, context: context) }
        router.register(LedgerAPI.wallet) { request, context in try await wallet(request, context: context) }
        router.register(LedgerAPI.setWalletSettings) { request, context in try await setWalletSettings(request, context: context) }
        router.register(LedgerAPI.auditWallet) { request, context in try await auditWallet(request, context: context) }
        router.register(LedgerAPI.listGrants) { request, context in try await listGrants(request, context: context) }
        router.register(LedgerAPI.listExecutions) { request, context in try await listExecutions(request, context: context) }
        router.register(LedgerAPI.consumption) { request, context in try await consumption(request, context: context) }
        router.register(LedgerAPI.billOverage) { request, context in try await billOverage(request, context: context) }
    }
}
