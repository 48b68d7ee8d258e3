import BillingCore
import BillingEvents
import Foundation
import SubscriptionsContract

/// An event to publish, and the instant it happened at (a period boundary, not the time the scheduler noticed it).
struct TimedEvent: Sendable {
    let at: Date
    let event: any IntegrationEvent
}

/// How a subscription moves through time: the trial's reminder and end, renewals, expiry at period end, the grace of a PAST_DUE
/// subscription. Pure: the service and the test clock both call `advance` and store what it returns.
struct SubscriptionTimeline: Sendable {
    /// How long a PAST_DUE subscription may stay unpaid before it is CANCELED.
    let grace: TimeInterval

    /// How long before a trial's end `billing.subscription.trial_will_end` is announced (Stripe's three days, as elapsed time).
    static let trialReminderLead: TimeInterval = 3 * 86_400

    /// When the subscription next needs the scheduler, or nil when nothing happens to it by itself.
    func nextAction(_ subscription: Subscription) -> Date? {
        switch subscription.status {
        case .trial:
            // Its reminder while unsent (three days before the trial's end, or its start), then the trial's end.
            return min(Self.pendingTrialReminder(subscription) ?? subscription.currentPeriodEnd, subscription.currentPeriodEnd)
        case .active: return subscription.currentPeriodEnd
        case .pastDue:
            return min(subscription.currentPeriodEnd, (subscription.pastDueSince ?? subscription.currentPeriodEnd).addingTimeInterval(grace))
        case .paused, .canceled, .expired: return nil
        }
    }

    /// When a TRIAL subscription whose trial-end reminder is not sent yet is to get it: three days before the trial ends, or at the
    /// trial's start when the trial is shorter (as Stripe announces it at once). Nil once sent, or when it is not TRIAL.
    static func pendingTrialReminder(_ subscription: Subscription) -> Date? {
        guard subscription.status == .trial, subscription.trialReminderAt == nil, let end = subscription.trialEnd else { return nil }
        let reminder = end.addingTimeInterval(-trialReminderLead)
        guard let start = subscription.trialStart else { return reminder }
        return max(start, reminder)
    }

    /// Applies every step due at or before `now`, in order; each step's events carry the step's own instant.
    func advance(_ subscription: inout Subscription, until now: Date) -> [TimedEvent] {
        var events: [TimedEvent] = []
        // A step always moves nextAction forward (or ends the subscription), so this terminates; the cap guards a bad row. The
        // trial reminder's step may leave it at the same instant (a reminder due at the trial's end), but it is taken once: the
        // reminder is then sent, and the next step is the trial's end.
        for _ in 0..<100_000 {
            guard let due = nextAction(subscription), due <= now else { break }
            events += step(&subscription, at: due)
        }
        return events
    }

    private func step(_ subscription: inout Subscription, at instant: Date) -> [TimedEvent] {
        // The trial's reminder comes before anything else due at its instant (it is at or before the trial's end). It records that
        // it was sent and changes nothing the subscription shows, so `updatedAt` stays: the summary it carries is the current one.
        if let reminder = Self.pendingTrialReminder(subscription), reminder <= instant {
            subscription.trialReminderAt = instant
            return [TimedEvent(at: instant, event: SubscriptionTrialWillEnd(subscription: subscription.summary))]
        }
        subscription.updatedAt = instant
        if subscription.status == .pastDue, let since = subscription.pastDueSince, since.addingTimeInterval(grace) <= instant,
            instant < subscription.currentPeriodEnd
        {
            subscription.status = SubscriptionLifecycle.step(from: subscription.status, .graceExpired)
            subscription.canceledAt = instant
            subscription.endedAt = instant
            subscription.cancelReason = "unpaid after the grace period"
            subscription.cancelAtPeriodEnd = false
            return [
                TimedEvent(
                    at: instant,
                    event: SubscriptionCanceled(
                        subscription: subscription.summary, atPeriodEnd: false,
                        reason: subscription.cancelReason))
            ]
                + endAddons(&subscription, at: instant)
        }
        if subscription.cancelAtPeriodEnd {
            subscription.status = SubscriptionLifecycle.step(from: subscription.status, .expire)
            subscription.endedAt = instant
            return endAddons(&subscription, at: instant) + [TimedEvent(at: instant, event: SubscriptionExpired(subscription: subscription.summary))]
        }
        var events = applyScheduledChange(&subscription, at: instant) + endAddons(&subscription, at: instant, onlyScheduled: true)
        if subscription.status == .trial {
            subscription.status = SubscriptionLifecycle.step(from: subscription.status, .endTrial)
            subscription.billingAnchor = instant
            let first = PeriodMath.calculator(for: subscription).period(0)
            subscription.currentPeriodStart = first.start
            subscription.currentPeriodEnd = first.end
            events.append(TimedEvent(at: instant, event: SubscriptionTrialEnded(subscription: subscription.summary)))
            events.append(TimedEvent(at: instant, event: SubscriptionActivated(subscription: subscription.summary)))
        } else {
            subscription.status = SubscriptionLifecycle.step(from: subscription.status, .renew)
            let next = PeriodMath.period(after: subscription)
            subscription.currentPeriodStart = next.start
            subscription.currentPeriodEnd = next.end
            events.append(TimedEvent(at: instant, event: SubscriptionRenewed(subscription: subscription.summary)))
        }
        return events
    }

    /// A downgrade or quantity decrease scheduled for this period end takes effect.
    private func applyScheduledChange(_ subscription: inout Subscription, at instant: Date) -> [TimedEvent] {
        guard let change = subscription.scheduledChange else { return [] }
        subscription.scheduledChange = nil
        var events: [TimedEvent] = []
        if let plan = change.plan {
            let previous = subscription.plan
            subscription.plan = plan
            subscription.planId = plan.planId
            subscription.planVersion = plan.planVersion
            events.append(
                TimedEvent(
                    at: instant,
                    event: SubscriptionPlanChanged(
                        subscription: subscription.summary, previousPlanId: previous.planId,
                        previousPlanVersion: previous.planVersion, prorationLines: [])))
        }
        if let quantity = change.quantity {
            let previous = subscription.quantity
            subscription.quantity = quantity
            events.append(
                TimedEvent(
                    at: instant,
                    event: SubscriptionQuantityChanged(
                        subscription: subscription.summary, previousQuantity: previous,
                        prorationLines: [])))
        }
        return events
    }

    /// Turns add-ons off: those canceled at period end, or all of them when the subscription ends.
    func endAddons(_ subscription: inout Subscription, at instant: Date, onlyScheduled: Bool = false) -> [TimedEvent] {
        var events: [TimedEvent] = []
        for index in subscription.addons.indices
        where subscription.addons[index].status != .canceled
            && (!onlyScheduled || subscription.addons[index].cancelAtPeriodEnd)
        {
            let wasOn = subscription.addons[index].status == .active
            subscription.addons[index].status = .canceled
            subscription.addons[index].canceledAt = instant
            let addon = subscription.addons[index]
            if wasOn {
                events.append(
                    TimedEvent(
                        at: instant,
                        event: AddonCanceled(
                            subscriptionId: subscription.id, billingAccountId: subscription.billingAccountId,
                            addonId: addon.addonId, addonCode: addon.code, featureFlag: addon.featureFlag,
                            atPeriodEnd: addon.cancelAtPeriodEnd, subscription: subscription.summary)))
            }
        }
        return events
    }
}

/// The period arithmetic a subscription needs, over `SubscriptionPeriodCalculator`.
enum PeriodMath {
    static func timeZone(_ identifier: String) -> TimeZone { TimeZone(identifier: identifier) ?? TimeZone(identifier: "UTC")! }

    static func calculator(for subscription: Subscription) -> SubscriptionPeriodCalculator {
        SubscriptionPeriodCalculator(
            interval: subscription.plan.billingInterval, cycleType: subscription.plan.billingCycleType,
            anchor: subscription.billingAnchor, timeZone: timeZone(subscription.timezone))
    }

    /// The period after the current one.
    static func period(after subscription: Subscription) -> TimeSpan {
        let calculator = calculator(for: subscription)
        let index = calculator.index(containing: subscription.currentPeriodStart) ?? 0
        return calculator.period(index + 1)
    }

    /// The end of a trial of `days` local days from `start`.
    static func trialEnd(start: Date, days: Int, timeZone zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(byAdding: .day, value: days, to: start) ?? start.addingTimeInterval(TimeInterval(days) * 86_400)
    }
}
