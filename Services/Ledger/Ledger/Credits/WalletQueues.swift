import Foundation
import Metrics
import Synchronization

/// Groups the operations that reach one wallet at the same time into one transaction (TigerBeetle-style batching).
///
/// The first operation on an idle wallet leads: it runs at once, alone. Operations arriving while a leader runs wait in the
/// wallet's queue; when the leader is done, the first of them leads the next batch, taking up to `maximumBatch` waiting
/// operations with it. So an idle wallet costs nothing extra, and a hot one gets one lock, read and commit per batch.
/// A batch runs in a task of its own: a caller whose deadline passes stops waiting without cancelling the others' work. An
/// operation whose caller is gone (its task cancelled: the deadline passed, the stream was reset) while it waits is taken out of
/// the queue and never runs, so nothing is done that the caller was told failed.
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
        let id: UInt64
        let operation: WalletOperation
        let continuation: CheckedContinuation<Signal, Never>
    }

    /// A wallet is in the dictionary while a leader runs on it; its value is who waits.
    private let queues = Mutex<[Key: [Waiter]]>([:])
    private let nextID = Atomic<UInt64>(0)
    let maximumBatch: Int

    init(maximumBatch: Int) {
        self.maximumBatch = max(1, maximumBatch)
    }

    /// How many operations each wallet transaction carried (`billing_ledger_wallet_batch_size`, a histogram).
    private static let batchSizes = Recorder(label: "billing_ledger_wallet_batch_size")

    /// How many operations wait for the wallet `key`'s current transaction.
    func waiting(on key: Key) -> Int { queues.withLock { $0[key]?.count ?? 0 } }

    /// Whether a transaction runs on the wallet `key` now.
    func busy(_ key: Key) -> Bool { queues.withLock { $0[key] != nil } }

    /// Runs `operation` on the wallet `key`, alone or in a batch; `transaction` runs a batch and answers per operation, in order.
    func run(
        _ operation: WalletOperation, on key: Key,
        transaction: @escaping @Sendable ([WalletOperation]) async -> [Outcome]
    ) async throws -> any Sendable {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let signal: Signal = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let decision = queues.withLock { queues -> Signal? in
                    // Checked under the lock the cancellation handler takes: a caller cancelled before it queued never queues.
                    if Task.isCancelled { return .done(.failure(CancellationError())) }
                    guard queues[key] != nil else {
                        queues[key] = []
                        return .lead
                    }
                    queues[key]!.append(Waiter(id: id, operation: operation, continuation: continuation))
                    return nil
                }
                if let decision { continuation.resume(returning: decision) }
            }
        } onCancel: {
            let dropped = queues.withLock { queues -> Waiter? in
                guard let index = queues[key]?.firstIndex(where: { $0.id == id }) else { return nil }
                return queues[key]!.remove(at: index)
            }
            dropped?.continuation.resume(returning: .done(.failure(CancellationError())))
        }
        switch signal {
        case .done(let outcome):
            return try outcome.get()
        case .lead:
            // Leadership passes on even when this caller has gone; its own operation then does not run.
            let own = Task.isCancelled ? nil : operation
            let followers = queues.withLock { queues in
                let taken = Array(queues[key]!.prefix(maximumBatch - (own == nil ? 0 : 1)))
                queues[key]!.removeFirst(taken.count)
                return taken
            }
            let operations = (own.map { [$0] } ?? []) + followers.map(\.operation)
            if !operations.isEmpty { Self.batchSizes.record(operations.count) }
            let outcomes: [Outcome] =
                operations.isEmpty
                ? [] : operations.count == 1 && own != nil ? await transaction(operations) : await Task { await transaction(operations) }.value
            let followerOutcomes = own == nil ? outcomes[...] : outcomes.dropFirst()
            for (follower, outcome) in zip(followers, followerOutcomes) { follower.continuation.resume(returning: .done(outcome)) }
            let next = queues.withLock { queues -> Waiter? in
                guard let waiting = queues[key], !waiting.isEmpty else {
                    queues[key] = nil
                    return nil
                }
                return queues[key]!.removeFirst()
            }
            next?.continuation.resume(returning: .lead)
            guard own != nil else { throw CancellationError() }
            return try outcomes[0].get()
        }
    }
}
