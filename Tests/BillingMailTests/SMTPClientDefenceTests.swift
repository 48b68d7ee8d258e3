import BillingMail
import Foundation
import Testing

@Suite("The SMTP client against misbehaving servers")
struct SMTPClientDefenceTests {
    private let message = MailMessage(
        from: MailAddress(email: "faturas@billing.example")!, to: [MailAddress(email: "cliente@example.com")!], subject: "s", text: "t")

    private func error(from server: HostileSMTPServer, security: SMTPSettings.Security = .startTLS) async throws -> SMTPError {
        let client = try SMTPClient(
            settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: security, username: "u", password: "p", timeout: .seconds(5)))
        do {
            let receipt = try await client.send(message)
            Issue.record("sent: \(receipt)")
            throw SMTPError(message: "no error", isPermanent: false)
        } catch let error as SMTPError {
            await server.stop()
            return error
        }
    }

    /// Answers EHLO offering STARTTLS and AUTH PLAIN; `startTLS` is the answer to STARTTLS.
    private static func ehloServer(startTLS: String) -> @Sendable (String) -> String? {
        { line in
            switch line.uppercased().prefix(4) {
            case "EHLO": "250-hostile\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"
            case "STAR": startTLS
            default: "500 unexpected \(line)\r\n"
            }
        }
    }

    @Test("data sent in plaintext after the 220 to STARTTLS (response injection) is refused before TLS starts")
    func startTLSInjection() async throws {
        for injected in ["220 go ahead\r\n250 2.0.0 injected\r\n", "220 go ahead\r\n250-injected"] {
            let server = try await HostileSMTPServer.start(greeting: "220 hostile ESMTP\r\n", answer: Self.ehloServer(startTLS: injected))
            let error = try await error(from: server)
            #expect(error.message == "STARTTLS: the server sent data after its 220, before TLS", "\(error)")
            #expect(!error.isPermanent)
        }
    }

    @Test("a reply line longer than 4 KiB is a protocol error, not a growing buffer")
    func oversizedReply() async throws {
        let server = try await HostileSMTPServer.start(greeting: "220 " + String(repeating: "x", count: 100_000)) { _ in nil }
        let error = try await error(from: server)
        #expect(error.message == "greeting: protocol error: a reply line longer than 4096 bytes", "\(error)")
        #expect(error.code == nil && !error.isPermanent)
    }

    @Test("a 421 greeting is a transient refusal; a 554 greeting a permanent one")
    func refusedGreeting() async throws {
        let busy = try await error(from: try await HostileSMTPServer.start(greeting: "421 4.3.2 too busy\r\n") { _ in nil })
        #expect(busy.message == "greeting refused: 421 4.3.2 too busy" && busy.code == 421 && !busy.isPermanent, "\(busy)")
        let closed = try await error(from: try await HostileSMTPServer.start(greeting: "554 5.7.1 go away\r\n") { _ in nil })
        #expect(closed.code == 554 && closed.isPermanent, "\(closed)")
    }

    @Test("a server that closes the connection mid-conversation: a transient error naming the step")
    func closedConnection() async throws {
        let server = try await HostileSMTPServer.start(greeting: "220 hi\r\n", closeAfterGreeting: true) { _ in nil }
        let error = try await error(from: server)
        #expect(error.message.hasPrefix("EHLO: ") || error.message.hasPrefix("greeting: "), "\(error)")
        #expect(error.message.contains("connection closed by the server") || error.message.contains("connection failure"), "\(error)")
        #expect(!error.isPermanent)
    }

    @Test("a server that offers AUTH only as CRAM-MD5: a permanent error before any credentials are sent")
    func unsupportedAuth() async throws {
        let server = try await HostileSMTPServer.start(greeting: "220 hi\r\n") { line in
            line.uppercased().hasPrefix("EHLO") ? "250-hi\r\n250 AUTH CRAM-MD5\r\n" : "500 no\r\n"
        }
        let error = try await error(from: server, security: .none)
        #expect(error.message == "AUTH: the server offers AUTH CRAM-MD5 only; we speak PLAIN and LOGIN", "\(error)")
        #expect(error.isPermanent)
    }
}
