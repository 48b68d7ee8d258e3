import Foundation

extension MailMessage {
    /// The message as RFC 5322 bytes with CRLF line endings (the last line too), 7-bit clean: `text` alone is a text/plain body; with `html`
    /// a multipart/alternative; with attachments a multipart/mixed around those. Text is UTF-8 quoted-printable,
    /// attachments base64. Boundaries are random and start with `=_`, which neither encoding can produce.
    ///
    /// Never fails: what ``validate()`` would refuse is made safe instead (an invalid or reserved extra header is left
    /// out, an invalid attachment content type becomes `application/octet-stream`).
    public func rendered() -> [UInt8] {
        var head = ""
        head += field("Date") { $0.append(MIMEEncoding.date(date)) }
        head += field("From") { $0.appendAddresses([from]) }
        head += field("To") { $0.appendAddresses(to) }
        if let replyTo { head += field("Reply-To") { $0.appendAddresses([replyTo]) } }
        head += field("Subject") { $0.appendText(subject) }
        head += field("Message-ID") { $0.append(messageID) }
        for (name, value) in headers where Self.isFieldName(name) && !Self.reservedHeaderNames.contains(name.lowercased()) {
            head += field(name) { $0.appendText(value) }
        }
        head += "MIME-Version: 1.0\r\n"
        let body = bodyPart()
        // SMTP needs the data to end in CRLF: ending with one here makes these the very bytes the recipient gets.
        let end = body.content.hasSuffix("\r\n") || body.content.isEmpty ? "" : "\r\n"
        return Array((head + body.headers + "\r\n" + body.content + end).utf8)
    }

    private func bodyPart() -> MIMEPart {
        let plain = MIMEPart.text(text, subtype: "plain")
        let readable = html.map { MIMEPart.multipart("alternative", [plain, MIMEPart.text($0, subtype: "html")]) } ?? plain
        if attachments.isEmpty { return readable }
        return MIMEPart.multipart("mixed", [readable] + attachments.map(MIMEPart.attachment))
    }

    private func field(_ name: String, _ build: (inout MIMEHeaderLine) -> Void) -> String {
        var line = MIMEHeaderLine(name)
        build(&line)
        return line.rendered
    }
}

extension MIMEHeaderLine {
    /// `Name <a@b>, c@d`: each address after its display name, commas between.
    mutating func appendAddresses(_ addresses: [MailAddress]) {
        for (index, address) in addresses.enumerated() {
            if index > 0 { attach(",") }
            if let name = address.name, !name.isEmpty {
                appendPhrase(name)
                append("<\(address.email)>")
            } else {
                append(address.email)
            }
        }
    }
}
