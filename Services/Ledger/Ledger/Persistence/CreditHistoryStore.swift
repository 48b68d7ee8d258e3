import BillingCore
import BillingPostgres
import Foundation
import LedgerContract
import PostgresNIO

/// SQL for reading a wallet's history: its grants and executions listed, and its lifetime totals. Nothing here locks a wallet.
struct CreditHistoryStore {
    let logger: Logger

    /// A grant's status as of `$2` (see ``GrantStatus/of(remaining:expiresAt:at:)``), in SQL.
    private static let grantStatus = """
        CASE WHEN expires_at IS NOT NULL AND expires_at <= $2 THEN 'EXPIRED' WHEN remaining = 0 THEN 'USED_UP' ELSE 'ACTIVE' END
        """

    func grants(_ request: ListCreditGrantsRequest, at now: Date, tenant: String, on connection: PostgresConnection) async throws -> CreditGrantPage {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(WalletStore.grantColumns) FROM credit_grants
                    WHERE tenant_id = $1 AND ($3::uuid IS NULL OR account_id = $3) AND ($4::text IS NULL OR source = $4)
                      AND ($5::text IS NULL OR \(Self.grantStatus) = $5) AND ($6::timestamptz IS NULL OR created_at >= $6)
                      AND ($7::timestamptz IS NULL OR created_at < $7) AND ($8::uuid IS NULL OR id > $8)
                    ORDER BY id LIMIT $9
                    """,
                binds: try .of(
                    tenant, now, request.billingAccountId?.rawValue, request.source?.rawValue, request.status?.rawValue, request.since,
                    request.until, request.after?.rawValue, request.pageSize + 1)), logger: logger)
        var items = try rows.map { row in
            var grant = try WalletStore.grant(row)
            grant.status = GrantStatus.of(remaining: grant.remaining, expiresAt: grant.expiresAt, at: now)
            return grant
        }
        let next = items.trimPage(to: request.pageSize)
        return CreditGrantPage(items: items, nextCursor: next?.id)
    }

    func executions(_ request: ListExecutionsRequest, tenant: String, on connection: PostgresConnection) async throws -> [ExecutionRecord] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(WalletStore.executionColumns) FROM credit_executions
                    WHERE tenant_id = $1 AND ($2::uuid IS NULL OR account_id = $2) AND ($3::text IS NULL OR user_id = $3)
                      AND ($4::text IS NULL OR feature_id = $4) AND ($5::text IS NULL OR model_id = $5) AND ($6::text IS NULL OR status = $6)
                      AND ($7::timestamptz IS NULL OR created_at >= $7) AND ($8::timestamptz IS NULL OR created_at < $8)
                      AND ($9::uuid IS NULL OR id > $9) AND ($11::text IS NULL OR cost_center = $11)
                    ORDER BY id LIMIT $10
                    """,
                binds: try .of(
                    tenant, request.billingAccountId?.rawValue, request.userId, request.featureId, request.model, request.status?.rawValue,
                    request.since, request.until, request.after?.rawValue, request.pageSize + 1, request.costCenter)), logger: logger
        ).map(WalletStore.execution)
    }

    /// The wallet's lifetime totals — consumed and expired as its row keeps them, granted and purchased summed from its grants — and
    /// the credits its executions created since `windowStart` consumed.
    func lifetime(
        account: UUID, windowStart: Date, tenant: String, on connection: PostgresConnection
    ) async throws -> (lifetime: WalletLifetime, consumedInWindow: Credits, expiryWarningDays: Int)? {
        guard
            let row = try await connection.firstRow(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT w.consumed_total::text, w.expired_total::text, w.last_active_at,
                               coalesce((SELECT sum(g.amount) FROM credit_grants g WHERE g.tenant_id = $1 AND g.account_id = $2), 0)::text,
                               coalesce((SELECT sum(g.amount) FROM credit_grants g
                                         WHERE g.tenant_id = $1 AND g.account_id = $2 AND g.source = 'PURCHASE'), 0)::text,
                               coalesce((SELECT sum(e.credits) FROM credit_executions e
                                         WHERE e.tenant_id = $1 AND e.account_id = $2 AND e.created_at >= $3
                                           AND e.status IN ('CHARGED', 'SETTLED')), 0)::text,
                               w.expiry_warning_days
                        FROM credit_wallets w WHERE w.tenant_id = $1 AND w.account_id = $2
                        """, binds: try .of(tenant, account, windowStart)), logger: logger)
        else { return nil }
        let (consumed, expired, last, granted, purchased, recent, warningDays) = try row.decode(
            (String, String, Date?, String, String, String, Int16).self)
        return (
            WalletLifetime(
                purchased: try Credits.parse(purchased), granted: try Credits.parse(granted), consumed: try Credits.parse(consumed),
                expired: try Credits.parse(expired), lastActiveAt: last),
            try Credits.parse(recent), Int(warningDays)
        )
    }

    /// Marks up to `limit` grants of every tenant warned about — credits left, expiring after `now` and within their wallet's
    /// `expiry_warning_days`, not warned before — and answers them. `SKIP LOCKED`: replicas share the work; one commit marks and
    /// announces, so each grant is announced once.
    func markExpiring(limit: Int, at now: Date, on connection: PostgresConnection) async throws -> [(tenant: String, event: CreditsExpiring)] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    WITH due AS (
                        SELECT g.tenant_id, g.id FROM credit_grants g
                        JOIN credit_wallets w ON w.tenant_id = g.tenant_id AND w.account_id = g.account_id
                        WHERE g.remaining > 0 AND g.expires_at IS NOT NULL AND g.expiry_warned_at IS NULL AND g.expires_at > $1
                          AND g.expires_at <= $1 + w.expiry_warning_days * interval '1 day'
                        ORDER BY g.expires_at LIMIT $2
                        FOR UPDATE OF g SKIP LOCKED
                    )
                    UPDATE credit_grants g SET expiry_warned_at = $1 FROM due WHERE g.tenant_id = due.tenant_id AND g.id = due.id
                    RETURNING g.tenant_id, g.id, g.account_id, g.source, g.remaining::text, g.expires_at
                    """, binds: try .of(now, limit)), logger: logger
        ).map { row in
            let (tenant, id, account, source, remaining, expires) = try row.decode((String, UUID, UUID, String, String, Date).self)
            return (
                tenant,
                CreditsExpiring(
                    billingAccountId: AccountID(rawValue: account), grantId: GrantID(rawValue: id), source: CreditSource(rawValue: source) ?? .manual,
                    remaining: try Credits.parse(remaining), expiresAt: expires)
            )
        }
    }

    /// The 95th percentile of the input, output and cached tokens of the last `samples` settled executions of `model` for `feature`
    /// (the tenant's), and how many there were; nil when there were none.
    func estimate(
        model: String, feature: String?, samples: Int, tenant: String, on connection: PostgresConnection
    ) async throws
        -> (tokens: TokenUsage, samples: Int)?
    {
        let row = try await connection.firstRow(
            PostgresQuery(
                unsafeSQL: """
                    SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY input_tokens), percentile_disc(0.95) WITHIN GROUP (ORDER BY output_tokens),
                           percentile_disc(0.95) WITHIN GROUP (ORDER BY coalesce(cached_tokens, 0)), count(*)
                    FROM (SELECT input_tokens, output_tokens, cached_tokens FROM credit_executions
                          WHERE tenant_id = $1 AND model_id = $2 AND feature_id IS NOT DISTINCT FROM $3 AND status = 'SETTLED'
                          ORDER BY created_at DESC LIMIT $4) AS recent
                    """, binds: try .of(tenant, model, feature, samples)), logger: logger)
        guard let row else { return nil }
        let (input, output, cached, count) = try row.decode((Int64?, Int64?, Int64?, Int64).self)
        guard count > 0 else { return nil }
        return (TokenUsage(inputTokens: input ?? 0, outputTokens: output ?? 0, cachedInputTokens: cached ?? 0), Int(count))
    }
}
