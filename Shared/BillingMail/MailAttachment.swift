/// A file sent with a message (an invoice PDF): base64 in the message, offered as a download under `filename`.
public struct MailAttachment: Sendable, Equatable {
    /// The name mail clients save it under; any characters (non-ASCII names are RFC 2231 encoded).
    public var filename: String
    /// `type/subtype`, such as `application/pdf`; ``MailMessage/validate()`` rejects anything else.
    public var contentType: String
    public var bytes: [UInt8]

    public init(filename: String, contentType: String, bytes: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.bytes = bytes
    }
}
