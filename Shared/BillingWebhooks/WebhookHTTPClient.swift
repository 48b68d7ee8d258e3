import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Delivers webhooks to tenants' URLs: one HTTP/1.1 POST over a new connection per attempt, closed afterwards.
///
/// Safe against the URLs it is given: the host is resolved once and every address checked with ``WebhookAddressPolicy``
/// before connecting to that very address (no second lookup, so DNS rebinding cannot reach our network); redirects are
/// not followed; the answer is read only up to a limit; one deadline bounds the whole attempt. `post` never throws: every
/// failure is a ``WebhookDeliveryResult`` with an `error`.
public final class WebhookHTTPClient: Sendable {
    /// The system's trust roots, full certificate and host name verification, TLS 1.2 at least.
    public static var defaultTLSConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }

    private let group: any EventLoopGroup
    private let threadPool: NIOThreadPool
    private let tls: NIOSSLContext

    /// - Parameters:
    ///   - group: where connections run.
    ///   - tlsConfiguration: for `https` URLs; tests pass one trusting their own CA. Its `shutdownTimeout` is set to zero:
    ///     closing never waits for the receiver's close_notify, which a silent receiver would withhold for 5 s.
    /// - Throws: NIOSSL's error when the TLS configuration cannot be loaded (unreadable trust roots).
    public init(
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, tlsConfiguration: TLSConfiguration = defaultTLSConfiguration
    ) throws {
        var configuration = tlsConfiguration
        configuration.shutdownTimeout = .zero
        self.group = group
        self.threadPool = .singleton
        self.tls = try NIOSSLContext(configuration: configuration)
    }

    /// POSTs `body` to `url` with `headers` (the Standard Webhooks ones, say) and returns what came of it.
    ///
    /// Sends `Host`, `Content-Type: application/json` and `User-Agent: billing-webhooks/1` unless `headers` name their own,
    /// and always its own `Content-Length` and `Connection: close` (a `headers` entry for those, or `Host`, is dropped).
    /// - Parameters:
    ///   - timeout: for the whole attempt: DNS, connect, TLS, sending, and reading the answer's head and body prefix.
    ///   - maximumResponseBytes: how much of the answer's body to keep; the connection is closed once that much is read.
    ///   - allowPrivateAddresses: skip ``WebhookAddressPolicy`` (tests and development receivers on 127.0.0.1).
    public func post(
        url: URL, headers: [(String, String)], body: [UInt8], timeout: Duration = .seconds(10), maximumResponseBytes: Int = 1024,
        allowPrivateAddresses: Bool = false
    ) async -> WebhookDeliveryResult {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + timeout
        do {
            let answer = try await Self.withDeadline(deadline) {
                try await self.deliver(
                    to: WebhookTarget(url), headers: headers, body: body, deadline: deadline, maximumResponseBytes: maximumResponseBytes,
                    allowPrivateAddresses: allowPrivateAddresses)
            }
            return WebhookDeliveryResult(status: answer.status, latency: started.duration(to: clock.now), responsePrefix: answer.prefix)
        } catch {
            return WebhookDeliveryResult(status: nil, latency: started.duration(to: clock.now), error: WebhookDeliveryFailure(error).message)
        }
    }

    private func deliver(
        to target: WebhookTarget, headers: [(String, String)], body: [UInt8], deadline: ContinuousClock.Instant, maximumResponseBytes: Int,
        allowPrivateAddresses: Bool
    ) async throws -> (status: Int, prefix: [UInt8]) {
        let eventLoop = group.next()
        let addresses = try await WebhookResolver.addresses(
            for: target, allowPrivateAddresses: allowPrivateAddresses, eventLoop: eventLoop, threadPool: threadPool)
        let connection = try await connect(to: addresses, target: target, eventLoop: eventLoop, deadline: deadline)
        let head = Self.requestHead(for: target, headers: headers, bodyLength: body.count)
        return try await WebhookExchange.run(on: connection, head: head, body: body, maximumResponseBytes: maximumResponseBytes)
    }

    /// The first address that accepts a connection, tried in order, each with the time left until the deadline.
    private func connect(
        to addresses: [SocketAddress], target: WebhookTarget, eventLoop: any EventLoop, deadline: ContinuousClock.Instant
    ) async throws -> WebhookExchange.Connection {
        let tls = target.secure ? self.tls : nil
        var failure = WebhookDeliveryFailure.dns(host: target.host, reason: "no addresses")
        for address in addresses {
            try Task.checkCancellation()
            do {
                return try await ClientBootstrap(group: eventLoop)
                    .connectTimeout(TimeAmount(ContinuousClock.now.duration(to: deadline)))
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(to: address) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if let tls {
                                let handler = try NIOSSLClientHandler(context: tls, serverHostname: target.serverHostname)
                                try channel.pipeline.syncOperations.addHandler(handler)
                            }
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            return try WebhookExchange.Connection(wrappingChannelSynchronously: channel)
                        }
                    }
            } catch {
                failure = WebhookDeliveryFailure(connecting: error, to: address)
            }
        }
        throw failure
    }

    private static func requestHead(for target: WebhookTarget, headers: [(String, String)], bodyLength: Int) -> HTTPRequestHead {
        var fields = HTTPHeaders([("Host", target.hostHeader), ("User-Agent", "billing-webhooks/1"), ("Content-Type", "application/json")])
        let ours: Set<String> = ["host", "content-length", "connection", "transfer-encoding"]
        for (name, value) in headers where !ours.contains(name.lowercased()) {
            if ["user-agent", "content-type"].contains(name.lowercased()) {
                fields.replaceOrAdd(name: name, value: value)
            } else {
                fields.add(name: name, value: value)
            }
        }
        fields.add(name: "Content-Length", value: String(bodyLength))
        fields.add(name: "Connection", value: "close")
        return HTTPRequestHead(version: .http1_1, method: .POST, uri: target.requestTarget, headers: fields)
    }

    /// `operation`'s result, or ``WebhookDeliveryFailure/timeout`` at `deadline`: `operation` is then cancelled, which
    /// closes its connection or abandons its DNS lookup, and awaited.
    private static func withDeadline<Value: Sendable>(
        _ deadline: ContinuousClock.Instant, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw WebhookDeliveryFailure.timeout }
            return value
        }
    }
}
