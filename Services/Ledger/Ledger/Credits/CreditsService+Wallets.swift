import AccountsContract
import BillingCore
import BillingEvents
import BillingPostgres
import BillingRPC
import CatalogContract
import Foundation
import LedgerContract
import PostgresNIO

/// AI credit wallets (seeds 000, 002, 003): grants, direct charges, authorize-then-settle, overdraft, caps, rate limits,
/// alerts and auto-recharge. Every operation locks the account's wallet row, so one wallet changes one transaction at a time
/// and can never be overspent, whatever the concurrency.
extension CreditsService {
    static let defaultHoldSeconds = 300
    static let maximumHoldSeconds = 86_400
    static let maximumTokens: Int64 = 1_000_000_000_000

    // MARK: - Grants

    /// A grant without a `reference` takes the call's idempotency key as its reference, so a resent call answers the first grant.
    func grantCredits(_ request: GrantCreditsRequest, context: RPCServerContext) async throws -> CreditGrant {
        try validate(request)
        guard request.source != .rollover else {
            throw LedgerError.invalid("source", "ROLLOVER credits come from a plan's rollover, not from a grant by hand")
        }
        var keyed = request
        if keyed.reference == nil { keyed.reference = context.metadata.idempotencyKey }
        let request = keyed
        let traceparent = context.metadata.traceparent
        return try await withWallet(request.billingAccountId, tenant: context.tenant, options: context.peerCallOptions) { wallet, session in
            // A closed account's wallet is frozen: nothing spent from it (``spendable(_:session:)``) and nothing granted to it.
            guard wallet.accountStatus != .closed else { throw LedgerError.accountClosed(session.account.text) }
            return try await grant(request, into: &wallet, session: session, traceparent: traceparent)
        }
    }

    func validate(_ request: GrantCreditsRequest) throws {
        guard request.credits > .zero, request.credits <= WalletBook.maximumAmount else {
            throw LedgerError.invalid("credits", "credits must be more than 0 and at most \(WalletBook.maximumAmount.text)")
        }
        if let priority = request.priority, !(0...1000).contains(priority) {
            throw LedgerError.invalid("priority", "priority must be from 0 (spent first) to 1000")
        }
        if let expires = request.expiresAt, expires <= (request.effectiveAt ?? clock.now()) {
            throw LedgerError.invalid("expiresAt", "expiresAt must be after effectiveAt (default now)")
        }
        if let reference = request.reference, !(1...200).contains(reference.utf8.count) {
            throw LedgerError.invalid("reference", "reference must be 1 to 200 bytes")
        }
        if let description = request.description, description.count > 500 {
            throw LedgerError.invalid("description", "description must be at most 500 characters")
        }
    }

    /// Adds a grant to a locked wallet; a grant whose reference exists answers that grant instead.
    func grant(
        _ request: GrantCreditsRequest, into wallet: inout LockedWallet, session: WalletSession, traceparent: String?
    ) async throws -> CreditGrant {
        let tenant = session.tenant, connection = session.connection, now = wallet.book.now
        if let reference = request.reference, let existing = try await wallets.grant(reference: reference, tenant: tenant, on: connection) {
            guard existing.billingAccountId.rawValue == session.account else {
                throw LedgerError.conflict("REFERENCE_IN_USE", "reference '\(reference.prefix(100))' already granted credits to another account")
            }
            return existing
        }
        guard wallet.book.balance + request.credits <= WalletBook.maximumBalance else {
            throw LedgerError.invalid("credits", "a wallet holds at most \(WalletBook.maximumBalance.text) credits")
        }
        if let expires = request.expiresAt, expires <= request.effectiveAt ?? now {
            throw LedgerError.invalid("expiresAt", "expiresAt must be after effectiveAt (default now)")
        }
        let source = request.source ?? .manual
        let grant = WalletGrant(
            id: UUIDv7.generate(at: now), source: source, priority: request.priority ?? source.defaultPriority, amount: request.credits,
            remaining: .zero, effectiveAt: request.effectiveAt ?? now, expiresAt: request.expiresAt)
        let livemode = try await wallets.insertGrant(
            grant, account: session.account, reference: request.reference, description: request.description, at: now,
            tenant: tenant, on: connection)
        wallet.book.add(
            WalletGrant(
                id: grant.id, source: source, priority: grant.priority, amount: grant.amount, remaining: grant.amount,
                effectiveAt: grant.effectiveAt, expiresAt: grant.expiresAt))
        if source == .monthly {
            wallet.allowanceGrantId = grant.id
            wallet.allowance = grant.amount
            wallet.alertsSent = 0
        }
        if source == .purchase { wallet.rechargePending = nil }
        if wallet.book.available > .zero { wallet.exhausted = false }
        wallet.thresholdBlocked = false  // credits arrived: the preventive block lifts
        let stored = CreditGrant(
            id: GrantID(rawValue: grant.id), billingAccountId: AccountID(rawValue: session.account), source: source,
            priority: grant.priority, credits: grant.amount,
            remaining: wallet.book.grants.first { $0.id == grant.id }?.remaining ?? .zero, effectiveAt: grant.effectiveAt,
            expiresAt: grant.expiresAt, reference: request.reference, description: request.description, livemode: livemode, createdAt: now)
        session.publish(CreditsGranted(grant: stored), on: &wallet, traceparent: traceparent)
        return stored
    }

    // MARK: - Postpaid overage

    func billOverage(_ request: BillOverageRequest, context: RPCServerContext) async throws -> BilledOverage {
        guard (1...200).contains(request.reference.utf8.count) else { throw LedgerError.invalid("reference", "reference must be 1 to 200 bytes") }
        return try await withWallet(request.billingAccountId, tenant: context.tenant, options: context.peerCallOptions) { wallet, session in
            try await billOverage(reference: request.reference, wallet: &wallet, session: session)
        }
    }

    /// Writes off what the locked wallet's overdraft owes and records it under `reference`, once: a reference already billed
    /// answers what it billed then (for this account only).
    func billOverage(reference: String, wallet: inout LockedWallet, session: WalletSession) async throws -> BilledOverage {
        let account = AccountID(rawValue: session.account)
        if let billed = try await wallets.overage(reference: reference, tenant: session.tenant, on: session.connection) {
            guard billed.account == session.account else {
                throw LedgerError.conflict("REFERENCE_IN_USE", "reference '\(reference.prefix(100))' already billed another account's overage")
            }
            return BilledOverage(billingAccountId: account, reference: reference, credits: billed.credits, billedAt: billed.billedAt)
        }
        let now = wallet.book.now
        let credits = wallet.book.billDebt()
        try await wallets.insertOverage(
            reference: reference, account: session.account, credits: credits, at: now, tenant: session.tenant,
            on: session.connection)
        if wallet.book.available > .zero { wallet.exhausted = false }
        return BilledOverage(billingAccountId: account, reference: reference, credits: credits, billedAt: now)
    }

    // MARK: - Charges and holds

    func chargeCredits(_ request: ChargeCreditsRequest, context: RPCServerContext) async throws -> CreditExecution {
        try validateExecution(
            key: request.idempotencyKey, model: request.model, userId: request.userId, featureId: request.featureId, costCenter: request.costCenter)
        try validate(request.tokens, prefix: "")
        let (rate, version) = try await modelRates.rate(model: request.model, tenant: context.tenant, options: context.peerCallOptions)
        let cost = try price(rate, request.tokens)
        let traceparent = context.metadata.traceparent
        return try await withWallet(
            request.billingAccountId, tenant: context.tenant, idempotencyKey: request.idempotencyKey,
            options: context.peerCallOptions
        ) { wallet, session in
            let replay = try await session.replay(wallet, kind: "CHARGE", model: request.model) {
                $0.tokens == request.tokens && $0.userId == request.userId && $0.featureId == request.featureId
                    && $0.costCenter == request.costCenter
            }
            if let replay { return replay }
            try spendable(wallet, session: session)
            let now = wallet.book.now, id = UUIDv7.generate(at: now)
            let tag = MovementTag(executionId: id, userId: request.userId, featureId: request.featureId, model: request.model, tokens: request.tokens)
            var counters = try await session.admit(
                &wallet, userId: request.userId, featureId: request.featureId, amount: cost, traceparent: traceparent)
            guard let debit = wallet.book.debit(cost, kind: .charge, partial: false, tag: tag) else {
                session.refuse(&wallet, traceparent: traceparent)
                throw LedgerError.insufficientCredits(available: wallet.book.available, required: cost)
            }
            counters += SpendingWindows.spendKeys(
                caps: wallet.caps, userId: request.userId, featureId: request.featureId, at: now, in: wallet.timeZone, delta: cost
            ).map(\.key)
            let record = ExecutionRecord(
                id: id, account: session.account, idempotencyKey: request.idempotencyKey, kind: "CHARGE", status: .charged,
                model: request.model, modelVersion: version, rate: rate, userId: request.userId, featureId: request.featureId,
                costCenter: request.costCenter, estimate: nil, estimatedCredits: nil, tokens: request.tokens, credits: cost, uncovered: nil,
                expiresAt: nil,
                createdAt: now, resolvedAt: now)
            session.spent(&wallet, traceparent: traceparent)
            wallet.stage(.insert(record), counters: counters)
            return execution(record, draws: debit.draws, wallet: wallet)
        }
    }

    func authorizeCredits(_ request: AuthorizeCreditsRequest, context: RPCServerContext) async throws -> CreditExecution {
        try validateExecution(
            key: request.idempotencyKey, model: request.model, userId: request.userId, featureId: request.featureId, costCenter: request.costCenter)
        let ttl = request.ttlSeconds ?? Self.defaultHoldSeconds
        guard (1...Self.maximumHoldSeconds).contains(ttl) else {
            throw LedgerError.invalid("ttlSeconds", "ttlSeconds must be from 1 to \(Self.maximumHoldSeconds)")
        }
        let model = try await modelRates.model(request.model, tenant: context.tenant, options: context.peerCallOptions)
        let (rate, version) = (model.rate, model.version)
        let guess = try await estimate(request, model: model, tenant: context.tenant)
        let estimate = try price(rate, guess.tokens)
        let traceparent = context.metadata.traceparent
        let held = try await withWallet(
            request.billingAccountId, tenant: context.tenant, idempotencyKey: request.idempotencyKey,
            options: context.peerCallOptions
        ) { wallet, session -> Authorized in
            let replay = try await session.replay(wallet, kind: "AUTHORIZATION", model: request.model) {
                (request.estimate == nil || $0.estimate == request.estimate) && $0.userId == request.userId
                    && $0.featureId == request.featureId && $0.costCenter == request.costCenter
            }
            if let replay {
                return Authorized(execution: replay, hold: nil)
            }
            try spendable(wallet, session: session)
            let now = wallet.book.now, id = UUIDv7.generate(at: now)
            let tag = MovementTag(
                executionId: id, userId: request.userId, featureId: request.featureId, model: request.model, tokens: guess.tokens)
            var counters = try await session.admit(
                &wallet, userId: request.userId, featureId: request.featureId, amount: estimate, traceparent: traceparent)
            guard wallet.book.hold(estimate, tag: tag) else {
                session.refuse(&wallet, traceparent: traceparent)
                throw LedgerError.insufficientCredits(available: wallet.book.available, required: estimate)
            }
            counters += SpendingWindows.spendKeys(
                caps: wallet.caps, userId: request.userId, featureId: request.featureId, at: now, in: wallet.timeZone, delta: estimate
            ).map(\.key)
            let expires = now.addingTimeInterval(TimeInterval(ttl))
            wallet.holdsExpireAt = min(wallet.holdsExpireAt ?? expires, expires)
            let record = ExecutionRecord(
                id: id, account: session.account, idempotencyKey: request.idempotencyKey, kind: "AUTHORIZATION", status: .held,
                model: request.model, modelVersion: version, rate: rate, userId: request.userId, featureId: request.featureId,
                costCenter: request.costCenter, estimate: guess.tokens, estimatedCredits: estimate, tokens: nil, credits: nil, uncovered: nil,
                expiresAt: expires, createdAt: now, resolvedAt: nil)
            session.spent(&wallet, traceparent: traceparent)
            wallet.stage(.insert(record), counters: counters)
            var answer = execution(record, draws: [], wallet: wallet)
            answer.estimateSource = guess.source
            answer.estimateSamples = guess.samples
            return Authorized(execution: answer, hold: record)
        }
        if let hold = held.hold { openHolds.remember(hold, tenant: context.tenant) }
        return held.execution
    }

    /// The tokens an authorization holds: the caller's estimate; or, without one, the 95th percentile of the last settled executions
    /// of its feature and model (read before the wallet is locked); or the model's default estimate.
    private func estimate(
        _ request: AuthorizeCreditsRequest, model: ModelRateCache.Entry, tenant: String
    ) async throws -> (tokens: TokenUsage, source: String, samples: Int?) {
        if let given = request.estimate {
            try validate(given, prefix: "estimated")
            return (given, "REQUEST", nil)
        }
        if request.estimatedInputTokens != nil || request.estimatedOutputTokens != nil {
            let missing = request.estimatedInputTokens == nil ? "estimatedInputTokens" : "estimatedOutputTokens"
            throw LedgerError.invalid(missing, "send estimatedInputTokens and estimatedOutputTokens together, or neither (estimated from history)")
        }
        let history = try await database.withTenant(tenant) {
            try await self.history.estimate(model: request.model, feature: request.featureId, samples: estimateHistory, tenant: tenant, on: $0)
        }
        if let history { return (history.tokens, "HISTORY", history.samples) }
        guard let fallback = model.defaultEstimate else {
            throw LedgerError.invalid(
                "estimatedInputTokens",
                "estimatedInputTokens and estimatedOutputTokens are required: this feature has no settled execution with \(request.model) yet, "
                    + "and the model has no defaultEstimate")
        }
        return (fallback, "MODEL_DEFAULT", nil)
    }

    /// An authorization's answer, with the hold as recorded when this call created it (not when it replayed an earlier one).
    private struct Authorized: Sendable {
        let execution: CreditExecution
        let hold: ExecutionRecord?
    }

    /// Charges the real amount of a hold and releases the rest. Above the estimate, the extra is charged only as far as the
    /// wallet can pay (available credits, overdraft included) and the spending caps allow (the hold's estimate counted already);
    /// what it cannot pay is recorded as `uncoveredCredits`, never overspent.
    func settleCredits(_ request: SettleCreditsRequest, context: RPCServerContext) async throws -> CreditExecution {
        let tokens = request.tokens.usage
        try validate(tokens, prefix: "")
        let traceparent = context.metadata.traceparent
        return try await resolveHold(request.authorizationId, context: context) { wallet, session, hold in
            let actual = try price(hold.rate, tokens)
            let tag = MovementTag(executionId: hold.id, userId: hold.userId, featureId: hold.featureId, model: hold.model, tokens: tokens)
            let estimate = hold.estimatedCredits ?? .zero
            // A hold of nothing settled for a million tokens is held to the caps like a charge of a million.
            let room = try await session.capRoom(wallet, userId: hold.userId, featureId: hold.featureId, at: hold.createdAt)
            let allowed = room.map { Credits.min(actual, estimate + Credits.max($0, .zero)) } ?? actual
            wallet.book.unhold(estimate, kind: .settle, tag: tag)
            let debit = wallet.book.debit(allowed, kind: .settle, partial: true, tag: tag)!
            let charged = allowed - debit.uncovered
            let uncovered = actual - charged
            let counters = SpendingWindows.spendKeys(
                caps: wallet.caps, userId: hold.userId, featureId: hold.featureId, at: hold.createdAt, in: wallet.timeZone,
                delta: charged - estimate
            ).map(\.key)
            session.spent(&wallet, traceparent: traceparent)
            wallet.stage(
                .resolve(id: hold.id, status: .settled, tokens: tokens, credits: charged, uncovered: uncovered.isZero ? nil : uncovered),
                counters: counters)
            var settled = hold
            settled.status = .settled
            settled.tokens = tokens
            settled.credits = charged
            settled.uncovered = uncovered.isZero ? nil : uncovered
            settled.resolvedAt = wallet.book.now
            return execution(settled, draws: debit.draws, wallet: wallet)
        }
    }

    func releaseCredits(_ request: ExecutionRequest, context: RPCServerContext) async throws -> CreditExecution {
        try await resolveHold(request.id, context: context) { wallet, session, hold in
            let tag = MovementTag(executionId: hold.id, userId: hold.userId, featureId: hold.featureId, model: hold.model, tokens: nil)
            let estimate = hold.estimatedCredits ?? .zero
            wallet.book.unhold(estimate, kind: .release, tag: tag)
            let counters = SpendingWindows.spendKeys(
                caps: wallet.caps, userId: hold.userId, featureId: hold.featureId, at: hold.createdAt, in: wallet.timeZone,
                delta: .zero - estimate
            ).map(\.key)
            wallet.stage(.resolve(id: hold.id, status: .released, tokens: nil, credits: nil, uncovered: nil), counters: counters)
            var released = hold
            released.status = .released
            released.resolvedAt = wallet.book.now
            return execution(released, draws: [], wallet: wallet)
        }
    }

    func getExecution(_ request: ExecutionRequest, context: RPCServerContext) async throws -> CreditExecution {
        let id = request.id.rawValue
        let tenant = context.tenant
        guard let record = try await database.withTenant(tenant, { try await wallets.execution(id: id, tenant: tenant, on: $0) }) else {
            throw LedgerError.executionNotFound(request.id)
        }
        return execution(record, draws: [], wallet: nil)
    }

    /// Locks the hold's wallet, then resolves the hold if it is still HELD (the sweep under the same lock may just have expired it).
    /// A hold this process authorized is known but for its status, which the lock's read brings; another is read under the lock.
    private func resolveHold(
        _ executionID: ExecutionID, context: RPCServerContext,
        _ body: @escaping @Sendable (inout LockedWallet, WalletSession, ExecutionRecord) async throws -> CreditExecution
    ) async throws
        -> CreditExecution
    {
        let id = executionID.rawValue
        let tenant = context.tenant
        let known = openHolds.record(of: id, tenant: tenant)
        let account: UUID
        if let known {
            account = known.account
        } else if let found = try await database.withTenant(
            tenant, genericPlans: true, { try await wallets.execution(id: id, tenant: tenant, on: $0) })
        {
            account = found.account
        } else {
            throw LedgerError.executionNotFound(executionID.description)
        }
        defer { openHolds.forget(id, tenant: tenant) }
        return try await withWallet(AccountID(rawValue: account), tenant: tenant, hold: known?.id, options: context.peerCallOptions) {
            wallet, session in
            let hold: ExecutionRecord
            if var known, let status = wallet.holdStatuses[id] {
                known.status = status
                hold = known
            } else if var read = try await wallets.execution(id: id, tenant: tenant, on: session.connection), read.account == session.account {
                read.status = wallet.holdStatuses[id] ?? read.status  // resolved earlier in this batch, not saved yet
                hold = read
            } else {
                throw LedgerError.executionNotFound(executionID.description)
            }
            guard hold.status == .held else { throw LedgerError.holdResolved(id: executionID.description, status: hold.status.rawValue) }
            return try await body(&wallet, session, hold)
        }
    }

    // MARK: - Reading and settings

    func wallet(_ request: WalletRequest, context: RPCServerContext) async throws -> CreditWallet {
        try await withWallet(request.billingAccountId, tenant: context.tenant, options: context.peerCallOptions) { wallet, session in
            try await view(&wallet, session: session)
        }
    }

    func setWalletSettings(_ request: SetWalletSettingsRequest, context: RPCServerContext) async throws -> CreditWallet {
        let settings = request.settings
        if let overdraft = settings.overdraftLimit, overdraft.isNegative || overdraft > WalletBook.maximumAmount {
            throw LedgerError.invalid("overdraftLimit", "overdraftLimit must be from 0 to \(WalletBook.maximumAmount.text)")
        }
        for (index, cap) in (settings.spendingCaps ?? []).enumerated() {
            if cap.credits.isNegative { throw LedgerError.invalid("spendingCaps/\(index)/credits", "a cap must not be negative") }
            if let user = cap.userId, !(1...200).contains(user.utf8.count) {
                throw LedgerError.invalid("spendingCaps/\(index)/userId", "userId must be 1 to 200 bytes")
            }
            if let feature = cap.featureId, !(1...200).contains(feature.utf8.count) {
                throw LedgerError.invalid("spendingCaps/\(index)/featureId", "featureId must be 1 to 200 bytes")
            }
        }
        let caps = settings.spendingCaps ?? []
        guard Set(caps.map { "\(SpendingWindows.counter(of: $0))|\($0.period.rawValue)" }).count == caps.count else {
            throw LedgerError.invalid("spendingCaps", "one cap per user (or account), feature and period")
        }
        for (name, value) in [
            ("perMinute", settings.rateLimits?.perMinute), ("perHour", settings.rateLimits?.perHour), ("perDay", settings.rateLimits?.perDay),
        ] {
            if let value, !(1...1_000_000_000).contains(value) {
                throw LedgerError.invalid("rateLimits/\(name)", "\(name) must be from 1 to 1000000000")
            }
        }
        if let thresholds = settings.alertThresholds {
            guard (1...10).contains(thresholds.count), thresholds.allSatisfy({ (1...100).contains($0) }), thresholds == thresholds.sorted(),
                Set(thresholds).count == thresholds.count
            else {
                throw LedgerError.invalid("alertThresholds", "alertThresholds must be 1 to 10 ascending percentages from 1 to 100")
            }
        }
        if let block = settings.blockAtPercent, !(settings.alertThresholds ?? AllowanceAlerts.thresholds).contains(block) {
            throw LedgerError.invalid("blockAtPercent", "blockAtPercent must be one of the alert thresholds")
        }
        if let days = settings.expiryWarningDays, !(0...365).contains(days) {
            throw LedgerError.invalid("expiryWarningDays", "expiryWarningDays must be from 0 to 365")
        }
        if let recharge = settings.autoRecharge {
            if recharge.threshold.isNegative { throw LedgerError.invalid("autoRecharge/threshold", "threshold must not be negative") }
            let package = try await RPCError.unlessNotFound { () async throws(RPCError) in
                try await catalog.call(
                    CatalogAPI.creditPackages.getByCode, GetItemByCodeRequest(code: recharge.packageCode), options: context.peerCallOptions)
            }
            guard package != nil else { throw LedgerError.packageNotFound(recharge.packageCode) }
        }
        let tenant = context.tenant
        return try await withWallet(request.billingAccountId, tenant: tenant, options: context.peerCallOptions) { wallet, session in
            let overdraft = settings.overdraftLimit ?? .zero
            guard wallet.book.balance - wallet.book.held + overdraft >= .zero else {
                throw LedgerError.conflict(
                    "OVERDRAFT_IN_USE",
                    "the wallet uses \((wallet.book.held - wallet.book.balance).text) credits of overdraft now; the limit cannot go below that")
            }
            try await wallets.replaceSettings(
                account: session.account, settings: settings, at: wallet.book.now, tenant: tenant, on: session.connection)
            wallet.book.overdraftLimit = overdraft
            wallet.caps = settings.spendingCaps ?? []
            wallet.rateLimits = settings.rateLimits ?? ExecutionRateLimits()
            wallet.recharge = settings.autoRecharge.map { AutoRecharge(packageCode: $0.packageCode, threshold: $0.threshold) }
            wallet.rechargePending = nil
            wallet.alertThresholds = settings.alertThresholds ?? AllowanceAlerts.thresholds
            wallet.blockAtPercent = settings.blockAtPercent
            wallet.thresholdBlocked = false
            return try await view(&wallet, session: session)
        }
    }

    func auditWallet(_ request: WalletRequest, context: RPCServerContext) async throws -> WalletAudit {
        try await withWallet(request.billingAccountId, tenant: context.tenant, options: context.peerCallOptions) { wallet, session in
            try await session.flush(&wallet)
            let sums = try await wallets.audit(account: session.account, tenant: session.tenant, on: session.connection)
            let book = wallet.book
            let consistent =
                sums.journalBalance == book.balance && sums.grants - book.debt == book.balance && sums.journalHeld == book.held
                && sums.openHolds == book.held && book.balance - book.held + book.overdraftLimit + book.refundDebt >= .zero
            return WalletAudit(
                billingAccountId: AccountID(rawValue: session.account), balance: book.balance, journalBalance: sums.journalBalance,
                grantsBalance: sums.grants - book.debt, held: book.held, journalHeld: sums.journalHeld, openHolds: sums.openHolds,
                journalEntries: sums.entries, consistent: consistent)
        }
    }

    func consumption(_ request: ConsumptionReportRequest, context: RPCServerContext) async throws -> ConsumptionReport {
        let tenant = context.tenant
        let account = try await references.account(request.billingAccountId, tenant: tenant, options: context.peerCallOptions)
        let month = CalendarMonth(containing: clock.now(), in: account.timeZone).span(in: account.timeZone)
        let since = request.since ?? month.start, until = request.until ?? month.end
        guard since < until else { throw LedgerError.invalid("until", "until must be after since") }
        let rows = try await database.withTenant(tenant) {
            try await wallets.consumption(
                account: account.id, groupBy: request.groupBy, since: since, until: until, timezone: account.timezone,
                tenant: tenant, on: $0)
        }
        return ConsumptionReport(billingAccountId: AccountID(rawValue: account.id), groupBy: request.groupBy, since: since, until: until, rows: rows)
    }

    private func view(_ wallet: inout LockedWallet, session: WalletSession) async throws -> CreditWallet {
        try await session.flush(&wallet)
        let book = wallet.book, now = book.now
        let grants = try await wallets.openGrants(account: session.account, tenant: session.tenant, on: session.connection)
        let account = try await directory.accounts([session.account], tenant: session.tenant, on: session.connection)[session.account]
        let order = ConsumptionOrder.spendable(book.grants, at: now).map(\.id) + book.grants.filter { $0.effectiveAt > now }.map(\.id)
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { (GrantID(rawValue: $0.element), $0.offset) })
        var allowanceUsed: DecimalNumber?, allowanceExpires: Date?
        if let allowance = wallet.allowance, let id = wallet.allowanceGrantId {
            let left = book.grants.first { $0.id == id }
            allowanceUsed = AllowanceAlerts.percent(allowance: allowance, used: allowance - (left?.remaining ?? .zero))
            allowanceExpires = left?.expiresAt
        }
        let statuses = grants.map { grant in
            var grant = grant
            grant.status = GrantStatus.of(remaining: grant.remaining, expiresAt: grant.expiresAt, at: now)
            return grant
        }
        var view = CreditWallet(
            billingAccountId: AccountID(rawValue: session.account), balance: book.balance, held: book.held, available: book.available,
            debt: book.debt,
            monthlyRemaining: book.remaining([.monthly]), purchasedRemaining: book.remaining([.purchase]),
            otherRemaining: book.remaining([.addon, .bonus, .manual, .rollover]), allowance: wallet.allowance, allowanceUsedPercent: allowanceUsed,
            allowanceExpiresAt: allowanceExpires,
            settings: WalletSettings(
                overdraftLimit: book.overdraftLimit, spendingCaps: wallet.caps, rateLimits: wallet.rateLimits,
                autoRecharge: wallet.recharge.map {
                    AutoRecharge(
                        packageCode: $0.packageCode, threshold: $0.threshold,
                        pendingRequestId: wallet.rechargePending.map(RechargeRequestID.init(rawValue:)))
                }, alertThresholds: wallet.alertThresholds, blockAtPercent: wallet.blockAtPercent, thresholdBlocked: wallet.thresholdBlocked),
            grants: statuses.sorted { (position[$0.id] ?? .max) < (position[$1.id] ?? .max) }, livemode: account?.livemode ?? true)
        let windowStart = now.addingTimeInterval(-TimeInterval(WalletProjection.windowDays) * 86_400)
        if let totals = try await history.lifetime(account: session.account, windowStart: windowStart, tenant: session.tenant, on: session.connection)
        {
            view.lifetime = totals.lifetime
            view.settings.expiryWarningDays = totals.expiryWarningDays
            view.projection = WalletProjection.of(
                consumedInWindow: totals.consumedInWindow, available: book.available, allowance: wallet.allowance,
                allowanceRemaining: wallet.allowanceGrantId.map { id in book.grants.first { $0.id == id }?.remaining ?? .zero },
                allowanceExpiresAt: allowanceExpires, at: now)
        }
        return view
    }

    // MARK: - Helpers

    private func validateExecution(key: String, model: String, userId: String?, featureId: String?, costCenter: String?) throws {
        if let costCenter, !(1...200).contains(costCenter.utf8.count) {
            throw LedgerError.invalid("costCenter", "costCenter must be 1 to 200 bytes")
        }
        guard (1...200).contains(key.utf8.count) else { throw LedgerError.invalid("idempotencyKey", "idempotencyKey must be 1 to 200 bytes") }
        guard (1...100).contains(model.utf8.count) else { throw LedgerError.invalid("model", "model must be an AI model id of 1 to 100 bytes") }
        if let userId, !(1...200).contains(userId.utf8.count) { throw LedgerError.invalid("userId", "userId must be 1 to 200 bytes") }
        if let featureId, !(1...200).contains(featureId.utf8.count) { throw LedgerError.invalid("featureId", "featureId must be 1 to 200 bytes") }
        // PostgreSQL text cannot hold U+0000: refused here rather than failing the insert with a 500.
        for (field, value) in [("idempotencyKey", key), ("model", model), ("userId", userId), ("featureId", featureId), ("costCenter", costCenter)] {
            if let value, value.utf8.contains(0) { throw LedgerError.invalid(field, "\(field) cannot contain the NUL character") }
        }
    }

    private func validate(_ tokens: TokenUsage, prefix: String) throws {
        for (name, count) in [
            ("inputTokens", tokens.inputTokens), ("outputTokens", tokens.outputTokens), ("cachedInputTokens", tokens.cachedInputTokens),
        ] {
            let field = prefix.isEmpty ? name : prefix + name.prefix(1).uppercased() + name.dropFirst()
            guard (0...Self.maximumTokens).contains(count) else {
                throw LedgerError.invalid(field, "\(field) must be a whole number from 0 to \(Self.maximumTokens)")
            }
        }
    }

    private func price(_ rate: ModelRate, _ tokens: TokenUsage) throws -> Credits {
        let cost: TokenCost
        do { cost = try TokenCostCalculator.cost(rate, usage: tokens) } catch { throw LedgerError.invalid(error.field, error.message) }
        guard cost.credits <= WalletBook.maximumAmount else {
            throw LedgerError.invalid("inputTokens", "one execution may cost at most \(WalletBook.maximumAmount.text) credits")
        }
        return cost.credits
    }

    private func spendable(_ wallet: LockedWallet, session: WalletSession) throws {
        switch wallet.accountStatus {
        case .closed: throw LedgerError.accountClosed(session.account.text)
        case .suspended: throw LedgerError.accountSuspended(session.account.text)
        default: break
        }
        if wallet.thresholdBlocked, let percent = wallet.blockAtPercent { throw LedgerError.thresholdBlock(percent: percent) }
    }

    func execution(_ record: ExecutionRecord, draws: [(WalletGrant, Credits)], wallet: LockedWallet?, replayed: Bool = false) -> CreditExecution {
        func attributes(_ tokens: TokenUsage?) -> TokenUsageAttributes? {
            tokens.map { TokenUsageAttributes(inputTokens: $0.inputTokens, outputTokens: $0.outputTokens, cachedInputTokens: $0.cachedInputTokens) }
        }
        return CreditExecution(
            id: ExecutionID(rawValue: record.id), billingAccountId: AccountID(rawValue: record.account), kind: record.kind, status: record.status,
            model: record.model, modelVersion: record.modelVersion, userId: record.userId, featureId: record.featureId,
            costCenter: record.costCenter, idempotencyKey: record.idempotencyKey, estimate: attributes(record.estimate),
            estimatedCredits: record.estimatedCredits,
            tokens: attributes(record.tokens), credits: record.credits, uncoveredCredits: record.uncovered, expiresAt: record.expiresAt,
            createdAt: record.createdAt, resolvedAt: record.resolvedAt,
            draws: draws.map { GrantDraw(grantId: GrantID(rawValue: $0.0.id), source: $0.0.source, credits: $0.1) },
            wallet: wallet.map { WalletBalances(balance: $0.book.balance, held: $0.book.held, available: $0.book.available) }, replayed: replayed)
    }
}
