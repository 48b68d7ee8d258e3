import Foundation
import Synchronization

/// Groups the operations that reach one wallet at the same time into one transaction (TigerBeetle-style batching).
///
/// The first operation on an idle wallet leads: it runs at once, alone. Operations arriving while a leader runs wait in the
/// wallet's queue; when the leader is done, the first of them leads the next batch, taking up to `maximumBatch` waiting
/// operations with it. So an idle wallet costs nothing extra, and a hot one gets one lock, read and commit per batch.
/// A batch runs in a task of its own: a caller whose deadline passes stops waiting without cancelling the others' work.
/// Per process: replicas still meet at the wallet's row lock.
final class WalletQueues: Sendable {
    struct Key: Hashable, Sendable {
        let tenant: String
        let account: UUID
    }

    typealias Outcome = Result<any Sendable, any Error>

    private enum Signal: Sendable {
        case done(Outcome)
        case lead
    }

    private struct Waiter: Sendable {
        let operation: WalletOperation
        let continuation: CheckedContinuation<Signal, Never>
    }

    /// A wallet is in the dictionary while a leader runs on it; its value is who waits.
    private let queues = Mutex<[Key: [Waiter]]>([:])
    let maximumBatch: Int

    init(maximumBatch: Int) {
        self.maximumBatch = max(1, maximumBatch)
    }

    /// How many operations wait for the wallet `key`'s current transaction.
    func waiting(on key: Key) -> Int { queues.withLock { $0[key]?.count ?? 0 } }

    /// Whether a transaction runs on the wallet `key` now.
    func busy(_ key: Key) -> Bool { queues.withLock { $0[key] != nil } }

    /// Runs `operation` on the wallet `key`, alone or in a batch; `transaction` runs a batch and answers per operation, in order.
    func run(
        _ operation: WalletOperation, on key: Key,
        transaction: @escaping @Sendable ([WalletOperation]) async -> [Outcome]
    ) async throws -> any Sendable {
        let signal: Signal = await withCheckedContinuation { continuation in
            let leads = queues.withLock { queues in
                guard queues[key] != nil else {
                    queues[key] = []
                    return true
                }
                queues[key]!.append(Waiter(operation: operation, continuation: continuation))
                return false
            }
            if leads { continuation.resume(returning: .lead) }
        }
        switch signal {
        case .done(let outcome):
            return try outcome.get()
        case .lead:
            let followers = queues.withLock { queues in
                let taken = Array(queues[key]!.prefix(maximumBatch - 1))
                queues[key]!.removeFirst(taken.count)
                return taken
            }
            let operations = [operation] + followers.map(\.operation)
            let outcomes = followers.isEmpty ? await transaction(operations) : await Task { await transaction(operations) }.value
            for (follower, outcome) in zip(followers, outcomes.dropFirst()) { follower.continuation.resume(returning: .done(outcome)) }
            let next = queues.withLock { queues -> Waiter? in
                guard let waiting = queues[key], !waiting.isEmpty else {
                    queues[key] = nil
                    return nil
                }
                return queues[key]!.removeFirst()
            }
            next?.continuation.resume(returning: .lead)
            return try outcomes[0].get()
        }
    }
}
