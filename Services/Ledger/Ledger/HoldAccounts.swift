import Foundation
import Synchronization

/// The wallet of each hold this process authorized, so that a settle or release reaching the same replica locks the
/// wallet straight away instead of reading the hold in a transaction of its own first. The account of a hold never
/// changes, and the hold is read again under the wallet's lock; a hold this process does not know (authorized by
/// another replica, or forgotten) is looked up in PostgreSQL.
final class HoldAccounts: Sendable {
    private static let limit = 100_000

    private struct Key: Hashable {
        let tenant: String
        let hold: UUID
    }

    private let accounts = Mutex<[Key: UUID]>([:])

    func remember(_ hold: UUID, account: UUID, tenant: String) {
        accounts.withLock { accounts in
            if accounts.count >= Self.limit { accounts.removeAll() }
            accounts[Key(tenant: tenant, hold: hold)] = account
        }
    }

    func account(of hold: UUID, tenant: String) -> UUID? {
        accounts.withLock { $0[Key(tenant: tenant, hold: hold)] }
    }

    /// A hold resolved (settled, released or expired) needs no shortcut any more.
    func forget(_ hold: UUID, tenant: String) {
        _ = accounts.withLock { $0.removeValue(forKey: Key(tenant: tenant, hold: hold)) }
    }
}
