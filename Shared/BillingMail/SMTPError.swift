/// Why a message was not sent, with the step it failed at ("RCPT TO <x@y> refused: 550 5.1.1 …").
///
/// ``isPermanent`` says whether to give up: a 5xx reply, or a message or setting that cannot work; a 4xx reply, a
/// timeout, a connection or TLS failure, or a server without the STARTTLS we require are transient (retry later).
public struct SMTPError: Error, CustomStringConvertible, Sendable {
    /// The server's reply code, when a reply was the reason.
    public let code: Int?
    public let message: String
    public let isPermanent: Bool

    public init(code: Int? = nil, message: String, isPermanent: Bool) {
        self.code = code
        self.message = message
        self.isPermanent = isPermanent
    }

    public var description: String { message }

    /// The server answered `reply` to `step`, not what the step needs: permanent for 5xx.
    static func refused(_ step: String, _ reply: SMTPReply) -> SMTPError {
        SMTPError(code: reply.code, message: "\(step) refused: \(reply)", isPermanent: (500..<600).contains(reply.code))
    }

    static func timeout(_ step: String, after timeout: Duration) -> SMTPError {
        SMTPError(message: "\(step): no answer within \(describe(timeout))", isPermanent: false)
    }

    /// The connection broke, TLS failed, or the server broke the protocol during `step`.
    static func connection(_ step: String, _ reason: String) -> SMTPError {
        SMTPError(message: "\(step): \(reason)", isPermanent: false)
    }

    private static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}
