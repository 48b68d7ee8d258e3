import BillingRPC
import Logging
import NIOCore
import NIOHPACK
import NIOPosix
import Synchronization

/// The HTTP/2 client transport: one multiplexed connection per endpoint, round-robin over the
/// replicas, endpoints in backoff skipped, failover to another replica when that is safe.
///
/// A call that never reached a server (connect failed, stream refused) is always tried on the next
/// replica. A call that may have reached one is re-sent only when `retryable` (its method's `RPCRetry` allows it)
/// and it failed with `unavailable`. Every attempt shares the call's deadline.
public final class RPCHTTP2ClientTransport: RPCClientTransport, Sendable {
    public let configuration: RPCClientConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let connections: Mutex<[RPCConnection]>
    private let nextIndex = Atomic<Int>(0)

    public init(configuration: RPCClientConfiguration, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        precondition(!configuration.endpoints.isEmpty, "\(configuration.serviceName) needs at least one endpoint")
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.connections = Mutex(
            configuration.endpoints.map {
                RPCConnection(endpoint: $0, configuration: configuration, tlsContext: configuration.tls?.clientContext, group: group, logger: logger)
            })
    }

    /// Replaces the replica list (endpoint discovery); connections to endpoints still listed are kept.
    public func updateEndpoints(_ endpoints: [RPCEndpoint]) {
        guard !endpoints.isEmpty else { return }
        let removed: [RPCConnection] = connections.withLock { current in
            let kept = current.filter { endpoints.contains($0.endpoint) }
            let added = endpoints.filter { endpoint in !kept.contains { $0.endpoint == endpoint } }
                .map {
                    RPCConnection(
                        endpoint: $0, configuration: configuration, tlsContext: configuration.tls?.clientContext, group: group, logger: logger)
                }
            let removed = current.filter { !endpoints.contains($0.endpoint) }
            current = kept + added
            return removed
        }
        for connection in removed { connection.close() }
    }

    public var endpoints: [RPCEndpoint] { connections.withLock { $0.map(\.endpoint) } }

    /// Closes every connection; later calls fail with `unavailable`.
    public func close() {
        let all = connections.withLock { $0 }
        for connection in all { connection.close() }
    }

    private func pick(excluding tried: Set<RPCEndpoint>) -> RPCConnection? {
        let all = connections.withLock { $0 }
        let now = NIODeadline.now()
        let start = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        for offset in 0..<all.count {
            let connection = all[Int((start &+ offset).magnitude % UInt(all.count))]
            if !tried.contains(connection.endpoint) && connection.isAvailable(at: now) { return connection }
        }
        return nil
    }

    private func unavailableError() -> RPCError {
        let all = connections.withLock { $0 }
        let soonest = all.compactMap(\.retryAt).min()
        var message = "no reachable \(configuration.serviceName) endpoint (\(all.map(\.endpoint.description).joined(separator: ", ")))"
        if let soonest { message += "; next retry in \(max(0, (soonest - .now()).nanoseconds / 1_000_000)) ms" }
        return .unavailable(message)
    }

    public func unary(path: String, request: ByteBuffer, options: RPCCallOptions, retryable: Bool) async throws(RPCError) -> ByteBuffer {
        let deadline = options.resolvedDeadline(fallback: configuration.defaultTimeout)
        var tried = Set<RPCEndpoint>()
        var lastError: RPCError?
        for _ in 0..<max(1, configuration.maximumAttempts) {
            guard !deadline.hasPassed else { throw lastError ?? .deadlineExceeded() }
            guard let connection = pick(excluding: tried) else { break }
            tried.insert(connection.endpoint)
            let head = HPACKHeaders.rpcRequest(path: path, authority: connection.endpoint.description, options: options, deadline: deadline)
            let promiseBox = Mutex<EventLoopPromise<ByteBuffer>?>(nil)
            do {
                let stream = try await connection.call(head: head, body: request, deadline: deadline) { eventLoop in
                    let promise = eventLoop.makePromise(of: ByteBuffer.self)
                    promiseBox.withLock { $0 = promise }
                    return .unary(promise)
                }
                let future = promiseBox.withLock { $0 }!.futureResult
                return try await withTaskCancellationHandler {
                    try await future.get()
                } onCancel: {
                    stream?.close(mode: .all, promise: nil)
                }
            } catch let failure as RPCCallFailure {
                lastError = failure.error
                let mayRetry = !failure.requestSent || (retryable && failure.error.code == .unavailable)
                guard mayRetry else { throw failure.error }
                logger.debug("RPC attempt failed, trying another replica", metadata: ["path": "\(path)", "error": "\(failure.error)"])
            } catch {
                throw RPCError(.cancelled, "call cancelled: \(error)")
            }
        }
        throw lastError ?? unavailableError()
    }

    public func serverStreaming(
        path: String, request: ByteBuffer, options: RPCCallOptions
    ) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error> {
        let deadline = options.resolvedDeadline(fallback: configuration.defaultTimeout)
        guard let connection = pick(excluding: []) else { throw unavailableError() }
        let head = HPACKHeaders.rpcRequest(path: path, authority: connection.endpoint.description, options: options, deadline: deadline)
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let channel: (any Channel)?
        do {
            channel = try await connection.call(head: head, body: request, deadline: deadline) { _ in .streaming(continuation) }
        } catch {
            throw error.error
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { channel?.close(mode: .all, promise: nil) }
        }
        return stream
    }
}
