import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import Foundation
import LedgerContract
import Metrics
import PostgresNIO

extension CreditsService {
    /// Runs `body` on the account's wallet, locked, in one transaction: holds whose time ran out are released and expired
    /// grants lose what no hold needs before `body` sees the wallet; everything staged is written in one statement after.
    /// The wallet is created on first use, for accounts the ledger knows (asking the accounts context on a miss).
    ///
    /// Operations on one wallet that arrive while a transaction holds it wait in ``WalletQueues`` and then run together in
    /// the next one (up to `walletBatch` of them, all saved in one statement at the end, a refused one leaving the wallet as it found it):
    /// a hot wallet pays the lock, the read and the commit once per batch instead of once per operation.
    /// `hold`: a hold the operation resolves, whose status the lock's read returns (`LockedWallet.holdStatuses`).
    func withWallet<Result: Sendable>(
        _ accountID: AccountID, tenant: String, idempotencyKey: String? = nil, hold: UUID? = nil, options: RPCCallOptions,
        _ body: @escaping @Sendable (inout LockedWallet, WalletSession) async throws -> Result
    ) async throws -> Result {
        let account = accountID.rawValue
        let operation = WalletOperation(idempotencyKey: idempotencyKey, hold: hold) { wallet, session in try await body(&wallet, session) }
        let result = try await walletQueues.run(operation, on: WalletQueues.Key(tenant: tenant, account: account)) { operations in
            await walletTransactions(operations, account: account, tenant: tenant, options: options)
        }
        return result as! Result
    }

    /// The operations in one transaction; if that transaction fails as a whole (not one operation refused: an error of the
    /// database or of the code), each runs again in a transaction of its own, so one operation's failure is its own.
    private func walletTransactions(
        _ operations: [WalletOperation], account: UUID, tenant: String, options: RPCCallOptions
    ) async
        -> [Swift.Result<any Sendable, any Error>]
    {
        if operations.count > 1 {
            do {
                return try await walletTransaction(operations, account: account, tenant: tenant, options: options).map { $0.mapError { $0 } }
            } catch {
                Counter(label: "billing_ledger_wallet_batch_fallbacks_total").increment()
                database.logger.warning(
                    "a batch of wallet operations failed; running them one at a time",
                    metadata: ["operations": "\(operations.count)", "error": "\(String(reflecting: error))"])
            }
        }
        var results: [Swift.Result<any Sendable, any Error>] = []
        for operation in operations {
            do {
                results.append(try await walletTransaction([operation], account: account, tenant: tenant, options: options)[0].mapError { $0 })
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    func walletTransaction(
        _ operations: [WalletOperation], account: UUID, tenant: String, options: RPCCallOptions
    ) async throws
        -> [Swift.Result<any Sendable, LedgerError>]
    {
        for attempt in 0..<2 {
            let outcome = try await database.retryingConflicts {
                try await database.withTenant(tenant, genericPlans: true) { connection in
                    try await inWallet(account, tenant: tenant, operations, on: connection)
                }
            }
            switch outcome {
            case .done(let results): return results
            case .unknownAccount where attempt == 0: try await references.learnAccounts([account], tenant: tenant, options: options)
            case .unknownAccount: break
            }
        }
        throw LedgerError.accountNotFound(account.text)
    }

    /// Several operations, in order, on the wallet locked once; each answers on its own.
    private func inWallet(
        _ account: UUID, tenant: String, _ operations: [WalletOperation], on connection: PostgresConnection
    ) async throws
        -> WalletOutcome<[Swift.Result<any Sendable, LedgerError>]>
    {
        guard
            var (wallet, replays) = try await lockWallet(
                account, tenant: tenant, idempotencyKeys: operations.compactMap(\.idempotencyKey),
                holds: operations.compactMap(\.hold), on: connection)
        else { return .unknownAccount }
        let session = WalletSession(tenant: tenant, account: account, connection: connection, service: self)
        try await sweep(&wallet, session: session)
        var results: [Swift.Result<any Sendable, LedgerError>] = []
        for operation in operations {
            wallet.replay = operation.idempotencyKey.flatMap { replays[$0] }
            results.append(
                try await RequestActor.$current.withValue(operation.actor) {
                    try await apply(operation.body, to: &wallet, session: session, replays: &replays)
                })
        }
        try await saveIfChanged(&wallet, session: session)
        return .done(results)
    }

    /// One operation on a transaction already open (event handlers, whose inbox row shares it).
    func inWallet<Result: Sendable>(
        _ account: UUID, tenant: String, on connection: PostgresConnection,
        _ body: (inout LockedWallet, WalletSession) async throws -> Result
    ) async throws
        -> WalletOutcome<Swift.Result<Result, LedgerError>>
    {
        guard var (wallet, replays) = try await lockWallet(account, tenant: tenant, idempotencyKeys: [], holds: [], on: connection) else {
            return .unknownAccount
        }
        let session = WalletSession(tenant: tenant, account: account, connection: connection, service: self)
        try await sweep(&wallet, session: session)
        let result = try await apply(body, to: &wallet, session: session, replays: &replays)
        try await saveIfChanged(&wallet, session: session)
        return .done(result)
    }

    /// The transaction's one save: what its operations (and the sweep) staged, in one statement.
    private func saveIfChanged(_ wallet: inout LockedWallet, session: WalletSession) async throws {
        guard wallet.unsaved || !wallet.book.journal.isEmpty else { return }
        try await wallets.save(&wallet, account: session.account, tenant: session.tenant, on: session.connection)
    }

    /// The wallet locked, created first for an account the ledger knows; nil for an account it does not know.
    private func lockWallet(
        _ account: UUID, tenant: String, idempotencyKeys: [String], holds: [UUID], on connection: PostgresConnection
    ) async throws
        -> (wallet: LockedWallet, replays: [String: UUID])?
    {
        let now = clock.now()
        if let locked = try await wallets.lock(
            account: account, tenant: tenant, idempotencyKeys: idempotencyKeys, holds: holds, now: now, on: connection)
        {
            return locked
        }
        guard try await directory.accounts([account], tenant: tenant, on: connection)[account] != nil else { return nil }
        try await wallets.create(account: account, tenant: tenant, at: now, on: connection)
        return try await wallets.lock(account: account, tenant: tenant, idempotencyKeys: idempotencyKeys, holds: holds, now: now, on: connection)
    }

    /// Runs one operation, leaving what it staged for the transaction's one save. Refused (a ``LedgerError``), the wallet goes
    /// back to what the operation found, keeping only what a refusal commits (the exhausted notice) and what was staged before
    /// it (the sweep, earlier operations). Any other error leaves the transaction unusable and is thrown.
    private func apply<Result: Sendable>(
        _ body: (inout LockedWallet, WalletSession) async throws -> Result, to wallet: inout LockedWallet,
        session: WalletSession, replays: inout [String: UUID]
    ) async throws -> Swift.Result<Result, LedgerError> {
        let before = wallet
        do {
            let result = try await body(&wallet, session)
            for write in wallet.executions.suffix(wallet.staged - before.staged) {
                switch write {
                case .insert(let record): replays[record.idempotencyKey] = record.id
                case .resolve(let id, let status, _, _, _): wallet.holdStatuses[id] = status
                }
            }
            wallet.unsaved = true
            return .success(result)
        } catch let error as LedgerError {
            // Saved midway (a read of its own writes), the operation cannot be undone by forgetting what it staged.
            guard wallet.saves == before.saves else { throw WalletWriteError(message: "an operation was refused after saving: \(error)") }
            var kept = before
            if wallet.commitRefusal {
                kept.exhausted = wallet.exhausted
                kept.events += wallet.events
                kept.unsaved = true
            }
            wallet = kept
            return .failure(error)
        }
    }

    /// Time passing, applied under the lock: expired holds give their credits back, expired grants lose the rest.
    private func sweep(_ wallet: inout LockedWallet, session: WalletSession) async throws {
        let now = wallet.book.now
        if let due = wallet.holdsExpireAt, due <= now {
            for hold in try await wallets.expireHolds(account: session.account, tenant: session.tenant, now: now, on: session.connection) {
                wallet.holdStatuses[hold.id] = .expired
                let estimate = hold.estimatedCredits ?? .zero
                wallet.book.unhold(
                    estimate, kind: .holdExpiry,
                    tag: MovementTag(
                        executionId: hold.id, userId: hold.userId, featureId: hold.featureId,
                        model: hold.model, tokens: nil))
                wallet.counters += SpendingWindows.spendKeys(
                    caps: wallet.caps, userId: hold.userId, featureId: hold.featureId, at: hold.createdAt, in: wallet.timeZone,
                    delta: .zero - estimate
                ).map(\.key)
            }
            wallet.holdsExpireAt = try await wallets.nextHoldExpiry(account: session.account, tenant: session.tenant, on: session.connection)
        }
        let expired = wallet.book.settleTime()
        if let allowance = wallet.allowanceGrantId, expired.contains(where: { $0.id == allowance }) {
            // The period ended: what was left expired, which is not usage to alert about.
            wallet.alertsSent = AllowanceAlerts.thresholds.last!
        }
    }
}

/// How a wallet transaction ended.
enum WalletOutcome<Result: Sendable>: Sendable {
    /// Each operation's answer (a refused one after committing what its refusal announced).
    case done(Result)
    /// The ledger does not know the account (yet).
    case unknownAccount
}
