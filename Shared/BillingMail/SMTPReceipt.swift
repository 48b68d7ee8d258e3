/// What the server said when it took the message.
public struct SMTPReceipt: Sendable, Equatable {
    /// The reply to the end of DATA, such as `250 2.0.0 Ok: queued as ABC` (lines of a multi-line reply joined by spaces).
    public let reply: String
    /// The message's `Message-ID`, as sent.
    public let messageID: String
    /// The envelope recipients, all of which the server accepted.
    public let recipients: [String]
}
