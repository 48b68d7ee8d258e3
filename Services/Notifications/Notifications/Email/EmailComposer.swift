import AccountsContract
import BillingCore
import BillingEvents
import CatalogContract
import Foundation
import InvoicingContract
import LedgerContract
import NotificationsContract
import SubscriptionsContract

/// What an e-mail says, before it is laid out as plain text and HTML.
struct EmailContent: Sendable {
    var subject: String
    var paragraphs: [String]
    /// A code to copy (the PIX copy-and-paste code), shown apart.
    var code: (label: String, value: String)?
    var attachment: (filename: String, bytes: [UInt8])?
}

/// What the composer needs besides the event: fetched from invoicing for invoice e-mails.
struct EmailExtras: Sendable {
    var invoicePDF: [UInt8]?
    var pixCode: String?
    /// The number of the invoice a payment was for.
    var invoiceNumber: String?
}

/// The e-mails' words in the account's language (pt-BR or English), amounts as `R$ 1.234,56`, dates in the account's time zone.
struct EmailComposer {
    let locale: AccountLocale
    /// Dates are shown in this IANA zone.
    let timezone: String

    init(locale: AccountLocale, timezone: String) {
        self.locale = locale
        self.timezone = timezone
    }

    init(account: BillingAccount) { self.init(locale: account.locale, timezone: account.timezone) }

    private var portuguese: Bool { locale == .portuguese }
    private func say(_ pt: String, _ en: String) -> String { portuguese ? pt : en }

    func compose(_ type: NotificationType, event envelope: EventEnvelope, extras: EmailExtras) throws -> EmailContent {
        switch envelope.type {
        case InvoiceFinalized.eventType: return invoiceIssued(try envelope.decode(InvoiceFinalized.self).invoice, extras)
        case PaymentCompleted.eventType: return paymentReceived(try envelope.decode(PaymentCompleted.self), extras)
        case PaymentFailed.eventType: return paymentFailed(try envelope.decode(PaymentFailed.self), extras)
        case CreditsThresholdReached.eventType: return creditsThreshold(try envelope.decode(CreditsThresholdReached.self))
        case CreditsExhausted.eventType: return creditsExhausted(try envelope.decode(CreditsExhausted.self))
        case CreditsExpiring.eventType: return creditsExpiring(try envelope.decode(CreditsExpiring.self))
        case UsageThresholdReached.eventType:
            let event = try envelope.decode(UsageThresholdReached.self)
            return usage(event.resource, percent: event.thresholdPercent, used: event.used, limit: event.limit, enforcement: event.enforcement)
        case UsageLimitReached.eventType:
            let event = try envelope.decode(UsageLimitReached.self)
            return usage(event.resource, percent: 100, used: event.used, limit: event.limit, enforcement: event.enforcement)
        case SubscriptionPastDue.eventType: return pastDue()
        case SubscriptionCanceled.eventType: return canceled(try envelope.decode(SubscriptionCanceled.self))
        case SubscriptionTrialWillEnd.eventType: return trialEnding(try envelope.decode(SubscriptionTrialWillEnd.self).subscription)
        default: throw EmailCompositionError(eventType: envelope.type)
        }
    }

    private func invoiceIssued(_ invoice: InvoiceSummary, _ extras: EmailExtras) -> EmailContent {
        let number = invoice.number ?? invoice.id.description
        var paragraphs = [
            say(
                "A fatura \(number) de \(invoice.total.displayText) foi emitida.",
                "Invoice \(number) for \(invoice.total.displayText) has been issued."),
            say("Valor a pagar: \(invoice.amountDue.displayText).", "Amount due: \(invoice.amountDue.displayText)."),
        ]
        if let due = invoice.dueDate { paragraphs.append(say("Vencimento: \(date(due)).", "Due date: \(date(due)).")) }
        if let start = invoice.periodStart, let end = invoice.periodEnd {
            paragraphs.append(say("Período: \(date(start)) a \(date(end)).", "Period: \(date(start)) to \(date(end))."))
        }
        if extras.invoicePDF != nil { paragraphs.append(say("A fatura segue em anexo (PDF).", "The invoice is attached (PDF).")) }
        return EmailContent(
            subject: say(
                "Fatura \(number) emitida — \(invoice.amountDue.displayText)", "Invoice \(number) issued — \(invoice.amountDue.displayText)"),
            paragraphs: paragraphs,
            code: extras.pixCode.map { (say("PIX copia e cola", "PIX copy and paste code"), $0) },
            attachment: extras.invoicePDF.map { (say("fatura-\(number).pdf", "invoice-\(number).pdf"), $0) })
    }

    private func paymentReceived(_ event: PaymentCompleted, _ extras: EmailExtras) -> EmailContent {
        let method = event.paymentMethod == "CARD" ? say("cartão", "card") : event.paymentMethod
        let invoice = extras.invoiceNumber.map { say(" referente à fatura \($0)", " for invoice \($0)") } ?? ""
        return EmailContent(
            subject: say("Pagamento recebido — \(event.amount.displayText)", "Payment received — \(event.amount.displayText)"),
            paragraphs: [
                say(
                    "Recebemos seu pagamento de \(event.amount.displayText) (\(method))\(invoice). Obrigado!",
                    "We received your payment of \(event.amount.displayText) (\(method))\(invoice). Thank you!")
            ])
    }

    private func paymentFailed(_ event: PaymentFailed, _ extras: EmailExtras) -> EmailContent {
        let invoice = extras.invoiceNumber.map { say(" da fatura \($0)", " for invoice \($0)") } ?? ""
        var paragraphs = [say("Não conseguimos processar o pagamento\(invoice).", "We could not process the payment\(invoice).")]
        if let reason = event.reason { paragraphs.append(say("Motivo: \(reason).", "Reason: \(reason).")) }
        if let next = event.nextPaymentAttempt {
            paragraphs.append(say("Tentaremos novamente em \(date(next)).", "We will try again on \(date(next))."))
        } else {
            paragraphs.append(
                say(
                    "Atualize sua forma de pagamento ou pague a fatura para manter o serviço ativo.",
                    "Please update your payment method or pay the invoice to keep the service active."))
        }
        return EmailContent(subject: say("Falha no pagamento", "Payment failed"), paragraphs: paragraphs)
    }

    private func creditsThreshold(_ event: CreditsThresholdReached) -> EmailContent {
        var paragraphs = [
            say(
                "Você já usou \(credits(event.used)) dos \(credits(event.allowance)) créditos de IA deste período (\(event.thresholdPercent)%).",
                "You have used \(credits(event.used)) of this period's \(credits(event.allowance)) AI credits (\(event.thresholdPercent)%).")
        ]
        if event.blocked == true {
            paragraphs.append(
                say(
                    "O uso de IA está bloqueado até que novos créditos cheguem.", "AI usage is blocked until more credits arrive."))
        }
        return EmailContent(
            subject: say(
                "Você usou \(event.thresholdPercent)% dos seus créditos de IA", "You have used \(event.thresholdPercent)% of your AI credits"),
            paragraphs: paragraphs)
    }

    private func creditsExhausted(_ event: CreditsExhausted) -> EmailContent {
        EmailContent(
            subject: say("Seus créditos de IA acabaram", "Your AI credits have run out"),
            paragraphs: [
                say(
                    "Seus créditos disponíveis chegaram a \(credits(event.available)). Os recursos de IA ficam pausados até o próximo ciclo ou uma nova compra de créditos.",
                    "Your available credits are down to \(credits(event.available)). AI features are paused until the next cycle or a credit purchase."
                )
            ])
    }

    private func creditsExpiring(_ event: CreditsExpiring) -> EmailContent {
        EmailContent(
            subject: say(
                "\(credits(event.remaining)) créditos expiram em \(date(event.expiresAt))",
                "\(credits(event.remaining)) credits expire on \(date(event.expiresAt))"),
            paragraphs: [
                say(
                    "\(credits(event.remaining)) créditos de IA expiram em \(date(event.expiresAt)). Use-os antes dessa data para não perdê-los.",
                    "\(credits(event.remaining)) AI credits expire on \(date(event.expiresAt)). Use them before then so they are not lost.")
            ])
    }

    private func usage(_ resource: String, percent: Int, used: Int64, limit: Int64, enforcement: LimitEnforcement) -> EmailContent {
        var paragraphs = [say("Uso de \(resource): \(number(used)) de \(number(limit)).", "\(resource) usage: \(number(used)) of \(number(limit)).")]
        if percent >= 100 {
            paragraphs.append(
                enforcement == .hard
                    ? say(
                        "Novos usos são bloqueados até o limite ser renovado ou ampliado.",
                        "New usage is blocked until the limit resets or is raised.")
                    : say("O uso além do limite pode ser cobrado à parte.", "Usage beyond the limit may be billed separately."))
        }
        return EmailContent(
            subject: percent >= 100
                ? say("Limite de \(resource) atingido", "\(resource) limit reached")
                : say("Você atingiu \(percent)% do limite de \(resource)", "You have reached \(percent)% of your \(resource) limit"),
            paragraphs: paragraphs)
    }

    private func pastDue() -> EmailContent {
        EmailContent(
            subject: say("Assinatura em atraso", "Subscription past due"),
            paragraphs: [
                say(
                    "Há uma fatura vencida da sua assinatura. O acesso pode ser restringido até o pagamento.",
                    "An invoice of your subscription is overdue. Access may be restricted until it is paid.")
            ])
    }

    private func canceled(_ event: SubscriptionCanceled) -> EmailContent {
        var paragraphs = [
            event.atPeriodEnd
                ? say(
                    "Sua assinatura foi cancelada e continua ativa até \(date(event.subscription.currentPeriodEnd)).",
                    "Your subscription was canceled and stays active until \(date(event.subscription.currentPeriodEnd)).")
                : say("Sua assinatura foi encerrada.", "Your subscription has ended.")
        ]
        if let reason = event.reason { paragraphs.append(say("Motivo: \(reason).", "Reason: \(reason).")) }
        return EmailContent(subject: say("Assinatura cancelada", "Subscription canceled"), paragraphs: paragraphs)
    }

    private func trialEnding(_ subscription: SubscriptionSummary) -> EmailContent {
        let end = subscription.trialEnd ?? subscription.currentPeriodEnd
        var paragraphs = [say("Seu período de teste termina em \(date(end)).", "Your trial ends on \(date(end)).")]
        if subscription.cancelAtPeriodEnd {
            paragraphs.append(
                say(
                    "A assinatura foi cancelada e termina com o teste; nada será cobrado.",
                    "The subscription was canceled and ends with the trial; nothing will be billed."))
        } else if let price = subscription.unitPrice {
            let total = (try? price.multiplied(by: Int64(subscription.quantity))) ?? price
            paragraphs.append(
                say(
                    "Depois disso, a assinatura passa a ser cobrada: \(total.displayText) por período.",
                    "After that, the subscription is billed \(total.displayText) per period."))
        }
        return EmailContent(subject: say("Seu período de teste termina em \(date(end))", "Your trial ends on \(date(end))"), paragraphs: paragraphs)
    }

    /// The tenant's own notice: an endpoint the platform disabled.
    func endpointDisabled(_ event: WebhookEndpointDisabled) -> EmailContent {
        EmailContent(
            subject: say("Endpoint de webhook desativado: \(event.endpoint.url)", "Webhook endpoint disabled: \(event.endpoint.url)"),
            paragraphs: [
                say(
                    "Todas as entregas para \(event.endpoint.url) falharam desde \(date(event.failingSince)); o endpoint foi desativado e não recebe mais eventos.",
                    "Every delivery to \(event.endpoint.url) has failed since \(date(event.failingSince)); the endpoint was disabled and receives no more events."
                ),
                say(
                    "Corrija o endpoint e reative-o (PATCH /api/v1/webhook-endpoints/\(event.endpoint.id) com enabled: true, ou pelo console); as tentativas ficam em GET /api/v1/webhook-endpoints/\(event.endpoint.id)/attempts.",
                    "Fix the endpoint and enable it again (PATCH /api/v1/webhook-endpoints/\(event.endpoint.id) with enabled: true, or in the console); its attempts are at GET /api/v1/webhook-endpoints/\(event.endpoint.id)/attempts."
                ),
            ])
    }

    /// `25/12/2026` in Portuguese, `Dec 25, 2026` in English, in the account's time zone.
    func date(_ instant: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        let (year, month, day) = (parts.year ?? 0, parts.month ?? 1, parts.day ?? 1)
        if portuguese { return String(format: "%02d/%02d/%04d", day, month, year) }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(months[(month - 1) % 12]) \(day), \(year)"
    }

    /// A count with thousands grouped (`1.234.567` / `1,234,567`).
    func number(_ value: Int64) -> String { NumberText.grouped(String(value), thousands: say(".", ","), decimal: say(",", ".")) }

    /// Credits as people read them: grouped, the fraction after the locale's separator, trailing zeros dropped.
    func credits(_ value: Credits) -> String {
        var text = value.text
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return NumberText.grouped(text, thousands: say(".", ","), decimal: say(",", "."))
    }
}

struct EmailCompositionError: Error, CustomStringConvertible {
    let eventType: String
    var description: String { "no e-mail is written for \(eventType)" }
}
