import BillingEvents
import BillingRPC

/// The published RPC API of the subscriptions context (`billing.subscriptions.v1`).
public enum SubscriptionsAPI: RPCServiceDescription {
    public static let contextName = "subscriptions"
    public static let package = "billing.subscriptions.v1"

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
            EventDescriptor(SubscriptionCreated.self, producer: contextName, summary: "A subscription was created (seed 001)."),
            EventDescriptor(SubscriptionActivated.self, producer: contextName, summary: "A subscription became ACTIVE (seed 001)."),
            EventDescriptor(SubscriptionRenewed.self, producer: contextName, summary: "A billing period began (the first one included), with the plan's included AI credits for it."),
            EventDescriptor(SubscriptionPaused.self, producer: contextName, summary: "A subscription was paused (seed 001)."),
            EventDescriptor(SubscriptionCanceled.self, producer: contextName, summary: "A subscription was canceled, now or at period end, with its reason (seeds 000, 001)."),
            EventDescriptor(SubscriptionReactivated.self, producer: contextName, summary: "A cancellation was undone before the period ended (seed 000)."),
            EventDescriptor(AddonActivated.self, producer: contextName, summary: "An add-on was activated and its feature flag turned on (seed 000)."),
            EventDescriptor(AddonCanceled.self, producer: contextName, summary: "An add-on was canceled and its feature flag turned off (seed 000)."),
        ]
    }

    /// Event types this context consumes, and why.
    public static var consumedEvents: [(type: String, purpose: String)] { [] }

    public static var methods: [any RPCMethodDescriptor] { [] }
}
