import Foundation
import Synchronization

/// The holds this process authorized and that are still open, as recorded: a settle or release reaching the same replica
/// locks the hold's wallet straight away, and the lock's read brings only the hold's current status — not the hold again,
/// nor in a transaction of its own first. All but the status of a hold never changes. A hold this process does not know
/// (authorized by another replica, or forgotten) is looked up in PostgreSQL.
final class OpenHolds: Sendable {
    private static let limit = 100_000

    private struct Key: Hashable {
        let tenant: String
        let hold: UUID
    }

    private let records = Mutex<[Key: ExecutionRecord]>([:])

    func remember(_ hold: ExecutionRecord, tenant: String) {
        records.withLock { records in
            if records.count >= Self.limit { records.removeAll() }
            records[Key(tenant: tenant, hold: hold.id)] = hold
        }
    }

    func record(of hold: UUID, tenant: String) -> ExecutionRecord? {
        records.withLock { $0[Key(tenant: tenant, hold: hold)] }
    }

    /// A hold resolved (settled, released or expired) needs no shortcut any more.
    func forget(_ hold: UUID, tenant: String) {
        _ = records.withLock { $0.removeValue(forKey: Key(tenant: tenant, hold: hold)) }
    }
}
