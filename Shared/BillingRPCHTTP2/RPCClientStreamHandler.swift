import BillingRPC
import NIOCore
import NIOHPACK
import NIOHTTP2

/// A call that failed, and whether its request may have reached the server (decides retries).
struct RPCCallFailure: Error {
    let error: RPCError
    let requestSent: Bool
}

/// Where a call's response messages go.
enum RPCResponseSink: Sendable {
    case unary(EventLoopPromise<ByteBuffer>)
    case streaming(AsyncThrowingStream<ByteBuffer, any Error>.Continuation)
}

/// Runs one call on one client stream: writes the request, reassembles the response, reads the status.
final class RPCClientStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let head: HPACKHeaders
    private var body: ByteBuffer?
    private let deadline: RPCDeadline
    private let sink: RPCResponseSink
    private let peer: String
    private var deframer: RPCMessageDeframer
    private var unaryMessage: ByteBuffer?
    private var sawResponseHead = false
    private var requestSent = false
    private var completed = false
    private var deadlineTimer: Scheduled<Void>?

    init(head: HPACKHeaders, body: ByteBuffer, deadline: RPCDeadline, maximumMessageSize: Int, sink: RPCResponseSink, peer: String) {
        self.head = head
        self.body = body
        self.deadline = deadline
        self.sink = sink
        self.peer = peer
        self.deframer = RPCMessageDeframer(maximumMessageSize: maximumMessageSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard let body, !completed else { return }
        self.body = nil
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadlineTimer = context.eventLoop.scheduleTask(deadline: deadline.instant) {
            let (handler, context) = loopBound.value
            handler.fail(.deadlineExceeded("deadline exceeded waiting for \(handler.peer)"), context: context)
            context.close(promise: nil)  // resets the stream, so the server stops the work
        }
        requestSent = true
        context.write(wrapOutboundOut(.headers(.init(headers: head))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(body), endStream: true))), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !completed else { return }
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if !sawResponseHead {
                sawResponseHead = true
                let status = frame.headers.first(name: ":status") ?? ""
                guard status == "200" else {
                    fail(RPCError(status == "503" ? .unavailable : .internal, "\(peer) answered HTTP \(status)"), context: context)
                    return
                }
                // A trailers-only response carries the status in this same block.
                if frame.endStream || frame.headers.first(name: RPCHeader.status) != nil {
                    finish(trailers: frame.headers, context: context)
                }
            } else {
                finish(trailers: frame.headers, context: context)
            }
        case .data(let frame):
            if case .byteBuffer(let bytes) = frame.data { deframer.append(bytes) }
            do {
                while let message = try deframer.nextMessage() {
                    switch sink {
                    case .unary:
                        guard unaryMessage == nil else {
                            fail(RPCError(.internal, "\(peer) sent more than one response message"), context: context)
                            return
                        }
                        unaryMessage = message
                    case .streaming(let continuation):
                        // Holding the message until the trailers would tell an error body from data;
                        // instead, error bodies arrive only with a non-ok status and are decoded there.
                        if unaryMessage != nil { continuation.yield(unaryMessage!) }
                        unaryMessage = message
                    }
                }
            } catch {
                fail(error, context: context)
                context.close(promise: nil)
            }
            if frame.endStream {
                fail(RPCError(.internal, "\(peer) ended the stream without a status"), context: context)
            }
        default:
            break
        }
    }

    private func finish(trailers: HPACKHeaders, context: ChannelHandlerContext) {
        guard let statusText = trailers.first(name: RPCHeader.status) else {
            fail(RPCError(.internal, "\(peer) sent no \(RPCHeader.status)"), context: context)
            return
        }
        let code = RPCCode(rawValue: statusText) ?? .unknownCodeFallback
        guard code == .ok else {
            var error = RPCError(code, trailers.first(name: RPCHeader.message) ?? "")
            if let message = unaryMessage, let decoded = try? RPCSerialization.decode(RPCError.self, from: message) {
                error = decoded
            }
            fail(error, context: context)
            return
        }
        complete()
        switch sink {
        case .unary(let promise):
            if let message = unaryMessage {
                promise.succeed(message)
            } else {
                promise.fail(RPCCallFailure(error: RPCError(.internal, "\(peer) sent no response message"), requestSent: true))
            }
        case .streaming(let continuation):
            if let message = unaryMessage { continuation.yield(message) }
            continuation.finish()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.unavailable("connection to \(peer) closed before the call finished"), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.unavailable("call to \(peer) failed: \(error)"), context: context)
        context.close(promise: nil)
    }

    /// Cancels the call on behalf of the caller's task.
    func cancel(context: ChannelHandlerContext) {
        fail(RPCError(.cancelled, "call cancelled by the caller"), context: context)
        context.close(promise: nil)
    }

    private func complete() {
        completed = true
        deadlineTimer?.cancel()
    }

    private func fail(_ error: RPCError, context: ChannelHandlerContext) {
        guard !completed else { return }
        complete()
        switch sink {
        case .unary(let promise): promise.fail(RPCCallFailure(error: error, requestSent: requestSent))
        case .streaming(let continuation): continuation.finish(throwing: error)
        }
    }
}

extension RPCCode {
    /// An unknown status from a newer peer is treated as an internal failure.
    static let unknownCodeFallback = RPCCode.internal
}
