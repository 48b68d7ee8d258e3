import BillingRPC
import ContractCatalog
import Testing

/// One rule for resending a call that may have reached a dying replica (README, Development): only when running it twice
/// has the effect of running it once. Every method of every contract is checked here.
@Suite("RPC retry rule")
struct RetryRuleTests {
    static let methods = ContractCatalog.entries.flatMap { $0.service.methods }

    /// Methods that only read.
    static func reads(_ name: String) -> Bool {
        let method = String(name.split(separator: "/").last ?? "")
        return [
            "Get", "List", "Versions", "Summary", "Wallet", "Audit", "Consumption", "Entitlements", "Pix", "Document", "Pdf", "Check", "Upcoming",
        ]
        .contains(method) && !name.hasSuffix(".Limits/Check")
            || method.hasPrefix("Get") || method.hasPrefix("List") || method.hasSuffix("Preview") || method.hasSuffix("Previews")
    }

    /// Writes that may be resent without a key, each for the reason given: the request itself says what it does once.
    static let convergingWrites: [String: String] = [
        "billing.ledger.v1.Usage/Ingest": "each event is recorded once per event id",
        "billing.ledger.v1.Usage/ClosePeriod": "closing moves an instant forward, never back",
        "billing.ledger.v1.Limits/Set": "replaces the account's limits with the request's",
        "billing.ledger.v1.Credits/Charge": "the request carries its own idempotencyKey; a repeat answers the first charge",
        "billing.ledger.v1.Credits/Authorize": "the request carries its own idempotencyKey; a repeat answers the first hold",
        "billing.ledger.v1.Credits/SetSettings": "replaces the wallet's settings with the request's",
        "billing.ledger.v1.Credits/BillOverage": "billed once per the request's reference",
        "billing.invoicing.v1.Invoices/SetSettings": "replaces the tenant's invoice settings with the request's",
        "billing.invoicing.v1.Fiscal/SetSettings": "replaces the tenant's fiscal settings (the certificate sealed again, the same bytes)",
        "billing.invoicing.v1.Payments/ProviderNotification": "applied once per provider event id",
        "billing.invoicing.v1.Payments/PixReceived": "each PIX applied once per endToEndId",
        "billing.invoicing.v1.Invoices/Boleto": "registers the invoice's one boleto (named by our number) when still queued, else reads it",
        "billing.invoicing.v1.Payments/BoletoNotified": "each boleto read back from the bank, its payment recorded once (row moves to PAID)",
        "billing.notifications.v1.WebhookEndpoints/Redeliver": "queues the same delivery of the same message again: twice is once",
        "billing.notifications.v1.Settings/Put": "replaces the tenant's notification settings with the request's",
        "billing.invoicing.v1.Payments/CardEvent": "applied once per provider event id, from the charge read back from the provider",
    ]

    /// Methods resent with a key, and how their handlers deduplicate on it (tenant + key, the answer stored in the transaction
    /// of the change, the same key with another request refused). Payments, refunds, grants and limit checks are sent twice
    /// with one key in `PaymentDeduplicationTests` and `LedgerDeduplicationTests`.
    static let deduplicated: [String: String] = [
        "billing.accounts.v1.Accounts/Create": "database.idempotent",
        "billing.accounts.v1.Accounts/Update": "database.idempotent",
        "billing.invoicing.v1.Invoices/Create": "database.idempotent",
        "billing.invoicing.v1.Invoices/Checkout": "database.idempotent",
        "billing.invoicing.v1.Payments/Create": "database.idempotent",
        "billing.invoicing.v1.Payments/RecordBankTransfer": "database.idempotent, and once per bankTransactionId",
        "billing.invoicing.v1.InvoiceItems/Create": "database.idempotent",
        "billing.invoicing.v1.InvoiceItems/Delete": "database.idempotent",
        "billing.invoicing.v1.CreditNotes/Create": "database.idempotent",
        "billing.invoicing.v1.TaxRates/Create": "database.idempotent",
        "billing.invoicing.v1.TaxRates/Update": "database.idempotent",
        "billing.invoicing.v1.Payments/Refund": "database.idempotent",
        "billing.ledger.v1.Credits/Grant": "the key is the grant's reference when it has none",
        "billing.ledger.v1.Limits/Check": "database.idempotent",
        "billing.subscriptions.v1.Subscriptions/Create": "database.idempotent",
        "billing.invoicing.v1.Invoices/Finalize": "database.idempotent (every invoice action)",
        "billing.invoicing.v1.Invoices/Void": "database.idempotent (every invoice action)",
        "billing.invoicing.v1.Invoices/Cancel": "database.idempotent (every invoice action)",
        "billing.subscriptions.v1.Subscriptions/Cancel": "database.idempotent (every subscription command)",
        "billing.subscriptions.v1.Subscriptions/Reactivate": "database.idempotent (every subscription command)",
        "billing.subscriptions.v1.Subscriptions/Pause": "database.idempotent (every subscription command)",
        "billing.subscriptions.v1.Subscriptions/Resume": "database.idempotent (every subscription command)",
        "billing.subscriptions.v1.Subscriptions/ChangeQuantity": "database.idempotent (every subscription command)",
        "billing.subscriptions.v1.Subscriptions/ChangePlan": "database.idempotent (every subscription command)",
        "billing.subscriptions.v1.Subscriptions/ActivateAddon": "database.idempotent (every subscription command)",
        "billing.subscriptions.v1.Subscriptions/CancelAddon": "database.idempotent (every subscription command)",
        "billing.subscriptions.v1.TestClocks/Create": "database.idempotent",
        "billing.notifications.v1.WebhookEndpoints/Create": "database.idempotent",
        "billing.notifications.v1.WebhookEndpoints/Update": "database.idempotent",
        "billing.notifications.v1.WebhookEndpoints/Delete": "database.idempotent",
        "billing.notifications.v1.WebhookEndpoints/RotateSecret": "database.idempotent",
        "billing.notifications.v1.WebhookEndpoints/TestSend": "database.idempotent",
        "billing.catalog.v1.Coupons/Redeem": "database.idempotent, and one redemption per reference (a repeat answers the first)",
        "billing.subscriptions.v1.Subscriptions/ApplyDiscount": "database.idempotent; its redemption's reference is the key",
        "billing.subscriptions.v1.Subscriptions/RemoveDiscount": "database.idempotent (every subscription command)",
        "billing.invoicing.v1.Invoices/ApplyDiscount": "database.idempotent (every invoice action); its redemption's reference is the key",
    ]

    /// Every catalog kind's Create and Update go through `database.idempotent`.
    static func catalogWrite(_ name: String) -> Bool {
        name.hasPrefix("billing.catalog.v1.") && (name.hasSuffix("/Create") || name.hasSuffix("/Update"))
    }

    @Test("reads are resent; a write is resent only when it converges or its handler deduplicates on the key")
    func everyMethodFollowsTheRule() {
        for method in Self.methods {
            switch method.retry {
            case .always:
                #expect(
                    Self.reads(method.name) || Self.convergingWrites[method.name] != nil,
                    "\(method.name) is resent always but is neither a read nor a converging write")
            case .withKey:
                #expect(
                    Self.deduplicated[method.name] != nil || Self.catalogWrite(method.name),
                    "\(method.name) is resent with a key, but its handler is not known to deduplicate on it")
            case .never:
                #expect(!Self.reads(method.name) || method.kind == .serverStreaming, "\(method.name) only reads: it can be resent always")
            }
        }
    }

    @Test("money-moving and create methods are resent with their key, never blindly")
    func moneyMovesDeduplicate() {
        let byName = Dictionary(uniqueKeysWithValues: Self.methods.map { ($0.name, $0.retry) })
        for name in Self.deduplicated.keys { #expect(byName[name] == .withKey, "\(name)") }
        #expect(byName["billing.invoicing.v1.Payments/Create"] == .withKey)
        #expect(byName["billing.invoicing.v1.Payments/Refund"] == .withKey)
        #expect(byName["billing.ledger.v1.Credits/Grant"] == .withKey)
    }
}
