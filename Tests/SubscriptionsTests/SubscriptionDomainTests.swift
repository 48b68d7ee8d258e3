import AccountsContract
import BillingCore
import BillingEvents
import Foundation
import SubscriptionsContract
import Testing

@testable import Subscriptions

func instant(_ text: String) -> Date { RFC3339.parse(text)! }

func plan(
    _ price: String = "100.00", interval: BillingInterval = .monthly, cycle: BillingCycleType = .anniversary, trialDays: Int = 0,
    id: CatalogItemID = CatalogItemID("0190f0c0-0000-7000-8000-000000000001")!, version: Int = 1, name: String = "Pro", credits: Int64 = 100
) -> SubscribedPlan {
    SubscribedPlan(
        planId: id, planVersion: version, name: name, billingInterval: interval, billingCycleType: cycle,
        unitPrice: DecimalNumber(price)!, currency: "BRL", trialDays: trialDays, includedCredits: try! Credits(whole: credits),
        features: ["ai"], limits: [SubscriptionLimit(resource: "users", limit: 5, enforcement: "HARD")])
}

func subscription(_ plan: SubscribedPlan, start: Date, trialDays: Int? = nil, timezone: String = "UTC", clock: TestClockID? = nil) -> Subscription {
    let account = BillingAccount(
        id: AccountID(rawValue: UUID()), name: "Empresa", email: "a@b.co", currency: "BRL", taxId: nil, taxIdType: nil,
        timezone: timezone, metadata: [:], status: .active, statusReason: nil, balance: .zero(.brl), createdAt: start,
        updatedAt: start, closedAt: nil)
    return SubscriptionFactory.make(
        id: .generate(at: start), account: account, plan: plan, quantity: 1, trialDays: trialDays ?? plan.trialDays,
        start: start, testClockId: clock, now: start)
}

func types(_ events: [TimedEvent]) -> [String] { events.map { type(of: $0.event).eventType } }

@Suite("Subscription lifecycle, timeline and proration (pure)")
struct SubscriptionDomainTests {
    /// The transition table as the documentation states it; "-" is refused with a 409.
    static let expected: [(SubscriptionStatus, [String])] = [
        //            endTrial  renew       pause     resume    cancelNow   scheduleCancel reactivate markPastDue paymentReceived graceExpired expire   change
        (.trial, ["ACTIVE", "-", "PAUSED", "-", "CANCELED", "TRIAL", "TRIAL", "-", "-", "-", "EXPIRED", "TRIAL"]),
        (.active, ["-", "ACTIVE", "PAUSED", "-", "CANCELED", "ACTIVE", "ACTIVE", "PAST_DUE", "ACTIVE", "-", "EXPIRED", "ACTIVE"]),
        (.pastDue, ["-", "PAST_DUE", "-", "-", "CANCELED", "PAST_DUE", "PAST_DUE", "PAST_DUE", "ACTIVE", "CANCELED", "EXPIRED", "PAST_DUE"]),
        (.paused, ["-", "-", "-", "ACTIVE", "CANCELED", "-", "-", "-", "PAUSED", "-", "-", "-"]),
        (.canceled, ["-", "-", "-", "-", "-", "-", "ACTIVE", "-", "CANCELED", "-", "-", "-"]),
        (.expired, ["-", "-", "-", "-", "-", "-", "-", "-", "EXPIRED", "-", "-", "-"]),
    ]
    static let operations: [SubscriptionLifecycle.Operation] = [
        .endTrial, .renew, .pause, .resume, .cancelNow, .scheduleCancel, .reactivate, .markPastDue,
        .paymentReceived, .graceExpired, .expire, .change,
    ]

    @Test("every transition, legal and illegal: illegal ones are a 409 naming the current and the requested status", arguments: expected)
    func transitions(_ row: (SubscriptionStatus, [String])) throws {
        let (status, outcomes) = row
        for (operation, outcome) in zip(Self.operations, outcomes) {
            if outcome == "-" {
                do {
                    _ = try SubscriptionLifecycle.next(from: status, operation)
                    Issue.record("\(status) \(operation) should be refused")
                } catch {
                    let rpc = error.rpcError
                    #expect(rpc.code == .failedPrecondition && rpc.reason == "INVALID_STATUS_TRANSITION" && rpc.details["status"] == status.rawValue)
                    #expect(rpc.message.contains(status.rawValue))
                    if let requested = operation.requested {
                        #expect(rpc.details["requestedStatus"] == requested.rawValue && rpc.message.contains(requested.rawValue))
                    }
                }
            } else {
                #expect(try SubscriptionLifecycle.next(from: status, operation).rawValue == outcome, "\(status) \(operation)")
            }
        }
    }

    @Test("a 14-day trial, then 13 months on the clock: trial end once, 12 renewals, periods anchored at the trial end")
    func trialAndRenewals() {
        let timeline = SubscriptionTimeline(grace: 14 * 86_400)
        let start = instant("2027-01-31T10:00:00Z")
        var sub = subscription(plan(trialDays: 14), start: start)
        #expect(sub.status == .trial && sub.trialEnd == instant("2027-02-14T10:00:00Z") && sub.currentPeriodEnd == sub.trialEnd)
        let events = timeline.advance(&sub, until: instant("2028-02-29T10:00:00Z"))
        #expect(types(events).filter { $0 == SubscriptionTrialEnded.eventType }.count == 1)
        #expect(types(events).filter { $0 == SubscriptionRenewed.eventType }.count == 12)
        #expect(
            sub.status == .active && sub.currentPeriodStart == instant("2028-02-14T10:00:00Z")
                && sub.currentPeriodEnd == instant("2028-03-14T10:00:00Z"))
        #expect(types(events).filter { $0 == SubscriptionTrialWillEnd.eventType }.count == 1)
        #expect(
            events.first.map { type(of: $0.event).eventType } == SubscriptionTrialWillEnd.eventType
                && events.first?.at == instant("2027-02-11T10:00:00Z"), "each event carries the instant it happened at")
        #expect(events.first { $0.event is SubscriptionTrialEnded }?.at == instant("2027-02-14T10:00:00Z"))
        #expect(events.last?.at == instant("2028-02-14T10:00:00Z"))
    }

    @Test("a 14-day trial: trial_will_end at trialEnd − 3 days, once; then trial_ended and activated at the trial's end, no second reminder")
    func trialReminder() throws {
        let timeline = SubscriptionTimeline(grace: 14 * 86_400)
        let start = instant("2027-03-01T12:00:00Z")
        var sub = subscription(plan(trialDays: 14), start: start)
        let end = try #require(sub.trialEnd)
        #expect(end == instant("2027-03-15T12:00:00Z") && sub.trialReminderAt == nil)
        #expect(timeline.nextAction(sub) == instant("2027-03-12T12:00:00Z"), "three days before the trial ends")

        #expect(timeline.advance(&sub, until: instant("2027-03-12T11:59:59Z")).isEmpty, "not a second early")
        let reminder = timeline.advance(&sub, until: instant("2027-03-12T12:00:00Z"))
        #expect(types(reminder) == [SubscriptionTrialWillEnd.eventType] && reminder.first?.at == instant("2027-03-12T12:00:00Z"))
        let summary = try #require(reminder.first?.event as? SubscriptionTrialWillEnd).subscription
        #expect(summary.status == "TRIAL" && summary.trialEnd == end && summary.id == sub.id)
        #expect(sub.status == .trial && sub.trialReminderAt == instant("2027-03-12T12:00:00Z"))
        #expect(sub.updatedAt == start, "the reminder changes nothing the subscription shows")
        #expect(timeline.nextAction(sub) == end, "next: the trial's end")
        #expect(timeline.advance(&sub, until: instant("2027-03-14T00:00:00Z")).isEmpty, "sent once")

        let ended = timeline.advance(&sub, until: end)
        #expect(types(ended) == [SubscriptionTrialEnded.eventType, SubscriptionActivated.eventType])
        #expect(ended.allSatisfy { $0.at == end } && sub.status == .active)
        let later = timeline.advance(&sub, until: instant("2027-06-01T00:00:00Z"))
        #expect(!types(later).contains(SubscriptionTrialWillEnd.eventType) && types(later).allSatisfy { $0 == SubscriptionRenewed.eventType })
    }

    @Test("a 14-day trial advanced past its end at once: reminder at day 11, then trial_ended and activated at day 14, in order")
    func trialReminderCaughtUp() {
        let timeline = SubscriptionTimeline(grace: 0)
        var sub = subscription(plan(trialDays: 14), start: instant("2027-03-01T12:00:00Z"))
        let events = timeline.advance(&sub, until: instant("2027-03-15T12:00:00Z"))
        #expect(types(events) == [SubscriptionTrialWillEnd.eventType, SubscriptionTrialEnded.eventType, SubscriptionActivated.eventType])
        #expect(events.map(\.at) == [instant("2027-03-12T12:00:00Z"), instant("2027-03-15T12:00:00Z"), instant("2027-03-15T12:00:00Z")])
    }

    @Test("a trial shorter than 3 days: the reminder is due at the trial's start (announced at once, as Stripe does)")
    func shortTrialReminder() {
        let timeline = SubscriptionTimeline(grace: 0)
        let start = instant("2027-03-01T12:00:00Z")
        var sub = subscription(plan(trialDays: 2), start: start)
        #expect(sub.trialStart == start && timeline.nextAction(sub) == start)
        let events = timeline.advance(&sub, until: start)
        #expect(types(events) == [SubscriptionTrialWillEnd.eventType] && events.first?.at == start && sub.trialReminderAt == start)
        #expect(timeline.nextAction(sub) == instant("2027-03-03T12:00:00Z"))
        #expect(
            types(timeline.advance(&sub, until: instant("2027-03-03T12:00:00Z"))) == [
                SubscriptionTrialEnded.eventType, SubscriptionActivated.eventType,
            ])
        // Exactly three days: due at the start too (max(start, end − 3 days) is the start).
        let three = subscription(plan(trialDays: 3), start: start)
        #expect(timeline.nextAction(three) == start)
    }

    @Test("no reminder for a trial that stopped being TRIAL first: canceled, paused, or ended early")
    func noReminderAfterTrial() throws {
        let timeline = SubscriptionTimeline(grace: 0)
        let start = instant("2027-03-01T12:00:00Z")
        var canceled = subscription(plan(trialDays: 14), start: start)
        canceled.status = .canceled
        canceled.endedAt = instant("2027-03-05T00:00:00Z")
        #expect(timeline.nextAction(canceled) == nil && timeline.advance(&canceled, until: instant("2027-04-01T00:00:00Z")).isEmpty)
        var paused = subscription(plan(trialDays: 14), start: start)
        _ = try SubscriptionLifecycleService.pause(&paused, at: instant("2027-03-05T00:00:00Z"), reason: .requested)
        #expect(timeline.nextAction(paused) == nil && timeline.advance(&paused, until: instant("2027-04-01T00:00:00Z")).isEmpty)
        // Resumed, it is ACTIVE: its trial is over, so no reminder comes.
        _ = try SubscriptionLifecycleService.resume(&paused, at: instant("2027-03-06T00:00:00Z"))
        let resumed = timeline.advance(&paused, until: instant("2027-05-01T00:00:00Z"))
        #expect(!types(resumed).contains(SubscriptionTrialWillEnd.eventType) && !resumed.isEmpty)
        // Canceled at period end it is still TRIAL until then: the reminder goes (its summary says cancelAtPeriodEnd), then EXPIRED.
        var leaving = subscription(plan(trialDays: 14), start: start)
        leaving.cancelAtPeriodEnd = true
        let events = timeline.advance(&leaving, until: instant("2027-04-01T00:00:00Z"))
        #expect(types(events) == [SubscriptionTrialWillEnd.eventType, SubscriptionExpired.eventType])
        #expect((events.first?.event as? SubscriptionTrialWillEnd)?.subscription.cancelAtPeriodEnd == true)
    }

    @Test("the trial reminder's instant is stored, not on the wire: the encoded subscription and its schema have every field but it")
    func trialReminderOffTheWire() throws {
        var sub = subscription(plan(trialDays: 14), start: instant("2027-03-01T12:00:00Z"))
        sub.trialReminderAt = instant("2027-03-12T12:00:00Z")
        let json = String(decoding: try WireJSONEncoder().encode(sub), as: UTF8.self)
        #expect(!json.contains("trialReminder") && !json.contains("2027-03-12"))
        var decoded = try WireJSONDecoder().decode(Subscription.self, from: Array(json.utf8))
        #expect(decoded.trialReminderAt == nil)
        decoded.trialReminderAt = sub.trialReminderAt
        #expect(decoded == sub, "everything else round-trips")
        guard case .object(_, let fields) = CodableSchema.of(Subscription.self) else {
            Issue.record("Subscription's schema is not an object")
            return
        }
        let stored = Mirror(reflecting: sub).children.compactMap(\.label).filter { $0 != "trialReminderAt" }
        #expect(fields.map(\.name) == stored, "every other stored property is on the wire, in order (Subscription.CodingKeys)")
    }

    @Test("started Jan 31: periods start Feb 28, Mar 31, … Feb 29 in a leap year (anchored to the start, never drifting)")
    func monthEndAnchoring() {
        let timeline = SubscriptionTimeline(grace: 0)
        var sub = subscription(plan(), start: instant("2027-01-31T00:00:00Z"))
        var starts: [String] = [RFC3339.format(sub.currentPeriodStart)]
        for event in timeline.advance(&sub, until: instant("2028-04-01T00:00:00Z")) {
            if let renewed = event.event as? SubscriptionRenewed { starts.append(RFC3339.format(renewed.subscription.currentPeriodStart)) }
        }
        #expect(
            starts.map { String($0.prefix(10)) } == [
                "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30", "2027-07-31",
                "2027-08-31", "2027-09-30", "2027-10-31", "2027-11-30", "2027-12-31", "2028-01-31", "2028-02-29",
                "2028-03-31",
            ])
    }

    @Test("canceled at period end: it keeps working until the renewal date, then EXPIRED with its add-ons off; no renewal")
    func cancelAtPeriodEnd() {
        let timeline = SubscriptionTimeline(grace: 0)
        var sub = subscription(plan(), start: instant("2027-03-01T00:00:00Z"))
        sub.addons = [
            SubscriptionAddon(
                addonId: .generate(), addonVersion: 1, code: "extra", name: "Extra", featureFlag: "extra", price: .init(0), status: .active,
                cancelAtPeriodEnd: false, activatedAt: sub.startDate, canceledAt: nil, createdAt: sub.startDate)
        ]
        sub.cancelAtPeriodEnd = true
        #expect(timeline.advance(&sub, until: instant("2027-03-31T23:59:59Z")).isEmpty && sub.status == .active)
        let events = timeline.advance(&sub, until: instant("2027-06-01T00:00:00Z"))
        #expect(types(events) == [AddonCanceled.eventType, SubscriptionExpired.eventType])
        #expect(sub.status == .expired && sub.endedAt == instant("2027-04-01T00:00:00Z") && sub.addons[0].status == .canceled)
        #expect(timeline.nextAction(sub) == nil)
    }

    @Test("PAST_DUE keeps renewing until the grace ends, then CANCELED for non-payment at that instant")
    func graceExpiry() {
        let timeline = SubscriptionTimeline(grace: 45 * 86_400)
        var sub = subscription(plan(), start: instant("2027-03-01T00:00:00Z"))
        sub.status = .pastDue
        sub.pastDueSince = instant("2027-03-10T00:00:00Z")
        let events = timeline.advance(&sub, until: instant("2027-06-01T00:00:00Z"))
        #expect(types(events) == [SubscriptionRenewed.eventType, SubscriptionCanceled.eventType])
        #expect(sub.status == .canceled && sub.endedAt == instant("2027-04-24T00:00:00Z"))
    }

    @Test("a downgrade scheduled for the period end takes effect at the renewal")
    func scheduledDowngrade() {
        let timeline = SubscriptionTimeline(grace: 0)
        var sub = subscription(plan(), start: instant("2027-03-01T00:00:00Z"))
        let basic = plan("50.00", id: CatalogItemID("0190f0c0-0000-7000-8000-000000000002")!, name: "Basic")
        sub.scheduledChange = ScheduledChange(plan: basic, quantity: nil, effectiveAt: sub.currentPeriodEnd)
        let events = timeline.advance(&sub, until: instant("2027-04-01T00:00:00Z"))
        #expect(types(events) == [SubscriptionPlanChanged.eventType, SubscriptionRenewed.eventType])
        #expect(sub.plan == basic && sub.planId == basic.planId && sub.scheduledChange == nil)
    }

    @Test("calendar-aligned in São Paulo: the first period ends at the next local midnight of the 1st")
    func calendarAligned() {
        let sub = subscription(plan(cycle: .calendarAligned), start: instant("2027-01-15T13:00:00Z"), timezone: "America/Sao_Paulo")
        #expect(sub.currentPeriodStart == instant("2027-01-15T13:00:00Z") && sub.currentPeriodEnd == instant("2027-02-01T03:00:00Z"))
        var renewed = sub
        _ = SubscriptionTimeline(grace: 0).advance(&renewed, until: instant("2027-02-01T03:00:00Z"))
        #expect(renewed.currentPeriodStart == instant("2027-02-01T03:00:00Z") && renewed.currentPeriodEnd == instant("2027-03-01T03:00:00Z"))
    }

    @Test("proration (Stripe's example): 100/month switched to 200 half-way → −50.00 and +100.00, so the next invoice is 250.00")
    func proration() throws {
        let lines = try Proration.lines(
            from: .init(description: "Pro", unitPrice: DecimalNumber("100")!, quantity: 1),
            to: .init(description: "Max", unitPrice: DecimalNumber("200")!, quantity: 1), currency: "BRL",
            period: TimeSpan(start: instant("2027-04-01T00:00:00Z"), end: instant("2027-05-01T00:00:00Z")),
            at: instant("2027-04-16T00:00:00Z"))
        #expect(lines.map { $0.amount.minorUnits } == [-5000, 10000])
        #expect(Proration.total(lines, currency: "BRL")?.minorUnits == 5000)
        // A third of a 30-day period left on 3 seats of 99.99: each line rounded half-even on its own.
        let thirds = try Proration.lines(
            from: .init(description: "3 seats", unitPrice: DecimalNumber("99.99")!, quantity: 3),
            to: .init(description: "4 seats", unitPrice: DecimalNumber("99.99")!, quantity: 4), currency: "BRL",
            period: TimeSpan(start: instant("2027-04-01T00:00:00Z"), end: instant("2027-05-01T00:00:00Z")),
            at: instant("2027-04-21T00:00:00Z"))
        #expect(thirds.map { $0.amount.minorUnits } == [-9999, 13332])
    }
}
