import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTP/1.1 server of a stand-in: 127.0.0.1 at an ephemeral port, over TLS when given a context, every request answered by
/// a ``PixStandInHTTPHandler``. It keeps its connections so that ``close()`` ends them all.
final class StandInHTTPServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let connections: Connections

    private init(port: Int, channel: any Channel, connections: Connections) {
        self.port = port
        self.channel = channel
        self.connections = connections
    }

    /// Listens; throws the bind error, or ``PixStandInError`` when the channel has no port.
    static func start(tls: NIOSSLContext?, handle: @escaping PixStandInHTTPHandler.Handle) async throws -> StandInHTTPServer {
        let connections = Connections()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.opened(channel)
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(PixStandInHTTPHandler(handle: handle))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw PixStandInError(message: "the stand-in's server channel has no port")
        }
        return StandInHTTPServer(port: port, channel: channel, connections: connections)
    }

    /// Stops listening and closes the open connections.
    func close() async {
        try? await channel.close()
        for connection in connections.open() { try? await connection.close() }
    }

    /// The open connections; the bootstrap's initializer adds each one before the server object exists.
    private final class Connections: Sendable {
        private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

        func opened(_ channel: any Channel) {
            let id = ObjectIdentifier(channel)
            channels.withLock { $0[id] = channel }
            channel.closeFuture.whenComplete { _ in _ = self.channels.withLock { $0.removeValue(forKey: id) } }
        }

        func open() -> [any Channel] { channels.withLock { Array($0.values) } }
    }
}
