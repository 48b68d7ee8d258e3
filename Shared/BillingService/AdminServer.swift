import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization

/// Serves `GET /healthz` (the process is alive), `GET /readyz` (it should get traffic) and
/// `GET /metrics` (Prometheus text) on the admin port.
public final class AdminServer: Service, Sendable {
    public let host: String
    public let port: Int
    private let readiness: ReadinessState
    private let metrics: PrometheusCollectorRegistry
    private let logger: Logger
    private let bound = Mutex<(address: SocketAddress?, waiters: [CheckedContinuation<SocketAddress, any Error>])>((nil, []))

    public init(host: String, port: Int, readiness: ReadinessState, metrics: PrometheusCollectorRegistry, logger: Logger) {
        self.host = host
        self.port = port
        self.readiness = readiness
        self.metrics = metrics
        self.logger = logger
    }

    public func listeningAddress() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { continuation in
            bound.withLock { state in
                if let address = state.address { continuation.resume(returning: address) } else { state.waiters.append(continuation) }
            }
        }
    }

    public func run() async throws {
        let readiness = readiness
        let metrics = metrics
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(readiness: readiness, metrics: metrics))
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            let failure = AdminServerBindError(host: host, port: port, underlying: "\(error)")
            bound.withLock { state in
                for waiter in state.waiters { waiter.resume(throwing: failure) }
                state.waiters = []
            }
            throw failure
        }
        let address = channel.localAddress!
        bound.withLock { state in
            state.address = address
            for waiter in state.waiters { waiter.resume(returning: address) }
            state.waiters = []
        }
        logger.info("admin server listening", metadata: ["address": "\(address)"])
        try? await gracefulShutdown()
        try? await channel.close()
    }
}

public struct AdminServerBindError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let underlying: String
    public var description: String { "cannot listen on \(host):\(port) for /healthz, /readyz, /metrics: \(underlying) (is the port already in use?)" }
}

private final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let readiness: ReadinessState
    private let metrics: PrometheusCollectorRegistry
    private var head: HTTPRequestHead?

    init(readiness: ReadinessState, metrics: PrometheusCollectorRegistry) {
        self.readiness = readiness
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        guard head.method == .GET || head.method == .HEAD else {
            write(status: .methodNotAllowed, body: "method not allowed\n", context: context, keepAlive: head.isKeepAlive)
            return
        }
        switch path {
        case "/healthz":
            write(status: .ok, body: "ok\n", context: context, keepAlive: head.isKeepAlive)
        case "/metrics":
            write(status: .ok, body: metrics.emitToString(), contentType: "text/plain; version=0.0.4", context: context, keepAlive: head.isKeepAlive)
        case "/readyz":
            let readiness = readiness
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let keepAlive = head.isKeepAlive
            let promise = context.eventLoop.makePromise(of: ReadinessState.Report.self)
            promise.completeWithTask { await readiness.report() }
            promise.futureResult.whenSuccess { report in
                // Degraded backends are named here, on the admin port only; they do not take the service out of rotation.
                let degraded = report.degraded.map { "degraded: \($0)\n" }.joined()
                if report.isReady {
                    handler.value.write(status: .ok, body: "ready\n" + degraded, context: loopBound.value, keepAlive: keepAlive)
                } else {
                    handler.value.write(
                        status: .serviceUnavailable, body: report.problems.joined(separator: "\n") + "\n" + degraded,
                        context: loopBound.value, keepAlive: keepAlive)
                }
            }
        default:
            write(status: .notFound, body: "not found\n", context: context, keepAlive: head.isKeepAlive)
        }
    }

    private func write(
        status: HTTPResponseStatus, body: String, contentType: String = "text/plain; charset=utf-8",
        context: ChannelHandlerContext, keepAlive: Bool
    ) {
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        var headers = HTTPHeaders([("content-type", contentType), ("content-length", String(buffer.readableBytes))])
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let closeAfter = !keepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if closeAfter { channel.close(promise: nil) }
        }
    }
}
