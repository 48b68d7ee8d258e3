/// Splits the bytes from the server into replies (RFC 5321 §4.2): lines end in CRLF (a bare LF is taken too), lines of
/// one reply share its code and all but the last have `-` after it. Bounded: a line longer than
/// ``maximumLineLength`` or a reply of more than ``maximumLines`` lines is an error, so at most that much is buffered.
package struct SMTPReplyParser {
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package let description: String
    }

    package static let maximumLineLength = 4096
    package static let maximumLines = 64

    private var buffer: [UInt8] = []
    private var partial: SMTPReply?

    package init() {}

    /// Whether bytes or reply lines are waiting for the rest of their reply.
    package var hasBufferedData: Bool { !buffer.isEmpty || partial != nil }

    package mutating func append(_ bytes: some Sequence<UInt8>) { buffer += bytes }

    /// The next complete reply, or `nil` until more bytes come.
    /// - Throws: ``Failure`` for a line that is too long or not a reply line, a code change within a reply, or too many lines.
    package mutating func nextReply() throws(Failure) -> SMTPReply? {
        while let end = buffer.firstIndex(of: 0x0A) {
            guard end <= Self.maximumLineLength else { throw Failure(description: "a reply line longer than \(Self.maximumLineLength) bytes") }
            var line = buffer[..<end]
            if line.last == 0x0D { line = line.dropLast() }
            buffer.removeSubrange(...end)
            let (code, isLast, text) = try Self.parse(line)
            if var reply = partial {
                guard reply.code == code else { throw Failure(description: "reply code \(code) within a \(reply.code) reply") }
                guard reply.lines.count < Self.maximumLines else { throw Failure(description: "a reply of more than \(Self.maximumLines) lines") }
                reply.lines.append(text)
                partial = reply
            } else {
                partial = SMTPReply(code: code, lines: [text])
            }
            if isLast {
                defer { partial = nil }
                return partial
            }
        }
        guard buffer.count <= Self.maximumLineLength else { throw Failure(description: "a reply line longer than \(Self.maximumLineLength) bytes") }
        return nil
    }

    /// `ddd text`, `ddd-text` or `ddd`: a code of 2xx to 5xx, whether the line ends its reply, and the text (control
    /// characters replaced, for logs and messages).
    private static func parse(_ line: ArraySlice<UInt8>) throws(Failure) -> (Int, Bool, String) {
        let bytes = Array(line)
        let digits = bytes.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(digits[0]),
            bytes.count == 3 || [UInt8(ascii: " "), UInt8(ascii: "-")].contains(bytes[3])
        else {
            throw Failure(description: "not a reply line: \(String(decoding: bytes.prefix(40), as: UTF8.self).debugDescription)")
        }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        let isLast = bytes.count == 3 || bytes[3] == UInt8(ascii: " ")
        let text = String(decoding: bytes.dropFirst(4).map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
        return (code, isLast, text)
    }
}
