import NIOCore
import NIOPosix

/// A TCP server on 127.0.0.1 that plays a scripted, misbehaving SMTP server: it sends `greeting` on connect, then answers
/// each line it reads with `answer(line)` (`nil`: say nothing). For the client's defences, which aiosmtpd never tests.
final class HostileSMTPServer: Sendable {
    let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    static func start(
        greeting: String, closeAfterGreeting: Bool = false, answer: @escaping @Sendable (String) -> String?
    ) async throws
        -> HostileSMTPServer
    {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptHandler(greeting: greeting, closeAfterGreeting: closeAfterGreeting, answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return HostileSMTPServer(port: channel.localAddress!.port!, channel: channel)
    }

    func stop() async { try? await channel.close() }

    private final class ScriptHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let greeting: String
        let closeAfterGreeting: Bool
        let answer: @Sendable (String) -> String?
        var pending: [UInt8] = []

        init(greeting: String, closeAfterGreeting: Bool, answer: @escaping @Sendable (String) -> String?) {
            self.greeting = greeting
            self.closeAfterGreeting = closeAfterGreeting
            self.answer = answer
        }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting)), promise: nil)
            if closeAfterGreeting { context.close(promise: nil) }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += unwrapInboundIn(data).readableBytesView
            while let end = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<end], as: UTF8.self).trimmingCharacters(in: ["\r"])
                pending.removeSubrange(...end)
                if let reply = answer(line) { context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)), promise: nil) }
            }
        }
    }
}
