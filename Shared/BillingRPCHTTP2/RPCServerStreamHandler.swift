import BillingCore
import BillingNIO
import BillingRPC
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// What every stream handler of one server shares.
struct RPCServerEnvironment: Sendable {
    let router: RPCRouter
    /// One task executor per event loop, so each call's handler runs on its stream's loop.
    let executors: [ObjectIdentifier: EventLoopTaskExecutor]
    let logger: Logger
    let tracker: RPCServerCallTracker
    let observer: (any RPCServerObserver)?
    let maximumMessageSize: Int
    /// Under mutual TLS: every call names its calling service (from the certificate), and the method must allow it.
    let authenticatesCallers: Bool
}

/// Serves one HTTP/2 stream: reads the request head and message, runs the handler, writes the response.
///
/// A plain channel handler rather than an `NIOAsyncChannel` per stream: DESIGN.md section 9 measured
/// the async wrapper at about three times the CPU per call. The handler's business code runs in a
/// task whose handle is kept so a passed deadline or a reset stream cancels it.
final class RPCServerStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum State {
        case awaitingHead
        case receiving(RPCRoute, RPCServerContext)
        case running(RPCRoute, RPCServerContext)
        case finished
    }

    private let environment: RPCServerEnvironment
    private var state: State = .awaitingHead
    private var deframer: RPCMessageDeframer
    private var requestMessage: ByteBuffer?
    private var context: ChannelHandlerContext?
    private var task: Task<Void, Never>?
    private var deadlineTimer: Scheduled<Void>?
    private var responseHeadSent = false
    private var startedAt = ContinuousClock.now
    private var methodName = "unknown"
    private var requestID: String?
    /// The calling service its client certificate names (nil without mutual TLS, or a certificate that names none).
    private let caller: String?

    init(environment: RPCServerEnvironment, caller: String?) {
        self.environment = environment
        self.caller = caller
        self.deframer = RPCMessageDeframer(maximumMessageSize: environment.maximumMessageSize)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        deadlineTimer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if case .awaitingHead = state {
                receivedHead(headers.headers, context: context)
            }
            if headers.endStream { endOfRequest(context: context) }
        case .data(let payload):
            guard case .receiving = state else { return }
            if case .byteBuffer(let bytes) = payload.data { deframer.append(bytes) }
            do {
                while let message = try deframer.nextMessage() {
                    guard requestMessage == nil else {
                        finish(.failure(.invalidArgument("a call carries exactly one request message")))
                        return
                    }
                    requestMessage = message
                }
            } catch {
                finish(.failure(error))
                return
            }
            if payload.endStream { endOfRequest(context: context) }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The peer reset the stream or the connection dropped: stop the work nobody waits for.
        if case .running = state {
            task?.cancel()
            record(.cancelled)
        }
        state = .finished
        deadlineTimer?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        environment.logger.debug("stream error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func receivedHead(_ headers: HPACKHeaders, context: ChannelHandlerContext) {
        startedAt = .now
        let path = headers.first(name: ":path") ?? ""
        methodName = String(path.dropFirst())
        guard headers.first(name: ":method") == "POST" else {
            finish(.failure(RPCError(.unimplemented, "RPC calls use POST")))
            return
        }
        guard let contentType = headers.first(name: RPCHeader.contentType), contentType.hasPrefix(RPCHeader.contentTypeValue) else {
            finish(.failure(.invalidArgument("content-type must be \(RPCHeader.contentTypeValue)")))
            return
        }
        guard let route = environment.router.route(forPath: path) else {
            methodName = "unknown"
            finish(.failure(RPCError(.unimplemented, "unknown method \(path.prefix(200))")))
            return
        }
        if environment.authenticatesCallers {
            // Checked before anything of the call is read: the tenant header counts only from an authenticated, allowed peer.
            guard let caller else {
                finish(
                    .failure(
                        RPCError(
                            .unauthenticated, "the client certificate names no billing service (spiffe://billing/<service>)",
                            reason: "UNKNOWN_CALLER")))
                return
            }
            guard route.descriptor.callers.allows(caller) else {
                finish(
                    .failure(
                        RPCError(
                            .permissionDenied, "\(route.descriptor.name) may be called by \(route.descriptor.callers.documented), not by \(caller)",
                            reason: "CALLER_NOT_ALLOWED")))
                return
            }
        }
        let metadata = headers.rpcMetadata
        requestID = metadata.requestID
        var deadline: RPCDeadline?
        if let text = headers.first(name: RPCHeader.deadline) {
            guard let milliseconds = Int64(text), milliseconds >= 0 else {
                finish(.failure(.invalidArgument("\(RPCHeader.deadline) must be a non-negative integer")))
                return
            }
            deadline = RPCDeadline(.now() + .milliseconds(milliseconds))
        }
        if route.descriptor.requiresTenant && metadata.tenant == nil {
            finish(.failure(RPCError(.unauthenticated, "\(route.descriptor.name) needs the \(RPCHeader.tenant) header")))
            return
        }
        state = .receiving(route, RPCServerContext(method: route.descriptor.name, metadata: metadata, deadline: deadline, logger: environment.logger))
        if let deadline {
            if deadline.hasPassed {
                finish(.failure(.deadlineExceeded("deadline passed before the call started")))
                return
            }
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            deadlineTimer = context.eventLoop.scheduleTask(deadline: deadline.instant) {
                loopBound.value.deadlinePassed()
            }
        }
    }

    private func endOfRequest(context: ChannelHandlerContext) {
        guard case .receiving(let route, let callContext) = state else { return }
        guard deframer.bufferedBytes == 0 else {
            finish(.failure(.invalidArgument("request ended inside a message")))
            return
        }
        guard let message = requestMessage else {
            finish(.failure(.invalidArgument("request message missing")))
            return
        }
        requestMessage = nil
        state = .running(route, callContext)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let tracker = environment.tracker
        let executor = environment.executors[ObjectIdentifier(eventLoop)]
        tracker.callStarted()
        switch route.handler {
        case .unary(let body):
            task = Task(executorPreference: executor) {
                defer { tracker.callFinished() }
                let result: Result<ByteBuffer?, RPCError>
                do {
                    result = .success(try await RequestActor.$current.withValue(callContext.metadata.actor) { try await body(message, callContext) })
                } catch {
                    let deadlinePassed = callContext.deadline?.hasPassed ?? false
                    result = .failure(
                        RPCRouter.wireError(for: error, method: callContext.method, deadlinePassed: deadlinePassed, logger: callContext.logger))
                }
                if eventLoop.inEventLoop { loopBound.value.finish(result) } else { eventLoop.execute { loopBound.value.finish(result) } }
            }
        case .serverStreaming(let body):
            let writer = ServerStreamWriter(handler: loopBound, eventLoop: eventLoop)
            task = Task(executorPreference: executor) {
                defer { tracker.callFinished() }
                let result: Result<ByteBuffer?, RPCError>
                do {
                    try await RequestActor.$current.withValue(callContext.metadata.actor) { try await body(message, callContext, writer) }
                    result = .success(nil)
                } catch {
                    let deadlinePassed = callContext.deadline?.hasPassed ?? false
                    result = .failure(
                        RPCRouter.wireError(for: error, method: callContext.method, deadlinePassed: deadlinePassed, logger: callContext.logger))
                }
                eventLoop.execute { loopBound.value.finish(result) }
            }
        }
    }

    private func deadlinePassed() {
        if case .running = state { task?.cancel() }
        finish(.failure(.deadlineExceeded("deadline exceeded while running \(methodName)")))
    }

    /// Writes the final message (if any) and the trailers; later calls are ignored.
    func finish(_ result: Result<ByteBuffer?, RPCError>) {
        guard let context else { return }
        if case .finished = state { return }
        state = .finished
        deadlineTimer?.cancel()
        writeHeadIfNeeded(context: context)
        switch result {
        case .success(let message):
            if let message { writeFramed(message, context: context, promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: .rpcOKTrailers, endStream: true))), promise: nil)
            record(.ok)
        case .failure(let error):
            if let body = try? RPCSerialization.encodeFramed(error) { writeFramed(body, context: context, promise: nil) }
            context.writeAndFlush(
                wrapOutboundOut(.headers(.init(headers: .rpcTrailers(error.code, message: error.message), endStream: true))), promise: nil)
            record(error.code)
        }
    }

    /// Sends one message of a streaming response; fails once the call is over.
    func writeStreamMessage(_ message: ByteBuffer) -> EventLoopFuture<Void>? {
        guard let context, case .running = state else { return nil }
        writeHeadIfNeeded(context: context)
        let promise = context.eventLoop.makePromise(of: Void.self)
        writeFramed(message, context: context, promise: promise)
        context.flush()
        return promise.futureResult
    }

    private func writeHeadIfNeeded(context: ChannelHandlerContext) {
        guard !responseHeadSent else { return }
        responseHeadSent = true
        context.write(wrapOutboundOut(.headers(.init(headers: .rpcResponseHead))), promise: nil)
    }

    private func writeFramed(_ framed: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(framed)))), promise: promise)
    }

    private func record(_ code: RPCCode) {
        let duration = ContinuousClock.now - startedAt
        environment.observer?.callFinished(method: methodName, code: code, duration: duration)
        if duration >= Self.slowCall {
            environment.logger.warning(
                "slow RPC call",
                metadata: [
                    "method": "\(methodName)", "code": "\(code)", "duration_ms": "\(duration.wholeMilliseconds)",
                    "request_id": "\(requestID ?? "-")",
                ])
        }
    }

    /// A call that takes this long is logged with its request id, to find where a slow public request spent its time.
    static let slowCall = Duration.seconds(2)
}

/// Hands streamed messages from the handler's task to the stream's event loop.
private struct ServerStreamWriter: RPCRawStreamWriter {
    let handler: NIOLoopBound<RPCServerStreamHandler>
    let eventLoop: any EventLoop

    func write(framed message: ByteBuffer) async throws {
        let future = eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            guard let written = handler.value.writeStreamMessage(message) else {
                return eventLoop.makeFailedFuture(RPCError(.cancelled, "the call is over"))
            }
            return written
        }
        try await future.get()
    }
}
