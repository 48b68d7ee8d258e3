import AccountsContract
import BillingCore
import BillingEvents
import Foundation
import InvoicingContract
import LedgerContract
import NotificationsContract
import SubscriptionsContract

/// Which events e-mail an account's contacts, and as which type.
enum EmailEvents {
    /// The e-mail type an event calls for and the account it is about; nil for events that e-mail nobody.
    static func notification(for envelope: EventEnvelope) throws -> (type: NotificationType, account: AccountID)? {
        switch envelope.type {
        case InvoiceFinalized.eventType: return (.invoiceIssued, try envelope.decode(InvoiceFinalized.self).invoice.billingAccountId)
        case PaymentCompleted.eventType: return (.paymentReceived, try envelope.decode(PaymentCompleted.self).billingAccountId)
        case PaymentFailed.eventType: return (.paymentFailed, try envelope.decode(PaymentFailed.self).billingAccountId)
        case CreditsThresholdReached.eventType: return (.creditsThreshold, try envelope.decode(CreditsThresholdReached.self).billingAccountId)
        case CreditsExhausted.eventType: return (.creditsExhausted, try envelope.decode(CreditsExhausted.self).billingAccountId)
        case CreditsExpiring.eventType: return (.creditsExpiring, try envelope.decode(CreditsExpiring.self).billingAccountId)
        case UsageThresholdReached.eventType: return (.usageLimit, try envelope.decode(UsageThresholdReached.self).billingAccountId)
        case UsageLimitReached.eventType: return (.usageLimit, try envelope.decode(UsageLimitReached.self).billingAccountId)
        case SubscriptionPastDue.eventType:
            return (.subscriptionPastDue, try envelope.decode(SubscriptionPastDue.self).subscription.billingAccountId)
        case SubscriptionCanceled.eventType:
            return (.subscriptionCanceled, try envelope.decode(SubscriptionCanceled.self).subscription.billingAccountId)
        case SubscriptionTrialWillEnd.eventType:
            return (.trialEnding, try envelope.decode(SubscriptionTrialWillEnd.self).subscription.billingAccountId)
        default: return nil
        }
    }

    /// Whether the event is a notice to the tenant's own contact (an endpoint the platform disabled).
    static func tellsTheTenant(_ envelope: EventEnvelope) -> Bool { envelope.type == WebhookEndpointDisabled.eventType }
}
