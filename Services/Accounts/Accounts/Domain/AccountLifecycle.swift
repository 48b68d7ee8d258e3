import AccountsContract
import BillingCore

/// The one table of account status changes (seed 001): suspend ACTIVE, reactivate SUSPENDED,
/// close either; CLOSED is final and refuses every operation.
enum AccountLifecycle {
    enum Operation {
        case suspend, reactivate, close, update

        var target: AccountStatus? {
            switch self {
            case .suspend: return .suspended
            case .reactivate: return .active
            case .close: return .closed
            case .update: return nil
            }
        }
    }

    static let allowed: [AccountStatus: Set<AccountStatus>] = [
        .active: [.suspended, .closed],
        .suspended: [.active, .closed],
        .closed: [],
    ]

    /// The status after `operation`, or why it is refused.
    static func next(from current: AccountStatus, _ operation: Operation, id: AccountID) throws(AccountsError) -> AccountStatus {
        if current == .closed { throw .closed(id) }
        guard let target = operation.target else { return current }
        guard allowed[current]?.contains(target) == true else { throw .illegalTransition(from: current, to: target) }
        return target
    }
}
