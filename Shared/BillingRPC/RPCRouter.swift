import Logging
import NIOCore

/// Sends the messages of a server-streaming response; suspends while the peer is slow (back-pressure).
public protocol RPCRawStreamWriter: Sendable {
    /// Sends one message, already framed (``RPCSerialization/encodeFramed(_:allocator:)``).
    func write(framed message: ByteBuffer) async throws
}

/// A typed view of ``RPCRawStreamWriter`` for one method's response type.
public struct RPCStreamWriter<Response: Encodable & Sendable>: Sendable {
    let raw: any RPCRawStreamWriter

    public init(raw: any RPCRawStreamWriter) { self.raw = raw }

    public func write(_ response: Response) async throws {
        try await raw.write(framed: try RPCSerialization.encodeFramed(response))
    }
}

/// A method implementation over raw message bytes; produced by ``RPCRouter/register(_:_:)``.
/// Unary handlers take the request message and return the response already framed.
public enum RPCHandler: Sendable {
    case unary(@Sendable (ByteBuffer, RPCServerContext) async throws -> ByteBuffer)
    case serverStreaming(@Sendable (ByteBuffer, RPCServerContext, any RPCRawStreamWriter) async throws -> Void)
}

/// A registered method: its declaration and its implementation.
public struct RPCRoute: Sendable {
    public let descriptor: any RPCMethodDescriptor
    public let handler: RPCHandler
}

/// Maps `:path` to handlers. Built from the same descriptors the clients use, so both ends agree on types.
public struct RPCRouter: Sendable {
    public private(set) var routes: [String: RPCRoute] = [:]

    public init() {}

    /// Registers a unary method. A second registration of the same method is a programming error.
    public mutating func register<Request, Response>(
        _ method: UnaryMethod<Request, Response>,
        _ implementation: @escaping @Sendable (Request, RPCServerContext) async throws -> Response
    ) {
        precondition(routes[method.path] == nil, "\(method.name) registered twice")
        routes[method.path] = RPCRoute(
            descriptor: method,
            handler: .unary { buffer, context in
                let request = try RPCSerialization.decode(Request.self, from: buffer)
                let response = try await implementation(request, context)
                return try RPCSerialization.encodeFramed(response)
            })
    }

    /// Registers a server-streaming method.
    public mutating func register<Request, Response>(
        _ method: ServerStreamingMethod<Request, Response>,
        _ implementation: @escaping @Sendable (Request, RPCServerContext, RPCStreamWriter<Response>) async throws -> Void
    ) {
        precondition(routes[method.path] == nil, "\(method.name) registered twice")
        routes[method.path] = RPCRoute(
            descriptor: method,
            handler: .serverStreaming { buffer, context, writer in
                let request = try RPCSerialization.decode(Request.self, from: buffer)
                try await implementation(request, context, RPCStreamWriter(raw: writer))
            })
    }

    public func route(forPath path: String) -> RPCRoute? { routes[path] }

    /// Converts whatever a handler threw into the error sent to the caller.
    ///
    /// Typed errors map through ``RPCErrorConvertible``; anything else becomes `internal`, logged with
    /// its cause and never sent (it may hold details the caller must not see).
    public static func wireError(for error: any Error, method: String, deadlinePassed: Bool, logger: Logger) -> RPCError {
        if let convertible = error as? any RPCErrorConvertible { return convertible.rpcError }
        if error is CancellationError {
            return deadlinePassed ? .deadlineExceeded("deadline exceeded while running \(method)") : RPCError(.cancelled, "call cancelled")
        }
        logger.error("unexpected error in handler", metadata: ["rpc.method": "\(method)", "error": "\(String(reflecting: error))"])
        return .internal()
    }
}
