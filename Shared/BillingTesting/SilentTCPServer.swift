import NIOCore
import NIOPosix

/// A TCP server on 127.0.0.1 that accepts connections and never answers: a hanging webhook endpoint, a peer that times out.
public final class SilentTCPServer: Sendable {
    public let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    /// Listens at an ephemeral port.
    public static func start() async throws -> SilentTCPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw TestClusterError(message: "the silent server has no port")
        }
        return SilentTCPServer(port: port, channel: channel)
    }

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    public func stop() async { try? await channel.close() }
}
