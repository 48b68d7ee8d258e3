import AccountsContract
import BillingCore
import BillingEventsPostgres
import BillingPostgres
import CatalogContract
import Foundation
import LedgerContract
import Logging
import PostgresNIO

/// A wallet row locked for one transaction, with what the rules need: grants with credits left, caps, settings.
struct LockedWallet: Sendable {
    var book: WalletBook
    let accountStatus: AccountStatus
    let timeZone: TimeZone
    var holdsExpireAt: Date?
    var allowanceGrantId: UUID?
    var allowance: Credits?
    var alertsSent: Int
    var exhausted: Bool
    var rateLimits: ExecutionRateLimits
    var recharge: AutoRecharge?
    var rechargePending: UUID?
    var caps: [SpendingCap]
    /// The allowance's alert percentages, the one that blocks spending (if any), and whether that block is on.
    var alertThresholds = AllowanceAlerts.thresholds
    var blockAtPercent: Int?
    var thresholdBlocked = false
    /// The status, under the lock, of the holds the transaction's operations resolve (those whose record they already had),
    /// kept current as the transaction expires or resolves them.
    var holdStatuses: [UUID: ExecutionStatus]
    /// The execution already recorded under the current operation's idempotency key, if any.
    var replay: UUID?

    // Staged by the transaction's operations, written together by ``WalletStore/save(_:account:tenant:on:)``.
    var executions: [ExecutionWrite] = []
    var counters: [CounterDelta] = []
    var events: [WalletEvent] = []
    /// Set when a refused operation must still commit what it announced (the exhausted notice).
    var commitRefusal = false
    /// Whether an operation changed the wallet since it was last saved.
    var unsaved = false
    /// Executions staged and saves made so far in the transaction (an operation's own are the difference).
    var staged = 0
    var saves = 0

    mutating func stage(_ write: ExecutionWrite, counters: [CounterDelta]) {
        executions.append(write)
        staged += 1
        self.counters += counters
    }

    /// An execution this transaction recorded and has not written yet.
    func staged(_ id: UUID) -> ExecutionRecord? {
        for case .insert(let record) in executions where record.id == id { return record }
        return nil
    }
}

/// A broken rule of the wallet's writes (a write that did not take its lock, a hold resolved twice): the transaction rolls back.
struct WalletWriteError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// An integration event the wallet appends to the outbox when it is saved (the outbox's own `PendingEvent` is its row).
struct WalletEvent: Sendable {
    let append: @Sendable (PostgresConnection) async throws -> Void
}

/// A new execution row, or how an open one resolved.
enum ExecutionWrite: Sendable {
    case insert(ExecutionRecord)
    case resolve(id: UUID, status: ExecutionStatus, tokens: TokenUsage?, credits: Credits?, uncovered: Credits?)
}

/// An execution as stored.
struct ExecutionRecord: Sendable {
    let id: UUID
    let account: UUID
    let idempotencyKey: String
    let kind: String
    var status: ExecutionStatus
    let model: String
    let modelVersion: Int
    let rate: ModelRate
    let userId: String?
    let featureId: String?
    var costCenter: String? = nil
    let estimate: TokenUsage?
    let estimatedCredits: Credits?
    var tokens: TokenUsage?
    var credits: Credits?
    var uncovered: Credits?
    let expiresAt: Date?
    let createdAt: Date
    var resolvedAt: Date?
}

/// A change to a spending or execution counter.
struct CounterDelta: Sendable, Hashable {
    let counter: String
    let period: String
    let windowStart: Date
    var value: Credits
}

/// SQL of the credit wallets: one lock, one read of everything, one statement writing every change.
struct WalletStore: Sendable {
    let logger: Logger

    func create(account: UUID, tenant: String, at now: Date, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO credit_wallets (tenant_id, account_id, updated_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
                    """, binds: try .of(tenant, account, now)), logger: logger)
    }

    /// Locks the wallet (nil when it does not exist yet) and reads it, with the executions already recorded under
    /// `idempotencyKeys` (by key) and the status of `holds`: one statement, run a second time in the rare case that the
    /// wallet changed between its snapshot and the lock (see ``ReadWallet``).
    func lock(
        account: UUID, tenant: String, idempotencyKeys: [String], holds: [UUID], now: Date, on connection: PostgresConnection
    ) async throws
        -> (wallet: LockedWallet, replays: [String: UUID])?
    {
        let read = ReadWallet(tenant: tenant, account: account, idempotencyKeys: idempotencyKeys, holds: holds)
        guard var row = try await connection.firstRow(read, logger: logger) else { return nil }
        if try !Self.current(row) {
            // The first read waited for the lock, or raced a commit: now the lock is held, a new snapshot sees the last commit.
            guard let again = try await connection.firstRow(read, logger: logger), try Self.current(again) else {
                throw WalletWriteError(message: "the wallet of \(account) changed under its lock")
            }
            row = again
        }
        let cells = row.makeRandomAccess()
        func credits(_ index: Int) throws -> Credits { try Credits.parse(try cells[index].decode(String.self)) }
        func optionalCredits(_ index: Int) throws -> Credits? { try cells[index].decode(String?.self).map { try Credits.parse($0) } }
        let grants = try Self.decodeJSON([GrantJSON].self, cells[17], empty: []).map { try $0.grant() }
        let caps = try Self.decodeJSON([CapJSON].self, cells[18], empty: []).map { try $0.cap() }
        let book = WalletBook(
            now: now, balance: try credits(0), held: try credits(1), debt: try credits(2), refundDebt: try credits(23),
            overdraftLimit: try credits(3),
            grants: grants)
        let rechargePackage = try cells[12].decode(String?.self)
        let rechargeThreshold = try optionalCredits(13)
        let replays = try Self.decodeJSON([String: UUID].self, cells[19], empty: [:])
        var holdStatuses: [UUID: ExecutionStatus] = [:]
        for (id, status) in try Self.decodeJSON([String: String].self, cells[20], empty: [:]) {
            if let id = UUID(uuidString: id), let status = ExecutionStatus(rawValue: status) { holdStatuses[id] = status }
        }
        var wallet = LockedWallet(
            book: book, accountStatus: AccountStatus(rawValue: try cells[15].decode(String.self)) ?? .closed,
            timeZone: TimeZone(identifier: try cells[16].decode(String.self)) ?? TimeZone(identifier: "UTC")!,
            holdsExpireAt: try cells[4].decode(Date?.self), allowanceGrantId: try cells[5].decode(UUID?.self), allowance: try optionalCredits(6),
            alertsSent: Int(try cells[7].decode(Int16.self)), exhausted: try cells[8].decode(Bool.self),
            rateLimits: ExecutionRateLimits(
                perMinute: try cells[9].decode(Int32?.self).map(Int.init), perHour: try cells[10].decode(Int32?.self).map(Int.init),
                perDay: try cells[11].decode(Int32?.self).map(Int.init)),
            recharge: rechargePackage.flatMap { package in rechargeThreshold.map { AutoRecharge(packageCode: package, threshold: $0) } },
            rechargePending: try cells[14].decode(UUID?.self), caps: caps,
            holdStatuses: holdStatuses)
        if let thresholds = try cells[24].decode(String?.self) {
            wallet.alertThresholds = thresholds.split(separator: ",").compactMap { Int($0) }
        }
        wallet.blockAtPercent = try cells[25].decode(Int16?.self).map(Int.init)
        wallet.thresholdBlocked = try cells[26].decode(Bool.self)
        return (wallet, replays)
    }

    /// A JSON aggregate of ``ReadWallet``; most are empty, which needs no decoder.
    private static func decodeJSON<Value: Decodable>(_ type: Value.Type, _ cell: PostgresCell, empty: Value) throws -> Value {
        let text = try cell.decode(String.self)
        return text == "[]" || text == "{}" ? empty : try StoredJSON.decode(type, text)
    }

    /// Whether a ``ReadWallet`` row's subqueries saw the wallet as locked: the locked version's `xmin` is the snapshot's.
    private static func current(_ row: PostgresRow) throws -> Bool {
        let cells = row.makeRandomAccess()
        return try cells[21].decode(String.self) == cells[22].decode(String?.self)
    }

    /// Marks the wallet's holds whose time ran out EXPIRED; returns them.
    func expireHolds(account: UUID, tenant: String, now: Date, on connection: PostgresConnection) async throws -> [ExecutionRecord] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE credit_executions SET status = 'EXPIRED', resolved_at = $1
                    WHERE tenant_id = $2 AND account_id = $3 AND status = 'HELD' AND expires_at <= $1
                    RETURNING \(Self.executionColumns)
                    """, binds: try .of(now, tenant, account)), logger: logger
        ).map(Self.execution)
    }

    func nextHoldExpiry(account: UUID, tenant: String, on connection: PostgresConnection) async throws -> Date? {
        try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT min(expires_at) FROM credit_executions WHERE tenant_id = $1 AND account_id = $2 AND status = 'HELD'
                    """, binds: try .of(tenant, account)), logger: logger)?.decode(Date?.self)
    }

    /// Current values of counters, by (counter, period, window start).
    func counters(account: UUID, keys: [CounterDelta], tenant: String, on connection: PostgresConnection) async throws -> [CounterDelta: Credits] {
        guard !keys.isEmpty else { return [:] }
        var found: [CounterDelta: Credits] = [:]
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT c.counter, c.period, c.window_start, c.value::text FROM credit_counters c
                    JOIN unnest($1, $2, $3) AS k(counter, period, window_start)
                      ON c.counter = k.counter AND c.period = k.period AND c.window_start = k.window_start
                    WHERE c.tenant_id = $4 AND c.account_id = $5
                    """, binds: try .of(keys.map(\.counter), keys.map(\.period), keys.map(\.windowStart), tenant, account)), logger: logger)
        for row in rows {
            let (counter, period, start, value) = try row.decode((String, String, Date, String).self)
            found[CounterDelta(counter: counter, period: period, windowStart: start, value: .zero)] = try Credits.parse(value)
        }
        return found
    }

    /// Inserts a grant, real or test credits as its account is (`livemode`, answered).
    func insertGrant(
        _ grant: WalletGrant, account: UUID, reference: String?, description: String?, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws -> Bool {
        try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO credit_grants (tenant_id, id, account_id, source, priority, amount, remaining, effective_at, expires_at,
                        reference, description, created_at, livemode)
                    VALUES ($1, $2, $3, $4, $5, $6::numeric, 0,
                            $7, $8, $9, $10, $11,
                            coalesce((SELECT livemode FROM ledger_accounts WHERE tenant_id = $1 AND id = $3), true))
                    RETURNING livemode
                    """,
                binds: try .of(
                    tenant, grant.id, account, grant.source.rawValue, grant.priority, grant.amount.fixedText, grant.effectiveAt, grant.expiresAt,
                    reference, description, now)), logger: logger)?.decode(Bool.self) ?? true
    }

    /// Expires the monthly grants of earlier periods that reference `prefix` (a subscription) at `end` at the latest. Under the
    /// wallet's lock, updating its row when a grant changed, as every change to a wallet's grants does (``ReadWallet`` relies on it).
    func endAllowances(
        account: UUID, referencePrefix: String, before end: Date, at now: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        guard
            try await connection.firstRow(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT 1 FROM credit_wallets WHERE tenant_id = $1 AND account_id = $2 FOR UPDATE
                        """, binds: try .of(tenant, account)), logger: logger) != nil
        else { return }  // no wallet, no grants
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    WITH ended AS (
                        UPDATE credit_grants SET expires_at = $1
                        WHERE tenant_id = $2 AND account_id = $3 AND source = 'MONTHLY' AND starts_with(reference, $4)
                          AND effective_at < $1 AND (expires_at IS NULL OR expires_at > $1)
                        RETURNING 1
                    )
                    UPDATE credit_wallets SET updated_at = $5 WHERE tenant_id = $2 AND account_id = $3 AND EXISTS (SELECT 1 FROM ended)
                    """, binds: try .of(end, tenant, account, referencePrefix, now)), logger: logger)
    }

    /// What the last allowance before `start` of the subscription that `prefix` names left unused: what remains of it plus what
    /// expired of it (whether or not its expiry was written yet). Nil when there was none.
    func unusedAllowance(
        account: UUID, referencePrefix prefix: String, before start: Date, tenant: String, on connection: PostgresConnection
    ) async throws -> Credits? {
        try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT (g.remaining + coalesce((SELECT -sum(j.amount) FROM credit_journal j
                                                    WHERE j.tenant_id = g.tenant_id AND j.grant_id = g.id AND j.kind = 'EXPIRY'), 0))::text
                    FROM credit_grants g
                    WHERE g.tenant_id = $1 AND g.account_id = $2 AND g.source = 'MONTHLY' AND starts_with(g.reference, $3) AND g.effective_at < $4
                    ORDER BY g.effective_at DESC LIMIT 1
                    """, binds: try .of(tenant, account, prefix, start)), logger: logger
        ).map { try Credits.parse(try $0.decode(String.self)) }
    }

    /// The overage billed under `reference`: its account, credits and time.
    func overage(
        reference: String, tenant: String, on connection: PostgresConnection
    ) async throws -> (account: UUID, credits: Credits, billedAt: Date)? {
        guard
            let row = try await connection.firstRow(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT account_id, credits::text, billed_at FROM credit_overages WHERE tenant_id = $1 AND reference = $2
                        """, binds: try .of(tenant, reference)), logger: logger)
        else { return nil }
        let (account, credits, billedAt) = try row.decode((UUID, String, Date).self)
        return (account, try Credits.parse(credits), billedAt)
    }

    func insertOverage(
        reference: String, account: UUID, credits: Credits, at now: Date, tenant: String, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO credit_overages (tenant_id, reference, account_id, credits, billed_at)
                    VALUES ($1, $2, $3, $4::numeric, $5)
                    """, binds: try .of(tenant, reference, account, credits.fixedText, now)), logger: logger)
    }

    func grant(reference: String, tenant: String, on connection: PostgresConnection) async throws -> CreditGrant? {
        try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.grantColumns) FROM credit_grants WHERE tenant_id = $1 AND reference = $2
                    """, binds: try .of(tenant, reference)), logger: logger
        ).map(Self.grant)
    }

    /// The ids of the account's grants whose reference starts with `prefix` (what one invoice's credit packages granted).
    func grantIDs(account: UUID, referencePrefix prefix: String, tenant: String, on connection: PostgresConnection) async throws -> Set<UUID> {
        Set(
            try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT id FROM credit_grants WHERE tenant_id = $1 AND account_id = $2 AND starts_with(reference, $3)
                        """, binds: try .of(tenant, account, prefix)), logger: logger
            ).map { try $0.decode(UUID.self) })
    }

    func grants(account: UUID, ids: [UUID], tenant: String, on connection: PostgresConnection) async throws -> [CreditGrant] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.grantColumns) FROM credit_grants WHERE tenant_id = $1 AND account_id = $2 AND id = ANY($3)
                    """, binds: try .of(tenant, account, ids)), logger: logger
        ).map(Self.grant)
    }

    func execution(id: UUID, tenant: String, on connection: PostgresConnection) async throws -> ExecutionRecord? {
        try await connection.firstRow(ExecutionByID(tenant: tenant, id: id), logger: logger).map(Self.execution)
    }

    /// Writes everything staged on the wallet in one statement (grants, the wallet row, journal rows, counters, executions
    /// recorded and resolved), then its events; afterwards nothing is staged.
    func save(_ wallet: inout LockedWallet, account: UUID, tenant: String, on connection: PostgresConnection) async throws {
        let resolved = try await connection.rows(SaveWallet(wallet: wallet, account: account, tenant: tenant), logger: logger)
        let resolving = wallet.executions.filter { if case .resolve = $0 { true } else { false } }.count
        if resolved.count != resolving {
            throw WalletWriteError(
                message: "\(resolving - resolved.count) of \(resolving) holds were resolved already; nothing of this transaction is kept")
        }
        for event in wallet.events { try await event.append(connection) }
        wallet.book.markSaved()
        wallet.executions = []
        wallet.counters = []
        wallet.events = []
        wallet.unsaved = false
        wallet.saves += 1
    }

    // MARK: - Reads for reports

    func openGrants(account: UUID, tenant: String, on connection: PostgresConnection) async throws -> [CreditGrant] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.grantColumns) FROM credit_grants WHERE tenant_id = $1 AND account_id = $2 AND remaining > 0
                    """, binds: try .of(tenant, account)), logger: logger
        ).map(Self.grant)
    }

    /// Journal sums, open holds and grants, for the audit.
    func audit(
        account: UUID, tenant: String, on connection: PostgresConnection
    ) async throws
        -> (journalBalance: Credits, journalHeld: Credits, entries: Int64, grants: Credits, openHolds: Credits)
    {
        let row = try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT coalesce((SELECT sum(amount) FROM credit_journal WHERE tenant_id = $1 AND account_id = $2), 0)::text,
                           coalesce((SELECT sum(held_delta) FROM credit_journal WHERE tenant_id = $1 AND account_id = $2), 0)::text,
                           (SELECT count(*) FROM credit_journal WHERE tenant_id = $1 AND account_id = $2),
                           coalesce((SELECT sum(remaining) FROM credit_grants WHERE tenant_id = $1 AND account_id = $2), 0)::text,
                           coalesce((SELECT sum(estimated_credits) FROM credit_executions
                                     WHERE tenant_id = $1 AND account_id = $2 AND status = 'HELD'), 0)::text
                    """, binds: try .of(tenant, account)), logger: logger)!
        let (balance, held, entries, grants, holds) = try row.decode((String, String, Int64, String, String).self)
        return (try Credits.parse(balance), try Credits.parse(held), entries, try Credits.parse(grants), try Credits.parse(holds))
    }

    /// Executions charged or settled in [since, until), grouped.
    func consumption(
        account: UUID, groupBy: ConsumptionGrouping, since: Date, until: Date, timezone: String, tenant: String,
        on connection: PostgresConnection
    ) async throws -> [ConsumptionRow] {
        let key: String
        switch groupBy {
        case .user: key = "coalesce(user_id, '')"
        case .feature: key = "coalesce(feature_id, '')"
        case .model: key = "model_id"
        case .day: key = "to_char(resolved_at AT TIME ZONE $5, 'YYYY-MM-DD')"
        case .costCenter: key = "coalesce(cost_center, '')"
        }
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(key) AS k, count(*), coalesce(sum(credits), 0)::text, coalesce(sum(input_tokens), 0)::int8,
                        coalesce(sum(output_tokens), 0)::int8,
                           coalesce(sum(cached_tokens), 0)::int8,
                           coalesce(sum(estimated_credits) FILTER (WHERE status = 'SETTLED'), 0)::text,
                           coalesce(sum(credits) FILTER (WHERE status = 'SETTLED'), 0)::text, max(resolved_at)
                    FROM credit_executions
                    WHERE tenant_id = $1 AND account_id = $2 AND status IN ('CHARGED', 'SETTLED') AND resolved_at >= $3 AND resolved_at < $4
                    GROUP BY k ORDER BY k
                    """, binds: try .of(tenant, account, since, until, timezone)), logger: logger)
        return try rows.map { row in
            let (key, count, credits, input, output, cached, estimated, settled, last) = try row.decode(
                (String, Int64, String, Int64, Int64, Int64, String, String, Date?).self)
            let estimate = try Credits.parse(estimated), actual = try Credits.parse(settled)
            return ConsumptionRow(
                key: key, executions: count, credits: try Credits.parse(credits), inputTokens: input, outputTokens: output,
                cachedInputTokens: cached, estimatedCredits: estimate,
                estimateAccuracyPercent: estimate.isZero ? nil : AllowanceAlerts.percent(allowance: estimate, used: actual), lastActiveAt: last)
        }
    }

    func replaceSettings(account: UUID, settings: WalletSettings, at now: Date, tenant: String, on connection: PostgresConnection) async throws {
        let rates = settings.rateLimits
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE credit_wallets SET overdraft_limit = $1::numeric,
                        max_per_minute = $2, max_per_hour = $3, max_per_day = $4,
                        recharge_package = $5, recharge_threshold = $6::numeric,
                        recharge_pending = NULL, updated_at = $7, alert_thresholds = $10::smallint[], block_at_percent = $11,
                        threshold_blocked = false, expiry_warning_days = $12
                    WHERE tenant_id = $8 AND account_id = $9
                    """,
                binds: try .of(
                    (settings.overdraftLimit ?? .zero).fixedText, rates?.perMinute, rates?.perHour, rates?.perDay, settings.autoRecharge?.packageCode,
                    settings.autoRecharge?.threshold.fixedText, now, tenant, account, settings.alertThresholds.map { $0.map(Int16.init) },
                    settings.blockAtPercent.map(Int16.init), Int16(settings.expiryWarningDays ?? 7))), logger: logger)
        try await connection.execute(
            PostgresQuery(unsafeSQL: "DELETE FROM credit_spending_caps WHERE tenant_id = $1 AND account_id = $2", binds: try .of(tenant, account)),
            logger: logger)
        let caps = settings.spendingCaps ?? []
        guard !caps.isEmpty else { return }
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO credit_spending_caps (tenant_id, account_id, user_id, feature_id, period, cap)
                    SELECT $1, $2, c.user_id, c.feature_id, c.period, c.cap::numeric
                    FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS c(user_id, feature_id, period, cap)
                    """,
                binds: try .of(
                    tenant, account, caps.map { $0.userId ?? "" }, caps.map { $0.featureId ?? "" }, caps.map(\.period.rawValue),
                    caps.map(\.credits.fixedText))),
            logger: logger)
    }

    // MARK: - Row mapping

    static let grantColumns =
        "id, account_id, source, priority, amount::text, remaining::text, effective_at, expires_at, reference, description, created_at, livemode"

    static func grant(_ row: PostgresRow) throws -> CreditGrant {
        let (id, account, source, priority, amount, remaining, effective, expires, reference, description, created, livemode) = try row.decode(
            (UUID, UUID, String, Int32, String, String, Date, Date?, String?, String?, Date, Bool).self)
        return CreditGrant(
            id: GrantID(rawValue: id), billingAccountId: AccountID(rawValue: account), source: CreditSource(rawValue: source) ?? .manual,
            priority: Int(priority), credits: try Credits.parse(amount), remaining: try Credits.parse(remaining), effectiveAt: effective,
            expiresAt: expires, reference: reference, description: description, livemode: livemode, createdAt: created)
    }

    static let executionColumns = """
        id, account_id, idempotency_key, kind, status, model_id, model_version, rate::text, user_id, feature_id, estimated_input_tokens,
        estimated_output_tokens, estimated_cached_tokens, estimated_credits::text, input_tokens, output_tokens, cached_tokens, credits::text,
        uncovered_credits::text, expires_at, created_at, resolved_at, cost_center
        """

    static func execution(_ row: PostgresRow) throws -> ExecutionRecord {
        let cells = row.makeRandomAccess()
        func tokens(_ index: Int) throws -> TokenUsage? {
            guard let input = try cells[index].decode(Int64?.self) else { return nil }
            return TokenUsage(
                inputTokens: input, outputTokens: try cells[index + 1].decode(Int64?.self) ?? 0,
                cachedInputTokens: try cells[index + 2].decode(Int64?.self) ?? 0)
        }
        func credits(_ index: Int) throws -> Credits? { try cells[index].decode(String?.self).map { try Credits.parse($0) } }
        return ExecutionRecord(
            id: try cells[0].decode(UUID.self), account: try cells[1].decode(UUID.self), idempotencyKey: try cells[2].decode(String.self),
            kind: try cells[3].decode(String.self), status: ExecutionStatus(rawValue: try cells[4].decode(String.self)) ?? .expired,
            model: try cells[5].decode(String.self), modelVersion: Int(try cells[6].decode(Int32.self)),
            rate: try StoredJSON.decode(ModelRate.self, try cells[7].decode(String.self)),
            userId: try cells[8].decode(String?.self), featureId: try cells[9].decode(String?.self),
            costCenter: try cells[22].decode(String?.self), estimate: try tokens(10),
            estimatedCredits: try credits(13), tokens: try tokens(14), credits: try credits(17), uncovered: try credits(18),
            expiresAt: try cells[19].decode(Date?.self), createdAt: try cells[20].decode(Date.self), resolvedAt: try cells[21].decode(Date?.self))
    }
}

private struct GrantJSON: Decodable {
    let id: UUID
    let source: String
    let priority: Int
    let amount: String
    let remaining: String
    let effectiveAt: Int64
    let expiresAt: Int64?

    func grant() throws -> WalletGrant {
        WalletGrant(
            id: id, source: CreditSource(rawValue: source) ?? .manual, priority: priority, amount: try Credits.parse(amount),
            remaining: try Credits.parse(remaining), effectiveAt: RFC3339.instant(microsecondsSince1970: effectiveAt),
            expiresAt: expiresAt.map(RFC3339.instant(microsecondsSince1970:)))
    }
}

private struct CapJSON: Decodable {
    let userId: String
    let featureId: String
    let period: String
    let credits: String

    func cap() throws -> SpendingCap {
        SpendingCap(
            userId: userId.isEmpty ? nil : userId, featureId: featureId.isEmpty ? nil : featureId, period: SpendingPeriod(rawValue: period) ?? .month,
            credits: try Credits.parse(credits))
    }
}
