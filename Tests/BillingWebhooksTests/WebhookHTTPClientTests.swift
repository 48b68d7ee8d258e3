import BillingTesting
import BillingWebhooks
import Foundation
import NIOSSL
import Testing

@Suite("The webhook delivery client against local receivers")
struct WebhookHTTPClientTests {
    /// Runs `body` with a receiver on 127.0.0.1 (TLS unless `tls` is false, with a fresh CA) and a client trusting that CA;
    /// stops the receiver and deletes the certificates afterwards.
    private func withReceiver(
        _ behaviour: WebhookTestReceiver.Behaviour, tls: Bool = true,
        _ body: (WebhookTestReceiver, WebhookHTTPClient) async throws -> Void
    ) async throws {
        let certificates = try PixStandInCertificates.issue()
        defer { certificates.remove() }
        var configuration = WebhookHTTPClient.defaultTLSConfiguration
        configuration.trustRoots = .file(certificates.caFile)
        let client = try WebhookHTTPClient(tlsConfiguration: configuration)
        let receiver = try await WebhookTestReceiver.start(behaviour, certificates: tls ? certificates : nil)
        do {
            try await body(receiver, client)
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    private func url(_ text: String) throws -> URL { try #require(URL(string: text)) }

    @Test("a 200 answer is a success, with its latency and the first KiB of a 100 KiB body")
    func success() async throws {
        let answer = (0..<102_400).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try await withReceiver(.answer(status: 200, body: answer)) { receiver, client in
            let result = await client.post(
                url: try url("https://127.0.0.1:\(receiver.port)/hooks"), headers: [], body: Array("{}".utf8), allowPrivateAddresses: true)
            #expect(result.status == 200)
            #expect(result.succeeded)
            #expect(result.error == nil)
            #expect(result.responsePrefix == Array(answer.prefix(1024)))
            #expect(result.latency > .zero && result.latency < .seconds(10))
            #expect(receiver.requests().count == 1)
        }
    }

    @Test("the signed headers and the body arrive intact, with Host, Content-Type, Content-Length, User-Agent and Connection")
    func requestArrivesIntact() async throws {
        try await withReceiver(.answer(status: 204)) { receiver, client in
            let secret = StandardWebhookSecret.generate()
            let body = Array(#"{"type":"invoice.paid","data":{"customer":"Zoë","amount":"12.50"}}"#.utf8)
            let signed = StandardWebhookSignature.headers(id: "evt_1", timestamp: Int(Date().timeIntervalSince1970), body: body, secrets: [secret])
            let result = await client.post(
                url: try url("https://localhost:\(receiver.port)/in/tenant-7?attempt=1"), headers: signed + [("X-Tenant", "tenant-7")], body: body,
                allowPrivateAddresses: true)
            #expect(result.status == 204 && result.succeeded, "\(result)")
            let request = try #require(receiver.requests().first)
            #expect(request.head.method == .POST)
            #expect(request.head.uri == "/in/tenant-7?attempt=1")
            #expect(request.body == body)
            let headers = request.head.headers
            #expect(headers["Host"] == ["localhost:\(receiver.port)"])
            #expect(headers["Content-Type"] == ["application/json"])
            #expect(headers["Content-Length"] == [String(body.count)])
            #expect(headers["User-Agent"] == ["billing-webhooks/1"])
            #expect(headers["Connection"] == ["close"])
            #expect(headers["X-Tenant"] == ["tenant-7"])
            try StandardWebhookSignature.verify(headers: headers.map { ($0.name, $0.value) }, body: request.body, secret: secret)
        }
    }

    @Test("a 302 is returned as it is and not followed: the receiver sees one request")
    func redirectNotFollowed() async throws {
        let location = [("Location", "http://127.0.0.1:1/elsewhere")]
        try await withReceiver(.answer(status: 302, headers: location), tls: false) { receiver, client in
            let result = await client.post(
                url: try url("http://127.0.0.1:\(receiver.port)/hooks"), headers: [], body: [], allowPrivateAddresses: true)
            #expect(result.status == 302)
            #expect(!result.succeeded)
            #expect(result.error == nil)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.requests().count == 1)
            #expect(receiver.connections() == 1)
        }
    }

    @Test("a receiver that never answers gives the error timeout, soon after the timeout (a few seconds of slack on a loaded machine)")
    func timeout() async throws {
        try await withReceiver(.silent) { receiver, client in
            let clock = ContinuousClock()
            let started = clock.now
            let result = await client.post(
                url: try url("https://127.0.0.1:\(receiver.port)/"), headers: [], body: Array("{}".utf8), timeout: .seconds(3),
                allowPrivateAddresses: true)
            let elapsed = started.duration(to: clock.now)
            #expect(result.status == nil)
            #expect(result.error == "timeout")
            #expect(elapsed >= .seconds(3) && elapsed < .seconds(8), "\(elapsed)")
            #expect(receiver.requests().count <= 1, "at most the one request; the answer never came")
        }
    }

    @Test("loopback, localhost and the metadata address are refused before any connection")
    func refusedAddresses() async throws {
        try await withReceiver(.answer(status: 200)) { receiver, client in
            for text in [
                "https://127.0.0.1:\(receiver.port)/", "https://localhost:\(receiver.port)/", "https://[::ffff:127.0.0.1]:\(receiver.port)/",
                "https://169.254.169.254/latest/meta-data/",
            ] {
                let result = await client.post(url: try url(text), headers: [], body: [], timeout: .seconds(2))
                #expect(result.status == nil, "\(text)")
                #expect(result.error?.hasPrefix("refused address: ") == true, "\(text): \(result.error ?? "no error")")
            }
            #expect(receiver.connections() == 0)
        }
    }

    @Test("an untrusted certificate, a peer speaking no HTTP, an unknown name and a closed port are failures with their reason")
    func failures() async throws {
        try await withReceiver(.answer(status: 200)) { receiver, _ in
            let systemRootsOnly = try WebhookHTTPClient()
            let result = await systemRootsOnly.post(
                url: try url("https://localhost:\(receiver.port)/"), headers: [], body: [], allowPrivateAddresses: true)
            #expect(result.status == nil)
            #expect(result.error?.hasPrefix("TLS failure: ") == true, "\(result.error ?? "no error")")
            #expect(receiver.requests().isEmpty)
        }
        try await withReceiver(.garbage) { receiver, client in
            let result = await client.post(url: try url("https://127.0.0.1:\(receiver.port)/"), headers: [], body: [], allowPrivateAddresses: true)
            #expect(result.status == nil)
            #expect(result.error?.hasPrefix("invalid response: ") == true, "\(result.error ?? "no error")")
        }
        let client = try WebhookHTTPClient()
        let unknown = await client.post(url: try url("https://no-such-host.invalid/"), headers: [], body: [], timeout: .seconds(3))
        #expect(unknown.error?.hasPrefix("DNS failure: no-such-host.invalid: ") == true || unknown.error == "timeout", "no resolver: a timeout")
        let closedPort = FreePort.allocate()
        let result = await client.post(url: try url("http://127.0.0.1:\(closedPort)/"), headers: [], body: [], allowPrivateAddresses: true)
        #expect(result.status == nil)
        #expect(result.error?.hasPrefix("connect failure: 127.0.0.1:\(closedPort): ") == true, "\(result.error ?? "no error")")
    }
}
