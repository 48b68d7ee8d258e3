import BillingRPC
import NIOCore

/// An RPC transport no peer answers: for tests that seed a service's read models, where a call to another context would be a bug.
public struct NoPeersTransport: RPCClientTransport {
    public init() {}

    public func unary(path: String, request: ByteBuffer, options: RPCCallOptions, retryable: Bool) async throws(RPCError) -> ByteBuffer {
        throw RPCError(.unavailable, "no other service runs in this test (\(path))")
    }

    public func serverStreaming(
        path: String, request: ByteBuffer, options: RPCCallOptions
    ) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error> {
        throw RPCError(.unavailable, "no other service runs in this test (\(path))")
    }
}
