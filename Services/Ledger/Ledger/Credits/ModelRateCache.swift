import BillingCore
import BillingRPC
import CatalogContract
import Foundation

/// AI model rates from the catalog, kept a few seconds per process so a charge rarely waits on the catalog.
/// A rate changed in the catalog applies to executions begun after the entry ages out (at most ``lifetime``);
/// an authorization keeps the rate it began with until it settles. Concurrent misses of one model share one fetch
/// (a burst of 1,000 charges on a new or aged-out model asks the catalog once, not 1,000 times).
final class ModelRateCache: Sendable {
    static let lifetime: TimeInterval = 10

    struct Entry: Sendable {
        let rate: ModelRate
        let version: Int
        /// The model's estimate for authorizations that send none and have no history.
        let defaultEstimate: TokenUsage?
    }

    private let catalog: CatalogClient
    private let clock: any BillingClock
    private let entries = FetchCache<Entry>(lifetime: ModelRateCache.lifetime, limit: 10_000)

    init(catalog: CatalogClient, clock: any BillingClock) {
        self.catalog = catalog
        self.clock = clock
    }

    /// The rate and catalog version for `model`; archived models and unknown ones are refused.
    func rate(model: String, tenant: String, options: RPCCallOptions) async throws -> (ModelRate, Int) {
        let entry = try await self.model(model, tenant: tenant, options: options)
        return (entry.rate, entry.version)
    }

    /// The model as the cache holds it: rate, version, default estimate.
    func model(_ model: String, tenant: String, options: RPCCallOptions) async throws -> Entry {
        let now = clock.now()
        return try await entries.value(for: tenant + "\u{1}" + model, now: now) { [catalog] in
            guard
                let item = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                    try await catalog.aiModel(modelId: model, options: options)
                })
            else { throw LedgerError.modelNotFound(model) }
            guard item.status != .archived else { throw LedgerError.modelArchived(model) }
            let estimate = item.attributes.defaultEstimate.map { TokenUsage(inputTokens: $0.inputTokens, outputTokens: $0.outputTokens) }
            return Entry(rate: item.attributes.modelRate, version: item.version, defaultEstimate: estimate)
        }
    }
}
