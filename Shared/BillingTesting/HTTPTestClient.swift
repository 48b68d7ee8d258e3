import BillingCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A response as tests see it.
public struct HTTPTestResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: Data

    /// The body as JSON (nil when it is not JSON).
    public var json: JSONValue? { try? JSONParser.parse(Array(body)) }

    /// `data` of a JSON:API document.
    public var data: JSONValue? { json?["data"] }

    /// `data.attributes.<name>`.
    public func attribute(_ name: String) -> JSONValue? { data?["attributes"]?[name] }

    /// The first error object of a JSON:API error document.
    public var firstError: JSONValue? { json?["errors"]?.arrayValue?.first }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A small keep-alive HTTP/1.1 client on SwiftNIO for end-to-end tests and benchmarks: idle
/// connections are reused, and as many are opened as there are requests in flight.
public final class HTTPTestClient: Sendable {
    public let baseURL: String
    let host: String
    let port: Int
    let timeout: TimeAmount
    private let idle = Mutex<[any Channel]>([])

    public convenience init(baseURL: String, timeoutSeconds: Int = 60) {
        self.init(baseURL: baseURL, timeout: .seconds(Int64(timeoutSeconds)))
    }

    /// `timeout`: how long a request may wait for its answer before it fails (and its connection is closed).
    public init(baseURL: String, timeout: TimeAmount) {
        self.baseURL = baseURL
        self.timeout = timeout
        let url = URL(string: baseURL)!
        self.host = url.host ?? "127.0.0.1"
        self.port = url.port ?? 80
    }

    public func send(
        _ method: String, _ path: String, token: String? = nil, json: JSONValue? = nil, rawBody: Data? = nil,
        headers: [String: String] = [:]
    ) async throws -> HTTPTestResponse {
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        if let token { head.headers.add(name: "Authorization", value: "Bearer \(token)") }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: JSONWriter.bytes(json))
            head.headers.add(name: "Content-Type", value: "application/vnd.api+json")
        } else if let rawBody {
            body = ByteBuffer(bytes: rawBody)
            head.headers.add(name: "Content-Type", value: "application/json")
        }
        head.headers.add(name: "Content-Length", value: String(body?.readableBytes ?? 0))
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }

        // A kept-alive connection may have died since its last use (a restarted server): such a request
        // never reached anyone, so it is sent once more on a fresh connection.
        for attempt in 0..<2 {
            let (channel, reused) = try await connection()
            do {
                return try await perform(head: head, body: body, on: channel, description: "\(method) \(path)")
            } catch let error as ChannelError where reused && attempt == 0 {
                _ = error
                continue
            }
        }
        throw HTTPTestClientError(message: "\(method) \(path): no connection")
    }

    private func perform(head: HTTPRequestHead, body: ByteBuffer?, on channel: any Channel, description: String) async throws -> HTTPTestResponse {
        let promise = channel.eventLoop.makePromise(of: HTTPTestResponse.self)
        do {
            try await channel.pipeline.handler(type: HTTPTestResponseHandler.self).map { $0.expect(promise, active: channel.isActive) }.get()
        } catch {
            // The channel closed under us (its handlers are gone): the promise must still be completed, or NIO traps on the leak.
            promise.fail(ChannelError.ioOnClosedChannel)
            throw ChannelError.ioOnClosedChannel
        }
        // No request may hang a test: fail it after the timeout.
        let limit = timeout
        let timeout = channel.eventLoop.scheduleTask(in: limit) {
            promise.fail(HTTPTestClientError(message: "\(description): no response within \(limit.nanoseconds / 1_000_000) ms"))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { error in
            promise.fail(ChannelError.ioOnClosedChannel)
            channel.close(promise: nil)
        }
        let response = try await promise.futureResult.get()
        if channel.isActive && response.headers["connection"]?.lowercased() != "close" {
            idle.withLock { $0.append(channel) }
        } else {
            channel.close(promise: nil)
        }
        return response
    }

    public func get(_ path: String, token: String?) async throws -> HTTPTestResponse { try await send("GET", path, token: token) }

    public func post(_ path: String, token: String?, json: JSONValue? = nil, headers: [String: String] = [:]) async throws -> HTTPTestResponse {
        try await send("POST", path, token: token, json: json, headers: headers)
    }

    private func connection() async throws -> (any Channel, reused: Bool) {
        while let channel = idle.withLock({ $0.popLast() }) {
            if channel.isActive { return (channel, true) }
        }
        return (
            try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(HTTPTestResponseHandler())
                    }
                }
                .connect(host: host, port: port).get(), false
        )
    }

    /// Closes idle connections.
    public func close() {
        for channel in idle.withLock({ channels in
            defer { channels = [] }
            return channels
        }) { channel.close(promise: nil) }
    }
}

private final class HTTPTestResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<HTTPTestResponse>?
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    func expect(_ promise: EventLoopPromise<HTTPTestResponse>, active: Bool) {
        guard active else {
            promise.fail(ChannelError.ioOnClosedChannel)
            return
        }
        self.promise = promise
        head = nil
        body.clear()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body(var part): body.writeBuffer(&part)
        case .end:
            guard let head, let promise else { return }
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            self.promise = nil
            promise.succeed(HTTPTestResponse(status: Int(head.status.code), headers: headers, body: Data(body.readableBytesView)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Before any response arrived the request may not have been delivered: a connection error.
        promise?.fail(head == nil ? ChannelError.ioOnClosedChannel : HTTPTestClientError(message: "connection closed mid-response"))
        promise = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise?.fail(error)
        promise = nil
        context.close(promise: nil)
    }
}

public struct HTTPTestClientError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
