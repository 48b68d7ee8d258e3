/// One reply of the server: its code and the text of each of its lines (`250-a` … `250 z`).
package struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    package var code: Int
    package var lines: [String]

    package init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// `250 first line second line`: for receipts and error messages.
    package var description: String { "\(code) " + lines.joined(separator: " ") }
}
