import BillingRPCHTTP2
import Foundation

/// The test profile's internal CA and service certificates (`.run-test/tls`, made by `deploy/docker/make-dev-certs.sh` as
/// `make test` does), and certificates of other CAs for refusal tests.
public enum TestCertificates {
    /// The test profile's certificates; created on first use when `make test` has not.
    public static func directory() throws -> URL {
        let directory = TestEnvironment.repositoryRoot.appendingPathComponent(".run-test/tls")
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("notifications.key").path) { try issue(into: directory) }
        return directory
    }

    /// A CA of its own with every service's certificate, in a temporary directory the caller removes (a deployment's CA this
    /// one does not trust, or any CA file a test needs).
    public static func otherCA() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-other-ca-\(UUID().uuidString)")
        try issue(into: directory)
        return directory
    }

    /// What a service process needs to speak mutual TLS as `service`.
    public static func environment(as service: String, in directory: URL) -> [String: String] {
        [
            "BILLING_RPC_TLS_CA_FILE": directory.appendingPathComponent("ca-bundle.crt").path,
            "BILLING_RPC_TLS_CERT_FILE": directory.appendingPathComponent("\(service).crt").path,
            "BILLING_RPC_TLS_KEY_FILE": directory.appendingPathComponent("\(service).key").path,
        ]
    }

    /// Client or server credentials of `service` from a directory's CA (the test profile's by default).
    public static func tls(as service: String, in directory: URL? = nil) throws -> RPCTLSConfiguration {
        let directory = try directory ?? self.directory()
        return try RPCTLSConfiguration(
            service: service, caFile: directory.appendingPathComponent("ca-bundle.crt").path,
            certificateFile: directory.appendingPathComponent("\(service).crt").path,
            keyFile: directory.appendingPathComponent("\(service).key").path)
    }

    private static func issue(into directory: URL) throws {
        let process = Process()
        process.executableURL = TestEnvironment.repositoryRoot.appendingPathComponent("deploy/docker/make-dev-certs.sh")
        process.arguments = [directory.path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestClusterError(message: "deploy/docker/make-dev-certs.sh \(directory.path) failed (is openssl installed?)")
        }
    }
}
