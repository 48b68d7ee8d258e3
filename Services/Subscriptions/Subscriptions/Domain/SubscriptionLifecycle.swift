import SubscriptionsContract

/// The one table of subscription status changes (seeds 000, 001).
///
/// | from \ operation | endTrial | renew | pause | resume | cancelNow | scheduleCancel | reactivate | markPastDue | paymentReceived | graceExpired | expire | change (plan, quantity, add-ons) |
/// |---|---|---|---|---|---|---|---|---|---|---|---|---|
/// | TRIAL    | ACTIVE | – | PAUSED | – | CANCELED | TRIAL | TRIAL | – | – | – | EXPIRED | TRIAL |
/// | ACTIVE   | – | ACTIVE | PAUSED | – | CANCELED | ACTIVE | ACTIVE | PAST_DUE | ACTIVE | – | EXPIRED | ACTIVE |
/// | PAST_DUE | – | PAST_DUE | – | – | CANCELED | PAST_DUE | PAST_DUE | PAST_DUE | ACTIVE | CANCELED | EXPIRED | PAST_DUE |
/// | PAUSED   | – | – | – | ACTIVE | CANCELED | – | – | – | PAUSED | – | – | – |
/// | CANCELED | – | – | – | – | – | – | ACTIVE¹ | – | CANCELED | – | – | – |
/// | EXPIRED  | – | – | – | – | – | – | – | – | EXPIRED | – | – | – |
///
/// ¹ only before the end of the period it was canceled in (seed 000: "reative … sem perda de dados"); the service checks the date.
/// `reactivate` on TRIAL/ACTIVE/PAST_DUE undoes a cancellation at period end. A payment on a subscription that is not PAST_DUE
/// changes nothing. `expire` happens at the end of a period canceled at period end; `graceExpired` when PAST_DUE outlives the grace.
enum SubscriptionLifecycle {
    enum Operation: String, Sendable, CaseIterable {
        case endTrial, renew, pause, resume, cancelNow, scheduleCancel, reactivate, markPastDue, paymentReceived, graceExpired, expire, change

        /// The status a request asks for, named in a refusal.
        var requested: SubscriptionStatus? {
            switch self {
            case .endTrial, .resume, .reactivate, .paymentReceived: return .active
            case .pause: return .paused
            case .cancelNow, .graceExpired, .scheduleCancel: return .canceled
            case .markPastDue: return .pastDue
            case .expire: return .expired
            case .renew, .change: return nil
            }
        }
    }

    static let table: [SubscriptionStatus: [Operation: SubscriptionStatus]] = [
        .trial: [
            .endTrial: .active, .pause: .paused, .cancelNow: .canceled, .scheduleCancel: .trial, .reactivate: .trial, .expire: .expired,
            .change: .trial,
        ],
        .active: [
            .renew: .active, .pause: .paused, .cancelNow: .canceled, .scheduleCancel: .active, .reactivate: .active, .markPastDue: .pastDue,
            .paymentReceived: .active, .expire: .expired, .change: .active,
        ],
        .pastDue: [
            .renew: .pastDue, .cancelNow: .canceled, .scheduleCancel: .pastDue, .reactivate: .pastDue, .markPastDue: .pastDue,
            .paymentReceived: .active, .graceExpired: .canceled, .expire: .expired, .change: .pastDue,
        ],
        .paused: [.resume: .active, .cancelNow: .canceled, .paymentReceived: .paused],
        .canceled: [.reactivate: .active, .paymentReceived: .canceled],
        .expired: [.paymentReceived: .expired],
    ]

    /// The status after `operation`, or the 409 naming the current and the requested status.
    static func next(from current: SubscriptionStatus, _ operation: Operation) throws(SubscriptionsError) -> SubscriptionStatus {
        guard let next = table[current]?[operation] else {
            throw .illegalTransition(from: current, operation: operation)
        }
        return next
    }

    static func allows(_ operation: Operation, from current: SubscriptionStatus) -> Bool { table[current]?[operation] != nil }

    /// A step the timeline takes by itself (trial end, renewal, expiry, grace end): its own conditions chose a step the table
    /// allows, so a refusal here is a bug, not a request to turn down.
    static func step(from current: SubscriptionStatus, _ operation: Operation) -> SubscriptionStatus {
        guard let next = table[current]?[operation] else { preconditionFailure("the timeline took \(operation) from \(current)") }
        return next
    }
}
