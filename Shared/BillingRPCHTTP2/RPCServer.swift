import BillingNIO
import BillingRPC
import Logging
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The HTTP/2 RPC server, run as a lifecycle service: over mutual TLS (``RPCServerConfiguration/tls``), where each call's
/// method must allow the calling service its certificate names, or plain h2c with prior knowledge (development only).
///
/// On graceful shutdown it stops accepting connections, sends GOAWAY on every connection (two-phase,
/// by `NIOHTTP2ServerConnectionManagementHandler`), lets in-flight calls finish within
/// ``RPCServerConfiguration/drainTimeout``, then closes what is left.
public final class RPCServer: Service, Sendable {
    public let configuration: RPCServerConfiguration
    private let router: RPCRouter
    private let logger: Logger
    private let observer: (any RPCServerObserver)?
    private let group: any EventLoopGroup
    private let tracker = RPCServerCallTracker()
    private let listening = Mutex<(address: SocketAddress?, waiters: [CheckedContinuation<SocketAddress, any Error>])>((nil, []))

    public init(
        configuration: RPCServerConfiguration, router: RPCRouter, logger: Logger,
        observer: (any RPCServerObserver)? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        var router = router
        if router.route(forPath: RPCHealth.check.path) == nil {
            let service = configuration.serviceName
            let tracker = tracker
            router.register(RPCHealth.check) { _, _ in
                RPCHealth.CheckResponse(service: service, status: tracker.isDraining ? "NOT_SERVING" : "SERVING", version: "1")
            }
        }
        self.router = router
        self.logger = logger
        self.observer = observer
        self.group = group
    }

    /// Calls being served right now.
    public var inFlightCalls: Int { tracker.inFlightCalls }

    /// The bound address, once listening (waits for it).
    public func listeningAddress() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { continuation in
            listening.withLock { state in
                if let address = state.address { continuation.resume(returning: address) } else { state.waiters.append(continuation) }
            }
        }
    }

    public func run() async throws {
        var executors: [ObjectIdentifier: EventLoopTaskExecutor] = [:]
        for eventLoop in group.makeIterator() { executors[ObjectIdentifier(eventLoop)] = EventLoopTaskExecutor(eventLoop: eventLoop) }
        let environment = RPCServerEnvironment(
            router: router, executors: executors, logger: logger, tracker: tracker, observer: observer,
            maximumMessageSize: configuration.maximumMessageSize, authenticatesCallers: configuration.tls != nil)
        let tlsContext = configuration.tls?.serverContext
        let tracker = tracker
        let graceTime = configuration.drainTimeout
        let serverChannel: any Channel
        do {
            serverChannel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard tracker.connectionOpened(channel) else {
                            channel.close(promise: nil)
                            return
                        }
                        channel.closeFuture.whenComplete { _ in tracker.connectionClosed(channel) }
                        if let tlsContext { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext)) }
                        try RPCServer.configureConnection(channel, environment: environment, graceTime: graceTime)
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            let failure = RPCServerBindError(host: configuration.host, port: configuration.port, underlying: error)
            listening.withLock { state in
                for waiter in state.waiters { waiter.resume(throwing: failure) }
                state.waiters = []
            }
            throw failure
        }
        let address = serverChannel.localAddress!
        listening.withLock { state in
            state.address = address
            for waiter in state.waiters { waiter.resume(returning: address) }
            state.waiters = []
        }
        logger.info("RPC server listening", metadata: ["address": "\(address)", "service": "\(configuration.serviceName)"])

        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled rather than shut down gracefully: close at once.
            try? await serverChannel.close()
            for channel in tracker.allConnections() { channel.close(promise: nil) }
            return
        }
        await drain(serverChannel: serverChannel)
    }

    private func drain(serverChannel: any Channel) async {
        logger.info("RPC server draining", metadata: ["in_flight": "\(tracker.inFlightCalls)"])
        try? await serverChannel.close()
        for channel in tracker.startDraining() {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let clock = ContinuousClock()
        let limit = clock.now + .nanoseconds(configuration.drainTimeout.nanoseconds)
        while (tracker.inFlightCalls > 0 || tracker.openConnections > 0) && clock.now < limit {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for channel in tracker.allConnections() { channel.close(promise: nil) }
        logger.info("RPC server stopped", metadata: ["abandoned_calls": "\(tracker.inFlightCalls)"])
    }

    static func configureConnection(_ channel: any Channel, environment: RPCServerEnvironment, graceTime: TimeAmount) throws {
        let manager = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(maxIdleTime: nil, maxAge: nil, maxGraceTime: graceTime, keepalive: nil))
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 1000),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 16 * 1024),
            HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20),
        ]
        connection.targetWindowSize = 8 << 20
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = 1 << 20
        try channel.pipeline.syncOperations.addHandler(FlushCoalescingHandler())
        let caller = RPCConnectionCaller()
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server,
            connectionConfiguration: connection,
            streamConfiguration: stream,
            streamDelegate: manager.http2StreamDelegate
        ) { streamChannel in
            streamChannel.eventLoop.makeCompletedFuture {
                let service = environment.authenticatesCallers ? caller.service(of: channel) : nil
                try streamChannel.pipeline.syncOperations.addHandler(RPCServerStreamHandler(environment: environment, caller: service))
            }
        }
        try channel.pipeline.syncOperations.addHandler(manager)
    }
}

/// The server could not bind its port (usually: already in use).
public struct RPCServerBindError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let underlying: any Error

    public var description: String { "cannot listen on \(host):\(port): \(underlying) (is the port already in use?)" }
}
