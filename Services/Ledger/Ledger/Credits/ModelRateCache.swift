import BillingCore
import BillingRPC
import CatalogContract
import Foundation
import Synchronization

/// AI model rates from the catalog, kept a few seconds per process so a charge rarely waits on the catalog.
/// A rate changed in the catalog applies to executions begun after the entry ages out (at most ``lifetime``);
/// an authorization keeps the rate it began with until it settles. Concurrent misses of one model share one fetch
/// (a burst of 1,000 charges on a new or aged-out model asks the catalog once, not 1,000 times).
final class ModelRateCache: Sendable {
    static let lifetime: TimeInterval = 10
    private static let limit = 10_000

    struct Entry: Sendable {
        let rate: ModelRate
        let version: Int
        /// The model's estimate for authorizations that send none and have no history.
        let defaultEstimate: TokenUsage?
        let fetchedAt: Date
    }

    private let catalog: CatalogClient
    private let clock: any BillingClock
    private let entries = Mutex<[String: Entry]>([:])
    private let fetches = Mutex<[String: Task<Entry, any Error>]>([:])

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
        let key = tenant + "\u{1}" + model, now = clock.now()
        if let entry = entries.withLock({ $0[key] }), now.timeIntervalSince(entry.fetchedAt) < Self.lifetime, now >= entry.fetchedAt {
            return entry
        }
        let fetch = fetches.withLock { fetches in
            if let running = fetches[key] { return running }
            let task = Task<Entry, any Error> { [self] in
                defer { self.fetches.withLock { _ = $0.removeValue(forKey: key) } }
                guard
                    let item = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                        try await catalog.aiModel(modelId: model, options: options)
                    })
                else { throw LedgerError.modelNotFound(model) }
                guard item.status != .archived else { throw LedgerError.modelArchived(model) }
                let estimate = item.attributes.defaultEstimate.map { TokenUsage(inputTokens: $0.inputTokens, outputTokens: $0.outputTokens) }
                let entry = Entry(rate: item.attributes.modelRate, version: item.version, defaultEstimate: estimate, fetchedAt: now)
                self.entries.withLock { entries in
                    if entries.count >= Self.limit { entries.removeAll() }
                    entries[key] = entry
                }
                return entry
            }
            fetches[key] = task
            return task
        }
        return try await fetch.value
    }
}
