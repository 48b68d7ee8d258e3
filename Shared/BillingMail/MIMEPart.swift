/// A MIME entity: its header fields (each ending in CRLF) and its encoded content.
struct MIMEPart {
    var headers: String
    var content: String

    static func text(_ text: String, subtype: String) -> MIMEPart {
        MIMEPart(
            headers: "Content-Type: text/\(subtype); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            content: MIMEEncoding.quotedPrintable(text))
    }

    static func attachment(_ attachment: MailAttachment) -> MIMEPart {
        var type = MIMEHeaderLine("Content-Type")
        type.append(MailMessage.isContentType(attachment.contentType) ? attachment.contentType : "application/octet-stream")
        type.appendParameter("name", attachment.filename)
        var disposition = MIMEHeaderLine("Content-Disposition")
        disposition.append("attachment")
        disposition.appendParameter("filename", attachment.filename)
        return MIMEPart(
            headers: type.rendered + "Content-Transfer-Encoding: base64\r\n" + disposition.rendered,
            content: MIMEEncoding.base64Lines(attachment.bytes))
    }

    /// `parts` between `--boundary` lines; each part's content ends where the CRLF before the next boundary starts.
    static func multipart(_ subtype: String, _ parts: [MIMEPart]) -> MIMEPart {
        let boundary = "=_billing_" + (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined(separator: "_")
        var type = MIMEHeaderLine("Content-Type")
        type.append("multipart/\(subtype)")
        type.appendParameter("boundary", boundary)
        var content = ""
        for part in parts { content += "--\(boundary)\r\n" + part.headers + "\r\n" + part.content + "\r\n" }
        content += "--\(boundary)--\r\n"
        return MIMEPart(headers: type.rendered, content: content)
    }
}
