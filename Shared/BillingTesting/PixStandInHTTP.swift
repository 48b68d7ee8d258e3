import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Collects each request (head, body, end) and writes the answer of `handle`; keeps the connection open when the client does.
/// Serves every stand-in (the Pix PSP, Stripe) and ``StandInWebhookReceiver``.
final class PixStandInHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    /// Answers one request: its method, URI (with the query), headers and body. Runs on the connection's event loop.
    typealias Handle = @Sendable (_ method: String, _ uri: String, _ headers: HTTPHeaders, _ body: [UInt8]) -> PixStandInResponse

    private let handle: Handle
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(handle: @escaping Handle) { self.handle = handle }

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
            let response = handle(head.method.rawValue, head.uri, head.headers, Array(body.readableBytesView))
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
            let channel = context.channel
            written.whenComplete { _ in
                response.afterSent?()
                if !keepAlive { channel.close(promise: nil) }
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

extension PixStandInHTTPSClient {
    /// POSTs a webhook `body` to `url` as is: `https://` over a new TLS connection presenting `tls`, `http://` with
    /// ``HTTPTestClient``.
    /// - Returns: the answer's status, or 0 when there was none (refused, TLS failure, timeout, bad URL).
    static func postWebhook(_ body: [UInt8], to url: String, headers: [(String, String)], tls: NIOSSLContext, timeout: TimeAmount) async -> Int {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), let host = components.host else {
            return 0
        }
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        do {
            if scheme == "https" {
                return try await send(method: .POST, host: host, port: port, path: path, headers: headers, body: body, tls: tls, timeout: timeout)
                    .status
            }
            let client = HTTPTestClient(baseURL: "http://\(host):\(port)", timeout: timeout)
            defer { client.close() }
            return try await client.send("POST", path, rawBody: Data(body), headers: Dictionary(headers) { _, last in last }).status
        } catch {
            return 0
        }
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
