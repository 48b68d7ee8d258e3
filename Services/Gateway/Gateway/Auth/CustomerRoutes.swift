import BillingCore
import BillingRPC
import InvoicingContract
import SubscriptionsContract

/// The routes customer tokens reach (seed 000's Admin → Billing, for the customer's own people), by operation, and how each
/// finds the account it acts on. Everything not listed here is for the tenant's operators only: grants, manual payments,
/// refunds, invoice creation/finalize/void, catalog writes, usage ingestion, credit charges, test clocks.
/// Catalog reads are open to customers in ``CatalogRoutes``.
enum CustomerRoutes {
    /// Attributes of a new subscription only operators choose: a customer gets the plan's trial, once per account and plan.
    static let operatorOnlySubscriptionAttributes = ["trialDays", "startDate", "testClockId", "couponId"]

    static func access(subscriptions: SubscriptionsClient, invoicing: RPCClient) -> [String: CustomerAccess] {
        let subscription = CustomerAccess.owner("subscription") { request in
            let id = try request.id(SubscriptionID.self, resource: "subscription")
            return try await subscriptions.call(SubscriptionsAPI.get, SubscriptionRequest(id: id), options: request.options).billingAccountId
                .description
        }
        let invoice = CustomerAccess.owner("invoice") { request in
            let id = try request.id(InvoiceID.self, resource: "invoice")
            return try await invoicing.call(InvoicingAPI.get, InvoiceRequest(id: id), options: request.options).billingAccountId.description
        }
        let payment = CustomerAccess.owner("payment") { request in
            let id = try request.id(PaymentID.self, resource: "payment")
            return try await invoicing.call(InvoicingAPI.getPayment, PaymentRequest(id: id), options: request.options).billingAccountId.description
        }
        var access: [String: CustomerAccess] = [
            "getBillingAccount": .pathAccount,
            "getAccountEntitlements": .pathAccount,
            "createSubscription": CustomerAccess(scope: .bodyAccount, operatorOnlyAttributes: operatorOnlySubscriptionAttributes),
            "listSubscriptions": .queryAccount,
            "listInvoices": .queryAccount,
            "getInvoice": invoice,
            "getInvoicePix": invoice,
            "getInvoiceBoleto": invoice,
            "getAccountUpcomingInvoice": .pathAccount,
            "getPayment": payment,
            "listPayments": .queryAccount,
            "listCreditTopUps": .queryAccount,
            "createCheckout": .bodyAccount,
            "savePaymentMethod": .pathAccount,
            "listPaymentMethods": .pathAccount,
            "getCreditWallet": .pathAccount,
            "getCreditConsumption": .pathAccount,
            "listCreditGrants": .queryAccount,
            "listCreditExecutions": .queryAccount,
            // The overdraft stays the operator's: ``CreditRoutes`` keeps the wallet's own for a customer.
            "setCreditWalletSettings": .pathAccount,
            "listUsageSummaries": .queryAccount,
            "listUsageEvents": .queryAccount,
            "listUsageLimits": .queryAccount,
        ]
        for operation in [
            "getSubscription", "getSubscriptionEntitlements", "cancelSubscription", "reactivateSubscription", "pauseSubscription",
            "resumeSubscription", "changeSubscriptionPlan", "activateSubscriptionAddon", "cancelSubscriptionAddon",
            "getSubscriptionUpcomingInvoice",
        ] {
            access[operation] = subscription
        }
        return access
    }
}
