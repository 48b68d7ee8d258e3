import AccountsContract
import BillingCore
import BillingEvents
import BillingMail
import BillingPostgres
import BillingRPC
import Foundation
import InvoicingContract
import Logging
import NotificationsContract

/// E-mail: every replica claims the due e-mails (leased), reads the account (its contacts, language, opt-outs) and what the
/// e-mail needs from invoicing with no row locked, sends it over SMTP and records the outcome; a transient failure is retried on
/// the e-mail schedule, a permanent one (a 5xx answer) fails it.
extension NotificationsService {
    /// How e-mails are sent; nil when no SMTP server is configured (nothing is queued then).
    public struct MailSettings: Sendable {
        public var smtp: SMTPSettings
        public var from: MailAddress
        public var replyTo: MailAddress?
        /// After the first attempt: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, each ±10 %.
        public var retries: RetrySchedule

        public static let defaultRetries = RetrySchedule(delays: [60, 300, 1_800, 7_200, 21_600, 43_200])

        public init(smtp: SMTPSettings, from: MailAddress, replyTo: MailAddress? = nil, retries: RetrySchedule = Self.defaultRetries) {
            self.smtp = smtp
            self.from = from
            self.replyTo = replyTo
            self.retries = retries
        }

        /// The domain of the `Message-ID`s: the sender's.
        var domain: String { String(from.domain) }
    }

    /// How long a claimed e-mail is left to its replica: longer than the reads it needs and the whole SMTP conversation
    /// (each of its steps — up to 14, and one per recipient, at most 10 — bounded by the SMTP timeout), so a slow send is not
    /// taken over and sent twice.
    var emailLease: TimeInterval { TimeInterval(max(Int(Self.lease), 30 + 24 * Int(mail?.smtp.timeout.components.seconds ?? 30))) }

    /// The due e-mails, leased to this replica (at most `limit`).
    func claimEmails(limit: Int) async throws -> [ClaimedEmail] {
        let now = clock.now()
        return try await database.withSystemScope {
            try await emailStore.claimDue(at: now, lease: now.addingTimeInterval(emailLease), limit: limit, on: $0)
        }
    }

    /// One attempt; when its outcome cannot be recorded, the lease lapses and another pass sends it again (at least once; it
    /// carries the same `Message-ID`).
    func attempt(_ email: ClaimedEmail) async {
        let outcome = await send(email)
        do {
            try await database.withTenant(email.tenant) {
                try await emailStore.record(outcome, of: email.id, at: clock.now(), tenant: email.tenant, on: $0)
            }
        } catch {
            database.logger.error(
                "e-mail outcome not recorded; sent again after its lease",
                metadata: ["tenant": "\(email.tenant)", "email": "\(email.id)", "error": "\(error)"])
            return
        }
        var metadata: Logger.Metadata = [
            "tenant": "\(email.tenant)", "account": "\(email.account?.description ?? "-")", "type": "\(email.kind)",
            "message-id": "\(messageID(email.id))",
        ]
        switch outcome {
        case .sent(let recipients, _, let answer):
            metadata["recipients"] = "\(recipients.count)"
            metadata["smtp"] = "\(answer)"
            database.logger.info("e-mail sent", metadata: metadata)
        case .skipped(let reason):
            metadata["reason"] = "\(reason)"
            database.logger.info("e-mail skipped", metadata: metadata)
        case .failed(_, _, let error, let next):
            metadata["error"] = "\(error)"
            database.logger.warning(next == nil ? "e-mail failed" : "e-mail will be retried", metadata: metadata)
        }
    }

    func messageID(_ id: UUID) -> String { "<\(id.uuidString.lowercased())@\(mail?.domain ?? "billing.invalid")>" }

    /// Reads what the e-mail needs, writes it and hands it to the SMTP server.
    private func send(_ email: ClaimedEmail) async -> EmailOutcome {
        guard let mail, let smtp else { return .skipped("no SMTP server is configured") }
        let written: WrittenEmail
        switch await write(email) {
        case .ready(let email): written = email
        case .settled(let outcome): return outcome
        }
        let message = MailMessage(
            from: mail.from, to: written.recipients, replyTo: mail.replyTo, subject: written.content.subject, text: written.text,
            html: written.html,
            attachments: written.content.attachment.map { [MailAttachment(filename: $0.filename, contentType: "application/pdf", bytes: $0.bytes)] }
                ?? [],
            messageID: messageID(email.id), date: clock.now())
        let addresses = written.recipients.map(\.email)
        do {
            let receipt = try await smtp.send(message)
            return .sent(recipients: addresses, subject: written.content.subject, answer: receipt.reply)
        } catch let error as SMTPError where error.isPermanent {
            return .failed(recipients: addresses, subject: written.content.subject, error: error.description, next: nil)
        } catch {
            return retry(email, recipients: addresses, subject: written.content.subject, "\(error)")
        }
    }

    /// An e-mail written for its recipients.
    private struct WrittenEmail {
        var recipients: [MailAddress]
        var content: EmailContent
        var text: String
        var html: String
    }

    /// An e-mail ready to send, or its outcome settled before sending (skipped, failed, or retried when what it needs could not
    /// be read).
    private enum Writing {
        case ready(WrittenEmail)
        case settled(EmailOutcome)
    }

    /// The e-mail's recipients and words, or why it is not sent.
    private func write(_ email: ClaimedEmail) async -> Writing {
        let options = RPCCallOptions(tenant: email.tenant, timeout: .seconds(10))
        let envelope: EventEnvelope
        do { envelope = try EventEnvelope.parse(email.payload) } catch {
            return .settled(.failed(recipients: [], subject: nil, error: "the event cannot be read: \(error)", next: nil))
        }
        guard let accountID = email.account, let type = NotificationType(rawValue: email.kind) else {
            return await writeTenantNotice(email, envelope: envelope)
        }
        let account: BillingAccount
        do {
            account = try await clients.accounts.get(accountID, options: options)
        } catch  where error.code == .notFound {
            return .settled(.skipped("account \(accountID) does not exist"))
        } catch {
            return .settled(retry(email, recipients: [], subject: nil, "the account could not be read: \(error.message)"))
        }
        if account.testClockId != nil { return .settled(.skipped("a test account (on a test clock) is not e-mailed")) }
        let contacts = account.recipients(of: type)
        guard !contacts.isEmpty else {
            return .settled(
                .skipped(
                    account.notificationOptOuts.contains(type)
                        ? "the account opted out of \(type.rawValue)" : "no contact of the account receives \(type.rawValue)"))
        }
        let content: EmailContent
        do {
            let extras = try await extras(for: type, envelope: envelope, options: options)
            content = try EmailComposer(account: account).compose(type, event: envelope, extras: extras)
        } catch let error as RPCError {
            return .settled(retry(email, recipients: contacts.map(\.email), subject: nil, "invoicing could not be read: \(error.message)"))
        } catch {
            return .settled(.failed(recipients: [], subject: nil, error: "the e-mail could not be written: \(error)", next: nil))
        }
        let (text, html) = EmailLayout.render(content, for: account)
        return .ready(
            WrittenEmail(
                recipients: contacts.compactMap { MailAddress(email: $0.email, name: $0.name) }, content: content, text: text, html: html))
    }

    /// A notice to the tenant's contact (its notification settings): an endpoint the platform disabled.
    private func writeTenantNotice(_ email: ClaimedEmail, envelope: EventEnvelope) async -> Writing {
        let settings: NotificationSettings
        do {
            settings = try await database.withTenant(email.tenant) { try await emailStore.settings(tenant: email.tenant, on: $0) }
        } catch {
            return .settled(retry(email, recipients: [], subject: nil, "the tenant's settings could not be read: \(error)"))
        }
        guard let contact = settings.contactEmail, let address = MailAddress(email: contact) else {
            return .settled(.skipped("the tenant has no contact e-mail (PUT /api/v1/notification-settings)"))
        }
        guard envelope.type == WebhookEndpointDisabled.eventType, let event = try? envelope.decode(WebhookEndpointDisabled.self) else {
            return .settled(.failed(recipients: [], subject: nil, error: "no tenant notice is written for \(envelope.type)", next: nil))
        }
        let locale = settings.locale ?? .portuguese
        let content = EmailComposer(locale: locale, timezone: "America/Sao_Paulo").endpointDisabled(event)
        let (text, html) = EmailLayout.renderTenantNotice(content, locale: locale)
        return .ready(WrittenEmail(recipients: [address], content: content, text: text, html: html))
    }

    /// A transient failure: tried again on the e-mail schedule, failed for good after its last delay.
    private func retry(_ email: ClaimedEmail, recipients: [String], subject: String?, _ error: String) -> EmailOutcome {
        let now = clock.now()
        let next = mail?.retries.retry(after: email.attempts + 1, at: now).map { jittered($0, from: now) }
        return .failed(recipients: recipients, subject: subject, error: error, next: next)
    }

    /// The invoice's PDF and PIX code for an invoice e-mail; the invoice's number for a payment's.
    private func extras(for type: NotificationType, envelope: EventEnvelope, options: RPCCallOptions) async throws -> EmailExtras {
        var extras = EmailExtras()
        switch type {
        case .invoiceIssued:
            let invoice = try envelope.decode(InvoiceFinalized.self).invoice
            let request = InvoiceRequest(id: invoice.id)
            extras.invoicePDF = try await clients.invoicing.call(InvoicingAPI.pdf, request, options: options).bytes
            if invoice.amountDue.currency.code == "BRL", invoice.amountDue.minorUnits > 0 {
                extras.pixCode = try await pixCode(request, options: options)
            }
        case .paymentReceived, .paymentFailed:
            let invoiceID =
                type == .paymentReceived
                ? try envelope.decode(PaymentCompleted.self).invoiceId : try envelope.decode(PaymentFailed.self).invoiceId
            if let invoiceID {
                extras.invoiceNumber = try await clients.invoicing.call(InvoicingAPI.get, InvoiceRequest(id: invoiceID), options: options).number
            }
        default: break
        }
        return extras
    }

    /// Why invoicing has no PIX code for an invoice, for good: the e-mail goes without one. Any other refusal (the PSP's charge
    /// not created yet) is tried again with the e-mail.
    static let noPixCode: Set<String> = [
        "PIX_PAYMENTS_UNAVAILABLE", "PIX_NEEDS_BRL", "INVOICE_NOT_PAYABLE", "PIX_TEST_INVOICE", "PIX_NOT_CONFIGURED",
    ]

    /// The invoice's PIX copy-and-paste code; nil when the tenant or the invoice has none (no key configured, already paid).
    private func pixCode(_ request: InvoiceRequest, options: RPCCallOptions) async throws -> String? {
        let result: Result<PixCharge, RPCError>
        do {
            result = .success(try await clients.invoicing.call(InvoicingAPI.pix, request, options: options))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let charge): return charge.copyPaste
        case .failure(let error) where error.code == .failedPrecondition && Self.noPixCode.contains(error.reason ?? ""):
            database.logger.info("invoice e-mailed without a PIX code", metadata: ["invoice": "\(request.id)", "reason": "\(error.message)"])
            return nil
        case .failure(let error): throw error
        }
    }

    /// An account's latest e-mails (`GET /billing-accounts/{id}/email-notifications`).
    /// An account the tenant does not have is `not_found`, as on the account's other routes.
    func emails(_ request: ListEmailNotificationsRequest, context: RPCServerContext) async throws -> EmailNotificationList {
        guard (1...100).contains(request.pageSize) else { throw NotificationsError.invalid("page[size]", "page size must be between 1 and 100") }
        let tenant = context.tenant
        let options = context.outgoing(timeout: .seconds(5))
        let account = try await RPCError.unlessNotFound { () async throws(RPCError) in
            try await clients.accounts.get(request.billingAccountId, options: options)
        }
        guard account != nil else {
            throw NotificationsError.notFound("billing account", request.billingAccountId.description, reason: "ACCOUNT_NOT_FOUND")
        }
        return EmailNotificationList(
            items: try await database.withTenant(tenant) {
                try await emailStore.list(account: request.billingAccountId, limit: request.pageSize, tenant: tenant, on: $0)
            })
    }
}

extension NotificationsService {
    func settings(tenant: String) async throws -> NotificationSettings {
        try await database.withTenant(tenant) { try await emailStore.settings(tenant: tenant, on: $0) }
    }

    func setSettings(_ settings: NotificationSettings, tenant: String) async throws -> NotificationSettings {
        var checked = settings
        if let contact = settings.contactEmail?.trimmingCharacters(in: .whitespaces), !contact.isEmpty {
            guard contact.count <= 254, MailAddress(email: contact) != nil else {
                throw NotificationsError.invalid("contactEmail", "'\(contact.prefix(80))' is not an e-mail address")
            }
            checked.contactEmail = contact
        } else {
            checked.contactEmail = nil
        }
        checked.locale = settings.locale ?? .portuguese
        let now = clock.now()
        try await database.withTenant(tenant) { try await emailStore.save(checked, at: now, tenant: tenant, on: $0) }
        return checked
    }
}
