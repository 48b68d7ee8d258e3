import NIOCore

/// Moves raw call messages to a peer; implemented by the HTTP/2 transport.
public protocol RPCClientTransport: Sendable {
    /// Sends one request message (already framed) and returns the response message.
    ///
    /// - Parameter retryable: whether the call may be sent again after a failure that might have
    ///   reached the server (the method's ``RPCRetry``: `always`, or `withKey` with a key).
    func unary(path: String, request: ByteBuffer, options: RPCCallOptions, retryable: Bool) async throws(RPCError) -> ByteBuffer

    /// Sends one request message and yields each response message.
    func serverStreaming(
        path: String, request: ByteBuffer, options: RPCCallOptions
    ) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error>
}

/// A typed client over a transport; contexts wrap it in their own `…Client` struct.
public struct RPCClient: Sendable {
    public let transport: any RPCClientTransport

    public init(transport: any RPCClientTransport) { self.transport = transport }

    /// Calls a unary method. Throws ``RPCError`` (the server's, or `unavailable`/`deadline_exceeded`).
    public func call<Request, Response>(
        _ method: UnaryMethod<Request, Response>, _ request: Request, options: RPCCallOptions
    ) async throws(RPCError) -> Response {
        let body = try RPCSerialization.encodeFramed(request)
        let retryable = method.retry == .always || (method.retry == .withKey && options.metadata.idempotencyKey != nil)
        let response = try await transport.unary(path: method.path, request: body, options: options, retryable: retryable)
        do {
            return try RPCSerialization.decode(Response.self, from: response)
        } catch {
            throw RPCError(.internal, "peer sent a malformed \(Response.self): \(error.message)")
        }
    }

    /// Calls a server-streaming method; the sequence ends after the last message or throws ``RPCError``.
    public func stream<Request, Response>(
        _ method: ServerStreamingMethod<Request, Response>, _ request: Request, options: RPCCallOptions
    ) async throws(RPCError) -> AsyncThrowingMapSequence<AsyncThrowingStream<ByteBuffer, any Error>, Response> {
        let body = try RPCSerialization.encodeFramed(request)
        return try await transport.serverStreaming(path: method.path, request: body, options: options).map { message in
            try RPCSerialization.decode(Response.self, from: message)
        }
    }
}
