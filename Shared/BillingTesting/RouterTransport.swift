import BillingRPC
import Logging
import NIOCore

/// Other services answered in-process by a router of the methods a test gives them, through the real client and wire codec.
/// For unit tests of one service whose handlers call a peer (an account, a catalog item); databases stay real.
public struct RouterTransport: RPCClientTransport {
    let router: RPCRouter
    let logger = Logger(label: "router-transport")

    public init(_ router: RPCRouter) { self.router = router }

    public func unary(path: String, request: ByteBuffer, options: RPCCallOptions, retryable: Bool) async throws(RPCError) -> ByteBuffer {
        guard let route = router.route(forPath: path), case .unary(let handler) = route.handler else {
            throw RPCError(.unimplemented, "no stub answers \(path)")
        }
        var message = request
        message.moveReaderIndex(forwardBy: RPCFraming.headerLength)
        do {
            var response = try await handler(message, RPCServerContext(method: path, metadata: options.metadata, deadline: nil, logger: logger))
            response.moveReaderIndex(forwardBy: RPCFraming.headerLength)
            return response
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(.internal, "\(error)")
        }
    }

    public func serverStreaming(
        path: String, request: ByteBuffer, options: RPCCallOptions
    ) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error> {
        throw RPCError(.unimplemented, "no stub streams \(path)")
    }
}
