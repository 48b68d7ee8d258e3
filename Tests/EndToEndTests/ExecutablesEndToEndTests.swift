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

    @Test("the gateway counts requests by route and status on its admin port; the public port serves no /metrics and a bare /readyz")
    func gatewayMetrics() async throws {
        let cluster = try await TestCluster.shared.start()
        _ = try await cluster.client.get("/api/v1/billing-accounts", token: nil)
        let admin = HTTPTestClient(baseURL: "http://127.0.0.1:\(try #require(cluster.ports["gateway"]).admin)")
        defer { admin.close() }
        let metrics = try await admin.get("/metrics", token: nil)
        #expect(metrics.text.contains("billing_gateway_requests_total{route=\"GET /api/v1/billing-accounts\",status=\"401\"}"))
        #expect(metrics.text.contains("billing_gateway_request_duration_seconds_bucket"))
        let publicMetrics = try await cluster.client.get("/metrics", token: nil)
        #expect(publicMetrics.status == 404)
        #expect(!publicMetrics.text.contains("billing_gateway_requests_total"))
        // The public readiness is the kept verdict, refreshed in the background: only "ready", nothing about the backends.
        #expect(try await waitFor(timeout: .seconds(30)) { try await cluster.client.get("/readyz", token: nil).text == "ready\n" })
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

    @Test("outside development, the sandbox card provider (tok_visa) stops billing-invoicing at start-up with a message naming the setting")
    func sandboxRefusedOutsideDevelopment() async throws {
        _ = try await TestCluster.shared.start()
        var environment = TestCluster.productionEnvironment(for: "invoicing")
        environment["BILLING_INVOICING_CARD_PROVIDER"] = "sandbox"
        environment["BILLING_INVOICING_PIX_KEY"] = "pix@example.com"
        let (status, output) = try await runToExit("billing-invoicing", environment: environment)
        #expect(status == 2, "configuration errors exit 2: \(output.suffix(400))")
        #expect(output.contains("BILLING_INVOICING_CARD_PROVIDER") && output.contains("BILLING_ENVIRONMENT=development"), "\(output.suffix(400))")
        // Without the setting it starts (no card provider: card payments are refused, nothing is faked).
        environment["BILLING_INVOICING_CARD_PROVIDER"] = nil
        environment.removeValue(forKey: "BILLING_INVOICING_PIX_KEY")
        let (missingKey, keyOutput) = try await runToExit("billing-invoicing", environment: environment)
        #expect(missingKey == 2 && keyOutput.contains("BILLING_INVOICING_PIX_KEY"), "\(keyOutput.suffix(400))")
    }

    /// Runs an executable until it exits (it must exit by itself: a configuration error), answering its status and output.
    private func runToExit(_ name: String, environment: [String: String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = TestEnvironment.buildDirectory.appendingPathComponent(name)
        process.environment = environment
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { process.terminate() }
        await TestCluster.waitForExit(process)
        return (process.terminationStatus, String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}
