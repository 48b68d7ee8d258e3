import AccountsContract
import BillingCore

/// Lays an e-mail's content out as plain text and as HTML (escaped; inline styles only, as mail clients want).
enum EmailLayout {
    static func render(_ content: EmailContent, for account: BillingAccount) -> (text: String, html: String) {
        let portuguese = account.locale == .portuguese
        return render(
            content, locale: account.locale, greeting: portuguese ? "Olá, \(account.name)," : "Hello \(account.name),",
            footer: portuguese
                ? "Você recebe este e-mail como contato de cobrança de \(account.name). Para deixar de receber este tipo de aviso, peça ao seu fornecedor."
                : "You receive this e-mail as a billing contact of \(account.name). To stop receiving this kind of notice, ask your provider.")
    }

    /// The tenant's own notice, to the contact of its notification settings.
    static func renderTenantNotice(_ content: EmailContent, locale: AccountLocale) -> (text: String, html: String) {
        let portuguese = locale == .portuguese
        return render(
            content, locale: locale, greeting: portuguese ? "Olá," : "Hello,",
            footer: portuguese
                ? "Você recebe este aviso como contato da integração (PUT /api/v1/notification-settings)."
                : "You receive this notice as the integration's contact (PUT /api/v1/notification-settings).")
    }

    private static func render(_ content: EmailContent, locale: AccountLocale, greeting: String, footer: String) -> (text: String, html: String) {
        var text = greeting + "\n\n" + content.paragraphs.joined(separator: "\n\n")
        var html = "<!DOCTYPE html><html lang=\"\(locale.rawValue)\"><head><meta charset=\"utf-8\"><title>\(escape(content.subject))</title></head>"
        html += "<body style=\"font-family:Arial,Helvetica,sans-serif;color:#1f2937;line-height:1.5\">"
        html += "<p>\(escape(greeting))</p>" + content.paragraphs.map { "<p>\(escape($0))</p>" }.joined()
        if let code = content.code {
            text += "\n\n\(code.label):\n\(code.value)"
            html += "<p><strong>\(escape(code.label))</strong></p>"
            html +=
                "<pre style=\"white-space:pre-wrap;word-break:break-all;background:#f3f4f6;padding:12px;font-size:13px\">\(escape(code.value))</pre>"
        }
        text += "\n\n--\n" + footer + "\n"
        html += "<hr><p style=\"font-size:12px;color:#6b7280\">\(escape(footer))</p></body></html>"
        return (text, html)
    }

    private static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
