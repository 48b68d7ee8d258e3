import BillingEvents
import BillingRPC

/// The published RPC API of the subscriptions context (`billing.subscriptions.v1`).
public enum SubscriptionsAPI: RPCServiceDescription {
    public static let contextName = "subscriptions"
    public static let package = "billing.subscriptions.v1"
    static let service = package + ".Subscriptions"
    static let clocks = package + ".TestClocks"

    public static let create = UnaryMethod<CreateSubscriptionRequest, Subscription>(
        service: service, method: "Create", retry: .withKey,
        callers: .gateway,
        summary:
            """
            Subscribes an ACTIVE account to a plan (its current version pinned), with quantity, the plan's trial (or trialDays), a start date \
            and an optional test clock. Emits `created`, and `activated` when there is no trial.
            """
    )
    public static let get = UnaryMethod<SubscriptionRequest, Subscription>(
        service: service, method: "Get", retry: .always, callers: .gateway(and: "invoicing"), summary: "One subscription.")
    public static let list = UnaryMethod<ListSubscriptionsRequest, SubscriptionPage>(
        service: service, method: "List", retry: .always, callers: .gateway(and: "invoicing"),
        summary: "A page of subscriptions, oldest first, by account and status.")
    public static let cancel = UnaryMethod<CancelSubscriptionRequest, Subscription>(
        service: service, method: "Cancel", retry: .withKey,
        callers: .gateway,
        summary: "Cancels at period end (it keeps working until then, then EXPIRED) or now (CANCELED), recording the reason. Emits `canceled`.")
    public static let reactivate = UnaryMethod<SubscriptionRequest, Subscription>(
        service: service, method: "Reactivate", retry: .withKey,
        callers: .gateway, summary: "Undoes a cancellation before the period ends, add-ons included (seed 000). Emits `reactivated`.")
    public static let pause = UnaryMethod<SubscriptionRequest, Subscription>(
        service: service, method: "Pause", retry: .withKey, callers: .gateway,
        summary: "TRIAL or ACTIVE → PAUSED: no renewals until resumed. Emits `paused`.")
    public static let resume = UnaryMethod<SubscriptionRequest, Subscription>(
        service: service, method: "Resume", retry: .withKey, callers: .gateway, summary: "PAUSED → ACTIVE; a new period starts now. Emits `resumed`.")
    public static let changeQuantity = UnaryMethod<ChangeQuantityRequest, SubscriptionChange>(
        service: service, method: "ChangeQuantity", retry: .withKey,
        callers: .gateway,
        summary: "An increase is effective now with proration lines; a decrease at period end. Emits `quantity_changed` when it takes effect.")
    public static let changePlan = UnaryMethod<ChangePlanRequest, SubscriptionChange>(
        service: service, method: "ChangePlan", retry: .withKey,
        callers: .gateway,
        summary:
            """
            To a plan costing at least as much per period: now, with proration lines; to a cheaper one: at period end. Same interval, cycle type \
            and currency. `preview` changes nothing. Emits `plan_changed` when it takes effect.
            """
    )
    public static let activateAddon = UnaryMethod<AddonRequest, Subscription>(
        service: service, method: "ActivateAddon", retry: .withKey,
        callers: .gateway, summary: "A free add-on is ACTIVE at once (`addon.activated`); a paid one is PENDING until its invoice is paid.")
    public static let cancelAddon = UnaryMethod<AddonRequest, Subscription>(
        service: service, method: "CancelAddon", retry: .withKey, callers: .gateway,
        summary: "Turns an add-on off now or at period end (`addon.canceled` when its flag goes off).")
    public static let applyDiscount = UnaryMethod<ApplyDiscountRequest, Subscription>(
        service: service, method: "ApplyDiscount", retry: .withKey, callers: .gateway,
        summary:
            """
            Applies a coupon (by id, or through a promotion code) to a live subscription, replacing its discount: redeemed once per call \
            key; it discounts from the next period's invoice (the first paid one during a trial).
            """)
    public static let removeDiscount = UnaryMethod<SubscriptionRequest, Subscription>(
        service: service, method: "RemoveDiscount", retry: .withKey, callers: .gateway,
        summary: "Removes the subscription's discount: invoices drafted from now on are not discounted.")
    public static let entitlements = UnaryMethod<EntitlementsRequest, Entitlements>(
        service: service, method: "Entitlements", retry: .always,
        callers: .gateway,
        summary:
            """
            What a subscription, or all live subscriptions of an account, grant now: feature flags (plan and active add-ons), limits, included \
            credits.
            """
    )
    public static let runDue = UnaryMethod<RunDueRequest, RunDueResult>(
        service: service, method: "RunDue",
        callers: .only(["subscriptions"]),
        summary: "Runs the renewal scheduler once over due subscriptions of every tenant (the scheduler also runs by itself).")
    public static let createTestClock = UnaryMethod<CreateTestClockRequest, TestClock>(
        service: clocks, method: "Create", retry: .withKey, callers: .gateway, summary: "A test clock frozen at `frozenTime` (now by default).")
    public static let getTestClock = UnaryMethod<TestClockRequest, TestClock>(
        service: clocks, method: "Get", retry: .always, callers: .gateway, summary: "One test clock.")
    public static let advanceTestClock = UnaryMethod<AdvanceTestClockRequest, TestClock>(
        service: clocks, method: "Advance",
        callers: .gateway,
        summary:
            """
            Moves the clock forward; its subscriptions' trial reminders and ends, renewals, expiries and grace ends happen on the way, each at \
            its own instant.
            """
    )

    public static let revenueReport = UnaryMethod<RevenueReportRequest, RevenueReport>(
        service: package + ".Reports", method: "GetRevenue", retry: .always, callers: .gateway,
        summary:
            """
            MRR per calendar month and currency (monthly-normalized price × quantity + active add-ons of ACTIVE and PAST_DUE subscriptions) \
            with its movements per account: new, reactivation, expansion, contraction, churned; active subscriptions and accounts, ARPA, \
            logo and revenue churn.
            """
    )

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
            EventDescriptor(
                SubscriptionCreated.self, producer: contextName,
                summary: "A subscription was created (seed 001); its first period (or trial) is in it."),
            EventDescriptor(SubscriptionActivated.self, producer: contextName, summary: "A subscription became ACTIVE (seed 001)."),
            EventDescriptor(
                SubscriptionTrialWillEnd.self, producer: contextName,
                summary: "A trial ends in three days (at `trialEnd`; at once when the trial is shorter), once per subscription."),
            EventDescriptor(SubscriptionTrialEnded.self, producer: contextName, summary: "The trial ended; the first paid period begins."),
            EventDescriptor(SubscriptionRenewed.self, producer: contextName, summary: "A period ended and the next began."),
            EventDescriptor(SubscriptionPaused.self, producer: contextName, summary: "A subscription was paused (seed 001)."),
            EventDescriptor(SubscriptionResumed.self, producer: contextName, summary: "A paused subscription is ACTIVE again; a new period begins."),
            EventDescriptor(
                SubscriptionCanceled.self, producer: contextName,
                summary: "A subscription was canceled, now or at period end, with its reason (seeds 000, 001)."),
            EventDescriptor(
                SubscriptionReactivated.self, producer: contextName, summary: "A cancellation was undone before the period ended (seed 000)."),
            EventDescriptor(SubscriptionExpired.self, producer: contextName, summary: "A subscription canceled at period end reached it."),
            EventDescriptor(
                SubscriptionPastDue.self, producer: contextName, summary: "An invoice of the subscription is overdue (seed 000 \"Atrasada\")."),
            EventDescriptor(
                SubscriptionPlanChanged.self, producer: contextName, summary: "The plan changed, now (with proration lines) or at a period end."),
            EventDescriptor(
                SubscriptionQuantityChanged.self, producer: contextName,
                summary: "The quantity changed, now (with proration lines) or at a period end."),
            EventDescriptor(
                AddonActivated.self, producer: contextName, summary: "An add-on was activated and its feature flag turned on (seed 000)."),
            EventDescriptor(AddonCanceled.self, producer: contextName, summary: "An add-on's feature flag turned off (seed 000)."),
        ]
    }

    /// Event types this context consumes, and why.
    public static var consumedEvents: [(type: String, purpose: String)] {
        [
            ("billing.invoice.paid", "activates the paid add-ons on the invoice; a PAST_DUE subscription whose invoice is paid is ACTIVE again"),
            ("billing.invoice.overdue", "the subscription of an overdue invoice becomes PAST_DUE"),
            ("billing.credit_note.issued", "a PAST_DUE subscription whose invoice credit notes took to zero (CREDITED) is ACTIVE again"),
        ]
    }

    public static var methods: [any RPCMethodDescriptor] {
        [
            create, get, list, cancel, reactivate, pause, resume, changeQuantity, changePlan, activateAddon, cancelAddon, applyDiscount,
            removeDiscount, entitlements, runDue,
            createTestClock, getTestClock, advanceTestClock, revenueReport,
        ]
    }
}

/// A typed client of the subscriptions context.
public struct SubscriptionsClient: Sendable {
    public let rpc: RPCClient
    public init(rpc: RPCClient) { self.rpc = rpc }

    public func call<Request, Response>(
        _ method: UnaryMethod<Request, Response>, _ request: Request, options: RPCCallOptions
    ) async throws(RPCError) -> Response {
        try await rpc.call(method, request, options: options)
    }
}
