import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import Foundation
import LedgerContract
import PostgresNIO

/// One wallet's transaction: the locked row's account, tenant and connection, and the rules that run around every operation.
struct WalletSession: Sendable {
    let tenant: String
    let account: UUID
    let connection: PostgresConnection
    let service: CreditsService

    /// The execution recorded earlier under the request's idempotency key, answered again; the key on another execution is a conflict.
    /// `same`: whether the recorded execution is what this request asks (its tokens, user and feature); a key come back with
    /// other token counts is refused, never answered with the first execution as if it were this one.
    func replay(
        _ wallet: LockedWallet, kind: String, model: String, same: (ExecutionRecord) -> Bool
    ) async throws -> CreditExecution? {
        guard let id = wallet.replay else { return nil }
        var found = wallet.staged(id)  // recorded earlier in this batch
        if found == nil { found = try await service.wallets.execution(id: id, tenant: tenant, on: connection) }
        guard let record = found,
            record.account == account, record.kind == kind, record.model == model, same(record)
        else {
            throw LedgerError.keyReused(id.text)
        }
        return service.execution(record, draws: [], wallet: wallet, replayed: true)
    }

    /// Checks execution rate limits and spending caps for spending `amount`; returns the execution counters to add.
    func admit(
        _ wallet: inout LockedWallet, userId: String?, featureId: String?, amount: Credits, traceparent: String?
    ) async throws -> [CounterDelta] {
        let now = wallet.book.now
        let rates = SpendingWindows.rateKeys(wallet.rateLimits, at: now, in: wallet.timeZone)
        let caps = SpendingWindows.spendKeys(caps: wallet.caps, userId: userId, featureId: featureId, at: now, in: wallet.timeZone, delta: .zero)
        guard !rates.isEmpty || !caps.isEmpty else { return [] }
        let lookup = rates.map { zero($0.key) } + caps.map(\.key)
        var current = try await service.wallets.counters(account: account, keys: lookup, tenant: tenant, on: connection)
        for delta in wallet.counters { current[zero(delta), default: .zero] += delta.value }  // counted earlier in this batch, not saved yet
        for (limit, key) in rates where (current[zero(key)] ?? .zero).units / Credits.unitsPerCredit >= Int64(limit) {
            throw LedgerError.rateLimited(period: key.period, limit: limit)
        }
        for (cap, key) in caps {
            let spent = current[key] ?? .zero
            if spent + amount > cap.credits {
                throw LedgerError.spendingCapReached(
                    period: cap.period.rawValue, userId: cap.userId, featureId: cap.featureId, cap: cap.credits, spent: spent, required: amount)
            }
        }
        // Caps alert at the wallet's thresholds too: each one this operation's amount takes the cap's window past.
        for (cap, key) in caps {
            let before = current[key] ?? .zero, after = before + amount
            for threshold in AllowanceAlerts.crossed(of: cap.credits, from: before, to: after, thresholds: wallet.alertThresholds) {
                publish(
                    CreditsCapThresholdReached(
                        billingAccountId: id, userId: cap.userId, featureId: cap.featureId, period: cap.period, windowStart: key.windowStart,
                        thresholdPercent: threshold, cap: cap.credits, spent: after), on: &wallet, traceparent: traceparent)
            }
        }
        return rates.map(\.key)
    }

    /// What the spending caps still allow `userId` in the windows that contain `instant` (nil when no cap applies to them).
    func capRoom(_ wallet: LockedWallet, userId: String?, featureId: String?, at instant: Date) async throws -> Credits? {
        let caps = SpendingWindows.spendKeys(
            caps: wallet.caps, userId: userId, featureId: featureId, at: instant, in: wallet.timeZone, delta: .zero)
        guard !caps.isEmpty else { return nil }
        var current = try await service.wallets.counters(account: account, keys: caps.map(\.key), tenant: tenant, on: connection)
        for delta in wallet.counters { current[zero(delta), default: .zero] += delta.value }  // counted earlier in this batch, not saved yet
        return caps.map { cap, key in cap.credits - (current[key] ?? .zero) }.min()
    }

    /// A charge or hold refused for want of credits: when nothing is left, the exhausted notice (once) commits although the call fails.
    func refuse(_ wallet: inout LockedWallet, traceparent: String?) {
        guard !wallet.exhausted, wallet.book.available <= .zero else { return }
        wallet.exhausted = true
        wallet.commitRefusal = true
        publish(CreditsExhausted(billingAccountId: id, available: wallet.book.available), on: &wallet, traceparent: traceparent)
    }

    /// After credits were spent or held: allowance alerts, exhaustion and auto-recharge, each announced once.
    func spent(_ wallet: inout LockedWallet, traceparent: String?) {
        let book = wallet.book
        if let allowance = wallet.allowance, let grantId = wallet.allowanceGrantId {
            let used = allowance - (book.grants.first { $0.id == grantId }?.remaining ?? .zero)
            let due = AllowanceAlerts.due(allowance: allowance, used: used, alreadySent: wallet.alertsSent, thresholds: wallet.alertThresholds)
            for threshold in due {
                // The preventive block: this operation completes; the next ones are refused until credits arrive.
                let blocks = threshold == wallet.blockAtPercent
                if blocks { wallet.thresholdBlocked = true }
                publish(
                    CreditsThresholdReached(
                        billingAccountId: id, thresholdPercent: threshold, allowance: allowance, used: used,
                        allowanceGrantId: GrantID(rawValue: grantId), blocked: blocks ? true : nil), on: &wallet, traceparent: traceparent)
            }
            wallet.alertsSent = due.last ?? wallet.alertsSent
        }
        if book.available <= .zero, !wallet.exhausted {
            wallet.exhausted = true
            publish(CreditsExhausted(billingAccountId: id, available: book.available), on: &wallet, traceparent: traceparent)
        }
        if let recharge = wallet.recharge, wallet.rechargePending == nil, book.available < recharge.threshold {
            let request = UUIDv7.generate(at: book.now)
            wallet.rechargePending = request
            publish(
                CreditsRechargeRequested(
                    requestId: RechargeRequestID(rawValue: request), billingAccountId: id, packageCode: recharge.packageCode,
                    threshold: recharge.threshold, available: book.available), on: &wallet, traceparent: traceparent)
        }
    }

    func publish<Event: IntegrationEvent>(_ event: Event, on wallet: inout LockedWallet, traceparent: String?) {
        let outbox = service.outbox, logger = service.database.logger
        let pending = PendingEvent(event, tenant: tenant, at: wallet.book.now, traceparent: traceparent)
        wallet.events.append(WalletEvent { connection in _ = try await outbox.append([pending], on: connection, logger: logger) })
    }

    /// Writes what is staged so far (reads that must see the transaction's own changes).
    func flush(_ wallet: inout LockedWallet) async throws {
        try await service.wallets.save(&wallet, account: account, tenant: tenant, on: connection)
    }

    private var id: AccountID { AccountID(rawValue: account) }

    private func zero(_ key: CounterDelta) -> CounterDelta {
        CounterDelta(counter: key.counter, period: key.period, windowStart: key.windowStart, value: .zero)
    }
}

/// One request's operation on a wallet: its idempotency key, the hold it resolves and what it does on the locked wallet.
struct WalletOperation: Sendable {
    let idempotencyKey: String?
    let hold: UUID?
    /// Who the request acts for: its events say so, whichever transaction of the wallet's queue applies it.
    let actor: String? = RequestActor.current
    let body: @Sendable (inout LockedWallet, WalletSession) async throws -> any Sendable

    init(idempotencyKey: String?, hold: UUID? = nil, body: @escaping @Sendable (inout LockedWallet, WalletSession) async throws -> any Sendable) {
        self.idempotencyKey = idempotencyKey
        self.hold = hold
        self.body = body
    }
}
