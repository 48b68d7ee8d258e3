import BillingRPC
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// One long-lived HTTP/2 connection to one endpoint, multiplexing every call to it.
///
/// Connects lazily; after a failed connect the endpoint is in backoff (skipped by the pool) until the
/// backoff passes, doubling from the initial wait to the maximum. A GOAWAY or a closed connection
/// detaches it: calls already running finish on it, the next call opens a new one.
final class RPCConnection: Sendable {
    struct Established: Sendable {
        let channel: any Channel
        let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    }

    private enum State {
        case idle
        case connecting(EventLoopFuture<Established>)
        case ready(Established)
        case backoff(until: NIODeadline, failures: Int)
        case closed
    }

    let endpoint: RPCEndpoint
    private let configuration: RPCClientConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex<(State, failures: Int)>((.idle, 0))
    private let tlsContext: NIOSSLContext?

    init(endpoint: RPCEndpoint, configuration: RPCClientConfiguration, tlsContext: NIOSSLContext?, group: any EventLoopGroup, logger: Logger) {
        self.endpoint = endpoint
        self.tlsContext = tlsContext
        self.configuration = configuration
        self.group = group
        self.logger = logger
    }

    /// False while the endpoint is in backoff after a failure.
    func isAvailable(at now: NIODeadline) -> Bool {
        state.withLock { state in
            switch state.0 {
            case .backoff(let until, _): return until <= now
            case .closed: return false
            default: return true
            }
        }
    }

    /// When a backed-off endpoint may be tried again.
    var retryAt: NIODeadline? {
        state.withLock { state in
            if case .backoff(let until, _) = state.0 { return until }
            return nil
        }
    }

    /// The connection, connecting first if needed.
    func established() async throws(RPCCallFailure) -> Established {
        let future: EventLoopFuture<Established> = state.withLock { state in
            switch state.0 {
            case .ready(let established):
                return group.next().makeSucceededFuture(established)
            case .connecting(let future):
                return future
            case .closed:
                return group.next().makeFailedFuture(RPCCallFailure(error: .unavailable("client closed"), requestSent: false))
            case .idle, .backoff:
                let future = connect()
                state.0 = .connecting(future)
                return future
            }
        }
        do {
            return try await future.get()
        } catch let failure as RPCCallFailure {
            throw failure
        } catch {
            throw RPCCallFailure(error: .unavailable("cannot connect to \(configuration.serviceName) at \(endpoint): \(error)"), requestSent: false)
        }
    }

    private func connect() -> EventLoopFuture<Established> {
        let eventLoop = group.next()
        let multiplexerPromise = eventLoop.makePromise(of: NIOHTTP2Handler.StreamMultiplexer.self)
        // Calls use the connection only once the server proved to be the service meant (mutual TLS); plain h2c at once.
        let verifiedPromise = eventLoop.makePromise(of: Void.self)
        if tlsContext == nil { verifiedPromise.succeed() }
        let tlsContext = tlsContext
        let expected = configuration.serviceName
        let connectTimeout = configuration.connectTimeout
        let channelFuture = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    var connection = NIOHTTP2Handler.ConnectionConfiguration()
                    connection.initialSettings = [
                        HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
                        HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20),
                    ]
                    connection.targetWindowSize = 8 << 20
                    var stream = NIOHTTP2Handler.StreamConfiguration()
                    stream.targetWindowSize = 1 << 20
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: nil))
                        try channel.pipeline.syncOperations.addHandler(RPCPeerIdentityCheck(expected: expected, verified: verifiedPromise))
                    }
                    try channel.pipeline.syncOperations.addHandler(FlushCoalescingHandler())
                    let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .client, connectionConfiguration: connection, streamConfiguration: stream
                    ) { pushed in pushed.close() }
                    try channel.pipeline.syncOperations.addHandler(RPCConnectionObserver(connection: self))
                    multiplexerPromise.succeed(multiplexer)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
        channelFuture.whenFailure {
            multiplexerPromise.fail($0)
            verifiedPromise.fail($0)
        }
        return channelFuture.and(multiplexerPromise.futureResult).and(verifiedPromise.futureResult).map { connected, _ in
            let (channel, multiplexer) = connected
            let established = Established(channel: channel, multiplexer: multiplexer)
            self.state.withLock { state in
                if case .connecting = state.0 { state = (.ready(established), 0) }
            }
            return established
        }.flatMapErrorThrowing { error in
            self.connectFailed(error)
            throw RPCCallFailure(
                error: .unavailable("cannot connect to \(self.configuration.serviceName) at \(self.endpoint): \(error)"), requestSent: false)
        }
    }

    private func connectFailed(_ error: any Error) {
        let wait: TimeAmount = state.withLock { state in
            let failures = state.failures + 1
            var backoff = configuration.initialBackoff.nanoseconds
            for _ in 1..<min(failures, 30) { backoff = min(backoff * 2, configuration.maximumBackoff.nanoseconds) }
            // Jitter spreads reconnects of many callers after one replica restarts.
            let jittered = TimeAmount.nanoseconds(backoff / 2 + Int64.random(in: 0...max(1, backoff / 2)))
            if case .closed = state.0 { return jittered }
            state = (.backoff(until: .now() + jittered, failures: failures), failures)
            return jittered
        }
        logger.warning(
            "RPC connect failed", metadata: ["endpoint": "\(endpoint)", "retry_in_ms": "\(wait.nanoseconds / 1_000_000)", "error": "\(error)"])
    }

    /// The connection went away or sent GOAWAY: forget it so the next call reconnects.
    func detach(_ channel: any Channel, reason: String) {
        state.withLock { state in
            if case .ready(let established) = state.0, established.channel === channel {
                state.0 = .idle
            }
        }
        logger.debug("RPC connection detached", metadata: ["endpoint": "\(endpoint)", "reason": "\(reason)"])
    }

    /// Runs one call on this connection.
    func call(
        head: HPACKHeaders, body: ByteBuffer, deadline: RPCDeadline, sinkFor: (any EventLoop) -> RPCResponseSink
    ) async throws(RPCCallFailure) -> (any Channel)? {
        let established = try await established()
        let sink = sinkFor(established.channel.eventLoop)
        let streamPromise = established.channel.eventLoop.makePromise(of: (any Channel).self)
        let maximumMessageSize = configuration.maximumMessageSize
        let peer = "\(configuration.serviceName) at \(endpoint)"
        established.multiplexer.createStreamChannel(promise: streamPromise) { streamChannel in
            streamChannel.eventLoop.makeCompletedFuture {
                try streamChannel.pipeline.syncOperations.addHandler(
                    RPCClientStreamHandler(
                        head: head, body: body, deadline: deadline, maximumMessageSize: maximumMessageSize,
                        sink: sink, peer: peer))
            }
        }
        do {
            return try await streamPromise.futureResult.get()
        } catch {
            let failure = RPCCallFailure(error: .unavailable("cannot open a stream to \(peer): \(error)"), requestSent: false)
            switch sink {
            case .unary(let promise): promise.fail(failure)
            case .streaming(let continuation): continuation.finish(throwing: failure.error)
            }
            detach(established.channel, reason: "stream creation failed")
            throw failure
        }
    }

    func close() {
        let channel: (any Channel)? = state.withLock { state in
            defer { state.0 = .closed }
            if case .ready(let established) = state.0 { return established.channel }
            return nil
        }
        channel?.close(promise: nil)
    }
}

/// Watches the connection for GOAWAY and closure.
private final class RPCConnectionObserver: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let connection: RPCConnection

    init(connection: RPCConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .goAway = unwrapInboundIn(data).payload {
            connection.detach(context.channel, reason: "GOAWAY")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.detach(context.channel, reason: "closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.detach(context.channel, reason: "\(error)")
        context.close(promise: nil)
    }
}
