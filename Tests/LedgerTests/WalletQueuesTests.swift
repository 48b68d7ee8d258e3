import Foundation
import Synchronization
import Testing

@testable import Ledger

@Suite("Wallet queues")
struct WalletQueuesTests {
    /// An operation the test's transaction never runs; it only counts who reaches the transaction.
    private static func operation(_ name: String) -> WalletOperation {
        WalletOperation(idempotencyKey: name) { _, _ in name }
    }

    @Test("an operation whose caller is cancelled while it waits for the wallet never runs; the others do, in order")
    func cancelledWhileQueuedNeverRuns() async throws {
        let queues = WalletQueues(maximumBatch: 64)
        let key = WalletQueues.Key(tenant: "t", account: UUID())
        let ran = Mutex<[String]>([])
        let firstStarted = AsyncStream<Void>.makeStream()
        let releaseFirst = AsyncStream<Void>.makeStream()
        let transaction: @Sendable ([WalletOperation]) async -> [WalletQueues.Outcome] = { operations in
            let names = operations.map { $0.idempotencyKey ?? "" }
            ran.withLock { $0 += names }
            if names == ["first"] {
                firstStarted.continuation.yield()
                for await _ in releaseFirst.stream { break }
            }
            return names.map { .success($0) }
        }
        let first = Task { try await queues.run(Self.operation("first"), on: key, transaction: transaction) }
        for await _ in firstStarted.stream { break }
        let gone = Task { try await queues.run(Self.operation("gone"), on: key, transaction: transaction) }
        let kept = Task { try await queues.run(Self.operation("kept"), on: key, transaction: transaction) }
        while queues.waiting(on: key) < 2 { try await Task.sleep(for: .milliseconds(5)) }
        gone.cancel()
        while queues.waiting(on: key) > 1 { try await Task.sleep(for: .milliseconds(5)) }
        releaseFirst.continuation.yield()
        #expect(try await first.value as? String == "first")
        #expect(try await kept.value as? String == "kept")
        await #expect(throws: CancellationError.self) { _ = try await gone.value }
        #expect(ran.withLock { $0 } == ["first", "kept"], "the cancelled caller's operation was dropped before it ran")
        #expect(!queues.busy(key))
    }
}
