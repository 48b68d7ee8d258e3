import NIOCore

/// Runs Swift concurrency jobs on a NIO event loop.
///
/// The server starts each call's task with this as its executor preference, so the handler runs on
/// the thread that already owns the stream: no hop to the cooperative pool and back per call. On two
/// cores those hops (futex wake-ups, context switches) were most of the server's cost. Handlers are
/// asynchronous and never block; work they await elsewhere resumes here.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        eventLoop.execute {
            unownedJob.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
