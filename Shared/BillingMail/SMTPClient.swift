import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends ``MailMessage``s to one SMTP server, one connection per message, closed afterwards on every path.
///
/// The conversation: greeting 220, EHLO, STARTTLS and EHLO again (``SMTPSettings/Security/startTLS``), AUTH PLAIN (or
/// LOGIN when the server offers only that) when a user name is set, MAIL FROM, RCPT TO for each recipient, DATA, the
/// dot-stuffed message, QUIT. Every step is bounded by ``SMTPSettings/timeout``. Credentials only ever go over TLS, unless
/// the security is ``SMTPSettings/Security/none``.
public final class SMTPClient: Sendable {
    public let settings: SMTPSettings
    private let group: any EventLoopGroup
    private let tls: NIOSSLContext?
    private let logger: Logger

    /// - Throws: NIOSSL's error when the TLS configuration cannot be loaded (an unreadable ``SMTPSettings/caFile``).
    public init(
        settings: SMTPSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "billing.mail.smtp")
    ) throws {
        self.settings = settings
        self.group = group
        self.logger = logger
        if settings.security == .none {
            tls = nil
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let caFile = settings.caFile { configuration.trustRoots = .file(caFile) }
            // Closing never waits for the server's close_notify.
            configuration.shutdownTimeout = .zero
            tls = try NIOSSLContext(configuration: configuration)
        }
    }

    /// Sends `message` to each of its `to` addresses; all must be accepted, or nothing is sent.
    /// - Returns: the server's reply to the end of DATA.
    /// - Throws: ``SMTPError`` naming the failed step (``SMTPError/isPermanent`` says whether a retry can help), or
    ///   `CancellationError` when the task was cancelled.
    public func send(_ message: MailMessage) async throws -> SMTPReceipt {
        try message.validate()
        guard settings.hasValidHeloName else {
            throw SMTPError(message: "settings: heloName \(settings.heloName.debugDescription) is not a host name", isPermanent: true)
        }
        if settings.username != nil && settings.password == nil {
            throw SMTPError(message: "settings: a username without a password", isPermanent: true)
        }
        let data = SMTPDataEncoding.transparent(message.rendered())
        let connection = try await SMTPConnection.connect(
            host: settings.host, port: settings.port, tls: settings.security == .implicitTLS ? tls.map { ($0, serverHostname) } : nil,
            timeout: settings.timeout, group: group)
        do {
            let receipt = try await withTaskCancellationHandler {
                try await converse(on: connection, message: message, data: data)
            } onCancel: {
                connection.closeNow()
            }
            await quit(connection)
            logger.info("mail sent", metadata: ["message-id": "\(message.messageID)", "reply": "\(receipt.reply)"])
            return receipt
        } catch {
            await connection.close()
            try Task.checkCancellation()
            throw (error as? SMTPError) ?? SMTPError.connection("SMTP", "\(error)")
        }
    }

    private func converse(on connection: SMTPConnection, message: MailMessage, data: ByteBuffer) async throws -> SMTPReceipt {
        try expect(220, try await connection.reply(to: nil, step: "greeting"), "greeting")
        var capabilities = try await ehlo(connection, step: "EHLO")
        var encrypted = settings.security == .implicitTLS
        if settings.security == .startTLS {
            guard capabilities.startTLS, let tls else {
                throw SMTPError(message: "STARTTLS: the server does not offer STARTTLS; not sending without TLS", isPermanent: false)
            }
            try expect(220, try await connection.reply(to: "STARTTLS", step: "STARTTLS"), "STARTTLS")
            try await connection.startTLS(context: tls, serverHostname: serverHostname)
            encrypted = true
            capabilities = try await ehlo(connection, step: "EHLO after STARTTLS")
        }
        if let username = settings.username, let password = settings.password {
            guard encrypted || settings.security == .none else {
                throw SMTPError(message: "AUTH: refusing to send credentials without TLS", isPermanent: true)
            }
            try await authenticate(connection, username: username, password: password, offered: capabilities.authMechanisms)
        }
        if let limit = capabilities.sizeLimit, data.readableBytes > limit {
            throw SMTPError(message: "MAIL FROM: the message (\(data.readableBytes) bytes) is above the server's SIZE \(limit)", isPermanent: true)
        }
        let size = capabilities.sizeLimit == nil ? "" : " SIZE=\(data.readableBytes)"
        let mailFrom = "MAIL FROM <\(message.from.email)>"
        try expect(250, try await connection.reply(to: "MAIL FROM:<\(message.from.email)>\(size)", step: mailFrom), mailFrom)
        for recipient in message.to {
            let step = "RCPT TO <\(recipient.email)>"
            let reply = try await connection.reply(to: "RCPT TO:<\(recipient.email)>", step: step)
            guard reply.code == 250 || reply.code == 251 else { throw SMTPError.refused(step, reply) }
        }
        try expect(354, try await connection.reply(to: "DATA", step: "DATA"), "DATA")
        let reply = try await connection.reply(sending: data, step: "end of DATA")
        try expect(250, reply, "end of DATA")
        return SMTPReceipt(reply: reply.description, messageID: message.messageID, recipients: message.to.map(\.email))
    }

    private func ehlo(_ connection: SMTPConnection, step: String) async throws -> SMTPCapabilities {
        let reply = try await connection.reply(to: "EHLO \(settings.heloName)", step: step)
        try expect(250, reply, step)
        return SMTPCapabilities(ehlo: reply)
    }

    /// AUTH PLAIN with the initial response, or AUTH LOGIN's two challenges when the server offers only LOGIN.
    private func authenticate(_ connection: SMTPConnection, username: String, password: String, offered: [String]) async throws {
        func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
        if offered.contains("PLAIN") {
            let token = base64([0] + Array(username.utf8) + [0] + Array(password.utf8))
            try expect(235, try await connection.reply(to: "AUTH PLAIN \(token)", step: "AUTH PLAIN"), "AUTH PLAIN")
        } else if offered.contains("LOGIN") {
            try expect(334, try await connection.reply(to: "AUTH LOGIN", step: "AUTH LOGIN"), "AUTH LOGIN")
            try expect(334, try await connection.reply(to: base64(Array(username.utf8)), step: "AUTH LOGIN user name"), "AUTH LOGIN user name")
            try expect(235, try await connection.reply(to: base64(Array(password.utf8)), step: "AUTH LOGIN password"), "AUTH LOGIN password")
        } else {
            let what = offered.isEmpty ? "no AUTH" : "AUTH \(offered.joined(separator: " ")) only"
            throw SMTPError(message: "AUTH: the server offers \(what); we speak PLAIN and LOGIN", isPermanent: true)
        }
    }

    /// QUIT and close. The message is already accepted: a server that does not answer QUIT changes nothing.
    private func quit(_ connection: SMTPConnection) async {
        do {
            _ = try await connection.reply(to: "QUIT", step: "QUIT")
        } catch {
            logger.debug("no answer to QUIT after the message was accepted", metadata: ["error": "\(error)"])
        }
        await connection.close()
    }

    private func expect(_ code: Int, _ reply: SMTPReply, _ step: String) throws {
        guard reply.code == code else { throw SMTPError.refused(step, reply) }
    }

    /// The name for SNI and certificate verification; `nil` for an IP address, which is checked against the certificate's
    /// IP addresses instead.
    private var serverHostname: String? {
        (try? SocketAddress(ipAddress: settings.host, port: 0)) == nil ? settings.host : nil
    }
}
