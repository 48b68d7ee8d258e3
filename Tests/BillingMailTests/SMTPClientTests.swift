import BillingMail
import BillingTesting
import Crypto
import Foundation
import Testing

@Suite("The SMTP client against a real server (deploy/local/smtp-sink.py, aiosmtpd)")
struct SMTPClientTests {
    private static let user = "billing-mailer"
    private static let password = "s3cret pässword"
    private let sender = MailAddress(email: "faturas@billing.example", name: "Billing Faturas")!
    private let customer = MailAddress(email: "cliente@example.com", name: "João da Silva")!

    /// Runs `body` with a sink requiring STARTTLS (a fresh CA; certificate for localhost and 127.0.0.1) and AUTH unless
    /// told otherwise; stops the sink and deletes the certificates afterwards.
    private func withSink(
        tls: Bool = true, implicitTLS: Bool = false, auth: Bool = true, authMechanisms: [String] = ["PLAIN", "LOGIN"], reject: [String] = [],
        _ body: (SMTPSink, PixStandInCertificates) async throws -> Void
    ) async throws {
        let certificates = try await Self.offPool { try PixStandInCertificates.issue() }
        defer { certificates.remove() }
        let sink = try await SMTPSink.start(
            tls: tls ? (certificates.serverCertificate, certificates.serverKey) : nil, implicitTLS: implicitTLS, user: auth ? Self.user : nil,
            password: auth ? Self.password : nil, authMechanisms: authMechanisms, reject: reject)
        do {
            try await body(sink, certificates)
        } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    private func settings(
        _ sink: SMTPSink, _ certificates: PixStandInCertificates?, host: String = "localhost", security: SMTPSettings.Security = .startTLS,
        password: String = password
    ) -> SMTPSettings {
        SMTPSettings(
            host: host, port: sink.port, security: security, username: Self.user, password: password, caFile: certificates?.caFile,
            timeout: .seconds(10))
    }

    /// The error `operation` throws; fails the test when it does not throw one.
    private func smtpError(_ operation: () async throws -> SMTPReceipt) async throws -> SMTPError {
        do {
            let receipt = try await operation()
            Issue.record("sent although it should not have been: \(receipt)")
            throw SMTPError(message: "no error", isPermanent: false)
        } catch let error as SMTPError {
            return error
        }
    }

    @Test("STARTTLS and AUTH PLAIN: text, html, a Portuguese subject and two attachments arrive as Python's email package reads them")
    func deliversInvoice() async throws {
        try await withSink { sink, certificates in
            let pdf = (0..<150_000).map { _ in UInt8.random(in: 0...255) }
            let notes = Array("Fatura nº 2026-000001\n".utf8)
            let subject = "Fatura nº 2026-000001 — R$ 1.234,56 (vencimento em 10 de março de 2026, pagamento via Pix ou boleto)"
            let text = "Olá, João!\n\nSua fatura nº 2026-000001 de R$ 1.234,56 está anexa.\n.\nAtenciosamente,\nEquipe de cobrança\n"
            let html = "<p>Olá, <b>João</b>!</p>\n<p>Sua fatura nº 2026-000001 de <i>R$ 1.234,56</i> está anexa — obrigado.</p>"
            let longName = "observações sobre a fatura nº 2026-000001 de março de 2026 (leia antes de pagar).txt"
            let message = MailMessage(
                from: sender, to: [customer], replyTo: MailAddress(email: "suporte@billing.example", name: "Suporte"), subject: subject,
                text: text, html: html,
                attachments: [
                    MailAttachment(filename: "fatura-2026-000001.pdf", contentType: "application/pdf", bytes: pdf),
                    MailAttachment(filename: longName, contentType: "text/plain", bytes: notes),
                ],
                headers: [("List-Unsubscribe", "<mailto:unsubscribe@billing.example?subject=unsubscribe>")])
            let receipt = try await SMTPClient(settings: settings(sink, certificates)).send(message)
            #expect(receipt.reply.hasPrefix("250 2.0.0 Ok: queued as "), "\(receipt)")
            #expect(receipt.messageID == message.messageID)
            #expect(receipt.recipients == ["cliente@example.com"])

            let mail = try #require(try await sink.waitForMessages(count: 1).first)
            #expect(mail.defects.isEmpty, "\(mail.defects)")
            #expect(mail.tls)
            #expect(mail.authenticatedAs == Self.user)
            #expect(mail.mailFrom == "faturas@billing.example")
            #expect(mail.rcptTos == ["cliente@example.com"])
            #expect(mail.messageId == message.messageID)
            #expect(mail.subject == subject)
            #expect(mail.from == "Billing Faturas <faturas@billing.example>")
            #expect(mail.to == "João da Silva <cliente@example.com>")
            #expect(mail.replyTo == "Suporte <suporte@billing.example>")
            #expect(mail.header("List-Unsubscribe") == "<mailto:unsubscribe@billing.example?subject=unsubscribe>")
            #expect(mail.contentType == "multipart/mixed")
            #expect(mail.text.map(Self.lf) == text)
            #expect(mail.html.map(Self.lf) == html)
            #expect(
                mail.attachments == [
                    .init(filename: "fatura-2026-000001.pdf", contentType: "application/pdf", size: pdf.count, sha256: Self.sha256(pdf)),
                    .init(filename: longName, contentType: "text/plain", size: notes.count, sha256: Self.sha256(notes)),
                ])
            let raw = try sink.rawMessage(mail)
            for line in String(decoding: raw, as: UTF8.self).components(separatedBy: "\r\n") {
                #expect(line.utf8.count <= 76 && line.utf8.allSatisfy { $0 < 0x80 }, "\(line)")
            }
            #expect(try sink.authAttempts() == [.init(mechanism: "PLAIN", login: Self.user, success: true, tls: true)])
        }
    }

    @Test("AUTH LOGIN when the server offers only LOGIN, at 127.0.0.1 (the certificate's IP address is checked)")
    func authLogin() async throws {
        try await withSink(authMechanisms: ["LOGIN"]) { sink, certificates in
            let message = MailMessage(from: sender, to: [customer], subject: "LOGIN", text: "ok")
            _ = try await SMTPClient(settings: settings(sink, certificates, host: "127.0.0.1")).send(message)
            let mail = try #require(try await sink.waitForMessages(count: 1).first)
            #expect(mail.authenticatedAs == Self.user && mail.tls)
            #expect(try sink.authAttempts() == [.init(mechanism: "LOGIN", login: Self.user, success: true, tls: true)])
        }
    }

    @Test("implicit TLS (as on port 465): TLS from the first byte, then AUTH PLAIN")
    func implicitTLS() async throws {
        try await withSink(implicitTLS: true) { sink, certificates in
            let message = MailMessage(from: sender, to: [customer], subject: "implicit", text: "ok")
            _ = try await SMTPClient(settings: settings(sink, certificates, security: .implicitTLS)).send(message)
            let mail = try #require(try await sink.waitForMessages(count: 1).first)
            #expect(mail.tls && mail.authenticatedAs == Self.user)
            #expect(try sink.authAttempts() == [.init(mechanism: "PLAIN", login: Self.user, success: true, tls: true)])
        }
    }

    @Test("implicit TLS against a plaintext server: a TLS failure named after TLS, nothing sent")
    func implicitTLSAgainstPlaintext() async throws {
        try await withSink(tls: false) { sink, certificates in
            let client = try SMTPClient(settings: settings(sink, certificates, security: .implicitTLS))
            let error = try await smtpError { try await client.send(MailMessage(from: sender, to: [customer], subject: "s", text: "t")) }
            #expect(error.message.hasPrefix("TLS: TLS failure: "), "\(error)")
            #expect(!error.isPermanent)
            #expect(try sink.messages().isEmpty && sink.authAttempts().isEmpty)
        }
    }

    @Test("STARTTLS required and not offered: nothing is sent, not even the credentials")
    func startTLSRequired() async throws {
        try await withSink(tls: false) { sink, certificates in
            let client = try SMTPClient(settings: settings(sink, certificates))
            let error = try await smtpError { try await client.send(MailMessage(from: sender, to: [customer], subject: "s", text: "t")) }
            #expect(error.message.hasPrefix("STARTTLS: the server does not offer STARTTLS"), "\(error)")
            #expect(error.code == nil && !error.isPermanent)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try sink.messages().isEmpty)
            #expect(try sink.authAttempts().isEmpty)
        }
    }

    @Test("a wrong password is a permanent 535 at AUTH PLAIN")
    func wrongPassword() async throws {
        try await withSink { sink, certificates in
            let client = try SMTPClient(settings: settings(sink, certificates, password: "wrong"))
            let error = try await smtpError { try await client.send(MailMessage(from: sender, to: [customer], subject: "s", text: "t")) }
            #expect(error.code == 535 && error.isPermanent, "\(error)")
            #expect(error.message.hasPrefix("AUTH PLAIN refused: 535"), "\(error)")
            #expect(try sink.messages().isEmpty)
        }
    }

    @Test("a refused recipient is a permanent error naming RCPT TO, and the other recipient gets nothing either")
    func refusedRecipient() async throws {
        try await withSink(reject: ["nobody@example.com"]) { sink, certificates in
            let message = MailMessage(from: sender, to: [customer, MailAddress(email: "nobody@example.com")!], subject: "s", text: "t")
            let error = try await smtpError { try await SMTPClient(settings: settings(sink, certificates)).send(message) }
            #expect(error.code == 550 && error.isPermanent, "\(error)")
            #expect(error.message.hasPrefix("RCPT TO <nobody@example.com> refused: 550"), "\(error)")
            try await Task.sleep(for: .milliseconds(200))
            #expect(try sink.messages().isEmpty)
        }
    }

    @Test("a server that accepts the connection and never answers: a transient timeout at the greeting, within the timeout")
    func silentServer() async throws {
        let server = try await SilentTCPServer.start()
        let settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: .startTLS, timeout: .seconds(1))
        let client = try SMTPClient(settings: settings)
        let clock = ContinuousClock()
        let started = clock.now
        let error = try await smtpError { try await client.send(MailMessage(from: sender, to: [customer], subject: "s", text: "t")) }
        let elapsed = started.duration(to: clock.now)
        await server.stop()
        #expect(error.message == "greeting: no answer within 1 s", "\(error)")
        #expect(error.code == nil && !error.isPermanent)
        // The timeout fires on the event loop at 1 s (the message says so); the elapsed time only shows it waited, and not the 30 s
        // default: a loaded machine (the whole suite, 2 cores) has taken 11 s to resume this task.
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(30), "\(elapsed)")
    }

    @Test("a certificate from a CA the client does not trust: a TLS failure, nothing sent, no credentials")
    func untrustedCertificate() async throws {
        try await withSink { sink, _ in
            let other = try await Self.offPool { try PixStandInCertificates.issue() }
            defer { other.remove() }
            let client = try SMTPClient(settings: settings(sink, other))
            let error = try await smtpError { try await client.send(MailMessage(from: sender, to: [customer], subject: "s", text: "t")) }
            #expect(error.message.hasPrefix("STARTTLS: TLS failure: "), "\(error)")
            #expect(error.message.contains("CERTIFICATE_VERIFY_FAILED"), "\(error)")
            #expect(!error.isPermanent)
            #expect(try sink.messages().isEmpty)
            #expect(try sink.authAttempts().isEmpty)
        }
    }

    @Test("lines starting with a dot survive (dot-stuffing), over plaintext to a development sink: the server stores our exact bytes")
    func dotStuffing() async throws {
        try await withSink(tls: false) { sink, _ in
            let text = ".\n..\n.hidden line\n...three\nend.\n" + "." + String(repeating: "x", count: 200) + "\n."
            let message = MailMessage(from: sender, to: [customer], subject: "dots", text: text, date: Date(timeIntervalSince1970: 1_775_570_589))
            _ = try await SMTPClient(settings: settings(sink, nil, security: .none)).send(message)
            let mail = try #require(try await sink.waitForMessages(count: 1).first)
            // A single-part body ends with the line break that SMTP data needs.
            #expect(mail.text.map(Self.lf) == text + "\n", "\(mail.text ?? "nil")")
            #expect(!mail.tls && mail.authenticatedAs == Self.user)
            #expect(try sink.rawMessage(mail) == message.rendered())
        }
    }

    /// Runs blocking work (openssl processes) on a dispatch thread: blocking the cooperative pool (two threads on a
    /// two-core machine) would delay every other test's tasks, the timeout test's among them.
    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    private static func lf(_ text: String) -> String { text.replacingOccurrences(of: "\r\n", with: "\n") }

    private static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}
