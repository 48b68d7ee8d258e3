import NIOCore
import NIOSSL

/// Turns the server's bytes into ``SMTPReply`` values and hands each to the one step waiting for it.
///
/// A step registers with ``expectReply(step:sending:timeout:)``; the handler writes the step's command, if any, and
/// completes the step with the next reply, or fails it when the timeout passes, the connection breaks, TLS fails or the
/// server breaks the protocol. The first failure closes the channel and fails every later step. Event loop only.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Waiter {
        let step: String
        let promise: EventLoopPromise<SMTPReply>
        let timeout: Scheduled<Void>
    }

    private let eventLoop: any EventLoop
    private var parser = SMTPReplyParser()
    /// Set while the handler is in the pipeline (it leaves it when the channel closes).
    private var context: ChannelHandlerContext?
    private var waiter: Waiter?
    /// A reply no step asked for yet (the greeting comes before anyone waits for it).
    private var unclaimed: SMTPReply?
    /// The first failure, once the connection is unusable: every later step fails with it.
    private var failure: SMTPError?
    /// The step that last asked for a reply, to name a failure that comes while no step waits (before the first: the greeting).
    private var lastStep = "greeting"
    /// The step that put TLS under the connection (`STARTTLS`, or `TLS` from the start): TLS errors are named after it.
    var tlsStep: String?

    /// Whether the server has sent bytes no step has taken yet (checked right after the 220 to STARTTLS: anything sent
    /// then came before TLS and must not be read as if it came after).
    var hasPendingInput: Bool { parser.hasBufferedData || unclaimed != nil }

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// The next reply, after writing `command` when given.
    func expectReply(step: String, sending command: ByteBuffer?, timeout: Duration) -> EventLoopFuture<SMTPReply> {
        if let failure { return eventLoop.makeFailedFuture(failure) }
        guard let context else { return eventLoop.makeFailedFuture(SMTPError.connection(step, "connection closed")) }
        precondition(waiter == nil, "one step at a time")
        lastStep = step
        if let reply = unclaimed {
            unclaimed = nil
            // Only the greeting may come unasked; a 421 (closing) may come at any time, anything else is out of turn.
            guard command == nil || reply.code == 421 else {
                let error = SMTPError.connection(step, "the server answered before it was asked: \(reply)")
                fail(error)
                return eventLoop.makeFailedFuture(error)
            }
            return eventLoop.makeSucceededFuture(reply)
        }
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        let scheduled = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            self.fail(SMTPError.timeout(step, after: timeout))
        }
        waiter = Waiter(step: step, promise: promise, timeout: scheduled)
        if let command {
            context.writeAndFlush(wrapOutboundOut(command)).assumeIsolated().whenFailure { error in
                self.fail(step, Self.reason(error))
            }
        }
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard failure == nil else { return }
        let bytes = unwrapInboundIn(data)
        parser.append(bytes.readableBytesView)
        do {
            while let reply = try parser.nextReply() {
                if let waiter {
                    self.waiter = nil
                    waiter.timeout.cancel()
                    waiter.promise.succeed(reply)
                } else if unclaimed == nil && failure == nil {
                    unclaimed = reply
                } else {
                    fail(lastStep, "the server sent a reply nobody asked for: \(reply)")
                    return
                }
            }
        } catch {
            fail(waiter?.step ?? lastStep, "protocol error: \(error)")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(waiter?.step ?? lastStep, "connection closed by the server")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let isTLS = error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
        fail((isTLS ? tlsStep : nil) ?? waiter?.step ?? lastStep, Self.reason(error))
    }

    /// Records the first failure, fails the waiting step with it, and closes the channel.
    private func fail(_ step: String, _ reason: String) {
        fail(SMTPError.connection(step, reason))
    }

    private func fail(_ error: SMTPError) {
        if failure == nil { failure = error }
        if let waiter {
            self.waiter = nil
            waiter.timeout.cancel()
            waiter.promise.fail(failure ?? error)
        }
        context?.close(promise: nil)
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError: "TLS failure: \(error)"
        default: "connection failure: \(error)"
        }
    }
}
