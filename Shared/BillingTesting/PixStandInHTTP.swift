import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Collects each request (head, body, end) and writes the backend's answer; keeps the connection open when the client does.
final class PixStandInHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let backend: PixStandInBackend
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(backend: PixStandInBackend) { self.backend = backend }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            self.head = nil
            let response = backend.handle(method: head.method.rawValue, uri: head.uri, headers: head.headers, body: Array(body.readableBytesView))
            body.clear()
            var headers = HTTPHeaders()
            if let contentType = response.contentType { headers.add(name: "Content-Type", value: contentType) }
            headers.add(name: "Content-Length", value: String(response.body.count))
            for (name, value) in response.headers { headers.add(name: name, value: value) }
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            let status = HTTPResponseStatus(statusCode: response.status)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if !response.body.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            }
            let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                written.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused handshake (no client certificate, an unknown CA) or a broken request: drop the connection.
        context.close(promise: nil)
    }
}

/// One request over a new TLS connection, closed after the answer: the stand-in's webhook deliveries to `https://` URLs, and
/// ``PixStandIn/probe(certificateFile:keyFile:)``.
enum PixStandInHTTPSClient {
    struct Response: Sendable {
        let status: Int
        let body: [UInt8]
    }

    static func send(
        method: HTTPMethod, host: String, port: Int, path: String, headers: [(String, String)], body: [UInt8], tls: NIOSSLContext,
        timeout: TimeAmount
    ) async throws -> Response {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = eventLoop.makePromise(of: Response.self)
        // SNI carries host names only.
        let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        let serverHostname: String? = isAddress ? nil : host
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(PixStandInResponseHandler(promise: promise))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            promise.fail(error)
            throw error
        }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(PixStandInError(message: "\(method) https://\(host):\(port)\(path): no answer in time"))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "Content-Length", value: String(body.count))
        head.headers.add(name: "Connection", value: "close")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if !body.isEmpty { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { error in
            promise.fail(error)
            channel.close(promise: nil)
        }
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }
}

/// Completes the promise with the first response, or fails it when the connection breaks first.
private final class PixStandInResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<PixStandInHTTPSClient.Response>?
    private var status = 0
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<PixStandInHTTPSClient.Response>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = Int(head.status.code)
        case .body(var part): body.writeBuffer(&part)
        case .end:
            promise?.succeed(PixStandInHTTPSClient.Response(status: status, body: Array(body.readableBytesView)))
            promise = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(PixStandInError(message: "the connection closed before an answer"))
        promise = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise?.fail(error)
        promise = nil
        context.close(promise: nil)
    }
}
