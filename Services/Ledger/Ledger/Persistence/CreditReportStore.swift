import BillingCore
import BillingPostgres
import Foundation
import Logging
import PostgresNIO

/// The credits report's reads: grants and journal rows of the tenant's live wallets summed per month (test credits left out).
struct CreditReportStore {
    let logger: Logger

    /// Per month (index into `bounds`, whose consecutive instants delimit the months): credits granted per source.
    func granted(bounds: [Date], tenant: String, on connection: PostgresConnection) async throws -> [Int: [String: Credits]] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT b.idx, g.source, sum(g.amount)::text
                    FROM unnest($2::text[]::timestamptz[], $3::text[]::timestamptz[]) WITH ORDINALITY AS b(start_at, end_at, idx)
                    JOIN credit_grants g ON g.tenant_id = $1 AND g.created_at >= b.start_at AND g.created_at < b.end_at AND g.livemode
                    GROUP BY b.idx, g.source
                    """, binds: try .of(tenant, starts(bounds), ends(bounds))), logger: logger)
        var granted: [Int: [String: Credits]] = [:]
        for row in rows {
            let (index, source, amount) = try row.decode((Int64, String, String).self)
            granted[Int(index) - 1, default: [:]][source] = try Credits.parse(amount)
        }
        return granted
    }

    /// Per month: credits consumed (charges and settled holds), expired, and how many accounts consumed.
    func spent(bounds: [Date], tenant: String, on connection: PostgresConnection) async throws -> [Int: (Credits, Credits, Int)] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT b.idx,
                        coalesce(-sum(j.amount) FILTER (WHERE j.kind IN ('CHARGE', 'SETTLE')), 0)::text,
                        coalesce(-sum(j.amount) FILTER (WHERE j.kind = 'EXPIRY'), 0)::text,
                        count(DISTINCT j.account_id) FILTER (WHERE j.kind IN ('CHARGE', 'SETTLE') AND j.amount < 0)
                    FROM unnest($2::text[]::timestamptz[], $3::text[]::timestamptz[]) WITH ORDINALITY AS b(start_at, end_at, idx)
                    JOIN credit_journal j ON j.tenant_id = $1 AND j.kind IN ('CHARGE', 'SETTLE', 'EXPIRY')
                        AND j.created_at >= b.start_at AND j.created_at < b.end_at
                    LEFT JOIN ledger_accounts a ON a.tenant_id = j.tenant_id AND a.id = j.account_id
                    WHERE coalesce(a.livemode, true)
                    GROUP BY b.idx
                    """, binds: try .of(tenant, starts(bounds), ends(bounds))), logger: logger)
        var spent: [Int: (Credits, Credits, Int)] = [:]
        for row in rows {
            let (index, consumed, expired, accounts) = try row.decode((Int64, String, String, Int64).self)
            spent[Int(index) - 1] = (try Credits.parse(consumed), try Credits.parse(expired), Int(accounts))
        }
        return spent
    }

    private func starts(_ bounds: [Date]) -> [String] { bounds.dropLast().map(RFC3339.format) }
    private func ends(_ bounds: [Date]) -> [String] { bounds.dropFirst().map(RFC3339.format) }
}
