import BillingCore
import BillingPostgres
import Foundation
import LedgerContract
import Logging
import PostgresNIO

/// An event ready to be stored: validated, its meter applied.
struct RecordedUsageEvent: Sendable {
    let eventId: String
    let accountId: UUID
    let meterId: UUID
    let occurredAt: Date
    let contribution: MeterContribution
    /// The properties as JSON text.
    let properties: String?
    let costCenter: String?
}

/// One hour of one account's meter, in one slot.
struct HourlyAggregate: Sendable {
    let accountId: UUID
    let meterId: UUID
    let bucketStart: Date
    var aggregate: UsageAggregate
}

/// SQL for raw usage events and their pre-aggregates. Rows go in as arrays (`unnest`), one statement per table and batch.
struct UsageStore: Sendable {
    let logger: Logger

    /// Aggregates are per hour: whole hours of a period are read from them, its partial edge hours from raw events.
    static let bucketSeconds: TimeInterval = 3600
    /// Concurrent batches spread over this many rows per hour.
    static let slots = 8

    static func bucket(of instant: Date) -> Date {
        Date(timeIntervalSince1970: (instant.timeIntervalSince1970 / bucketSeconds).rounded(.down) * bucketSeconds)
    }

    /// Stores the events whose id is new; returns those ids (the others were recorded before).
    /// An account's recorded events in timestamp order (then event id), of one meter or all, in `[since, until)`, after `after`.
    func events(
        account: UUID, meter: UUID?, costCenter: String? = nil, since: Date?, until: Date?, after: (Date, String)?, limit: Int, tenant: String,
        on connection: PostgresConnection
    ) async throws -> [UsageEventRecord] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT e.event_id, m.code, e.occurred_at, e.received_at, e.counted, e.value::text, e.properties::text, e.cost_center
                    FROM usage_events e JOIN ledger_meters m ON m.tenant_id = e.tenant_id AND m.id = e.meter_id
                    WHERE e.tenant_id = $1 AND e.account_id = $2 AND ($3::uuid IS NULL OR e.meter_id = $3)
                      AND ($4::timestamptz IS NULL OR e.occurred_at >= $4) AND ($5::timestamptz IS NULL OR e.occurred_at < $5)
                      AND ($6::timestamptz IS NULL OR (e.occurred_at, e.event_id) > ($6, $7::text)) AND ($9::text IS NULL OR e.cost_center = $9)
                    ORDER BY e.occurred_at, e.event_id LIMIT $8
                    """, binds: try .of(tenant, account, meter, since, until, after?.0, after?.1, limit, costCenter)), logger: logger
        ).map { row in
            let (id, code, occurred, received, counted, value, properties, costCenter) = try row.decode(
                (String, String, Date, Date, Bool, String?, String?, String?).self)
            return UsageEventRecord(
                eventId: id, billingAccountId: AccountID(rawValue: account), meterCode: code, timestamp: occurred, receivedAt: received,
                counted: counted, value: try value.map { try DecimalNumber(parsing: $0) },
                properties: try properties.map { try JSONParser.parse($0) },
                costCenter: costCenter)
        }
    }

    /// Removes events stored earlier in this transaction (refused by a limit after all).
    func delete(_ eventIds: [String], tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(unsafeSQL: "DELETE FROM usage_events WHERE tenant_id = $1 AND event_id = ANY($2)", binds: try .of(tenant, eventIds)),
            logger: logger)
    }

    func insert(_ events: [RecordedUsageEvent], receivedAt: Date, tenant: String, on connection: PostgresConnection) async throws -> Set<String> {
        guard !events.isEmpty else { return [] }
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO usage_events (tenant_id, event_id, account_id, meter_id, occurred_at, received_at, counted, value, distinct_key,
                        properties, cost_center)
                    SELECT $1, e.event_id, e.account_id, e.meter_id, e.occurred_at, $2, e.counted, NULLIF(e.value, '')::numeric,
                           CASE WHEN e.has_key THEN e.distinct_key END, NULLIF(e.properties, '')::jsonb, NULLIF(e.cost_center, '')
                    FROM unnest($3::text[], $4::uuid[], $5::uuid[], $6::timestamptz[], $7::bool[], $8::text[], $9::bool[], $10::text[], $11::text[],
                                $12::text[])
                        AS e(event_id, account_id, meter_id, occurred_at, counted, value, has_key, distinct_key, properties, cost_center)
                    ON CONFLICT (tenant_id, event_id) DO NOTHING
                    RETURNING event_id
                    """,
                binds: try .of(
                    tenant, receivedAt, events.map(\.eventId), events.map(\.accountId), events.map(\.meterId), events.map(\.occurredAt),
                    events.map(\.contribution.counted), events.map { $0.contribution.value?.text ?? "" },
                    events.map { $0.contribution.distinctKey != nil },
                    events.map { $0.contribution.distinctKey ?? "" }, events.map { $0.properties ?? "" }, events.map { $0.costCenter ?? "" })),
            logger: logger)
        return Set(try rows.map { try $0.decode(String.self) })
    }

    /// The ids among `ids` already recorded.
    func recorded(_ ids: [String], tenant: String, on connection: PostgresConnection) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return Set(
            try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT event_id FROM usage_events WHERE tenant_id = $1 AND event_id = ANY($2)
                        """, binds: try .of(tenant, ids)), logger: logger
            ).map { try $0.decode(String.self) })
    }

    /// Adds the hours to their slot. Rows are sorted so two batches lock them in the same order (no deadlock).
    func add(_ hours: [HourlyAggregate], slot: Int, tenant: String, on connection: PostgresConnection) async throws {
        guard !hours.isEmpty else { return }
        let sorted = hours.sorted {
            ($0.accountId.uuidString, $0.meterId.uuidString, $0.bucketStart) < ($1.accountId.uuidString, $1.meterId.uuidString, $1.bucketStart)
        }
        let lasts = sorted.map { $0.aggregate.last }
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO usage_aggregates AS a (tenant_id, account_id, meter_id, bucket_start, slot, event_count, value_sum, value_max,
                                                       last_at, last_event_id, last_value)
                    SELECT $1, h.account_id, h.meter_id, h.bucket_start, $2, h.event_count, h.value_sum::numeric, NULLIF(h.value_max, '')::numeric,
                           h.last_at, h.last_event_id, NULLIF(h.last_value, '')::numeric
                    FROM unnest($3::uuid[], $4::uuid[], $5::timestamptz[], $6::int8[], $7::text[], $8::text[], $9::timestamptz[], $10::text[],
                        $11::text[])
                        AS h(account_id, meter_id, bucket_start, event_count, value_sum, value_max, last_at, last_event_id, last_value)
                    ON CONFLICT (tenant_id, account_id, meter_id, bucket_start, slot) DO UPDATE SET
                        event_count = a.event_count + EXCLUDED.event_count,
                        value_sum = a.value_sum + EXCLUDED.value_sum,
                        value_max = GREATEST(a.value_max, EXCLUDED.value_max),
                        last_at = CASE WHEN \(Self.newerLast) THEN EXCLUDED.last_at ELSE a.last_at END,
                        last_event_id = CASE WHEN \(Self.newerLast) THEN EXCLUDED.last_event_id ELSE a.last_event_id END,
                        last_value = CASE WHEN \(Self.newerLast) THEN EXCLUDED.last_value ELSE a.last_value END
                    """,
                binds: try .of(
                    tenant, Int16(slot), sorted.map(\.accountId), sorted.map(\.meterId), sorted.map(\.bucketStart), sorted.map(\.aggregate.count),
                    sorted.map(\.aggregate.sum.text), sorted.map { $0.aggregate.max?.text ?? "" },
                    lasts.map { $0?.at ?? Date(timeIntervalSince1970: 0) },
                    lasts.map { $0?.eventId ?? "" }, lasts.map { $0?.value?.text ?? "" })), logger: logger)
    }

    /// Whether the incoming row's last event is later than the stored one (same order as `LastValue.isAfter`).
    private static let newerLast = #"(EXCLUDED.last_at, EXCLUDED.last_event_id COLLATE "C") > (a.last_at, a.last_event_id COLLATE "C")"#

    /// Records COUNT_DISTINCT keys per hour (sorted, for the same reason as aggregates).
    func addDistinctKeys(
        _ keys: [(accountId: UUID, meterId: UUID, bucketStart: Date, key: String)], tenant: String,
        on connection: PostgresConnection
    ) async throws {
        guard !keys.isEmpty else { return }
        let sorted = keys.sorted {
            ($0.accountId.uuidString, $0.meterId.uuidString, $0.bucketStart, $0.key) < (
                $1.accountId.uuidString, $1.meterId.uuidString, $1.bucketStart, $1.key
            )
        }
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO usage_distinct_keys (tenant_id, account_id, meter_id, bucket_start, distinct_key)
                    SELECT $1, k.account_id, k.meter_id, k.bucket_start, k.distinct_key
                    FROM unnest($2::uuid[], $3::uuid[], $4::timestamptz[],
                                $5::text[]) AS k(account_id, meter_id, bucket_start, distinct_key)
                    ON CONFLICT DO NOTHING
                    """, binds: try .of(tenant, sorted.map(\.accountId), sorted.map(\.meterId), sorted.map(\.bucketStart), sorted.map(\.key))),
            logger: logger)
    }

    /// The meters with counted usage in the hours `span` touches.
    func meters(withUsageIn span: TimeSpan, account: UUID, tenant: String, on connection: PostgresConnection) async throws -> [UUID] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT DISTINCT meter_id FROM usage_aggregates
                    WHERE tenant_id = $1 AND account_id = $2 AND bucket_start >= $3 AND bucket_start < $4
                    """, binds: try .of(tenant, account, Self.bucket(of: span.start), span.end)), logger: logger
        ).map { try $0.decode(UUID.self) }
    }

    /// Each meter's aggregate over `span`: whole hours from the pre-aggregates, partial edge hours from raw events
    /// (each part a range scan of its own index, so a period of millions of events reads a few hundred rows).
    func aggregates(
        account: UUID, meters: [UUID], span: TimeSpan, tenant: String, on connection: PostgresConnection
    ) async throws -> [UUID: UsageAggregate] {
        guard !meters.isEmpty else { return [:] }
        var query = SpanQuery(tenant: tenant, account: account, meters: meters, span: span)
        let rows = try await connection.rows(
            try query.build(
                hours: { range in
                    """
                    SELECT meter_id, sum(event_count)::int8, sum(value_sum)::text, max(value_max)::text,
                           (array_agg(last_at ORDER BY last_at DESC, last_event_id COLLATE "C" DESC))[1],
                           (array_agg(last_event_id ORDER BY last_at DESC, last_event_id COLLATE "C" DESC))[1],
                           (array_agg(last_value::text ORDER BY last_at DESC, last_event_id COLLATE "C" DESC))[1]
                    FROM usage_aggregates WHERE \(range("bucket_start")) GROUP BY meter_id
                    """
                },
                edge: { range in
                    """
                    SELECT meter_id, count(*)::int8, COALESCE(sum(value), 0)::text, max(value)::text,
                           (array_agg(occurred_at ORDER BY occurred_at DESC, event_id COLLATE "C" DESC))[1],
                           (array_agg(event_id ORDER BY occurred_at DESC, event_id COLLATE "C" DESC))[1],
                           (array_agg(value::text ORDER BY occurred_at DESC, event_id COLLATE "C" DESC))[1]
                    FROM usage_events WHERE \(range("occurred_at")) AND counted GROUP BY meter_id
                    """
                }), logger: logger)
        var result: [UUID: UsageAggregate] = [:]
        for row in rows {
            let (meter, count, sum, max, lastAt, lastEventId, lastValue) = try row.decode(
                (UUID, Int64, String, String?, Date?, String?, String?).self)
            let part = UsageAggregate(
                count: count, sum: try DecimalNumber(parsing: sum), max: try max.map { try DecimalNumber(parsing: $0) },
                last: try lastAt.map { LastValue(at: $0, eventId: lastEventId ?? "", value: try lastValue.map { try DecimalNumber(parsing: $0) }) })
            try result[meter, default: UsageAggregate()].merge(part)
        }
        return result
    }

    /// COUNT_DISTINCT's figure per meter over `span`.
    func distinctCounts(
        account: UUID, meters: [UUID], span: TimeSpan, tenant: String, on connection: PostgresConnection
    ) async throws -> [UUID: Int64] {
        guard !meters.isEmpty else { return [:] }
        var query = SpanQuery(tenant: tenant, account: account, meters: meters, span: span)
        let keys = try query.build(
            hours: { range in "SELECT meter_id, distinct_key FROM usage_distinct_keys WHERE \(range("bucket_start"))" },
            edge: { range in "SELECT meter_id, distinct_key FROM usage_events WHERE \(range("occurred_at")) AND counted AND distinct_key IS NOT NULL"
            })
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT meter_id, count(DISTINCT distinct_key)::int8 FROM (\(keys.sql)) keys GROUP BY meter_id",
                binds: keys.binds), logger: logger)
        return Dictionary(uniqueKeysWithValues: try rows.map { try $0.decode((UUID, Int64).self) })
    }

    /// A span cut into the whole hours inside it and the partial hours before and after them (either may be empty).
    static func split(_ span: TimeSpan) -> (head: TimeSpan, hours: TimeSpan, tail: TimeSpan) {
        let firstHour = bucket(of: span.start) == span.start ? span.start : bucket(of: span.start).addingTimeInterval(bucketSeconds)
        let lastHour = bucket(of: span.end)
        guard firstHour < lastHour else {
            return (span, TimeSpan(start: span.start, end: span.start), TimeSpan(start: span.end, end: span.end))
        }
        return (TimeSpan(start: span.start, end: firstHour), TimeSpan(start: firstHour, end: lastHour), TimeSpan(start: lastHour, end: span.end))
    }
}

/// One statement over a span: a part for its whole hours and one per partial edge, joined with UNION ALL; each part
/// filtered on tenant, account, meters and its own range, so every part is one index range scan.
private struct SpanQuery {
    let tenant: String
    let account: UUID
    let meters: [UUID]
    let span: TimeSpan
    private var parameters = SQLParameters()

    init(tenant: String, account: UUID, meters: [UUID], span: TimeSpan) {
        self.tenant = tenant
        self.account = account
        self.meters = meters
        self.span = span
    }

    /// `hours` and `edge` get a function giving the WHERE conditions for a time column.
    mutating func build(hours: ((String) -> String) -> String, edge: ((String) -> String) -> String) throws -> PostgresQuery {
        let split = UsageStore.split(span)
        let common =
            "tenant_id = \(try parameters.bind(tenant)) AND account_id = \(try parameters.bind(account))"
            + " AND meter_id = ANY(\(try parameters.bind(meters)))"
        var parts: [String] = []
        for (range, isHours) in [(split.head, false), (split.hours, true), (split.tail, false)] where range.start < range.end {
            let start = try parameters.bind(range.start)
            let end = try parameters.bind(range.end)
            let condition = { (column: String) in "\(common) AND \(column) >= \(start) AND \(column) < \(end)" }
            parts.append(isHours ? hours(condition) : edge(condition))
        }
        return parameters.query(parts.map { "(\($0))" }.joined(separator: "\nUNION ALL\n"))
    }
}
