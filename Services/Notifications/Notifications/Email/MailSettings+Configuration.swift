import BillingCore
import BillingMail
import BillingService

extension NotificationsService.MailSettings {
    /// From `BILLING_NOTIFICATIONS_SMTP_*` and `BILLING_NOTIFICATIONS_EMAIL_*`; nil when no SMTP host is set (e-mail off).
    /// Plaintext SMTP (`SECURITY=none`) is for a development sink only.
    init?(reader: ConfigurationReader, environment: DeploymentEnvironment) throws {
        guard let host = reader.optionalString("BILLING_NOTIFICATIONS_SMTP_HOST") else { return nil }
        let securityText = reader.string("BILLING_NOTIFICATIONS_SMTP_SECURITY", default: "starttls")
        let security: SMTPSettings.Security
        switch securityText.lowercased() {
        case "starttls": security = .startTLS
        case "tls": security = .implicitTLS
        case "none":
            try environment.requireDevelopment(for: "BILLING_NOTIFICATIONS_SMTP_SECURITY", "SMTP without TLS (credentials and e-mails in clear)")
            security = .none
        default:
            throw ConfigurationError(
                variable: "BILLING_NOTIFICATIONS_SMTP_SECURITY", message: "'\(securityText)' is not starttls, tls or none (development)")
        }
        let fromText = reader.string("BILLING_NOTIFICATIONS_EMAIL_FROM", default: "")
        guard let from = MailAddress(parsing: fromText) else {
            throw ConfigurationError(
                variable: "BILLING_NOTIFICATIONS_EMAIL_FROM", message: "'\(fromText)' is not an address like Billing <billing@example.com>")
        }
        var replyTo: MailAddress?
        if let text = reader.optionalString("BILLING_NOTIFICATIONS_EMAIL_REPLY_TO") {
            guard let address = MailAddress(parsing: text) else {
                throw ConfigurationError(variable: "BILLING_NOTIFICATIONS_EMAIL_REPLY_TO", message: "'\(text)' is not an e-mail address")
            }
            replyTo = address
        }
        let scheduleText = reader.optionalString("BILLING_NOTIFICATIONS_EMAIL_RETRY_SCHEDULE")
        guard let retries = scheduleText.map(RetrySchedule.init) ?? Self.defaultRetries else {
            throw ConfigurationError(
                variable: "BILLING_NOTIFICATIONS_EMAIL_RETRY_SCHEDULE", message: "'\(scheduleText ?? "")' is not a list of delays like 1m,5m,30m")
        }
        let username = reader.optionalString("BILLING_NOTIFICATIONS_SMTP_USERNAME")
        let password = reader.secretIfSet("BILLING_NOTIFICATIONS_SMTP_PASSWORD")
        guard (username == nil) == (password == nil) else {
            throw ConfigurationError(
                variable: "BILLING_NOTIFICATIONS_SMTP_PASSWORD", message: "set both BILLING_NOTIFICATIONS_SMTP_USERNAME and _PASSWORD, or neither")
        }
        self.init(
            smtp: SMTPSettings(
                host: host, port: try reader.int("BILLING_NOTIFICATIONS_SMTP_PORT", default: security == .implicitTLS ? 465 : 587, range: 1...65_535),
                security: security, username: username, password: password,
                caFile: reader.optionalString("BILLING_NOTIFICATIONS_SMTP_CA_FILE"),
                timeout: .milliseconds(try reader.int("BILLING_NOTIFICATIONS_SMTP_TIMEOUT_MS", default: 30_000, range: 100...300_000))),
            from: from, replyTo: replyTo, retries: retries)
    }
}
