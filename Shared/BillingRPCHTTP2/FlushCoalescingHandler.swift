import NIOCore

/// Defers `flush` to the end of the current event-loop tick, so responses finished by many calls in
/// the same tick leave in one `writev` instead of one system call each.
///
/// Sits between the socket and the HTTP/2 handler. nio-http2 already batches flushes inside a read
/// loop; responses produced by handler tasks arrive outside one, and this recovers the batching.
final class FlushCoalescingHandler: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny

    private var flushScheduled = false

    func flush(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushScheduled = false
            context.flush()
        }
    }

    /// A close in the same tick as the last responses (a draining server closes the connection as soon as its last stream
    /// ends) must not drop them: what waits for the deferred flush leaves first.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if flushScheduled {
            flushScheduled = false
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }
}
