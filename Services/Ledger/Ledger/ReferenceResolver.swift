import AccountsContract
import BillingCore
import BillingEvents
import BillingPostgres
import BillingRPC
import CatalogContract
import Foundation
import PostgresNIO
import Synchronization

/// Finds the accounts and meters usage names: in the ledger's read models first, over RPC on a miss (then kept).
final class ReferenceResolver: Sendable {
    private let database: Database
    private let directory: LedgerDirectory
    private let accounts: AccountsClient
    private let catalog: CatalogClient
    /// Meter definitions never change once created, so a process may keep them; bounded, cleared when full.
    private let meterCache = Mutex<[String: MeterDefinition]>([:])
    private static let meterCacheLimit = 10_000
    /// Meter codes and account ids the catalog or accounts just said do not exist, until when: a batch naming a thousand
    /// unknown ones, and the client resending it, ask once, not for every event. Short, so one created meanwhile is soon found.
    private let misses = Mutex<[String: Date]>([:])
    static let missLifetime: TimeInterval = 10
    /// Lookups of another service in flight at once for one batch.
    static let lookupWidth = 16

    init(database: Database, directory: LedgerDirectory, accounts: AccountsClient, catalog: CatalogClient) {
        self.database = database
        self.directory = directory
        self.accounts = accounts
        self.catalog = catalog
    }

    /// The meters among `codes` that exist, by code.
    func meters(codes: Set<String>, tenant: String, options: RPCCallOptions) async throws -> [String: MeterDefinition] {
        var found: [String: MeterDefinition] = [:]
        var missing: [String] = []
        meterCache.withLock { cache in
            for code in codes {
                if let meter = cache[Self.key(tenant, code)] { found[code] = meter } else { missing.append(code) }
            }
        }
        guard !missing.isEmpty else { return found }
        let stored = try await database.withTenant(tenant) { try await directory.meters(codes: missing, tenant: tenant, on: $0) }
        let unknown = Set(missing).subtracting(stored.map(\.code)).filter { (1...64).contains($0.count) }
        let catalog = catalog
        let fetched = try await lookUp(unknown.map { Self.key(tenant, $0) }, unknown.sorted()) { code in
            try await RPCError.unlessNotFound({ () async throws(RPCError) in try await catalog.meter(code: code, options: options) })
                .map(MeterDefinition.init)
        }
        if !fetched.isEmpty {
            // In one order (by code): two first ingestions learning the same meters would otherwise deadlock on each other's rows.
            try await database.retryingConflicts {
                try await database.withTenant(tenant) { connection in
                    for meter in fetched.sorted(by: { $0.code < $1.code }) { try await directory.insert(meter, tenant: tenant, on: connection) }
                }
            }
        }
        meterCache.withLock { cache in
            if cache.count > Self.meterCacheLimit { cache.removeAll() }
            for meter in stored + fetched {
                cache[Self.key(tenant, meter.code)] = meter
                found[meter.code] = meter
            }
        }
        return found
    }

    func meter(code: String, tenant: String, options: RPCCallOptions) async throws -> MeterDefinition {
        guard let meter = try await meters(codes: [code], tenant: tenant, options: options)[code] else { throw LedgerError.meterNotFound(code) }
        return meter
    }

    /// Asks the accounts context about accounts the read model does not hold, and keeps those that exist: in a transaction of
    /// its own, or on `connection` when the caller's transaction is already open (an event handler must not wait for a second
    /// pooled connection while it holds one: enough of them at once would starve the pool).
    func learnAccounts(_ ids: Set<UUID>, tenant: String, options: RPCCallOptions, on connection: PostgresConnection? = nil) async throws {
        let accounts = accounts
        let sorted = ids.sorted { $0.uuidString < $1.uuidString }
        let fetched = try await lookUp(sorted.map { Self.key(tenant, $0.text) }, sorted) { id in
            try await RPCError.unlessNotFound({ () async throws(RPCError) in try await accounts.get(AccountID(rawValue: id), options: options) })
                .map(LedgerAccount.init)
        }
        guard !fetched.isEmpty else { return }
        // In one order (by id), for the same reason as meters.
        let ordered = fetched.sorted(by: { $0.id.uuidString < $1.id.uuidString })
        @Sendable func store(on connection: PostgresConnection) async throws {
            for account in ordered { try await directory.upsert(account, tenant: tenant, on: connection) }
        }
        if let connection { return try await store(on: connection) }
        try await database.retryingConflicts { try await database.withTenant(tenant) { try await store(on: $0) } }
    }

    /// Learns the accounts events name (`billingAccountId`, of the event or of its subscription or invoice) that the ledger's read
    /// model does not hold, all of a tenant's at once.
    func learnAccounts(namedIn envelopes: [EventEnvelope]) async throws {
        var named: [String: Set<UUID>] = [:]
        for envelope in envelopes {
            let data = envelope.data
            guard
                let text = data["billingAccountId"]?.stringValue ?? data["subscription"]?["billingAccountId"]?.stringValue
                    ?? data["invoice"]?["billingAccountId"]?.stringValue,
                let id = UUID(uuidString: text)
            else { continue }
            named[envelope.tenantid, default: []].insert(id)
        }
        for (tenant, ids) in named {
            let known = try await database.withTenant(tenant) { try await directory.accounts(Array(ids), tenant: tenant, on: $0) }
            let unknown = ids.subtracting(known.keys)
            guard !unknown.isEmpty else { continue }
            try await learnAccounts(unknown, tenant: tenant, options: RPCCallOptions(tenant: tenant, timeout: .seconds(5)))
        }
    }

    /// One account as the ledger knows it; a `billingAccountId` that is not an existing account is not found.
    func account(_ accountID: AccountID, tenant: String, options: RPCCallOptions) async throws -> LedgerAccount {
        let id = accountID.rawValue
        let read = { try await self.database.withTenant(tenant) { try await self.directory.accounts([id], tenant: tenant, on: $0)[id] } }
        if let account = try await read() { return account }
        try await learnAccounts([id], tenant: tenant, options: options)
        guard let account = try await read() else { throw LedgerError.accountNotFound(accountID.description) }
        return account
    }

    private static func key(_ tenant: String, _ code: String) -> String { tenant + "\u{1}" + code }

    /// Asks another service about each key not known missing lately, `lookupWidth` at a time, and remembers those it does not
    /// know. `cacheKeys[i]` names `keys[i]` in the miss cache.
    private func lookUp<Key: Sendable, Value: Sendable>(
        _ cacheKeys: [String], _ keys: [Key], _ fetch: @escaping @Sendable (Key) async throws -> Value?
    ) async throws -> [Value] {
        let now = Date()
        let asked = misses.withLock { misses in
            zip(cacheKeys, keys).filter { key, _ in misses[key].map { $0 <= now } ?? true }
        }
        let answers = try await withThrowingTaskGroup(of: (String, Value?).self) { group in
            var pending = asked.makeIterator()
            var answers: [(String, Value?)] = []
            for _ in 0..<Self.lookupWidth {
                guard let (cacheKey, key) = pending.next() else { break }
                group.addTask { (cacheKey, try await fetch(key)) }
            }
            while let answer = try await group.next() {
                answers.append(answer)
                if let (cacheKey, key) = pending.next() { group.addTask { (cacheKey, try await fetch(key)) } }
            }
            return answers
        }
        // Remembered from when the answers came: a slow batch (a thousand lookups on a loaded machine) does not forget its first
        // misses before its client resends it.
        let answered = Date()
        misses.withLock { misses in
            if misses.count > Self.meterCacheLimit { misses = misses.filter { $0.value > answered } }
            for (cacheKey, value) in answers where value == nil { misses[cacheKey] = answered.addingTimeInterval(Self.missLifetime) }
        }
        return answers.compactMap(\.1)
    }
}
