import Foundation

/// One header field being written: tokens joined by spaces, folded (CRLF + space) before a token that would take the
/// line past 76 columns. Text that is not plain printable ASCII goes in RFC 2047 encoded-words (`=?UTF-8?B?…?=`), each
/// sized to the room left on its line; parameters that are not plain ASCII, or too long for a line, use RFC 2231.
package struct MIMEHeaderLine {
    package static let lineLimit = 76
    private var text: String
    private var column: Int
    private var hasTokenOnLine = false

    package init(_ name: String) {
        text = name + ":"
        column = text.utf8.count
    }

    /// The field with its CRLF.
    package var rendered: String { text + "\r\n" }

    /// Appends ` token`, folding first when it would not fit (a token too long for any line gets a line of its own).
    package mutating func append(_ token: String) {
        if hasTokenOnLine && column + 1 + token.utf8.count > Self.lineLimit { fold() }
        text += " " + token
        column += 1 + token.utf8.count
        hasTokenOnLine = true
    }

    /// Appends `suffix` to the last token (the `,` after an address, the `;` before a parameter).
    package mutating func attach(_ suffix: String) {
        text += suffix
        column += suffix.utf8.count
    }

    /// Unstructured text (a subject): as it is, folded at its spaces, when it is plain ASCII; otherwise encoded-words.
    /// Line breaks in `value` become spaces.
    package mutating func appendText(_ value: String) {
        let value = Self.singleLine(value)
        if Self.isPlain(value) {
            for word in value.split(separator: " ", omittingEmptySubsequences: false) { append(String(word)) }
        } else {
            appendEncodedWords(value)
        }
    }

    /// A display name before an address: a quoted string when plain ASCII, otherwise encoded-words.
    package mutating func appendPhrase(_ value: String) {
        let value = Self.singleLine(value)
        if Self.isPlain(value) {
            append("\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"")
        } else {
            appendEncodedWords(value)
        }
    }

    /// `value` as `=?UTF-8?B?…?=` words of whole Unicode scalars, each as long as the room on its line allows (at most
    /// 75 characters, RFC 2047 §2); readers join adjacent words without the spaces between them.
    package mutating func appendEncodedWords(_ value: String) {
        var chunk: [UInt8] = []
        for scalar in value.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if !chunk.isEmpty && column + 1 + Self.encodedWordLength(chunk.count + bytes.count) > Self.lineLimit {
                append(Self.encodedWord(chunk))
                chunk = []
            }
            if chunk.isEmpty && hasTokenOnLine && column + 1 + Self.encodedWordLength(bytes.count) > Self.lineLimit { fold() }
            chunk += bytes
        }
        if !chunk.isEmpty || value.isEmpty { append(Self.encodedWord(chunk)) }
    }

    /// `; name="value"` when `value` is printable ASCII and fits a line; otherwise RFC 2231 `; name*=UTF-8''%XX…`, split in
    /// numbered sections (`name*0*=`, `name*1*=`) that each fit a line.
    package mutating func appendParameter(_ name: String, _ value: String) {
        attach(";")
        let quoted = "\(name)=\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        if Self.isPlain(value) && 1 + quoted.utf8.count + 1 <= Self.lineLimit {
            append(quoted)
            return
        }
        let encoded = Self.percentEncoded(value)
        let room = Self.lineLimit - 1 - 1 - "\(name)*99*=".utf8.count
        var sections: [String] = []
        var current = "UTF-8''"
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let width = encoded[index] == "%" ? 3 : 1
            if current.utf8.count + width > room {
                sections.append(current)
                current = ""
            }
            let end = encoded.index(index, offsetBy: width)
            current += encoded[index..<end]
            index = end
        }
        sections.append(current)
        if sections.count == 1 {
            append("\(name)*=\(sections[0])")
            return
        }
        for (number, section) in sections.enumerated() {
            if number > 0 { attach(";") }
            append("\(name)*\(number)*=\(section)")
        }
    }

    /// Printable ASCII that a reader cannot take for an encoded-word.
    package static func isPlain(_ value: String) -> Bool {
        value.utf8.allSatisfy { (0x20...0x7E).contains($0) } && !value.contains("=?")
    }

    private mutating func fold() {
        text += "\r\n"
        column = 0
        hasTokenOnLine = false
    }

    private static func singleLine(_ value: String) -> String {
        value.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    private static func encodedWordLength(_ byteCount: Int) -> Int { "=?UTF-8?B??=".utf8.count + (byteCount + 2) / 3 * 4 }

    private static func encodedWord(_ bytes: [UInt8]) -> String { "=?UTF-8?B?\(Data(bytes).base64EncodedString())?=" }

    /// RFC 2231 / RFC 5987 `attr-char`s as they are, every other UTF-8 byte as `%XX`.
    private static func percentEncoded(_ value: String) -> String {
        let unreserved = Set("!#$&+-.^_`|~".utf8)
        var output = ""
        for byte in value.utf8 {
            let isAlphanumeric =
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            if isAlphanumeric || unreserved.contains(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}
