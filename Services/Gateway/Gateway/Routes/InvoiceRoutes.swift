import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import InvoicingContract

/// `/api/v1/invoices` and `/api/v1/payments` (seed 001 steps 4–6, seed 000 "Faturas").
enum InvoiceRoutes {
    static let invoiceType = "invoices"
    static let paymentType = "payments"
    static let lineType = "invoice-lines"
    static let draftOnly = "The invoice is not a DRAFT (INVOICE_NOT_EDITABLE, meta: field status)"
    static let invoices = "/api/v1/invoices"
    static let payments = "/api/v1/payments"
    static let tag = "Invoices and payments"

    static func routes(client: RPCClient) -> [APIRoute] {
        let invoice = CodableSchema.of(Invoice.self)
        let single = APIRoute.ResponseSpec(status: .ok, resourceType: invoiceType, attributes: invoice, isCollection: false)
        func action(
            _ path: String, _ operationID: String, _ summary: String, _ permission: Permission,
            _ method: UnaryMethod<InvoiceRequest, Invoice>
        ) -> APIRoute {
            .idAction(
                base: invoices, action: path, operationID: operationID, tag: tag, summary: summary, permission: permission, response: single,
                conflict: "The invoice's status does not allow it (INVALID_STATUS_TRANSITION, meta: status, requestedStatus)", resource: "invoice",
                client: client, method: method, request: { (id: InvoiceID) in InvoiceRequest(id: id) }, document: document)
        }
        return [
            APIRoute(
                method: .post, path: invoices, operationID: "createInvoice", tag: tag,
                summary:
                    """
                    Draft the invoice of an account's subscriptions for a period (seed 001 step 4): plan price × quantity, paid add-ons; a trial \
                    period is billed at 0.00 (one TRIAL line). A period is billed once: periods already invoiced (by the system's own draft at \
                    the period's start, or an earlier call) are left out; when all are, the draft that bills them is answered (200), or 409 \
                    PERIOD_ALREADY_INVOICED names the finalized invoice.
                    """,
                permission: .invoicesCreate,
                requestBody: .init(resourceType: invoiceType, attributes: .of(CreateInvoiceRequest.self), optional: false),
                response: .init(status: .created, resourceType: invoiceType, attributes: invoice, isCollection: false), queryParameters: [],
                additionalErrors: [
                    409: "Every period is billed by a finalized invoice already (PERIOD_ALREADY_INVOICED), or the account is CLOSED (ACCOUNT_CLOSED)"
                ]
            ) { request in
                let attributes = try request.attributes(CreateInvoiceRequest.self, resourceType: invoiceType)
                let asked = Date()
                let created = try await client.call(InvoicingAPI.create, attributes, options: request.options)
                // The period's existing draft (created before this call) is answered as it is, not as a new invoice.
                guard created.createdAt >= asked else { return .ok(try document(created)) }
                return .created(try document(created), location: "\(invoices)/\(created.id)")
            },
            APIRoute(
                method: .get, path: invoices, operationID: "listInvoices", tag: tag, summary: "List invoices, oldest first, with cursor pagination.",
                permission: .invoicesRead, requestBody: nil,
                response: .init(status: .ok, resourceType: invoiceType, attributes: invoice, isCollection: true),
                queryParameters: [
                    .init(name: "filter[billingAccountId]", summary: "one account's invoices", schema: .string(format: "uuid")),
                    .init(
                        name: "filter[status]", summary: "DRAFT, PENDING, PAID, OVERDUE, CANCELED, VOID or CREDITED", schema: .of(InvoiceStatus.self)),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[billingAccountId]", "filter[status]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(InvoiceID.self)
                let size = try query.pageSize()
                let page = try await client.call(
                    InvoicingAPI.list,
                    ListInvoicesRequest(
                        billingAccountId: try query.id("filter[billingAccountId]", as: AccountID.self),
                        status: try query.filter("filter[status]", as: InvoiceStatus.self),
                        pageSize: size,
                        after: after), options: request.options)
                let items = try page.items.map { try JSONAPI.resource(type: invoiceType, from: $0, selfLink: "\(invoices)/\($0.id)") }
                return .ok(
                    JSONAPI.collection(
                        items, base: invoices, filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .get, path: invoices + "/{id}", operationID: "getInvoice", tag: tag,
                summary:
                    """
                    One invoice with its lines. With `Accept: text/html`, the printable invoice (seller, buyer and tax id, lines, totals, dates, \
                    and the PIX code while it can be paid); with `Accept: application/pdf`, the same as an A4 PDF.
                    """,
                permission: .invoicesRead, requestBody: nil, response: single, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(InvoiceID.self, resource: "invoice")
                if request.wantsPDF {
                    let file = try await client.call(InvoicingAPI.pdf, InvoiceRequest(id: id), options: request.options)
                    guard let bytes = file.bytes else { throw RPCError.internal("the invoice PDF came back malformed") }
                    return .pdf(bytes)
                }
                if request.wantsHTML {
                    return .page(try await client.call(InvoicingAPI.document, InvoiceRequest(id: id), options: request.options).html)
                }
                return .ok(try document(try await client.call(InvoicingAPI.get, InvoiceRequest(id: id), options: request.options)))
            },
            APIRoute(
                method: .post, path: invoices + "/{id}/finalize", operationID: "finalizeInvoice", tag: tag,
                summary:
                    """
                    DRAFT → PENDING (seed 001 step 5): lines frozen, the tenant's next gapless number (`2026-000123`), due date from net terms; a \
                    0.00 invoice is PAID at once. With `paymentMethod` BOLETO, a boleto híbrido (bar code and PIX QR) is registered at the \
                    bank for what is due (`GET /invoices/{id}/boleto`; 409 BOLETO_UNAVAILABLE when no bank is configured). With \
                    BANK_TRANSFER, a transfer reference shown with the tenant's bank account (`GET /invoices/{id}/bank-transfer`; 409 \
                    BANK_TRANSFER_NOT_CONFIGURED without `bankAccount` in the invoice settings).
                    """,
                permission: .invoicesFinalize,
                requestBody: .init(resourceType: invoiceType, attributes: .of(FinalizeInvoiceAttributes.self), optional: true),
                response: single, queryParameters: [],
                additionalErrors: [409: "The invoice's status does not allow it (INVALID_STATUS_TRANSITION, meta: status, requestedStatus)"]
            ) { request in
                let id = try request.id(InvoiceID.self, resource: "invoice")
                let attributes = try request.attributes(FinalizeInvoiceAttributes.self, resourceType: invoiceType, optional: true)
                return .ok(
                    try document(
                        try await client.call(
                            InvoicingAPI.finalize, InvoiceRequest(id: id, paymentMethod: attributes.paymentMethod), options: request.options)))
            },
            APIRoute(
                method: .get, path: invoices + "/{id}/boleto", operationID: "getInvoiceBoleto", tag: tag,
                summary:
                    """
                    The boleto híbrido of an invoice finalized with BOLETO: status, linha digitável (47 digits, FEBRABAN check digits \
                    verified), bar code (44 digits, and drawn as ITF in SVG), the PIX QR (copia e cola and SVG), due date, fine and interest.
                    """,
                permission: .invoicesRead, requestBody: nil,
                response: .init(status: .ok, resourceType: "boletos", attributes: .of(InvoiceBoleto.self), isCollection: false), queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(InvoiceID.self, resource: "invoice")
                let boleto = try await client.call(InvoicingAPI.boleto, InvoiceRequest(id: id), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: "boletos", id: boleto.ourNumber, from: boleto)))
            },
            APIRoute(
                method: .get, path: invoices + "/{id}/pix", operationID: "getInvoicePix", tag: tag,
                summary:
                    """
                    The PIX BR Code (\"copia e cola\", EMV per the Banco Central manual, CRC16) for what is due on a PENDING or OVERDUE BRL \
                    invoice; txid = the invoice number without its dash.
                    """,
                permission: .invoicesRead, requestBody: nil,
                response: .init(status: .ok, resourceType: "pix-charges", attributes: .of(PixCharge.self), isCollection: false), queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(InvoiceID.self, resource: "invoice")
                let charge = try await client.call(InvoicingAPI.pix, InvoiceRequest(id: id), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: "pix-charges", id: charge.txid, from: charge)))
            },
            action("void", "voidInvoice", "PENDING or OVERDUE with nothing paid → VOID; its number stays used.", .invoicesVoid, InvoicingAPI.void),
            action("cancel", "cancelInvoice", "DRAFT → CANCELED.", .invoicesUpdate, InvoicingAPI.cancel),
            APIRoute(
                method: .patch, path: invoices + "/{id}", operationID: "updateInvoice", tag: tag,
                summary:
                    """
                    Edit a DRAFT (seed 001): its memo, the buyer's purchase-order number (an empty text removes either), a due date kept at \
                    finalize, or its net terms (which drop a due date set before). A finalized invoice refuses (409 INVOICE_NOT_EDITABLE).
                    """,
                permission: .invoicesUpdate,
                requestBody: .init(resourceType: invoiceType, attributes: .of(InvoiceChanges.self), optional: false),
                response: single, queryParameters: [], additionalErrors: [409: draftOnly]
            ) { request in
                let id = try request.id(InvoiceID.self, resource: "invoice")
                let changes = try request.attributes(InvoiceChanges.self, resourceType: invoiceType)
                return .ok(
                    try document(try await client.call(InvoicingAPI.update, UpdateInvoiceRequest(id: id, changes: changes), options: request.options))
                )
            },
            APIRoute(
                method: .post, path: invoices + "/{id}/lines", operationID: "addInvoiceLine", tag: tag,
                summary:
                    """
                    Add a ONE_OFF line to a DRAFT: description, quantity, unit amount (a negative one is a discount), or a catalog product \
                    whose name and price fill what is left out. Amount = quantity × unit amount, half-even to the currency; the invoice's \
                    totals and the account credit it takes are computed again. Answers the invoice, the new line last among its lines.
                    """,
                permission: .invoicesUpdate,
                requestBody: .init(resourceType: lineType, attributes: .of(InvoiceLineAttributes.self), optional: false),
                response: .init(status: .created, resourceType: invoiceType, attributes: invoice, isCollection: false), queryParameters: [],
                additionalErrors: [409: draftOnly]
            ) { request in
                let id = try request.id(InvoiceID.self, resource: "invoice")
                let attributes = try request.attributes(InvoiceLineAttributes.self, resourceType: lineType)
                let edited = try await client.call(
                    InvoicingAPI.addLine, InvoiceLineRequest(invoiceId: id, attributes: attributes), options: request.options)
                return .created(try document(edited), location: "\(invoices)/\(edited.id)")
            },
            APIRoute(
                method: .patch, path: invoices + "/{id}/lines/{lineId}", operationID: "updateInvoiceLine", tag: tag,
                summary: "Change a DRAFT's ONE_OFF line (absent attributes stay); the invoice's totals and account credit are computed again.",
                permission: .invoicesUpdate,
                requestBody: .init(resourceType: lineType, attributes: .of(InvoiceLineAttributes.self), optional: false),
                response: single, queryParameters: [],
                additionalErrors: [409: draftOnly + ", or the line is one the system wrote (LINE_NOT_EDITABLE)"]
            ) { request in
                let id = try request.id(InvoiceID.self, resource: "invoice")
                let line = try request.id(InvoiceLineID.self, "lineId", resource: "invoice line")
                let attributes = try request.attributes(InvoiceLineAttributes.self, resourceType: lineType)
                return .ok(
                    try document(
                        try await client.call(
                            InvoicingAPI.updateLine, InvoiceLineRequest(invoiceId: id, lineId: line, attributes: attributes),
                            options: request.options)))
            },
            APIRoute(
                method: .delete, path: invoices + "/{id}/lines/{lineId}", operationID: "removeInvoiceLine", tag: tag,
                summary: "Remove a DRAFT's ONE_OFF line; the invoice's totals and account credit are computed again. Answers the invoice.",
                permission: .invoicesUpdate, requestBody: nil, response: single, queryParameters: [],
                additionalErrors: [409: draftOnly + ", or the line is one the system wrote (LINE_NOT_EDITABLE)"]
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(InvoiceID.self, resource: "invoice")
                let line = try request.id(InvoiceLineID.self, "lineId", resource: "invoice line")
                return .ok(
                    try document(
                        try await client.call(InvoicingAPI.removeLine, InvoiceLineRequest(invoiceId: id, lineId: line), options: request.options)))
            },
            APIRoute(
                method: .post, path: payments, operationID: "createPayment", tag: tag,
                summary:
                    """
                    Record a payment (seed 001 step 6): PIX or CARD, up to the amount due (partial payments add up); paid in full → the invoice \
                    is PAID. A repeated `externalRef` answers the first payment. A 0.00 invoice accepts a 0.00 payment.
                    """,
                permission: .paymentsCreate,
                requestBody: .init(resourceType: paymentType, attributes: .of(CreatePaymentRequest.self), optional: false),
                response: .init(status: .created, resourceType: paymentType, attributes: .of(Payment.self), isCollection: false), queryParameters: [],
                additionalErrors: [
                    409: "The invoice accepts no payment (INVOICE_ALREADY_PAID, INVOICE_NOT_PAYABLE) or the externalRef is another payment's"
                ]
            ) { request in
                let attributes = try request.attributes(CreatePaymentRequest.self, resourceType: paymentType)
                let payment = try await client.call(InvoicingAPI.pay, attributes, options: request.options)
                return .created(try paymentDocument(payment), location: "\(payments)/\(payment.id)")
            },
            APIRoute(
                method: .post, path: "/api/v1/checkouts", operationID: "createCheckout", tag: tag,
                summary:
                    """
                    Buy paid add-ons (activated first, so PENDING on the subscription) and credit packages (seed 000, seed 002): a finalized \
                    invoice and, for PIX, its BR Code to show; for CARD, the card charged through the provider (approved → the invoice is PAID). \
                    Once paid, the ledger grants the credits and the add-ons' feature flags turn on.
                    """,
                permission: .paymentsCreate,
                requestBody: .init(resourceType: "checkouts", attributes: .of(CheckoutRequest.self), optional: false),
                response: .init(status: .created, resourceType: "checkouts", attributes: .of(Checkout.self), isCollection: false),
                queryParameters: [],
                additionalErrors: [409: "An add-on that is not PENDING on its subscription (ADDON_NOT_PENDING), or an account that is not ACTIVE"]
            ) { request in
                let attributes = try request.attributes(CheckoutRequest.self, resourceType: "checkouts")
                let checkout = try await client.call(InvoicingAPI.checkout, attributes, options: request.options)
                return .created(
                    JSONAPI.document(try JSONAPI.resource(type: "checkouts", from: checkout, selfLink: "\(invoices)/\(checkout.invoice.id)")),
                    location: "\(invoices)/\(checkout.invoice.id)")
            },
            APIRoute(
                method: .get, path: "/api/v1/invoice-settings", operationID: "getInvoiceSettings", tag: tag,
                summary:
                    """
                    The tenant's invoicing settings: auto-finalize of period invoices (default false), default net terms (7 days), card retry \
                    schedule (absent: the platform's), Simples Nacional (default false) and the default tax code (absent: none).
                    """,
                permission: .invoicesRead, requestBody: nil,
                response: .init(
                    status: .ok, resourceType: "invoice-settings", attributes: .of(InvoiceSettings.self), isCollection: false,
                    idFormat: nil),  // the tenant's id, the token's organizationId
                queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let settings = try await client.call(InvoicingAPI.settings, GetInvoiceSettingsRequest(), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: "invoice-settings", id: request.principal.tenant, from: settings)))
            },
            APIRoute(
                method: .put, path: "/api/v1/invoice-settings", operationID: "setInvoiceSettings", tag: tag,
                summary:
                    """
                    Replace the tenant's invoicing settings. With `autoFinalize`, invoices drafted when a subscription period starts are \
                    finalized (numbered, PENDING) at once; `cardRetrySchedule` sets the delays between automatic card charges after a decline \
                    (`1d,2d,2d,2d`); `pixFinePercent` and `pixMonthlyInterestPercent` go on PIX charges with a due date (cobv); \
                    `simplesNacional` (default false): the tenant is on Simples Nacional, so no federal tax is withheld on its invoices; \
                    `defaultTaxCode` (1 to 32 of `A-Z a-z 0-9 . _ -`): the tax code of lines whose plan, add-on or product names none.
                    """,
                permission: .invoicesUpdate,
                requestBody: .init(resourceType: "invoice-settings", attributes: .of(InvoiceSettings.self), optional: false),
                response: .init(
                    status: .ok, resourceType: "invoice-settings", attributes: .of(InvoiceSettings.self), isCollection: false,
                    idFormat: nil),  // the tenant's id, the token's organizationId
                queryParameters: []
            ) { request in
                let attributes = try request.attributes(InvoiceSettings.self, resourceType: "invoice-settings")
                let settings = try await client.call(InvoicingAPI.setSettings, attributes, options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: "invoice-settings", id: request.principal.tenant, from: settings)))
            },
            APIRoute(
                method: .post, path: "/api/v1/billing-accounts/{id}/payment-methods", operationID: "savePaymentMethod", tag: tag,
                summary:
                    """
                    Save a card by the provider's token (sandbox: tok_visa, tok_mastercard, tok_declined, tok_insufficient_funds); the newest is \
                    the default, which auto-recharge (seed 003) and the automatic collection of subscription period invoices (retried per the \
                    card retry schedule) charge.
                    """,
                permission: .paymentsCreate,
                requestBody: .init(resourceType: "payment-methods", attributes: .of(SavePaymentMethodAttributes.self), optional: false),
                response: .init(status: .created, resourceType: "payment-methods", attributes: .of(SavedPaymentMethod.self), isCollection: false),
                queryParameters: []
            ) { request in
                let account = try request.id(AccountID.self, resource: "billing account")
                let attributes = try request.attributes(SavePaymentMethodAttributes.self, resourceType: "payment-methods")
                let saved = try await client.call(
                    InvoicingAPI.savePaymentMethod,
                    SavePaymentMethodRequest(
                        billingAccountId: account, cardToken: attributes.cardToken, label: attributes.label), options: request.options)
                let base = "/api/v1/billing-accounts/\(saved.billingAccountId)/payment-methods"
                return .created(JSONAPI.document(try JSONAPI.resource(type: "payment-methods", from: saved, selfLink: base)), location: base)
            },
            APIRoute(
                method: .get, path: "/api/v1/billing-accounts/{id}/payment-methods", operationID: "listPaymentMethods", tag: tag,
                summary: "An account's saved cards, newest first (tokens are never shown).", permission: .paymentsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: "payment-methods", attributes: .of(SavedPaymentMethod.self), isCollection: true),
                queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let list = try await client.call(
                    InvoicingAPI.paymentMethods,
                    ListPaymentMethodsRequest(billingAccountId: try request.id(AccountID.self, resource: "billing account")),
                    options: request.options)
                return .ok(JSONAPI.document(.array(try list.items.map { try JSONAPI.resource(type: "payment-methods", id: $0.id, from: $0) })))
            },
            APIRoute(
                method: .get, path: payments, operationID: "listPayments", tag: tag,
                summary:
                    """
                    List payments (seed 001 PAYMENTS_READ), oldest first, with cursor pagination: PENDING (a PIX charge issued at checkout, \
                    waiting), PROCESSING (an automatic card charge in flight), COMPLETED, FAILED (with `failureReason`: a declined card, or a \
                    PIX charge the invoice no longer needs) and REFUNDED (a partial refund shows in `refunded`).
                    """,
                permission: .paymentsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: paymentType, attributes: .of(Payment.self), isCollection: true),
                queryParameters: [
                    .init(name: "filter[billingAccountId]", summary: "one account's payments", schema: .string(format: "uuid")),
                    .init(name: "filter[invoiceId]", summary: "one invoice's payments", schema: .string(format: "uuid")),
                    .init(name: "filter[status]", summary: "PENDING, PROCESSING, COMPLETED, FAILED or REFUNDED", schema: .of(PaymentStatus.self)),
                    .init(name: "filter[paymentMethod]", summary: "PIX or CARD", schema: .of(PaymentMethod.self)),
                    .init(name: "filter[since]", summary: "created at or after (RFC 3339)", schema: .string(format: "date-time")),
                    .init(name: "filter[until]", summary: "created before (RFC 3339)", schema: .string(format: "date-time")),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = [
                    "filter[billingAccountId]", "filter[invoiceId]", "filter[status]", "filter[paymentMethod]", "filter[since]", "filter[until]",
                ]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(PaymentID.self)
                let size = try query.pageSize()
                let page = try await client.call(
                    InvoicingAPI.listPayments,
                    ListPaymentsRequest(
                        billingAccountId: try query.id("filter[billingAccountId]", as: AccountID.self),
                        invoiceId: try query.id("filter[invoiceId]", as: InvoiceID.self),
                        status: try query.filter("filter[status]", as: PaymentStatus.self),
                        paymentMethod: try query.filter("filter[paymentMethod]", as: PaymentMethod.self),
                        since: try query.instant("filter[since]"), until: try query.instant("filter[until]"), pageSize: size, after: after),
                    options: request.options)
                let items = try page.items.map { try JSONAPI.resource(type: paymentType, from: $0, selfLink: "\(payments)/\($0.id)") }
                return .ok(
                    JSONAPI.collection(
                        items, base: payments, filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .get, path: "/api/v1/credit-topups", operationID: "listCreditTopUps", tag: tag,
                summary:
                    """
                    Credit packages bought (seed 002 `credit_topups`), oldest first, with cursor pagination by invoice: who bought (the \
                    token's subject, or `system:auto-recharge`), package, credits, price, and COMPLETED (paid), FAILED (declined or voided, \
                    with the reason) or PENDING, with the payment.
                    """,
                permission: .paymentsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: "credit-topups", attributes: .of(CreditTopUp.self), isCollection: true),
                queryParameters: [
                    .init(name: "filter[billingAccountId]", summary: "one account's top-ups", schema: .string(format: "uuid")),
                    .init(name: "filter[status]", summary: "PENDING, COMPLETED or FAILED", schema: .of(PaymentStatus.self)),
                    .init(name: "filter[since]", summary: "bought at or after (RFC 3339)", schema: .string(format: "date-time")),
                    .init(name: "filter[until]", summary: "bought before (RFC 3339)", schema: .string(format: "date-time")),
                    .init(name: "page[size]", summary: "1 to 100 invoices, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[billingAccountId]", "filter[status]", "filter[since]", "filter[until]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(InvoiceID.self), size = try query.pageSize()
                let page = try await client.call(
                    InvoicingAPI.listTopUps,
                    ListCreditTopUpsRequest(
                        billingAccountId: try query.id("filter[billingAccountId]", as: AccountID.self),
                        status: try query.filter("filter[status]", as: PaymentStatus.self), since: try query.instant("filter[since]"),
                        until: try query.instant("filter[until]"), pageSize: size, after: after), options: request.options)
                let items = try page.items.map { try JSONAPI.resource(type: "credit-topups", id: $0.id, from: $0) }
                return .ok(
                    JSONAPI.collection(
                        items, base: "/api/v1/credit-topups", filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .get, path: payments + "/{id}", operationID: "getPayment", tag: tag, summary: "One payment.",
                permission: .paymentsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: paymentType, attributes: .of(Payment.self), isCollection: false), queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(PaymentID.self, resource: "payment")
                return .ok(try paymentDocument(try await client.call(InvoicingAPI.getPayment, PaymentRequest(id: id), options: request.options)))
            },
            APIRoute(
                method: .get, path: payments + "/{id}/refunds", operationID: "listRefunds", tag: tag,
                summary:
                    """
                    A payment's refunds, oldest first. `settlement` says where the money stands when a provider returns it (a PIX \
                    devolução at the PSP, a card refund at Stripe): PROCESSING until the provider settles it, then REFUNDED or NOT_DONE \
                    (with `settlementReason`; the money is still with the merchant and must be returned by other means).
                    """,
                permission: .paymentsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: "refunds", attributes: .of(Refund.self), isCollection: true), queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(PaymentID.self, resource: "payment")
                let list = try await client.call(InvoicingAPI.listRefunds, PaymentRequest(id: id), options: request.options)
                return .ok(JSONAPI.document(.array(try list.items.map { try JSONAPI.resource(type: "refunds", id: $0.id, from: $0) })))
            },
            APIRoute(
                method: .post, path: payments + "/{id}/refunds", operationID: "refundPayment", tag: tag,
                summary:
                    """
                    Refund part (`amount`) or all of what is left of a COMPLETED payment, with an optional reason; never more than was paid, \
                    however many refunds race (409 REFUND_EXCEEDS_PAYMENT). What the payment bought goes back too: the account credit it \
                    created first (409 ACCOUNT_CREDIT_SPENT when spent), the refunded share of its credit packages' credits (409 \
                    CREDITS_SPENT when spent, unless leaveWalletInDebt), and its add-ons once it is refunded in full.
                    """,
                permission: .paymentsRefund,
                requestBody: .init(resourceType: "refunds", attributes: .of(RefundAttributes.self), optional: true),
                response: .init(status: .created, resourceType: "refunds", attributes: .of(Refund.self), isCollection: false), queryParameters: [],
                additionalErrors: [
                    409:
                        "More than is left of the payment (REFUND_EXCEEDS_PAYMENT), the payment is not COMPLETED, or what it bought was spent "
                        + "(ACCOUNT_CREDIT_SPENT, CREDITS_SPENT)"
                ]
            ) { request in
                let id = try request.id(PaymentID.self, resource: "payment")
                let attributes = try request.attributes(RefundAttributes.self, resourceType: "refunds", optional: true)
                let refund = try await client.call(
                    InvoicingAPI.refund,
                    RefundRequest(
                        paymentId: id, amount: attributes.amount, reason: attributes.reason, leaveWalletInDebt: attributes.leaveWalletInDebt),
                    options: request.options)
                return .created(
                    JSONAPI.document(try JSONAPI.resource(type: "refunds", from: refund, selfLink: "\(payments)/\(id)")),
                    location: "\(payments)/\(id)")
            },
        ]
    }

    static func document(_ invoice: Invoice) throws -> JSONValue {
        JSONAPI.document(try JSONAPI.resource(type: invoiceType, from: invoice, selfLink: "\(invoices)/\(invoice.id)"))
    }

    private static func paymentDocument(_ payment: Payment) throws -> JSONValue {
        JSONAPI.document(try JSONAPI.resource(type: paymentType, from: payment, selfLink: "\(payments)/\(payment.id)"))
    }
}
