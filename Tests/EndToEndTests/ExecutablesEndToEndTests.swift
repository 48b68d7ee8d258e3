import BillingCore
import BillingRPC
import BillingRPCHTTP2
import BillingTesting
import Foundation
import Logging
import Testing

@Suite("Every executable (real processes)", .timeLimit(.minutes(5)))
struct ExecutablesEndToEndTests {
    @Test("each service serves /healthz, /readyz, /metrics and the RPC Health method", arguments: TestCluster.serviceNames)
    func health(service: String) async throws {
        let cluster = try await TestCluster.shared.start()
        let ports = try #require(cluster.ports[service])
        let admin = HTTPTestClient(baseURL: "http://127.0.0.1:\(ports.admin)")
        defer { admin.close() }
        #expect(try await admin.get("/healthz", token: nil).status == 200)
        #expect(try await admin.get("/readyz", token: nil).text == "ready\n")
        let transport = RPCHTTP2ClientTransport(
            configuration: RPCClientConfiguration(serviceName: service, endpoints: [RPCEndpoint(host: "127.0.0.1", port: ports.rpc)]),
            logger: Logger(label: "test"))
        defer { transport.close() }
        let health = try await RPCClient(transport: transport).call(RPCHealth.check, .init(), options: RPCCallOptions(timeout: .seconds(5)))
        #expect(health == RPCHealth.CheckResponse(service: service, status: "SERVING", version: "1"))
        let metrics = try await admin.get("/metrics", token: nil)
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("billing_rpc_server_calls_total{code=\"ok\",method=\"billing.health.v1.Health/Check\"}"))
    }

    @Test("the gateway counts requests by route and status")
    func gatewayMetrics() async throws {
        let cluster = try await TestCluster.shared.start()
        _ = try await cluster.client.get("/api/v1/billing-accounts", token: nil)
        let metrics = try await cluster.client.get("/metrics", token: nil)
        #expect(metrics.text.contains("billing_gateway_requests_total{route=\"GET /api/v1/billing-accounts\",status=\"401\"}"))
        #expect(metrics.text.contains("billing_gateway_request_duration_seconds_bucket"))
        // Readiness asks every service behind the gateway; on a machine loaded by the whole suite one may answer late for a moment.
        #expect(try await waitFor(timeout: .seconds(30)) { try await cluster.client.get("/readyz", token: nil).status == 200 })
        #expect(try await cluster.client.get("/healthz", token: nil).status == 200)
    }

    @Test("SIGTERM drains and exits 0; a port in use stops start-up with a message naming it")
    func gracefulShutdownAndPortInUse() async throws {
        _ = try await TestCluster.shared.start()
        let executable = TestEnvironment.buildDirectory.appendingPathComponent("billing-catalog")
        let rpcPort = FreePort.allocate(), adminPort = FreePort.allocate()
        func launch(rpcPort: Int) throws -> (Process, Pipe) {
            let process = Process()
            process.executableURL = executable
            process.environment = [
                "BILLING_CATALOG_RPC_PORT": String(rpcPort), "BILLING_CATALOG_ADMIN_PORT": String(adminPort),
                "BILLING_CATALOG_DATABASE_URL": TestEnvironment.databaseURL(schema: "catalog"), "BILLING_LOG_FORMAT": "text",
                "BILLING_EXIT_WITH_PARENT": "true",
            ]
            let output = Pipe()
            process.standardError = output
            process.standardOutput = output
            try process.run()
            return (process, output)
        }
        let (process, output) = try launch(rpcPort: rpcPort)
        let admin = HTTPTestClient(baseURL: "http://127.0.0.1:\(adminPort)")
        defer { admin.close() }
        var ready = false
        for _ in 0..<300 where !ready {
            ready = (try? await admin.get("/readyz", token: nil).status) == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready)

        // A second copy on the same RPC port refuses to start and says why.
        let (duplicate, duplicateOutput) = try launch(rpcPort: rpcPort)
        duplicate.waitUntilExit()
        #expect(duplicate.terminationStatus != 0)
        let message = String(decoding: duplicateOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("\(rpcPort)") || message.contains("\(adminPort)"))
        #expect(message.contains("in use"))

        let started = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(ContinuousClock.now - started < .seconds(10))
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("readiness is now false"))
        #expect(log.contains("billing-catalog stopped"))
    }
}
