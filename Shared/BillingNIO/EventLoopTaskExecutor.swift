import NIOCore
import Synchronization

/// Runs Swift concurrency jobs on a NIO event loop.
///
/// The RPC server starts each call's task with this as its executor preference, so the handler runs on the thread that already
/// owns the stream: no hop to the cooperative pool and back per call (on two cores those hops — futex wake-ups, context
/// switches — were most of the server's cost). The database helpers run each statement on its connection's loop, so nothing can
/// close the channel between their check that it is open and PostgresNIO's write. Handlers are asynchronous and never block;
/// work they await elsewhere resumes here.
public final class EventLoopTaskExecutor: TaskExecutor, Sendable {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        eventLoop.execute {
            unownedJob.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    /// One executor per event loop, made on first use (a process has as many loops as cores).
    public static func of(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        let key = ObjectIdentifier(eventLoop)
        return executors.withLock { executors in
            if let executor = executors[key] { return executor }
            let executor = EventLoopTaskExecutor(eventLoop: eventLoop)
            executors[key] = executor
            return executor
        }
    }

    private static let executors = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])
}
