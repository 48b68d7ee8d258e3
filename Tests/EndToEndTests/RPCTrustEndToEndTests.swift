import BillingCore
import BillingRPC
import BillingRPCHTTP2
import BillingTesting
import Foundation
import LedgerContract
import Logging
import Testing

/// Issue 20: only the deployment's own services speak inside, each only to the methods that name it.
@Suite("Mutual TLS between services (real processes)", .timeLimit(.minutes(5)))
struct RPCTrustEndToEndTests {
    /// Calls `Ledger.GrantCredits` on the cluster's ledger as whoever `tls` says (nil: plain h2c), for account `account`.
    private func grant(
        _ cluster: TestCluster.Running, tenant: String, account: String, tls: RPCTLSConfiguration?,
        service: String = "ledger", port: Int? = nil
    ) async throws(RPCError) -> CreditGrant {
        let transport = RPCHTTP2ClientTransport(
            configuration: RPCClientConfiguration(
                serviceName: service, endpoints: [RPCEndpoint(host: "127.0.0.1", port: port ?? cluster.ports["ledger"]!.rpc)],
                connectTimeout: .seconds(15), maximumAttempts: 1, tls: tls),
            logger: Logger(label: "test"))
        defer { transport.close() }
        let request = GrantCreditsRequest(
            billingAccountId: AccountID(account)!, credits: Credits(units: 100 * 100_000_000), reference: UUID().uuidString)
        return try await RPCClient(transport: transport).call(
            LedgerAPI.grantCredits, request,
            options: RPCCallOptions(tenant: tenant, timeout: .seconds(10)))
    }

    @Test("Ledger.GrantCredits refuses a caller without a certificate, with another CA's, or a service it does not name; nothing is granted")
    func grantRefusedToUntrustedCallers() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant("mtls")
        let fixture = try await CreditFixture.make(cluster, tenant: tenant)
        let account = fixture.account

        // Plain h2c, no certificate: the TLS server never gets an HTTP/2 request.
        await #expect(throws: RPCError.self) { _ = try await grant(cluster, tenant: tenant, account: account, tls: nil) }
        // A certificate of another CA, naming the gateway: the handshake fails.
        let otherCA = try TestCertificates.otherCA()
        defer { try? FileManager.default.removeItem(at: otherCA) }
        let stranger = try TestCertificates.tls(as: "gateway", in: otherCA)
        do {
            _ = try await grant(cluster, tenant: tenant, account: account, tls: stranger)
            Issue.record("a certificate from another CA was accepted")
        } catch {
            #expect(error.code == .unavailable, "\(error)")
        }
        // The deployment's CA, but catalog: not a caller of GrantCredits.
        let catalog = try TestCertificates.tls(as: "catalog")
        do {
            _ = try await grant(cluster, tenant: tenant, account: account, tls: catalog)
            Issue.record("catalog was allowed to grant credits")
        } catch {
            #expect(error.code == .permissionDenied && error.reason == "CALLER_NOT_ALLOWED", "\(error)")
            #expect(error.message.contains("gateway"), "the refusal names who may call: \(error.message)")
        }
        let wallet = try await fixture.client.get("/api/v1/credit-wallets/\(account)", token: fixture.token)
        #expect(credits(wallet.attribute("balance")) == DecimalNumber(0), "nothing was granted: \(wallet.text.prefix(300))")

        // The gateway is a caller: the same call goes through (the refusals above were not a broken call).
        let granted = try await grant(cluster, tenant: tenant, account: account, tls: try TestCertificates.tls(as: "gateway"))
        #expect(granted.billingAccountId.description == account)
        let after = try await fixture.client.get("/api/v1/credit-wallets/\(account)", token: fixture.token)
        #expect(credits(after.attribute("balance")) == DecimalNumber(100), "\(after.text.prefix(300))")
    }

    @Test("a client uses a connection only when the server's certificate names the service it meant: catalog's port is not the ledger")
    func serverIdentityChecked() async throws {
        let cluster = try await TestCluster.shared.start()
        let gateway = try TestCertificates.tls(as: "gateway")
        do {
            _ = try await grant(
                cluster, tenant: "t", account: UUID().text, tls: gateway,
                port: cluster.ports["catalog"]!.rpc)
            Issue.record("a connection to catalog was used as the ledger")
        } catch {
            #expect(error.code == .unavailable && error.message.contains("spiffe://billing/catalog"), "\(error)")
        }
    }

    @Test("outside development a service without its TLS files, or asking for plain h2c, refuses to start naming the setting")
    func tlsRequiredOutsideDevelopment() async throws {
        var environment = try TestCluster.productionEnvironment(for: "catalog")
        environment.removeValue(forKey: "BILLING_RPC_TLS_KEY_FILE")
        let (status, output) = try await runToExit("billing-catalog", environment: environment)
        #expect(status == 2 && output.contains("BILLING_RPC_TLS_KEY_FILE"), "\(output.suffix(400))")
        environment["BILLING_RPC_INSECURE"] = "true"
        let (insecure, insecureOutput) = try await runToExit("billing-catalog", environment: environment)
        #expect(
            insecure == 2 && insecureOutput.contains("BILLING_RPC_INSECURE") && insecureOutput.contains("development"),
            "\(insecureOutput.suffix(400))")
        // Another service's certificate is not this service's identity.
        var wrong = try TestCluster.productionEnvironment(for: "catalog")
        wrong.merge(TestCertificates.environment(as: "ledger", in: try TestCertificates.directory())) { $1 }
        let (mismatch, mismatchOutput) = try await runToExit("billing-catalog", environment: wrong)
        #expect(mismatch == 2 && mismatchOutput.contains("spiffe://billing/catalog"), "\(mismatchOutput.suffix(400))")
    }
}

/// Runs an executable until it exits by itself (a configuration error), answering its status and output.
func runToExit(_ name: String, environment: [String: String]) async throws -> (Int32, String) {
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
