import AccountsContract
import BillingCore
import BillingEvents
import Foundation
import InvoicingContract
import LedgerContract
import SubscriptionsContract
import Testing

@testable import Notifications

/// The e-mails' words: every type in both languages, amounts as `R$ 1.234,56`, dates in the account's zone, HTML escaped.
@Suite struct EmailComposerTests {
    static let time = Date(timeIntervalSince1970: 1_798_761_600)  // 2027-01-01T00:00:00Z

    static func account(_ locale: AccountLocale, name: String = "Acme <Ltda> & Cia", timezone: String = "America/Sao_Paulo") -> BillingAccount {
        BillingAccount(
            id: AccountID(rawValue: UUID()), name: name, email: "billing@acme.example", currency: "BRL", taxId: nil, taxIdType: nil,
            timezone: timezone, metadata: [:], status: .active, statusReason: nil, balance: .zero(.brl), createdAt: time, updatedAt: time,
            closedAt: nil, locale: locale)
    }

    static func envelope(_ event: some IntegrationEvent) throws -> EventEnvelope {
        try EventEnvelope(event, source: "test", tenant: "t", at: time)
    }

    static func brl(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .brl) }

    static let invoice = InvoiceSummary(
        id: InvoiceID(rawValue: UUID()), billingAccountId: AccountID(rawValue: UUID()), number: "2026-000042", status: "PENDING",
        total: brl(123_456), amountDue: brl(123_456), periodStart: nil, periodEnd: nil, dueDate: time.addingTimeInterval(7 * 86_400))

    @Test func invoiceIssuedInPortugueseCarriesThePixCodeAndThePDF() throws {
        let composer = EmailComposer(account: Self.account(.portuguese))
        let content = try composer.compose(
            .invoiceIssued, event: try Self.envelope(InvoiceFinalized(invoice: Self.invoice)),
            extras: EmailExtras(invoicePDF: [0x25, 0x50, 0x44, 0x46], pixCode: "00020126580014br.gov.bcb.pix", invoiceNumber: nil))
        #expect(content.subject == "Fatura 2026-000042 emitida — R$ 1.234,56")
        #expect(content.paragraphs.contains("Valor a pagar: R$ 1.234,56."))
        // Due 2027-01-08T00:00Z is still the 7th in São Paulo (UTC−3).
        #expect(content.paragraphs.contains("Vencimento: 07/01/2027."))
        #expect(content.code?.value == "00020126580014br.gov.bcb.pix")
        #expect(content.attachment?.filename == "fatura-2026-000042.pdf")
        let (text, html) = EmailLayout.render(content, for: Self.account(.portuguese))
        #expect(text.hasPrefix("Olá, Acme <Ltda> & Cia,"))
        #expect(text.contains("PIX copia e cola:\n00020126580014br.gov.bcb.pix"))
        #expect(html.contains("Acme &lt;Ltda&gt; &amp; Cia"))
        #expect(!html.contains("<Ltda>"))
        #expect(html.contains("lang=\"pt-BR\""))
    }

    @Test func invoiceIssuedInEnglish() throws {
        let composer = EmailComposer(account: Self.account(.english, timezone: "UTC"))
        let content = try composer.compose(
            .invoiceIssued, event: try Self.envelope(InvoiceFinalized(invoice: Self.invoice)), extras: EmailExtras())
        #expect(content.subject == "Invoice 2026-000042 issued — R$ 1.234,56")
        #expect(content.paragraphs.contains("Due date: Jan 8, 2027."))
        #expect(content.code == nil && content.attachment == nil)
    }

    /// Every type has a subject and words in both languages, and they differ.
    @Test(arguments: [AccountLocale.portuguese, .english])
    func everyTypeIsWritten(locale: AccountLocale) throws {
        let accountID = AccountID(rawValue: UUID())
        let subscription = SubscriptionSummary(
            id: SubscriptionID(rawValue: UUID()), billingAccountId: accountID, planId: CatalogItemID(rawValue: UUID()), planVersion: 1,
            status: "TRIAL", quantity: 2, currentPeriodStart: Self.time, currentPeriodEnd: Self.time.addingTimeInterval(14 * 86_400),
            unitPrice: Self.brl(4_990), trialEnd: Self.time.addingTimeInterval(14 * 86_400))
        let credits = try Credits(whole: 1_500_000)
        let events: [(NotificationType, EventEnvelope)] = [
            (
                .paymentReceived,
                try Self.envelope(
                    PaymentCompleted(
                        paymentId: PaymentID(rawValue: UUID()), invoiceId: nil, billingAccountId: accountID, amount: Self.brl(99_90),
                        paymentMethod: "PIX", externalRef: nil))
            ),
            (
                .paymentFailed,
                try Self.envelope(
                    PaymentFailed(
                        paymentId: PaymentID(rawValue: UUID()), invoiceId: nil, billingAccountId: accountID, reason: "card_declined",
                        nextPaymentAttempt: Self.time.addingTimeInterval(86_400)))
            ),
            (
                .creditsThreshold,
                try Self.envelope(
                    CreditsThresholdReached(
                        billingAccountId: accountID, thresholdPercent: 90, allowance: credits, used: try Credits(whole: 1_350_000),
                        allowanceGrantId: GrantID(rawValue: UUID()), blocked: true))
            ),
            (.creditsExhausted, try Self.envelope(CreditsExhausted(billingAccountId: accountID, available: .zero))),
            (
                .creditsExpiring,
                try Self.envelope(
                    CreditsExpiring(
                        billingAccountId: accountID, grantId: GrantID(rawValue: UUID()), source: .purchase, remaining: credits,
                        expiresAt: Self.time.addingTimeInterval(3 * 86_400)))
            ),
            (
                .usageLimit,
                try Self.envelope(
                    UsageThresholdReached(
                        billingAccountId: accountID, resource: "messages", thresholdPercent: 80, limit: 10_000, used: 8_000, enforcement: .hard,
                        periodStart: nil))
            ),
            (
                .usageLimit,
                try Self.envelope(
                    UsageLimitReached(
                        billingAccountId: accountID, resource: "messages", limit: 10_000, used: 10_000, enforcement: .hard, periodStart: nil))
            ),
            (.subscriptionPastDue, try Self.envelope(SubscriptionPastDue(subscription: subscription))),
            (.subscriptionCanceled, try Self.envelope(SubscriptionCanceled(subscription: subscription, atPeriodEnd: true, reason: "too expensive"))),
            (.trialEnding, try Self.envelope(SubscriptionTrialWillEnd(subscription: subscription))),
        ]
        let composer = EmailComposer(account: Self.account(locale))
        let other = EmailComposer(account: Self.account(locale == .portuguese ? .english : .portuguese))
        var subjects: Set<String> = []
        for (type, envelope) in events {
            #expect(try EmailEvents.notification(for: envelope)?.type == type)
            let content = try composer.compose(type, event: envelope, extras: EmailExtras())
            #expect(!content.subject.isEmpty && !content.paragraphs.isEmpty, "\(envelope.type)")
            #expect(content.subject != (try other.compose(type, event: envelope, extras: EmailExtras())).subject, "\(envelope.type)")
            subjects.insert(content.subject)
        }
        #expect(subjects.count == events.count)
        let trial = try composer.compose(.trialEnding, event: events.last!.1, extras: EmailExtras())
        // Two seats at R$ 49,90.
        #expect(trial.paragraphs.joined().contains("R$ 99,80"))
        let threshold = try composer.compose(.creditsThreshold, event: events[2].1, extras: EmailExtras())
        #expect(threshold.paragraphs[0].contains(locale == .portuguese ? "1.350.000 dos 1.500.000" : "1,350,000 of this period's 1,500,000"))
        #expect(threshold.paragraphs.count == 2)  // blocked
    }

    @Test func eventsThatEmailNobody() throws {
        let summary = SubscriptionSummary(
            id: SubscriptionID(rawValue: UUID()), billingAccountId: AccountID(rawValue: UUID()), planId: CatalogItemID(rawValue: UUID()),
            planVersion: 1, status: "ACTIVE", quantity: 1, currentPeriodStart: Self.time, currentPeriodEnd: Self.time)
        #expect(try EmailEvents.notification(for: try Self.envelope(SubscriptionRenewed(subscription: summary))) == nil)
        #expect(try EmailEvents.notification(for: try Self.envelope(InvoiceCreated(invoice: Self.invoice))) == nil)
    }

    @Test func creditsAndCountsReadLikeTheLocale() throws {
        let portuguese = EmailComposer(account: Self.account(.portuguese)), english = EmailComposer(account: Self.account(.english))
        let credits = Credits(units: 123_456_750_000_000)
        #expect(portuguese.credits(credits) == "1.234.567,5")
        #expect(english.credits(credits) == "1,234,567.5")
        #expect(portuguese.number(-1_000) == "-1.000")
        #expect(english.number(999) == "999")
    }

    /// Contacts and opt-outs decide who receives each type.
    @Test func recipients() {
        var account = Self.account(.portuguese)
        #expect(account.recipients(of: .invoiceIssued).map(\.email) == ["billing@acme.example"])
        account.contacts = [
            AccountContact(email: "finance@acme.example", notifications: [.invoiceIssued]), AccountContact(email: "cto@acme.example"),
        ]
        #expect(account.recipients(of: .invoiceIssued).map(\.email) == ["finance@acme.example", "cto@acme.example"])
        #expect(account.recipients(of: .creditsExhausted).map(\.email) == ["cto@acme.example"])
        account.notificationOptOuts = [.invoiceIssued]
        #expect(account.recipients(of: .invoiceIssued).isEmpty)
    }
}
