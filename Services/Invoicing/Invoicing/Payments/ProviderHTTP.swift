import AsyncHTTPClient
import BillingService
import Foundation
import NIOCore
import NIOSSL

/// The outgoing HTTPS both payment providers' clients use (async-http-client): one client per provider, the provider's CA when
/// one is configured, a connect timeout of 5 s and the provider's read timeout, answers read up to 4 MiB.
struct ProviderHTTP: Sendable {
    let client: HTTPClient
    let timeout: TimeAmount

    /// `tls` is changed to trust `trustRootsFile` (nil: the system's roots).
    init(tls: TLSConfiguration = .makeClientConfiguration(), trustRootsFile: String?, timeout: Duration) {
        var tls = tls
        if let trustRootsFile { tls.trustRoots = .file(trustRootsFile) }
        self.timeout = TimeAmount(timeout)
        client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(5), read: self.timeout)))
    }

    /// One request; its status and body.
    func send(_ request: HTTPClientRequest) async throws -> (status: Int, body: [UInt8]) {
        let response = try await client.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), Array(body.readableBytesView))
    }

    func shutdown() async throws { try await client.shutdown() }

    /// The start of an answer, for error messages.
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.prefix(300), as: UTF8.self) }

    /// The pause before attempt `attempt + 1` of a request that is safe to repeat.
    static func backoff(after attempt: Int) async { try? await Task.sleep(for: .milliseconds(attempt == 1 ? 200 : 800)) }
}
