import BillingCore
import Foundation

/// How long after each declined automatic charge the card is tried again (the tenant's `cardRetrySchedule` invoice setting, or
/// `BILLING_INVOICING_CARD_RETRY_SCHEDULE`).
public typealias CardRetrySchedule = RetrySchedule

extension RetrySchedule {
    /// `1d,2d,2d,2d` tries again on days 1, 3, 5 and 7 after the first decline (Stripe's smart retries fit about a week); `1d,3d,5d`
    /// would try a day after the first, three days after the second and five after that.
    public static let `default` = RetrySchedule(delays: [86_400, 2 * 86_400, 2 * 86_400, 2 * 86_400])
}
