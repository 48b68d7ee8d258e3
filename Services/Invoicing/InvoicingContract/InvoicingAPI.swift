import BillingEvents
import BillingRPC

/// The published RPC API of the invoicing context (`billing.invoicing.v1`).
public enum InvoicingAPI: RPCServiceDescription {
    public static let contextName = "invoicing"
    public static let package = "billing.invoicing.v1"
    static let invoices = package + ".Invoices"
    static let payments = package + ".Payments"
    static let invoiceItems = package + ".InvoiceItems"
    static let creditNotes = package + ".CreditNotes"
    static let taxRates = package + ".TaxRates"
    static let fiscal = package + ".Fiscal"

    public static let create = UnaryMethod<CreateInvoiceRequest, Invoice>(
        service: invoices, method: "Create", retry: .withKey,
        callers: .gateway,
        summary:
            """
            Drafts an invoice of the account's subscriptions for a period (each live subscription's current period by default): base fee × \
            quantity, add-ons, a zero TRIAL line for a trial period. Emits `invoice.created`.
            """
    )
    public static let get = UnaryMethod<InvoiceRequest, Invoice>(
        service: invoices, method: "Get", retry: .always, callers: .gateway(and: "notifications"), summary: "One invoice.")
    public static let upcoming = UnaryMethod<UpcomingInvoiceRequest, UpcomingInvoice>(
        service: invoices, method: "Upcoming", retry: .always, callers: .gateway,
        summary:
            """
            The next invoice of an account (the subscription whose next period starts first) or of one subscription, computed and not \
            written: next period's plan and add-ons, usage so far, waiting proration lines and one-off items, the coupon in force, the \
            account credit it would take.
            """)
    public static let applyDiscount = UnaryMethod<InvoiceDiscountRequest, Invoice>(
        service: invoices, method: "ApplyDiscount", retry: .withKey, callers: .gateway,
        summary:
            """
            Applies a coupon (not one restricted by `appliesTo`) to a DRAFT: a DISCOUNT line after each line it discounts, the totals \
            and account credit computed again. Redeemed with the catalog before the draft is locked, once per call key.
            """)
    public static let list = UnaryMethod<ListInvoicesRequest, InvoicePage>(
        service: invoices, method: "List", retry: .always, callers: .gateway, summary: "A page of invoices, oldest first, by account and status.")
    public static let finalize = UnaryMethod<InvoiceRequest, Invoice>(
        service: invoices, method: "Finalize", retry: .withKey,
        callers: .gateway,
        summary:
            """
            DRAFT → PENDING: lines frozen, the next gapless number of the tenant and year, due date from net terms; a zero total is PAID at \
            once. Emits `invoice.finalized` (and `invoice.paid`).
            """
    )
    public static let void = UnaryMethod<InvoiceRequest, Invoice>(
        service: invoices, method: "Void", retry: .withKey, callers: .gateway,
        summary: "PENDING or OVERDUE with nothing paid → VOID (the number stays used).")
    public static let cancel = UnaryMethod<InvoiceRequest, Invoice>(
        service: invoices, method: "Cancel", retry: .withKey, callers: .gateway, summary: "DRAFT → CANCELED.")
    public static let update = UnaryMethod<UpdateInvoiceRequest, Invoice>(
        service: invoices, method: "Update", retry: .withKey, callers: .gateway,
        summary: "Changes a DRAFT's memo, purchase-order number, due date or net terms; a finalized invoice refuses (INVOICE_NOT_EDITABLE).")
    public static let addLine = UnaryMethod<InvoiceLineRequest, Invoice>(
        service: invoices, method: "AddLine", retry: .withKey, callers: .gateway,
        summary:
            """
            Adds a ONE_OFF line (description, quantity, unit amount, product) to a DRAFT; the totals and the account credit it takes are \
            computed again.
            """)
    public static let updateLine = UnaryMethod<InvoiceLineRequest, Invoice>(
        service: invoices, method: "UpdateLine", retry: .withKey, callers: .gateway,
        summary: "Changes a DRAFT's ONE_OFF line; the totals and the account credit it takes are computed again.")
    public static let removeLine = UnaryMethod<InvoiceLineRequest, Invoice>(
        service: invoices, method: "RemoveLine", retry: .withKey, callers: .gateway,
        summary: "Removes a DRAFT's ONE_OFF line; the totals and the account credit it takes are computed again.")
    public static let createInvoiceItem = UnaryMethod<CreateInvoiceItemRequest, InvoiceItem>(
        service: invoiceItems, method: "Create", retry: .withKey, callers: .gateway,
        summary:
            """
            Adds a one-off charge (quantity × unit amount, exact in the account's currency; negative for a credit) to the account's next \
            invoice, PENDING until an invoice takes it; with `invoiceId`, a line (INVOICE_ITEM) of that DRAFT at once, INVOICED.
            """)
    public static let listInvoiceItems = UnaryMethod<ListInvoiceItemsRequest, InvoiceItemPage>(
        service: invoiceItems, method: "List", retry: .always, callers: .gateway,
        summary: "A page of an account's invoice items, newest first, by status (PENDING and INVOICED unless DELETED is asked for).")
    public static let deleteInvoiceItem = UnaryMethod<InvoiceItemRequest, InvoiceItem>(
        service: invoiceItems, method: "Delete", retry: .withKey, callers: .gateway,
        summary: "Removes a PENDING invoice item (it becomes DELETED); one an invoice took is refused (INVOICE_ITEM_NOT_PENDING).")
    public static let createCreditNote = UnaryMethod<CreateCreditNoteRequest, CreditNote>(
        service: creditNotes, method: "Create", retry: .withKey, callers: .gateway,
        summary:
            """
            Issues a credit note against a PENDING, PAID or OVERDUE invoice (lines or one amount, up to what is left to credit), numbered \
            `NC-<year>-<n>` gapless per tenant, with the invoice locked: its total first reduces the amount due (an unpaid invoice \
            credited to zero is CREDITED, a partly paid one PAID), the rest is refunded through the payments' provider, put in account \
            credit or returned out of band as asked. Emits `credit_note.issued`.
            """)
    public static let getCreditNote = UnaryMethod<CreditNoteRequest, CreditNote>(
        service: creditNotes, method: "Get", retry: .always, callers: .gateway, summary: "One credit note.")
    public static let listCreditNotes = UnaryMethod<ListCreditNotesRequest, CreditNotePage>(
        service: creditNotes, method: "List", retry: .always, callers: .gateway,
        summary: "A page of credit notes, newest first, by invoice and account.")
    public static let creditNoteDocument = UnaryMethod<CreditNoteRequest, InvoiceHTML>(
        service: creditNotes, method: "Document", retry: .always, callers: .gateway,
        summary: "The printable credit note as HTML: seller and buyer, the invoice it credits, lines, totals and where the money went.")
    public static let creditNotePdf = UnaryMethod<CreditNoteRequest, InvoicePDFFile>(
        service: creditNotes, method: "Pdf", retry: .always, callers: .gateway,
        summary: "The printable credit note as a PDF (A4, the same content as Document), base64 in the JSON wire format.")
    public static let createTaxRate = UnaryMethod<CreateTaxRateRequest, TaxRate>(
        service: taxRates, method: "Create", retry: .withKey, callers: .gateway,
        summary:
            """
            Creates an active tax rate of the tenant: a percentage (above 0, below 100, at most 4 decimals) of the lines whose tax code \
            it lists (none: every taxable line), exclusive (added at finalization) or inclusive (inside the prices); a `withholding` \
            (PIS, COFINS, CSLL, IRRF) is withheld by a company buyer and is never inclusive. Its terms never change.
            """)
    public static let getTaxRate = UnaryMethod<TaxRateRequest, TaxRate>(
        service: taxRates, method: "Get", retry: .always, callers: .gateway, summary: "One tax rate.")
    public static let listTaxRates = UnaryMethod<ListTaxRatesRequest, TaxRatePage>(
        service: taxRates, method: "List", retry: .always, callers: .gateway,
        summary: "A page of the tenant's tax rates, oldest first, by `active`.")
    public static let updateTaxRate = UnaryMethod<UpdateTaxRateRequest, TaxRate>(
        service: taxRates, method: "Update", retry: .withKey, callers: .gateway,
        summary:
            """
            Changes a tax rate's name, description, jurisdiction or `active` (only active rates apply to invoices finalized from then on); \
            its terms are fixed: a change is a new rate.
            """)
    public static let pay = UnaryMethod<CreatePaymentRequest, Payment>(
        service: payments, method: "Create", retry: .withKey,
        callers: .gateway,
        summary:
            """
            Records a COMPLETED payment against a PENDING or OVERDUE invoice, up to its amount due; paid in full → PAID (`invoice.paid`). Emits \
            `payment.completed`. A repeated externalRef answers the first payment.
            """
    )
    public static let refund = UnaryMethod<RefundRequest, Refund>(
        service: payments, method: "Refund", retry: .withKey,
        callers: .gateway,
        summary:
            """
            Refunds part or all of what is left of a COMPLETED payment (never more than was paid, however many refunds race); all of it → \
            REFUNDED. Emits `payment.refunded`.
            """
    )
    public static let pix = UnaryMethod<InvoiceRequest, PixCharge>(
        service: invoices, method: "Pix", retry: .always,
        callers: .gateway(and: "notifications"),
        summary:
            """
            The PIX BR Code (copia e cola) of a PENDING or OVERDUE BRL invoice's amount due, with the merchant key, name and city from \
            configuration.
            """
    )
    public static let document = UnaryMethod<InvoiceRequest, InvoiceHTML>(
        service: invoices, method: "Document", retry: .always,
        callers: .gateway,
        summary: "The printable invoice as HTML: seller and buyer with tax ids, lines, totals, dates, and the PIX code while it can be paid.")
    public static let pdf = UnaryMethod<InvoiceRequest, InvoicePDFFile>(
        service: invoices, method: "Pdf", retry: .always,
        callers: .gateway(and: "notifications"),
        summary: "The printable invoice as a PDF (A4, the same content as Document), base64 in the JSON wire format.")
    public static let checkout = UnaryMethod<CheckoutRequest, Checkout>(
        service: invoices, method: "Checkout", retry: .withKey,
        callers: .gateway,
        summary:
            """
            Sells paid add-ons and credit packages: a finalized PENDING invoice and its PIX BR Code, or a card charged through the provider \
            (approved → PAID). Paid, the ledger grants the credits and subscriptions turns the add-ons on.
            """
    )
    public static let settings = UnaryMethod<GetInvoiceSettingsRequest, InvoiceSettings>(
        service: invoices, method: "GetSettings", retry: .always, callers: .gateway,
        summary: "The tenant's invoicing settings (defaults when never set).")
    public static let setSettings = UnaryMethod<InvoiceSettings, InvoiceSettings>(
        service: invoices, method: "SetSettings", retry: .always,
        callers: .gateway,
        summary:
            """
            Replaces the tenant's invoicing settings: auto-finalize of period invoices, default net terms, card retries, PIX fine and \
            interest, Simples Nacional and the default tax code.
            """)
    public static let markOverdue = UnaryMethod<RunOverdueRequest, RunOverdueResult>(
        service: invoices, method: "MarkOverdue",
        callers: .only(["invoicing"]),
        summary: "Runs the overdue scheduler once: PENDING invoices past their due date become OVERDUE (`invoice.overdue`), every tenant.")
    public static let providerNotification = UnaryMethod<ProviderNotification, ProviderNotificationResult>(
        service: payments, method: "ProviderNotification", retry: .always,
        callers: .gateway,
        summary:
            """
            Applies a payment provider's notification once per provider event id: `payment.succeeded` records the payment (as Create), \
            `payment.failed` emits `payment.failed`; one that no longer applies (the invoice was paid) is recorded as IGNORED.
            """
    )
    public static let savePaymentMethod = UnaryMethod<SavePaymentMethodRequest, SavedPaymentMethod>(
        service: payments, method: "SavePaymentMethod",
        callers: .gateway, summary: "Saves a card (the provider's token) for an account; it becomes the default that auto-recharge charges.")
    public static let paymentMethods = UnaryMethod<ListPaymentMethodsRequest, PaymentMethodList>(
        service: payments, method: "ListPaymentMethods", retry: .always, callers: .gateway, summary: "An account's saved cards, newest first.")
    public static let getPayment = UnaryMethod<PaymentRequest, Payment>(
        service: payments, method: "Get", retry: .always, callers: .gateway, summary: "One payment.")
    public static let listRefunds = UnaryMethod<PaymentRequest, RefundList>(
        service: payments, method: "ListRefunds", retry: .always, callers: .gateway,
        summary: "A payment's refunds, oldest first, each with where its money stands at the provider (settlement).")
    public static let listTopUps = UnaryMethod<ListCreditTopUpsRequest, CreditTopUpPage>(
        service: payments, method: "ListTopUps", retry: .always, callers: .gateway,
        summary: "A page of credit packages bought (checkouts and auto-recharges), oldest first: who bought, package, price, payment status.")
    public static let listPayments = UnaryMethod<ListPaymentsRequest, PaymentPage>(
        service: payments, method: "List", retry: .always, callers: .gateway,
        summary: "A page of payments, oldest first, by account, invoice, status, method and creation time.")

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
            EventDescriptor(InvoiceCreated.self, producer: contextName, summary: "An invoice was created (seed 001)."),
            EventDescriptor(
                InvoiceFinalized.self, producer: contextName, summary: "An invoice was finalized: lines frozen, number assigned (seed 001)."),
            EventDescriptor(InvoicePaid.self, producer: contextName, summary: "An invoice was paid in full (seed 001)."),
            EventDescriptor(
                InvoiceOverdue.self, producer: contextName,
                summary: "A PENDING invoice passed its due date unpaid; its subscription becomes PAST_DUE."),
            EventDescriptor(
                AccountCreditChanged.self, producer: contextName,
                summary:
                    "An account's credit with the platform moved: an overpayment arrived, or credit was applied to (or returned from) an invoice."),
            EventDescriptor(
                PaymentCompleted.self, producer: contextName, summary: "A payment completed (seed 001; seed 000 'Pagamento confirmado')."),
            EventDescriptor(PaymentFailed.self, producer: contextName, summary: "A payment attempt failed (seed 000)."),
            EventDescriptor(PaymentRefunded.self, producer: contextName, summary: "A payment was refunded, fully or in part (seed 001)."),
            EventDescriptor(
                PaymentRefundFailed.self, producer: contextName,
                summary: "The provider did not make a refund: the money is still with the merchant and refundable again on the payment."),
            EventDescriptor(
                CreditNoteIssued.self, producer: contextName,
                summary: "A credit note was issued against an invoice: the note, and the invoice as it stands after it."),
            EventDescriptor(
                InvoiceUsageUnpriced.self, producer: contextName,
                summary: "Usage the catalog could not price was billed as a flagged zero line, for the tenant to correct."),
        ]
    }

    /// Event types this context consumes, and why.
    public static var consumedEvents: [(type: String, purpose: String)] {
        [
            ("billing.subscription.created", "an ACTIVE subscription's first period is invoiced (a DRAFT), once"),
            ("billing.subscription.trial_ended", "the first paid period is invoiced, once"),
            ("billing.subscription.renewed", "the new period is invoiced, once"),
            ("billing.subscription.resumed", "the period starting at the resume is invoiced, once"),
            ("billing.subscription.plan_changed", "its proration lines wait for the subscription's next invoice"),
            ("billing.subscription.quantity_changed", "its proration lines wait for the subscription's next invoice"),
            ("billing.credits.recharge_requested", "sells the package on an invoice charged to the account's default saved card, once per request"),
        ]
    }

    public static let pixReceived = UnaryMethod<PixReceivedNotification, PixReceivedResult>(
        service: payments, method: "PixReceived", retry: .always, requiresTenant: false,
        callers: .gateway,
        summary:
            """
            Applies PIX a PSP reports received (its API Pix webhook, forwarded by the gateway): each is recorded once per endToEndId as a \
            COMPLETED payment of the invoice whose charge its txid names, whichever tenant's; money for an invoice no longer waiting for it \
            becomes the account's credit. No tenant: the txid finds it.
            """
    )

    public static let cardEvent = UnaryMethod<CardProviderEvent, ProviderNotificationResult>(
        service: payments, method: "CardEvent", retry: .always, requiresTenant: false,
        callers: .gateway,
        summary:
            """
            Applies a card provider's webhook event (Stripe's `payment_intent.succeeded`, `payment_intent.payment_failed`, \
            `charge.refunded`, `refund.failed`, forwarded by the gateway once its signature checked), once per event id: the charge is read \
            back from the provider, which names the tenant and the invoice; a success records the payment (completing the one that waited \
            on 3-D Secure or on an automatic attempt), a failure fails the payment that waited on the customer, a refund event settles \
            the refunds of ours the provider holds. No tenant: the charge finds it.
            """
    )

    public static let boleto = UnaryMethod<InvoiceRequest, InvoiceBoleto>(
        service: invoices, method: "Boleto", retry: .always,
        callers: .gateway(and: "notifications"),
        summary:
            """
            The boleto híbrido of an invoice finalized with BOLETO: linha digitável, bar code (and its ITF drawing), the PIX QR, each \
            verified against the FEBRABAN layout; a boleto still QUEUED is registered at the bank now. 404 BOLETO_NOT_FOUND without one.
            """
    )

    public static let boletoNotified = UnaryMethod<BoletoNotification, BoletoNotificationResult>(
        service: payments, method: "BoletoNotified", retry: .always, requiresTenant: false,
        callers: .gateway,
        summary:
            """
            Applies the bank's webhook (forwarded by the gateway): each title id is read back from the bank; a settled boleto records \
            its payment once (money for an invoice no longer waiting becomes the account's credit), a written-off one is CANCELED. \
            No tenant: the title number finds it.
            """
    )

    public static let bankTransfer = UnaryMethod<InvoiceRequest, BankTransferInstructions>(
        service: invoices, method: "GetBankTransfer", retry: .always, callers: .gateway,
        summary:
            """
            How to pay an invoice finalized with BANK_TRANSFER: its ISO 11649 reference, the amount due and the tenant's bank account. \
            404 BANK_TRANSFER_NOT_FOUND for an invoice finalized otherwise.
            """)
    public static let recordBankTransfer = UnaryMethod<RecordBankTransferRequest, BankTransfer>(
        service: payments, method: "RecordBankTransfer", retry: .withKey, callers: .gateway,
        summary:
            """
            Records money an operator saw arrive in the tenant's account: matched by its reference to an invoice finalized with \
            BANK_TRANSFER, it pays it (a BANK_TRANSFER payment, once) when it is exactly the amount due of a PENDING or OVERDUE \
            invoice; otherwise it is kept UNMATCHED with the reason, for review. A repeated bankTransactionId answers the first record.
            """)
    public static let listBankTransfers = UnaryMethod<ListBankTransfersRequest, BankTransferPage>(
        service: payments, method: "ListBankTransfers", retry: .always, callers: .gateway,
        summary: "A page of the tenant's recorded bank transfers, oldest first, by status (UNMATCHED: the review queue).")

    public static let fiscalSettings = UnaryMethod<GetFiscalSettingsRequest, FiscalSettingsView>(
        service: fiscal, method: "GetSettings", retry: .always, callers: .gateway,
        summary: "The tenant's NFS-e Nacional settings, without the certificate (NOT_FOUND before they are set).")
    public static let setFiscalSettings = UnaryMethod<SetFiscalSettingsRequest, FiscalSettingsView>(
        service: fiscal, method: "SetSettings", retry: .always, callers: .gateway,
        summary:
            """
            Replaces the tenant's NFS-e Nacional settings (CNPJ, municipal registration, municipality, service codes, ISS rate, \
            environment, when to issue); the A1 certificate, checked to open with its password, is sealed at rest (kept when left out).
            """)

    public static var methods: [any RPCMethodDescriptor] {
        [
            create, get, upcoming, applyDiscount, list, finalize, void, cancel, pix, document, pdf, checkout, settings, setSettings, markOverdue, pay,
            getPayment, refund,
            listRefunds,
            providerNotification, pixReceived, cardEvent, savePaymentMethod, paymentMethods, createInvoiceItem, listInvoiceItems,
            deleteInvoiceItem, createCreditNote, getCreditNote, listCreditNotes, creditNoteDocument, creditNotePdf, createTaxRate, getTaxRate,
            listTaxRates, updateTaxRate,
            boleto, boletoNotified,
            bankTransfer, recordBankTransfer, listBankTransfers,
            fiscalSettings, setFiscalSettings,
        ]
    }
}
