import BillingTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A webhook receiver on 127.0.0.1 for the client's tests, over TLS with the stand-in certificates (or plain HTTP): it
/// counts connections, records requests and answers each as its ``Behaviour`` says.
final class WebhookTestReceiver: Sendable {
    enum Behaviour: Sendable {
        /// Answers with this status, headers and body, then closes.
        case answer(status: Int, headers: [(String, String)] = [], body: [UInt8] = [])
        /// Reads the request and never answers.
        case silent
        /// Answers every request with bytes that are not HTTP.
        case garbage
    }

    struct Request: Sendable {
        let head: HTTPRequestHead
        let body: [UInt8]
    }

    let port: Int
    private let channel: any Channel
    private let state: State

    private final class State: Sendable {
        let connections = Mutex(0)
        let requests = Mutex<[Request]>([])
        let open = Mutex<[ObjectIdentifier: any Channel]>([:])

        func opened(_ channel: any Channel) {
            let id = ObjectIdentifier(channel)
            connections.withLock { $0 += 1 }
            open.withLock { $0[id] = channel }
            channel.closeFuture.whenComplete { _ in _ = self.open.withLock { $0.removeValue(forKey: id) } }
        }
    }

    private init(port: Int, channel: any Channel, state: State) {
        self.port = port
        self.channel = channel
        self.state = state
    }

    /// Listens at an ephemeral port; `certificates` nil for plain HTTP.
    static func start(_ behaviour: Behaviour, certificates: PixStandInCertificates?) async throws -> WebhookTestReceiver {
        let tls = try certificates.map { certificates in
            let chain = try NIOSSLCertificate.fromPEMFile(certificates.serverCertificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)
            return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        }
        let state = State()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                state.opened(channel)
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(behaviour: behaviour, state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        return WebhookTestReceiver(port: port, channel: channel, state: state)
    }

    /// How many connections were accepted.
    func connections() -> Int { state.connections.withLock { $0 } }

    /// The requests received, in order.
    func requests() -> [Request] { state.requests.withLock { $0 } }

    /// Stops listening and closes the open connections.
    func stop() async {
        try? await channel.close()
        for connection in state.open.withLock({ Array($0.values) }) { try? await connection.close() }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let behaviour: Behaviour
        private let state: State
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(behaviour: Behaviour, state: State) {
            self.behaviour = behaviour
            self.state = state
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body(let part): body += part.readableBytesView
            case .end:
                guard let head else { return }
                state.requests.withLock { $0.append(Request(head: head, body: body)) }
                respond(context: context)
            }
        }

        private func respond(context: ChannelHandlerContext) {
            switch behaviour {
            case .answer(let status, let headers, let body):
                var fields = HTTPHeaders(headers)
                fields.add(name: "Content-Length", value: String(body.count))
                fields.add(name: "Connection", value: "close")
                let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: fields)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            case .silent:
                break
            case .garbage:
                // Written from the HTTP encoder's place, so the bytes go to TLS (or the socket) as they are.
                let garbage = ByteBuffer(string: "SSH-2.0-OpenSSH_9.6\r\n\u{0}\u{1}garbage\r\n\r\n")
                let encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
                encoder?.writeAndFlush(NIOAny(garbage), promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
