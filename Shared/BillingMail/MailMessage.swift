import Foundation

/// An e-mail to send: a text body, optionally an HTML alternative and attachments. ``rendered()`` makes the RFC 5322 bytes.
///
/// `messageID` identifies the message to the world: keep it with the notification so a resend carries the same one.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var replyTo: MailAddress?
    /// One line; line breaks become spaces.
    public var subject: String
    /// The text/plain body, always sent (the alternative to `html` for clients that show no HTML).
    public var text: String
    public var html: String?
    public var attachments: [MailAttachment]
    /// `<unique@domain>`; see ``newMessageID(domain:)``.
    public var messageID: String
    public var date: Date
    /// Further header fields (`List-Unsubscribe`, say): ASCII field names other than the ones the renderer writes itself.
    public var headers: [(String, String)]

    /// - Parameter messageID: a new one from `from`'s domain when `nil`.
    public init(
        from: MailAddress, to: [MailAddress], replyTo: MailAddress? = nil, subject: String, text: String, html: String? = nil,
        attachments: [MailAttachment] = [], messageID: String? = nil, date: Date = Date(), headers: [(String, String)] = []
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.messageID = messageID ?? Self.newMessageID(domain: String(from.domain))
        self.date = date
        self.headers = headers
    }

    /// `<UUID@domain>`, lowercase.
    public static func newMessageID(domain: String) -> String { "<\(UUID().uuidString.lowercased())@\(domain)>" }

    /// The header fields the renderer writes itself; `headers` may not name them (nor `Cc`, `Bcc`, `Sender`).
    static let reservedHeaderNames: Set<String> = [
        "date", "from", "to", "cc", "bcc", "reply-to", "sender", "subject", "message-id", "mime-version", "content-type",
        "content-transfer-encoding", "content-disposition",
    ]

    /// Checks what ``rendered()`` cannot fix: at least one recipient, a `<left@right>` message id, extra header names that
    /// are field names (printable ASCII without `:`) and not reserved, and `type/subtype` attachment content types.
    /// ``SMTPClient/send(_:)`` calls it before connecting.
    /// - Throws: ``SMTPError`` (permanent, no code) naming what is wrong.
    public func validate() throws {
        func invalid(_ reason: String) -> SMTPError { SMTPError(message: "invalid message: \(reason)", isPermanent: true) }
        guard !to.isEmpty else { throw invalid("no recipients") }
        guard Self.isValidMessageID(messageID) else { throw invalid("Message-ID \(messageID.debugDescription) is not <left@right>") }
        for (name, _) in headers {
            guard Self.isFieldName(name) else { throw invalid("header name \(name.debugDescription) is not a field name") }
            guard !Self.reservedHeaderNames.contains(name.lowercased()) else { throw invalid("header \(name) is written by the renderer") }
        }
        for attachment in attachments where !Self.isContentType(attachment.contentType) {
            throw invalid("attachment \(attachment.filename.debugDescription) has content type \(attachment.contentType.debugDescription)")
        }
    }

    static func isValidMessageID(_ value: String) -> Bool {
        guard value.hasPrefix("<"), value.hasSuffix(">"), value.utf8.count <= 250 else { return false }
        let inner = value.dropFirst().dropLast()
        return inner.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
            && inner.split(separator: "@", omittingEmptySubsequences: false).count == 2 && !inner.hasPrefix("@") && !inner.hasSuffix("@")
    }

    static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ":") }
    }

    /// `type/subtype` of RFC 2045 token characters.
    static func isContentType(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let specials = Set("()<>@,;:\\\"/[]?=".utf8)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { (0x21...0x7E).contains($0) && !specials.contains($0) } }
    }
}
