/// A permission a route requires; tokens carry them in `permissions`, or hold them all through the
/// `owner`/`admin` roles (seed 000).
public struct Permission: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let summary: String

    public var description: String { name }

    // Seed 001's permissions.
    public static let accountsCreate = Permission(name: "BILLING_ACCOUNTS_CREATE", summary: "Create billing accounts")
    public static let accountsRead = Permission(name: "BILLING_ACCOUNTS_READ", summary: "List and view billing accounts")
    public static let accountsUpdate = Permission(name: "BILLING_ACCOUNTS_UPDATE", summary: "Update, suspend and reactivate billing accounts")
    public static let accountsDelete = Permission(name: "BILLING_ACCOUNTS_DELETE", summary: "Close billing accounts")
    public static let productsCreate = Permission(name: "BILLING_PRODUCTS_CREATE", summary: "Create billing products")
    public static let productsRead = Permission(name: "BILLING_PRODUCTS_READ", summary: "List and view billing products")
    public static let productsUpdate = Permission(name: "BILLING_PRODUCTS_UPDATE", summary: "Update billing products")
    public static let productsDelete = Permission(name: "BILLING_PRODUCTS_DELETE", summary: "Archive billing products")
    public static let plansCreate = Permission(name: "SUBSCRIPTION_PLANS_CREATE", summary: "Create subscription plans")
    public static let plansRead = Permission(name: "SUBSCRIPTION_PLANS_READ", summary: "List and view subscription plans")
    public static let plansUpdate = Permission(name: "SUBSCRIPTION_PLANS_UPDATE", summary: "Update subscription plans")
    public static let plansDelete = Permission(name: "SUBSCRIPTION_PLANS_DELETE", summary: "Archive subscription plans")
    public static let subscriptionsCreate = Permission(name: "SUBSCRIPTIONS_CREATE", summary: "Create subscriptions")
    public static let subscriptionsRead = Permission(name: "SUBSCRIPTIONS_READ", summary: "List and view subscriptions")
    public static let subscriptionsUpdate = Permission(name: "SUBSCRIPTIONS_UPDATE", summary: "Update subscriptions")
    public static let subscriptionsCancel = Permission(name: "SUBSCRIPTIONS_CANCEL", summary: "Cancel subscriptions")
    public static let metersCreate = Permission(name: "USAGE_METERS_CREATE", summary: "Create usage meters")
    public static let metersRead = Permission(name: "USAGE_METERS_READ", summary: "List and view usage meters")
    public static let metersUpdate = Permission(name: "USAGE_METERS_UPDATE", summary: "Update usage meters")
    public static let metersDelete = Permission(name: "USAGE_METERS_DELETE", summary: "Archive usage meters")
    public static let usageEventsCreate = Permission(name: "USAGE_EVENTS_CREATE", summary: "Record usage events, check and consume plan limits")
    public static let usageEventsRead = Permission(name: "USAGE_EVENTS_READ", summary: "View usage summaries and usage against plan limits")
    public static let invoicesCreate = Permission(name: "INVOICES_CREATE", summary: "Create invoices")
    public static let invoicesRead = Permission(name: "INVOICES_READ", summary: "List and view invoices")
    public static let invoicesUpdate = Permission(name: "INVOICES_UPDATE", summary: "Update draft invoices")
    public static let invoicesFinalize = Permission(name: "INVOICES_FINALIZE", summary: "Finalize invoices")
    public static let invoicesVoid = Permission(name: "INVOICES_VOID", summary: "Void invoices")
    public static let paymentsCreate = Permission(name: "PAYMENTS_CREATE", summary: "Record payments")
    public static let paymentsRead = Permission(name: "PAYMENTS_READ", summary: "List and view payments")
    public static let paymentsRefund = Permission(name: "PAYMENTS_REFUND", summary: "Refund payments")
    public static let creditNotesCreate = Permission(
        name: "CREDIT_NOTES_CREATE", summary: "Issue credit notes against finalized invoices (with their refunds and account credit)")
    public static let creditNotesRead = Permission(name: "CREDIT_NOTES_READ", summary: "List and view credit notes and their printable documents")
    // Added in the same style.
    public static let eventsRead = Permission(name: "BILLING_EVENTS_READ", summary: "Read the billing audit trail")
    public static let addonsCreate = Permission(name: "ADDONS_CREATE", summary: "Create add-ons")
    public static let addonsRead = Permission(name: "ADDONS_READ", summary: "List and view add-ons")
    public static let addonsUpdate = Permission(name: "ADDONS_UPDATE", summary: "Update add-ons (new versions)")
    public static let addonsDelete = Permission(name: "ADDONS_DELETE", summary: "Archive add-ons")
    public static let aiModelsCreate = Permission(name: "AI_MODELS_CREATE", summary: "Create AI model rates")
    public static let aiModelsRead = Permission(name: "AI_MODELS_READ", summary: "List and view AI model rates, preview costs")
    public static let aiModelsUpdate = Permission(name: "AI_MODELS_UPDATE", summary: "Update AI model rates (new versions)")
    public static let aiModelsDelete = Permission(name: "AI_MODELS_DELETE", summary: "Archive AI model rates")
    public static let creditPackagesCreate = Permission(name: "CREDIT_PACKAGES_CREATE", summary: "Create credit packages")
    public static let creditPackagesRead = Permission(name: "CREDIT_PACKAGES_READ", summary: "List and view credit packages")
    public static let creditPackagesUpdate = Permission(name: "CREDIT_PACKAGES_UPDATE", summary: "Update credit packages (new versions)")
    public static let creditPackagesDelete = Permission(name: "CREDIT_PACKAGES_DELETE", summary: "Archive credit packages")
    public static let usageLimitsUpdate = Permission(name: "USAGE_LIMITS_UPDATE", summary: "Set an account's usage limits (admin)")
    public static let creditsGrant = Permission(
        name: "CREDITS_GRANT", summary: "Grant AI credits to a wallet (manual, bonus, add-on, monthly, purchase)")
    public static let creditsCharge = Permission(name: "CREDITS_CHARGE", summary: "Charge, authorize, settle and release AI credits")
    public static let creditsRead = Permission(name: "CREDITS_READ", summary: "View credit wallets, executions, consumption reports and audits")
    public static let creditsManage = Permission(
        name: "CREDITS_MANAGE", summary: "Set a wallet's overdraft, spending caps, rate limits and auto-recharge")

    public static let couponsCreate = Permission(name: "COUPONS_CREATE", summary: "Create coupons and promotion codes")
    public static let couponsRead = Permission(name: "COUPONS_READ", summary: "List and view coupons and promotion codes")
    public static let couponsUpdate = Permission(name: "COUPONS_UPDATE", summary: "Update coupons and promotion codes (name, limits, dates)")
    public static let couponsDelete = Permission(name: "COUPONS_DELETE", summary: "Archive coupons and promotion codes")

    public static let webhooksCreate = Permission(name: "WEBHOOKS_CREATE", summary: "Register webhook endpoints")
    public static let webhooksRead = Permission(name: "WEBHOOKS_READ", summary: "List and view webhook endpoints and their delivery attempts")
    public static let webhooksUpdate = Permission(
        name: "WEBHOOKS_UPDATE", summary: "Change webhook endpoints, rotate their secrets, redeliver and test-send")
    public static let webhooksDelete = Permission(name: "WEBHOOKS_DELETE", summary: "Remove webhook endpoints")

    public static let reportsRead = Permission(
        name: "REPORTS_READ", summary: "Read the operator's revenue reports (MRR and its movements) and credits sold vs consumed")

    public static let taxRatesCreate = Permission(name: "TAX_RATES_CREATE", summary: "Create tax rates")
    public static let taxRatesRead = Permission(name: "TAX_RATES_READ", summary: "List and view tax rates")
    public static let taxRatesUpdate = Permission(name: "TAX_RATES_UPDATE", summary: "Rename, describe, activate and deactivate tax rates")

    public static let fiscalSettingsRead = Permission(
        name: "FISCAL_SETTINGS_READ", summary: "View the NFS-e Nacional settings (never the certificate)")
    public static let fiscalSettingsUpdate = Permission(
        name: "FISCAL_SETTINGS_UPDATE", summary: "Replace the NFS-e Nacional settings and the A1 certificate")

    /// Every permission the gateway knows, in documentation order.
    public static let all: [Permission] = [
        accountsCreate, accountsRead, accountsUpdate, accountsDelete,
        productsCreate, productsRead, productsUpdate, productsDelete,
        plansCreate, plansRead, plansUpdate, plansDelete,
        subscriptionsCreate, subscriptionsRead, subscriptionsUpdate, subscriptionsCancel,
        metersCreate, metersRead, metersUpdate, metersDelete,
        usageEventsCreate, usageEventsRead,
        invoicesCreate, invoicesRead, invoicesUpdate, invoicesFinalize, invoicesVoid,
        paymentsCreate, paymentsRead, paymentsRefund,
        creditNotesCreate, creditNotesRead,
        eventsRead,
        addonsCreate, addonsRead, addonsUpdate, addonsDelete,
        aiModelsCreate, aiModelsRead, aiModelsUpdate, aiModelsDelete,
        creditPackagesCreate, creditPackagesRead, creditPackagesUpdate, creditPackagesDelete,
        usageLimitsUpdate,
        creditsGrant, creditsCharge, creditsRead, creditsManage,
        webhooksCreate, webhooksRead, webhooksUpdate, webhooksDelete,
        couponsCreate, couponsRead, couponsUpdate, couponsDelete,
        reportsRead,
        taxRatesCreate, taxRatesRead, taxRatesUpdate,
        fiscalSettingsRead, fiscalSettingsUpdate,
    ]
}
