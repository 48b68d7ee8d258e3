import NIOCore

/// The message as DATA sends it (RFC 5321 §4.5.2): a `.` doubled at the start of every line, CRLF at the end if
/// missing, then the `.` line that ends the data.
package enum SMTPDataEncoding {
    package static func transparent(_ message: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(message.count + message.count / 64 + 5)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { buffer.writeInteger(UInt8(ascii: ".")) }
            buffer.writeInteger(byte)
            atLineStart = byte == 0x0A
        }
        if !message.isEmpty && !message.ends(with: [0x0D, 0x0A]) { buffer.writeString("\r\n") }
        buffer.writeString(".\r\n")
        return buffer
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
