// `make bench-notifications`: webhook deliveries through the real services (release build, PostgreSQL, Redis) to a local
// receiver. A tenant registers 100 endpoints for `billing.account.created`; (a) BENCH_NOTIFICATIONS_EVENTS accounts (100) are
// created by 8 clients, so each event is 100 deliveries: deliveries per second from the first create to the last arrival,
// and the delay from each event's commit (its envelope `time`) to its arrival, p50/p99; (b) the same once one endpoint points
// at a server that never answers (each attempt times out after 10 s): the 99 others' p99, as a ratio to (a)'s. Reports
// numbers; asserts nothing.
import BillingCore
import BillingTesting
import Foundation

let environment = ProcessInfo.processInfo.environment
let eventCount = Int(environment["BENCH_NOTIFICATIONS_EVENTS"] ?? "") ?? 100
let endpointCount = 100

let cluster = TestCluster(environment: ["BILLING_LOG_LEVEL": "warning"])
let running = try await cluster.start()
let receiver = try await StandInWebhookReceiver.start()
let hanging = try await SilentTCPServer.start()
let run = UUIDv7.generate().uuidString.suffix(8).lowercased()
let token = try running.tokens.token(tenant: "bench-\(run)", roles: ["owner"], expiresIn: 6 * 3600)
let client = HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 60)

var endpoints: [String] = []
for index in 0..<endpointCount {
    let response = try await client.post(
        "/api/v1/webhook-endpoints", token: token,
        json: [
            "data": [
                "type": "webhook-endpoints", "attributes": ["url": .string(receiver.url + "/e/\(index)"), "eventTypes": ["billing.account.created"]],
            ]
        ])
    guard response.status == 201, let id = response.data?["id"]?.stringValue else { throw TestClusterError(message: "endpoint: \(response.text)") }
    endpoints.append(id)
}

/// Creates `count` accounts with 8 clients; answers when the first create started.
func createAccounts(_ count: Int) async throws -> Date {
    let started = Date()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<8 {
            group.addTask {
                let own = HTTPTestClient(baseURL: running.gatewayURL, timeoutSeconds: 60)
                defer { own.close() }
                for index in stride(from: worker, to: count, by: 8) {
                    let response = try await own.post(
                        "/api/v1/billing-accounts", token: token,
                        json: [
                            "data": [
                                "type": "billing-accounts",
                                "attributes": ["name": .string("Bench \(index)"), "email": "bench@example.com", "currency": "BRL"],
                            ]
                        ])
                    guard response.status == 201 else { throw TestClusterError(message: "account: \(response.text)") }
                }
            }
        }
        try await group.waitForAll()
    }
    return started
}

/// Waits until `expected` deliveries to the receiver have arrived (at most 5 minutes); answers them.
func arrivals(_ expected: Int) async throws -> [StandInWebhookReceiver.Delivery] {
    let deadline = ContinuousClock.now + .seconds(300)
    while receiver.deliveries().count < expected && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
    return receiver.deliveries()
}

/// Each delivery's delay from its event's commit, in seconds.
func delays(_ deliveries: ArraySlice<StandInWebhookReceiver.Delivery>) -> BenchmarkSamples {
    let samples = BenchmarkSamples()
    for delivery in deliveries {
        guard let time = (try? JSONParser.parse(delivery.body))?["time"]?.stringValue.flatMap(RFC3339.parse) else { continue }
        samples.record(delivery.receivedAt.timeIntervalSince(time))
    }
    return samples
}

print("(a) \(eventCount) events × \(endpointCount) endpoints…")
let startedA = try await createAccounts(eventCount)
let deliveriesA = try await arrivals(eventCount * endpointCount)
let lastA = deliveriesA.map(\.receivedAt).max() ?? startedA
let delaysA = delays(deliveriesA[...])
let rate = Double(deliveriesA.count) / lastA.timeIntervalSince(startedA)
print(
    "(a) \(deliveriesA.count) deliveries in \(String(format: "%.1f", lastA.timeIntervalSince(startedA))) s: \(Int(rate)) deliveries/s; "
        + "commit → delivery p50 \(delaysA.milliseconds(0.5)), p99 \(delaysA.milliseconds(0.99))")

print("(b) the same with one of the endpoints moved to a server that never answers…")
let moved = try await client.send(
    "PATCH", "/api/v1/webhook-endpoints/\(endpoints[0])", token: token,
    json: ["data": ["type": "webhook-endpoints", "attributes": ["url": .string(hanging.url + "/hook")]]])
guard moved.status == 200 else { throw TestClusterError(message: "moving an endpoint: \(moved.text)") }
_ = try await createAccounts(eventCount)
let deliveriesB = try await arrivals(deliveriesA.count + eventCount * (endpointCount - 1))
let delaysB = delays(deliveriesB[deliveriesA.count...])
print(
    "(b) \(deliveriesB.count - deliveriesA.count) deliveries to the \(endpointCount - 1) answering endpoints: p50 \(delaysB.milliseconds(0.5)), "
        + "p99 \(delaysB.milliseconds(0.99)); p99 ratio (b)/(a) \(String(format: "%.2f", delaysB.percentile(0.99) / delaysA.percentile(0.99)))")

client.close()
await receiver.stop()
await hanging.stop()
await cluster.stop()
