import Foundation

/// The body encoders of the renderer: quoted-printable (RFC 2045 §6.7), base64 in lines, and the RFC 5322 date.
package enum MIMEEncoding {
    /// The longest encoded line, without its CRLF (RFC 2045).
    package static let lineLimit = 76

    /// `text` as UTF-8 quoted-printable. Line breaks (CRLF, LF or a lone CR) become CRLF; other bytes outside printable
    /// ASCII, `=`, and a space or tab ending a line are `=XX`; lines longer than 76 characters get soft breaks (`=`
    /// before CRLF) that never split an `=XX`. A line starting with `.` stays as it is: the SMTP client dot-stuffs.
    package static func quotedPrintable(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        for (index, line) in lines(of: text).enumerated() {
            if index > 0 { output += [0x0D, 0x0A] }
            var column = 0
            for (position, byte) in line.enumerated() {
                let isLast = position == line.count - 1
                let literal: Bool
                switch byte {
                case 0x20, 0x09: literal = !isLast
                case 0x21...0x3C, 0x3E...0x7E: literal = true
                default: literal = false
                }
                let width = literal ? 1 : 3
                // Room for the soft break's "=" unless this is the line's last character.
                if column + width > (isLast ? lineLimit : lineLimit - 1) {
                    output += [UInt8(ascii: "="), 0x0D, 0x0A]
                    column = 0
                }
                if literal {
                    output.append(byte)
                } else {
                    output += [UInt8(ascii: "="), hexDigit(byte >> 4), hexDigit(byte & 0x0F)]
                }
                column += width
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `bytes` in base64, in lines of 76 characters joined by CRLF (no CRLF after the last).
    package static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Array(Data(bytes).base64EncodedString().utf8)
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count + encoded.count / lineLimit * 2)
        for start in stride(from: 0, to: encoded.count, by: lineLimit) {
            if start > 0 { output += [0x0D, 0x0A] }
            output += encoded[start..<min(start + lineLimit, encoded.count)]
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `Tue, 07 Apr 2026 14:03:09 +0000`: RFC 5322 §3.3 in UTC, English names whatever the locale.
    package static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// The lines of `text` as UTF-8, split at CRLF, LF or a lone CR.
    private static func lines(of text: String) -> [ArraySlice<UInt8>] {
        let bytes = Array(text.utf8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case 0x0D:
                lines.append(bytes[start..<index])
                index += index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
                start = index
            case 0x0A:
                lines.append(bytes[start..<index])
                index += 1
                start = index
            default:
                index += 1
            }
        }
        lines.append(bytes[start..<bytes.count])
        return lines
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }
}
