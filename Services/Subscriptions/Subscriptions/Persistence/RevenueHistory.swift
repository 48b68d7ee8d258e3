import BillingCore
import BillingPostgres
import Foundation
import Logging
import PostgresNIO
import SubscriptionsContract

/// `subscription_mrr`: each subscription's MRR over time (in annual terms, exact), recorded by the statement that stores the
/// subscription, and read back at month boundaries by the revenue report.
struct RevenueHistory {
    let logger: Logger

    /// Records the MRR of each written subscription when it differs from the last one recorded for it (a subscription never
    /// recorded counts 0). Runs in the transaction that writes the subscriptions, so the history never misses a committed change.
    func record(_ rows: [(tenant: String, subscription: Subscription)], on connection: PostgresConnection) async throws {
        let points = rows.compactMap { tenant, subscription in
            RecurringRevenue.annualAmount(of: subscription).map { annual in
                Point(
                    tenant: tenant, subscription: subscription.id.rawValue, account: subscription.billingAccountId.rawValue,
                    currency: subscription.plan.currency, annual: annual, effectiveAt: RecurringRevenue.effectiveAt(of: subscription),
                    testClock: subscription.testClockId?.rawValue)
            }
        }
        guard !points.isEmpty else { return }
        _ = try await connection.rows(RecordRevenue(points: try StoredJSON.text(points)), logger: logger)
    }

    /// One subscription's MRR as the recording statement's recordset has it.
    private struct Point: Encodable {
        let tenant: String
        let subscription: UUID
        let account: UUID
        let currency: String
        let annual: DecimalNumber
        let effectiveAt: Date
        let testClock: UUID?

        enum CodingKeys: String, CodingKey {
            case tenant = "tenant_id", subscription = "subscription_id", account = "billing_account_id", currency, annual
            case effectiveAt = "effective_at", testClock = "test_clock_id"
        }
    }

    /// Each account's MRR (annual terms) and counting subscriptions at each instant of `instants` (exclusive: what took effect
    /// before it), among the live subscriptions or those of one test clock; accounts without MRR are left out.
    func standings(
        at instants: [Date], testClock: UUID?, tenant: String, on connection: PostgresConnection
    ) async throws -> [[RevenueMovements.AccountKey: RevenueMovements.Standing]] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT b.idx, m.billing_account_id, m.currency, sum(m.annual)::text, count(*)
                    FROM unnest($2::text[]::timestamptz[]) WITH ORDINALITY AS b(at, idx)
                    CROSS JOIN LATERAL (
                        SELECT DISTINCT ON (r.subscription_id) r.billing_account_id, r.currency, r.annual
                        FROM subscription_mrr r
                        WHERE r.tenant_id = $1 AND r.test_clock_id IS NOT DISTINCT FROM $3::uuid AND r.effective_at < b.at
                        ORDER BY r.subscription_id, r.seq DESC
                    ) m
                    WHERE m.annual > 0
                    GROUP BY b.idx, m.billing_account_id, m.currency
                    """, binds: try .of(tenant, instants.map(RFC3339.format), testClock)), logger: logger)
        var standings = Array(repeating: [RevenueMovements.AccountKey: RevenueMovements.Standing](), count: instants.count)
        for row in rows {
            let (index, account, currency, annual, count) = try row.decode((Int64, UUID, String, String, Int64).self)
            standings[Int(index) - 1][RevenueMovements.AccountKey(account: account, currency: currency)] = RevenueMovements.Standing(
                annual: try DecimalNumber(parsing: annual), subscriptions: Int(count))
        }
        return standings
    }

    /// When each account first had MRR in each currency.
    func firstPaid(testClock: UUID?, tenant: String, on connection: PostgresConnection) async throws -> [RevenueMovements.AccountKey: Date] {
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT billing_account_id, currency, min(effective_at) FROM subscription_mrr
                    WHERE tenant_id = $1 AND test_clock_id IS NOT DISTINCT FROM $2::uuid AND annual > 0
                    GROUP BY billing_account_id, currency
                    """, binds: try .of(tenant, testClock)), logger: logger)
        var first: [RevenueMovements.AccountKey: Date] = [:]
        for row in rows {
            let (account, currency, at) = try row.decode((UUID, String, Date).self)
            first[RevenueMovements.AccountKey(account: account, currency: currency)] = at
        }
        return first
    }
}

/// Appends a row per subscription whose MRR differs from its last recorded one.
struct RecordRevenue: PreparedSQL {
    static let name = "subscriptions_record_mrr"
    static let sql = """
        INSERT INTO subscription_mrr (tenant_id, subscription_id, billing_account_id, currency, annual, effective_at, test_clock_id)
        SELECT p.tenant_id, p.subscription_id, p.billing_account_id, p.currency, p.annual, p.effective_at, p.test_clock_id
        FROM jsonb_to_recordset($1::jsonb) AS p(tenant_id text, subscription_id uuid, billing_account_id uuid, currency text,
            annual numeric, effective_at timestamptz, test_clock_id uuid)
        LEFT JOIN LATERAL (
            SELECT m.annual, m.currency FROM subscription_mrr m
            WHERE m.tenant_id = p.tenant_id AND m.subscription_id = p.subscription_id
            ORDER BY m.seq DESC LIMIT 1
        ) last ON true
        WHERE (last.annual IS NULL AND p.annual > 0) OR last.annual <> p.annual OR last.currency <> p.currency
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]
    let points: String
    func makeBindings() throws -> PostgresBindings { try .of(points) }
}
