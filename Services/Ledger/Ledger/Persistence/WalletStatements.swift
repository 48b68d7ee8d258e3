import BillingCore
import BillingPostgres
import Foundation
import LedgerContract
import PostgresNIO

// The statements every wallet operation runs, prepared once per connection and planned once (wallet transactions open
// with `genericPlans`): parsing and planning them was about half of their time in PostgreSQL under `make bench-credits`.
// Each declares its parameters' types, since a NULL carries none.

/// Locks the wallet and reads it with its account, open grants, spending caps, the executions recorded under some
/// idempotency keys and the status of some holds — in one statement, which is only right when nothing changed the wallet
/// between the statement's snapshot and the lock: under READ COMMITTED a statement that waited for the row lock re-reads
/// the locked row but evaluates its subqueries on the snapshot taken before the wait. Every change to a wallet's grants,
/// executions or settings is made under its lock and updates its row, so the locked row's `xmin` (column 21) equals the
/// snapshot's (column 22) when the subqueries are current; when they differ, the caller reads again, under the lock.
struct ReadWallet: PreparedSQL {
    static let name = "ledger_read_wallet"
    static let sql = """
        SELECT w.balance::text, w.held::text, w.debt::text, w.overdraft_limit::text, w.holds_expire_at, w.allowance_grant_id, w.allowance::text,
               w.alerts_sent, w.exhausted, w.max_per_minute, w.max_per_hour, w.max_per_day, w.recharge_package, w.recharge_threshold::text,
               w.recharge_pending, a.status, a.timezone,
               (SELECT coalesce(json_agg(json_build_object('id', g.id, 'source', g.source, 'priority', g.priority, 'amount', g.amount::text,
                                                            'remaining', g.remaining::text,
                                                            'effectiveAt', (extract(epoch FROM g.effective_at) * 1000000)::int8,
                                                            'expiresAt', (extract(epoch FROM g.expires_at) * 1000000)::int8)), '[]')::text
                  FROM credit_grants g WHERE g.tenant_id = w.tenant_id AND g.account_id = w.account_id AND g.remaining > 0),
               (SELECT coalesce(json_agg(json_build_object('userId', c.user_id, 'featureId', c.feature_id, 'period', c.period,
                                                            'credits', c.cap::text)), '[]')::text
                  FROM credit_spending_caps c WHERE c.tenant_id = w.tenant_id AND c.account_id = w.account_id),
               (SELECT coalesce(json_object_agg(e.idempotency_key, e.id), '{}')::text FROM credit_executions e
                  WHERE e.tenant_id = w.tenant_id AND e.idempotency_key = ANY($3)),
               (SELECT coalesce(json_object_agg(e.id, e.status), '{}')::text FROM credit_executions e
                  WHERE e.tenant_id = w.tenant_id AND e.id = ANY($4)),
               w.xmin::text,
               (SELECT s.xmin::text FROM credit_wallets s WHERE s.tenant_id = $1 AND s.account_id = $2),
               w.refund_debt::text, array_to_string(w.alert_thresholds, ','), w.block_at_percent, w.threshold_blocked
        FROM credit_wallets w JOIN ledger_accounts a ON a.tenant_id = w.tenant_id AND a.id = w.account_id
        WHERE w.tenant_id = $1 AND w.account_id = $2
        FOR UPDATE OF w
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid, .textArray, .uuidArray]

    let tenant: String
    let account: UUID
    let idempotencyKeys: [String]
    let holds: [UUID]

    func makeBindings() throws -> PostgresBindings { try .of(tenant, account, idempotencyKeys, holds) }
}

/// One execution by id.
struct ExecutionByID: PreparedSQL {
    static let name = "ledger_execution_by_id"
    static let sql = "SELECT \(WalletStore.executionColumns) FROM credit_executions WHERE tenant_id = $1 AND id = $2"
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid]

    let tenant: String
    let id: UUID

    func makeBindings() throws -> PostgresBindings { try .of(tenant, id) }
}

/// Everything a transaction's operations staged, in one statement: grants' remaining credits, the wallet row, journal rows,
/// counters (summed by window), executions recorded and executions resolved. Empty arrays write nothing. It returns one row
/// per execution resolved: fewer than staged means a hold was no longer HELD, and the caller rolls back.
/// The status a resolved execution must still have (HELD) is a parameter, not a literal: the plan, made once, then finds
/// the execution by its key instead of scanning the tenant's open holds through their partial index.
/// Optional numbers travel as -1, optional texts as '' and optional instants as -1 microseconds since 1970 (arrays carry no NULLs here).
struct SaveWallet: PreparedSQL {
    static let name = "ledger_save_wallet"
    static let sql = """
        WITH grants AS (
            UPDATE credit_grants g SET remaining = u.remaining::numeric
            FROM unnest($4::uuid[], $5::text[]) AS u(id, remaining)
            WHERE g.tenant_id = $1 AND g.id = u.id
        ), wallet AS (
            UPDATE credit_wallets SET balance = $6::numeric, held = $7::numeric, debt = $8::numeric, holds_expire_at = $9,
                allowance_grant_id = $10, allowance = $11::numeric, alerts_sent = $12, exhausted = $13, recharge_pending = $14, updated_at = $3,
                refund_debt = $60::numeric, threshold_blocked = $62,
                consumed_total = consumed_total - coalesce((SELECT sum(j.amount::numeric) FROM unnest($15::text[], $16::text[]) AS j(kind, amount)
                                                            WHERE j.kind IN ('CHARGE', 'SETTLE')), 0),
                expired_total = expired_total - coalesce((SELECT sum(j.amount::numeric) FROM unnest($15::text[], $16::text[]) AS j(kind, amount)
                                                          WHERE j.kind = 'EXPIRY'), 0),
                last_active_at = CASE WHEN $15::text[] && ARRAY['CHARGE', 'HOLD', 'SETTLE'] THEN $3 ELSE last_active_at END
            WHERE tenant_id = $1 AND account_id = $2
        ), journal AS (
            INSERT INTO credit_journal (tenant_id, account_id, kind, amount, held_delta, balance_after, held_after, grant_id, execution_id,
                                        user_id, feature_id, model_id, input_tokens, output_tokens, cached_tokens, created_at)
            SELECT $1, $2, j.kind, j.amount::numeric, j.held_delta::numeric, j.balance_after::numeric, j.held_after::numeric,
                   NULLIF(j.grant_id, '')::uuid, NULLIF(j.execution_id, '')::uuid, NULLIF(j.user_id, ''), NULLIF(j.feature_id, ''),
                   NULLIF(j.model_id, ''), NULLIF(j.input, -1), NULLIF(j.output, -1), NULLIF(j.cached, -1), $3
            FROM unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[],
                        $24::text[], $25::int8[], $26::int8[], $27::int8[])
                 WITH ORDINALITY AS j(kind, amount, held_delta, balance_after, held_after, grant_id, execution_id, user_id, feature_id, model_id,
                                      input, output, cached, n)
            ORDER BY j.n
        ), counters AS (
            INSERT INTO credit_counters (tenant_id, account_id, counter, period, window_start, value)
            SELECT $1, $2, c.counter, c.period, c.window_start, c.value::numeric
            FROM unnest($28::text[], $29::text[], $30::timestamptz[], $31::text[]) AS c(counter, period, window_start, value)
            ON CONFLICT (tenant_id, account_id, counter, period, window_start)
            DO UPDATE SET value = greatest(credit_counters.value + EXCLUDED.value, 0)
        ), inserted AS (
            INSERT INTO credit_executions (tenant_id, id, account_id, idempotency_key, kind, status, model_id, model_version, rate, user_id,
                feature_id,
                estimated_input_tokens, estimated_output_tokens, estimated_cached_tokens, estimated_credits, input_tokens, output_tokens,
                    cached_tokens,
                credits, uncovered_credits, expires_at, created_at, resolved_at, cost_center)
            SELECT $1, x.id, $2, x.key, x.kind, x.status, x.model, x.version, x.rate::jsonb, NULLIF(x.user_id, ''), NULLIF(x.feature_id, ''),
                   NULLIF(x.estimated_input, -1), NULLIF(x.estimated_output, -1), NULLIF(x.estimated_cached, -1), NULLIF(x.estimated_credits,
                       '')::numeric,
                   NULLIF(x.input, -1), NULLIF(x.output, -1), NULLIF(x.cached, -1), NULLIF(x.credits, '')::numeric, NULLIF(x.uncovered, '')::numeric,
                   CASE WHEN x.expires_at < 0 THEN NULL ELSE timestamptz 'epoch' + x.expires_at * interval '1 microsecond' END, $3,
                   CASE WHEN x.resolved_at < 0 THEN NULL ELSE timestamptz 'epoch' + x.resolved_at * interval '1 microsecond' END,
                   NULLIF(x.cost_center, '')
            FROM unnest($32::uuid[], $33::text[], $34::text[], $35::text[], $36::text[], $37::int4[], $38::text[], $39::text[], $40::text[],
                        $41::int8[], $42::int8[], $43::int8[], $44::text[], $45::int8[], $46::int8[], $47::int8[], $48::text[], $49::text[],
                        $50::int8[], $51::int8[], $61::text[])
                 AS x(id, key, kind, status, model, version, rate, user_id, feature_id, estimated_input, estimated_output, estimated_cached,
                      estimated_credits, input, output, cached, credits, uncovered, expires_at, resolved_at, cost_center)
        )
        UPDATE credit_executions e SET status = r.status, input_tokens = NULLIF(r.input, -1), output_tokens = NULLIF(r.output, -1),
            cached_tokens = NULLIF(r.cached, -1), credits = NULLIF(r.credits, '')::numeric, uncovered_credits = NULLIF(r.uncovered, '')::numeric,
            resolved_at = $3
        FROM unnest($52::uuid[], $53::text[], $54::int8[], $55::int8[], $56::int8[], $57::text[], $58::text[])
             AS r(id, status, input, output, cached, credits, uncovered)
        WHERE e.tenant_id = $1 AND e.id = r.id AND e.status = $59
        RETURNING 1
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .uuid, .timestamptz,  // $1-3 tenant, account, now
        .uuidArray, .textArray,  // $4-5 grants
        .text, .text, .text, .timestamptz, .uuid, .text, .int2, .bool, .uuid,  // $6-14 wallet
        .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray,
        .int8Array, .int8Array, .int8Array,  // $15-27 journal
        .textArray, .textArray, .timestamptzArray, .textArray,  // $28-31 counters
        .uuidArray, .textArray, .textArray, .textArray, .textArray, .int4Array, .textArray, .textArray, .textArray, .int8Array, .int8Array,
        .int8Array, .textArray, .int8Array, .int8Array, .int8Array, .textArray, .textArray, .int8Array, .int8Array,  // $32-51 inserted executions
        .uuidArray, .textArray, .int8Array, .int8Array, .int8Array, .textArray, .textArray, .text,  // $52-59 resolved executions
        .text,  // $60 the part of the debt refunds left
        .textArray,  // $61 inserted executions' cost centres
        .bool,  // $62 the preventive block
    ]

    let wallet: LockedWallet
    let account: UUID
    let tenant: String

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 62)
        let book = wallet.book
        b.append(tenant)
        b.append(account)
        b.append(book.now)
        let changed = book.grants.filter { book.changedGrants.contains($0.id) }
        b.append(changed.map(\.id))
        b.append(changed.map(\.remaining.fixedText))
        b.append(book.balance.fixedText)
        b.append(book.held.fixedText)
        b.append(book.debt.fixedText)
        b.append(wallet.holdsExpireAt)
        b.append(wallet.allowanceGrantId)
        b.append(wallet.allowance?.fixedText)
        b.append(Int16(wallet.alertsSent))
        b.append(wallet.exhausted)
        b.append(wallet.rechargePending)
        let journal = book.journal
        b.append(journal.map(\.kind.rawValue))
        b.append(journal.map(\.amount.fixedText))
        b.append(journal.map(\.heldDelta.fixedText))
        b.append(journal.map(\.balanceAfter.fixedText))
        b.append(journal.map(\.heldAfter.fixedText))
        b.append(journal.map { $0.grantId?.uuidString ?? "" })
        b.append(journal.map { $0.tag.executionId?.uuidString ?? "" })
        b.append(journal.map { $0.tag.userId ?? "" })
        b.append(journal.map { $0.tag.featureId ?? "" })
        b.append(journal.map { $0.tag.model ?? "" })
        b.append(journal.map { $0.tag.tokens?.inputTokens ?? -1 })
        b.append(journal.map { $0.tag.tokens?.outputTokens ?? -1 })
        b.append(journal.map { $0.tag.tokens?.cachedInputTokens ?? -1 })
        // One row per counter window: the statement cannot update a row twice.
        var sums: [CounterDelta: Credits] = [:], windows: [CounterDelta] = []
        for delta in wallet.counters {
            let window = CounterDelta(counter: delta.counter, period: delta.period, windowStart: delta.windowStart, value: .zero)
            if sums[window] == nil { windows.append(window) }
            sums[window, default: .zero] += delta.value
        }
        let deltas = windows.compactMap { window in sums[window].flatMap { $0.isZero ? nil : (window, $0) } }
        b.append(deltas.map(\.0.counter))
        b.append(deltas.map(\.0.period))
        b.append(deltas.map(\.0.windowStart))
        b.append(deltas.map(\.1.fixedText))
        var inserted: [ExecutionRecord] = [],
            resolved: [(id: UUID, status: ExecutionStatus, tokens: TokenUsage?, credits: Credits?, uncovered: Credits?)] = []
        for write in wallet.executions {
            switch write {
            case .insert(let record): inserted.append(record)
            case .resolve(let id, let status, let tokens, let credits, let uncovered): resolved.append((id, status, tokens, credits, uncovered))
            }
        }
        func micros(_ date: Date?) -> Int64 { date.map(RFC3339.microsecondsSince1970) ?? -1 }
        b.append(inserted.map(\.id))
        b.append(inserted.map(\.idempotencyKey))
        b.append(inserted.map(\.kind))
        b.append(inserted.map(\.status.rawValue))
        b.append(inserted.map(\.model))
        b.append(inserted.map { Int32($0.modelVersion) })
        b.append(try inserted.map { try StoredJSON.text($0.rate) })
        b.append(inserted.map { $0.userId ?? "" })
        b.append(inserted.map { $0.featureId ?? "" })
        b.append(inserted.map { $0.estimate?.inputTokens ?? -1 })
        b.append(inserted.map { $0.estimate?.outputTokens ?? -1 })
        b.append(inserted.map { $0.estimate?.cachedInputTokens ?? -1 })
        b.append(inserted.map { $0.estimatedCredits?.fixedText ?? "" })
        b.append(inserted.map { $0.tokens?.inputTokens ?? -1 })
        b.append(inserted.map { $0.tokens?.outputTokens ?? -1 })
        b.append(inserted.map { $0.tokens?.cachedInputTokens ?? -1 })
        b.append(inserted.map { $0.credits?.fixedText ?? "" })
        b.append(inserted.map { $0.uncovered?.fixedText ?? "" })
        b.append(inserted.map { micros($0.expiresAt) })
        b.append(inserted.map { micros($0.resolvedAt) })
        b.append(resolved.map(\.id))
        b.append(resolved.map(\.status.rawValue))
        b.append(resolved.map { $0.tokens?.inputTokens ?? -1 })
        b.append(resolved.map { $0.tokens?.outputTokens ?? -1 })
        b.append(resolved.map { $0.tokens?.cachedInputTokens ?? -1 })
        b.append(resolved.map { $0.credits?.fixedText ?? "" })
        b.append(resolved.map { $0.uncovered?.fixedText ?? "" })
        b.append(ExecutionStatus.held.rawValue)
        b.append(book.refundDebt.fixedText)
        b.append(inserted.map { $0.costCenter ?? "" })
        b.append(wallet.thresholdBlocked)
        return b
    }
}
