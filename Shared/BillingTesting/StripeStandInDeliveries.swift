import Crypto
import Foundation
import Synchronization

/// The automatic webhook deliveries of a ``StripeStandIn``: one task posts the queued events one at a time, in the order they
/// were queued. After ``stop()`` what is still queued is dropped.
final class StripeStandInDeliveries: Sendable {
    private enum Job: Sendable {
        case deliver(StripeStandInBackend.Delivery)
        /// Resumed once every job queued before it is done.
        case barrier(CheckedContinuation<Void, Never>)
    }

    private let jobs: AsyncStream<Job>.Continuation
    private let worker: Task<Void, Never>
    private let stopping = Flag()

    private final class Flag: Sendable {
        let isSet = Mutex(false)
    }

    /// `send` posts one event and records the answer.
    init(send: @escaping @Sendable (StripeStandInBackend.Delivery) async -> Void) {
        let (stream, jobs) = AsyncStream.makeStream(of: Job.self)
        let stopping = self.stopping
        self.jobs = jobs
        worker = Task {
            for await job in stream {
                switch job {
                case .deliver(let delivery): if !stopping.isSet.withLock({ $0 }) { await send(delivery) }
                case .barrier(let continuation): continuation.resume()
                }
            }
        }
    }

    func enqueue(_ deliveries: [StripeStandInBackend.Delivery]) {
        for delivery in deliveries { jobs.yield(.deliver(delivery)) }
    }

    /// Returns once everything queued so far has been delivered (at once after ``stop()``).
    func drain() async {
        await withCheckedContinuation { continuation in
            if case .terminated = jobs.yield(.barrier(continuation)) { continuation.resume() }
        }
    }

    /// Drops what is queued, lets a delivery under way finish, and ends the task.
    func stop() async {
        stopping.isSet.withLock { $0 = true }
        jobs.finish()
        await worker.value
    }
}

/// Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the
/// endpoint's whole signing secret (`whsec_…`) as UTF-8.
enum StripeStandInSignature {
    static func header(body: [UInt8], secret: String, timestamp: Int) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + code.map { String(format: "%02x", $0) }.joined()
    }
}
