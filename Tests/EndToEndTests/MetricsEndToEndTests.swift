import BillingCore
import BillingTesting
import Foundation
import Testing

/// `GET /metrics` on the admin ports, served by swift-prometheus behind swift-metrics: RED per route and per RPC method, the
/// database pool, the outbox, the event consumers and the ledger's wallet batches, with bounded labels.
@Suite("Metrics on the admin ports (real processes)", .timeLimit(.minutes(5)))
struct MetricsEndToEndTests {
    /// One scrape: every sample by its series (`name{labels}`), and the page's text.
    struct Page {
        let text: String
        let samples: [String: Double]

        init(_ text: String) {
            self.text = text
            var samples: [String: Double] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
                samples[String(line[..<space])] = value
            }
            self.samples = samples
        }

        subscript(_ series: String) -> Double? { samples[series] }

        /// The series of `name` whose labels contain every `label="value"` given.
        func series(_ name: String, _ labels: [String] = []) -> [(String, Double)] {
            samples.filter { key, _ in
                (key == name || key.hasPrefix(name + "{")) && labels.allSatisfy { key.contains($0) }
            }.map { ($0.key, $0.value) }
        }
    }

    static func scrape(_ port: Int) async throws -> Page {
        let admin = HTTPTestClient(baseURL: "http://127.0.0.1:\(port)")
        defer { admin.close() }
        let response = try await admin.get("/metrics", token: nil)
        #expect(response.status == 200)
        return Page(response.text)
    }

    @Test(
        """
        the gateway's /metrics counts requests and times them by route template and status (never a raw path or a tenant), and shows its \
        pool and its consumer's lag
        """
    )
    func gateway() async throws {
        let cluster = try await TestCluster.shared.start()
        let port = try #require(cluster.ports["gateway"]).admin
        let tenant = newTenant("metrics")
        let fixture = try await CreditFixture.make(cluster, tenant: tenant)
        for _ in 0..<3 { #expect(try await cluster.client.get("/api/v1/billing-accounts/\(fixture.account)", token: fixture.token).status == 200) }
        _ = try await cluster.client.get("/api/v1/no-such-thing-\(UUID().uuidString)", token: fixture.token)

        var page = try await Self.scrape(port)
        let route = #"route="GET /api/v1/billing-accounts/{id}""#
        #expect((page[#"billing_gateway_requests_total{\#(route),status="200"}"#] ?? 0) >= 3, "\(page.series("billing_gateway_requests_total"))")
        #expect((page[#"billing_gateway_requests_total{route="POST /api/v1/billing-accounts",status="201"}"#] ?? 0) >= 1)
        #expect((page[#"billing_gateway_request_duration_seconds_count{\#(route)}"#] ?? 0) >= 3)
        #expect(page[#"billing_gateway_request_duration_seconds_bucket{\#(route),le="+Inf"}"#] != nil)
        #expect((page[#"billing_gateway_request_duration_seconds_sum{\#(route)}"#] ?? 0) > 0)
        #expect(!page.series("billing_gateway_requests_total", [#"route="unmatched""#]).isEmpty, "an unknown path counts as unmatched")
        // Bounded labels: no id, no raw path, no tenant.
        #expect(!page.text.contains(fixture.account) && !page.text.contains("no-such-thing") && !page.text.contains(tenant))
        #expect(page.text.contains("# HELP billing_gateway_requests_total ") && page.text.contains("# TYPE billing_gateway_requests_total counter"))
        #expect(page.text.contains("# TYPE billing_gateway_request_duration_seconds histogram"))

        Self.expectPool(page, "gateway")
        // The audit consumer samples its lag every few seconds.
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                page = try await Self.scrape(port)
                return !page.series("billing_event_consumer_lag", [#"group="gateway-audit""#]).isEmpty
            }, "the gateway's consumer lag")
        #expect(!page.series("billing_event_consumer_pending", [#"group="gateway-audit""#]).isEmpty)
        #expect(page[#"billing_events_dead_lettered_total{group="gateway-audit"}"#] != nil, "dead letters are exported from 0")
    }

    @Test(
        """
        the ledger's /metrics counts and times its RPC methods by method and code, and shows its pool, its outbox lag, its consumer's \
        lag and dead letters and the sizes of its wallet batches
        """
    )
    func ledger() async throws {
        let cluster = try await TestCluster.shared.start()
        let port = try #require(cluster.ports["ledger"]).admin
        let fixture = try await CreditFixture.make(cluster)
        #expect(try await fixture.grant(100).status == 201)
        // Charges on one wallet at once: those arriving while one runs share the next transaction.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await fixture.charge(1).status } }
            for try await status in group { #expect(status == 201) }
        }

        var page = try await Self.scrape(port)
        let ok = page.series("billing_rpc_server_calls_total", [#"code="ok""#, #"method="billing.ledger.v1."#])
        #expect(ok.reduce(0) { $0 + $1.1 } >= 9, "\(ok)")
        #expect(!page.series("billing_rpc_server_duration_seconds_count", [#"method="billing.ledger.v1."#]).isEmpty)
        #expect(!page.series("billing_rpc_server_duration_seconds_bucket", [#"method="billing.ledger.v1."#, #"le="+Inf""#]).isEmpty)
        #expect(page.text.contains("# TYPE billing_rpc_server_duration_seconds histogram"))
        #expect(!page.text.contains(fixture.account), "no account id in a label")

        // Wallet batches: at least one transaction per operation group, each of 1 to 64 operations.
        let batches = page["billing_ledger_wallet_batch_size_count"] ?? 0
        let operations = page["billing_ledger_wallet_batch_size_sum"] ?? 0
        #expect(batches >= 1 && operations >= 8 && operations >= batches, "\(page.series("billing_ledger_wallet_batch_size"))")
        #expect(page[#"billing_ledger_wallet_batch_size_bucket{le="+Inf"}"#] == batches)

        Self.expectPool(page, "ledger")
        #expect((page[#"billing_db_pool_connections_max{pool="ledger"}"#] ?? 0) == 10, "the test cluster's BILLING_LEDGER_DATABASE_MAX_CONNECTIONS")

        // The relay samples its outbox every few seconds; the consumer its lag.
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                page = try await Self.scrape(port)
                return page[#"billing_outbox_oldest_unpublished_age_seconds{stream="billing.events.ledger"}"#] != nil
                    && !page.series("billing_event_consumer_lag", [#"group="ledger""#, #"stream="billing.events.accounts""#]).isEmpty
            }, "the ledger's outbox and consumer gauges")
        #expect((page[#"billing_outbox_backlog{stream="billing.events.ledger"}"#] ?? -1) >= 0)
        #expect((page[#"billing_outbox_oldest_unpublished_age_seconds{stream="billing.events.ledger"}"#] ?? -1) >= 0)
        #expect(!page.series("billing_event_consumer_pending", [#"group="ledger""#]).isEmpty)
        #expect(page[#"billing_events_dead_lettered_total{group="ledger"}"#] != nil, "dead letters are exported from 0")
        #expect(!page.series("billing_events_consumed_total", [#"group="ledger""#]).isEmpty)
    }

    /// The pool's gauges, consistent with each other.
    static func expectPool(_ page: Page, _ pool: String) {
        let label = #"{pool="\#(pool)"}"#
        let open = page["billing_db_pool_connections_open" + label], inUse = page["billing_db_pool_connections_in_use" + label]
        let idle = page["billing_db_pool_connections_idle" + label], waiting = page["billing_db_pool_waiting" + label]
        let maximum = page["billing_db_pool_connections_max" + label]
        #expect(open != nil && inUse != nil && idle != nil && waiting != nil && maximum != nil, "\(page.series("billing_db_pool"))")
        guard let open, let inUse, let idle, let waiting, let maximum else { return }
        // Each gauge is read at its own instant while the service works, so they are checked one by one.
        #expect(maximum > 0 && open >= 0 && inUse >= 0 && idle >= 0 && waiting >= 0, "open \(open), in use \(inUse), idle \(idle)")
        #expect((page["billing_db_pool_wait_seconds_count" + label] ?? 0) >= 1, "every lease is timed")
        #expect(page["billing_db_pool_lease_failures_total" + label] != nil)
        #expect(page.text.contains("# TYPE billing_db_pool_wait_seconds histogram"))
    }
}
