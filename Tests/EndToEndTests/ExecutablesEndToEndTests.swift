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
        // Ready; the gateway's admin port may add "degraded: …" lines for a backend slow to answer its health check under load.
        let readiness = try await admin.get("/readyz", token: nil)
        #expect(readiness.status == 200 && readiness.text.hasPrefix("ready\n"), "\(readiness.text)")
        // Any service of the deployment may check another's health; the test speaks as the gateway.
        let transport = RPCHTTP2ClientTransport(
            configuration: RPCClientConfiguration(
                serviceName: service, endpoints: [RPCEndpoint(host: "127.0.0.1", port: ports.rpc)],
                tls: try TestCertificates.tls(as: "gateway")),
            logger: Logger(label: "test"))
        defer { transport.close() }
        let health = try await RPCClient(transport: transport).call(RPCHealth.check, .init(), options: RPCCallOptions(timeout: .seconds(15)))
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
        // Output goes to files, read at the end: a pipe nobody reads while the process runs could fill and block its logging.
        func launch(rpcPort: Int) throws -> (Process, URL) {
            let process = Process()
            process.executableURL = executable
            process.environment = [
                "BILLING_CATALOG_RPC_PORT": String(rpcPort), "BILLING_CATALOG_ADMIN_PORT": String(adminPort),
                "BILLING_CATALOG_DATABASE_URL": TestEnvironment.databaseURL(schema: "catalog"), "BILLING_LOG_FORMAT": "text",
                "BILLING_EXIT_WITH_PARENT": "true", "BILLING_REDIS_URL": "redis://127.0.0.1:\(TestEnvironment.redisPort)",
                "BILLING_REDIS_PASSWORD": TestEnvironment.redisPassword(of: "catalog") ?? "",
            ].merging(TestCertificates.environment(as: "catalog", in: try TestCertificates.directory())) { $1 }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: file.path, contents: nil)
            let handle = try FileHandle(forWritingTo: file)
            process.standardError = handle
            process.standardOutput = handle
            try process.run()
            return (process, file)
        }
        func exited(_ process: Process, within limit: Duration) async throws -> Bool {
            let deadline = ContinuousClock.now + limit
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { process.terminate() }
            return !process.isRunning
        }
        let (process, output) = try launch(rpcPort: rpcPort)
        var logs = [output]
        defer { for file in logs { try? FileManager.default.removeItem(at: file) } }
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
        logs.append(duplicateOutput)
        #expect(try await exited(duplicate, within: .seconds(90)))
        await TestCluster.waitForExit(duplicate)
        #expect(duplicate.terminationStatus != 0)
        let message = try String(contentsOf: duplicateOutput, encoding: .utf8)
        #expect(message.contains("\(rpcPort)") || message.contains("\(adminPort)"))
        #expect(message.contains("in use"), "\(message.suffix(600))")

        let started = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        #expect(try await exited(process, within: .seconds(30)))
        await TestCluster.waitForExit(process)
        #expect(process.terminationStatus == 0)
        #expect(ContinuousClock.now - started < .seconds(10))
        let log = try String(contentsOf: output, encoding: .utf8)
        #expect(log.contains("readiness is now false"))
        #expect(log.contains("billing-catalog stopped"))
    }

    @Test("outside development, the sandbox card provider (tok_visa) stops billing-invoicing at start-up with a message naming the setting")
    func sandboxRefusedOutsideDevelopment() async throws {
        _ = try await TestCluster.shared.start()
        var environment = try TestCluster.productionEnvironment(for: "invoicing")
        environment["BILLING_INVOICING_CARD_PROVIDER"] = "sandbox"
        environment["BILLING_INVOICING_PIX_KEY"] = "pix@example.com"
        let (status, output) = try await runToExit("billing-invoicing", environment: environment)
        #expect(status == 2, "configuration errors exit 2: \(output.suffix(400))")
        #expect(output.contains("BILLING_INVOICING_CARD_PROVIDER") && output.contains("BILLING_ENVIRONMENT=development"), "\(output.suffix(400))")
        // Without it, PIX goes through a PSP (API Pix) outside development, and the PSP's settings are required, the key first.
        environment["BILLING_INVOICING_CARD_PROVIDER"] = nil
        environment.removeValue(forKey: "BILLING_INVOICING_PIX_KEY")
        let (missingKey, keyOutput) = try await runToExit("billing-invoicing", environment: environment)
        #expect(missingKey == 2 && keyOutput.contains("BILLING_INVOICING_PIX_KEY"), "\(keyOutput.suffix(400))")
    }
}
