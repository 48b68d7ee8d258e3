import BillingMail
import Foundation
import Testing

@Suite("MIME encoders: quoted-printable, encoded-words, RFC 2231 parameters")
struct MIMEEncodingTests {
    static let invoiceText = "Fatura nº 2026-000001 — R$ 1.234,56"

    @Test(
        "quoted-printable round-trips text, with CRLF line breaks, lines of at most 76 characters and only printable ASCII",
        arguments: [
            invoiceText,
            "Olá, João!\nSua fatura de março está disponível.\n\nValor: R$ 1.234,56 — vencimento 10/04/2026.\n",
            ".\n..\n.linha que começa com ponto\nfim.",
            String(repeating: "Pagamento à vista com desconto de 5% (cinco por cento) = R$ 1.172,83; ", count: 8),
            String(repeating: "=", count: 100) + "\n" + String(repeating: "ç", count: 60),
            "trailing space \ntrailing tab\t\nCRLF\r\nlone CR\rend",
            "emoji 🧾💸 and 中文 mixed in a line that is long enough to need a soft line break somewhere in its middle part",
        ])
    func quotedPrintableRoundTrip(text: String) {
        let encoded = MIMEEncoding.quotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "\(line)")
            // Also rules out a bare CR or LF.
            #expect(line.utf8.allSatisfy { (0x20...0x7E).contains($0) || $0 == 0x09 }, "\(line)")
            #expect(line.last != " " && line.last != "\t", "whitespace at the end of \(line.debugDescription)")
        }
        #expect(Self.decodeQuotedPrintable(encoded) == Array(Self.crlf(text).utf8))
    }

    @Test("quoted-printable keeps a line starting with a dot as it is (SMTP's dot-stuffing is the client's job)")
    func quotedPrintableDots() {
        #expect(MIMEEncoding.quotedPrintable(".\n.x") == ".\r\n.x")
        #expect(MIMEEncoding.quotedPrintable("a=b") == "a=3Db")
        #expect(MIMEEncoding.quotedPrintable("nº") == "n=C2=BA")
    }

    @Test("a soft break never splits an =XX triplet")
    func softBreakKeepsTriplets() {
        let encoded = MIMEEncoding.quotedPrintable(String(repeating: "a", count: 73) + "ééé")
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.count == 2)
        #expect(lines[0] == String(repeating: "a", count: 73) + "=", "\(lines)")
        #expect(lines[1] == "=C3=A9=C3=A9=C3=A9")
    }

    @Test("base64 comes in lines of 76 characters joined by CRLF")
    func base64Lines() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let encoded = MIMEEncoding.base64Lines(bytes)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.dropLast().allSatisfy { $0.count == 76 })
        #expect(lines.last!.count <= 76)
        #expect(Data(base64Encoded: lines.joined()) == Data(bytes))
    }

    @Test("the Date header is RFC 5322 in English and UTC")
    func date() {
        #expect(MIMEEncoding.date(Date(timeIntervalSince1970: 1_775_570_589)) == "Tue, 07 Apr 2026 14:03:09 +0000")
    }

    @Test("a non-ASCII subject becomes encoded-words of whole characters, each line at most 76 columns, decoding to the text")
    func encodedWords() throws {
        for subject in [Self.invoiceText, String(repeating: "Fatura de março — ", count: 12), "🧾" + String(repeating: "ã", count: 200)] {
            var line = MIMEHeaderLine("Subject")
            line.appendText(subject)
            let rendered = line.rendered
            #expect(rendered.hasSuffix("\r\n"))
            let lines = Self.withoutCRLF(rendered).components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { $0.utf8.count <= 76 }, "\(lines)")
            #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" =?UTF-8?B?") })
            #expect(try Self.decodeEncodedWords(String(lines.joined().dropFirst("Subject:".count))) == subject)
        }
    }

    @Test("plain ASCII text stays readable and is folded at its spaces; line breaks become spaces")
    func plainTextFolding() {
        var line = MIMEHeaderLine("Subject")
        line.appendText(String(repeating: "Invoice 2026-000001 is ready ", count: 6))
        let lines = Self.withoutCRLF(line.rendered).components(separatedBy: "\r\n")
        #expect(lines.count > 1 && lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.joined() == "Subject: " + String(repeating: "Invoice 2026-000001 is ready ", count: 6))
        var injected = MIMEHeaderLine("Subject")
        injected.appendText("Hello\r\nBcc: victim@example.com")
        #expect(injected.rendered == "Subject: Hello Bcc: victim@example.com\r\n")
    }

    @Test("a text that looks like an encoded-word is itself encoded")
    func encodedWordLookalike() throws {
        var line = MIMEHeaderLine("Subject")
        line.appendText("=?UTF-8?B?SGk=?=")
        #expect(try Self.decodeEncodedWords(String(Self.withoutCRLF(line.rendered).dropFirst("Subject:".count))) == "=?UTF-8?B?SGk=?=")
    }

    @Test("a non-ASCII or long filename is an RFC 2231 parameter, split in sections that fit a line")
    func rfc2231() {
        var ascii = MIMEHeaderLine("Content-Disposition")
        ascii.append("attachment")
        ascii.appendParameter("filename", "fatura \"1\".pdf")
        #expect(ascii.rendered == "Content-Disposition: attachment; filename=\"fatura \\\"1\\\".pdf\"\r\n")
        var short = MIMEHeaderLine("Content-Disposition")
        short.append("attachment")
        short.appendParameter("filename", "março.pdf")
        #expect(short.rendered == "Content-Disposition: attachment; filename*=UTF-8''mar%C3%A7o.pdf\r\n")
        var long = MIMEHeaderLine("Content-Disposition")
        long.append("attachment")
        long.appendParameter("filename", String(repeating: "fatura de março ", count: 8) + ".pdf")
        let lines = Self.withoutCRLF(long.rendered).components(separatedBy: "\r\n")
        #expect(lines.count > 2 && lines.allSatisfy { $0.utf8.count <= 76 }, "\(lines)")
        #expect(lines[1].hasPrefix(" filename*0*=UTF-8''fatura%20de%20mar%C3%A7o"))
        #expect(lines[2].hasPrefix(" filename*1*="))
    }

    // MARK: - Decoders for the checks

    /// Soft breaks removed, `=XX` decoded.
    static func decodeQuotedPrintable(_ encoded: String) -> [UInt8] {
        var output: [UInt8] = []
        let lines = encoded.components(separatedBy: "\r\n")
        for (index, line) in lines.enumerated() {
            var bytes = Array(line.utf8)
            let soft = bytes.last == UInt8(ascii: "=")
            if soft { bytes.removeLast() }
            var position = 0
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "="), position + 2 < bytes.count,
                    let value = UInt8(String(decoding: bytes[(position + 1)...(position + 2)], as: UTF8.self), radix: 16)
                {
                    output.append(value)
                    position += 3
                } else {
                    output.append(bytes[position])
                    position += 1
                }
            }
            if !soft && index < lines.count - 1 { output += [0x0D, 0x0A] }
        }
        return output
    }

    /// Each `=?UTF-8?B?…?=` word decoded on its own (so each must hold whole characters), whitespace between words dropped.
    static func decodeEncodedWords(_ value: String) throws -> String {
        var text = ""
        for word in value.split(whereSeparator: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
            #expect(word.utf8.count <= 75, "\(word)")
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="), "\(word)")
            let payload = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            let bytes = try #require(Data(base64Encoded: String(payload)))
            text += try #require(String(bytes: bytes, encoding: .utf8), "a word that splits a character: \(word)")
        }
        return text
    }

    /// `text` without its final CRLF (one `Character` in Swift, so not `dropLast(2)`).
    static func withoutCRLF(_ text: String) -> String {
        #expect(text.hasSuffix("\r\n"))
        return String(text.dropLast())
    }

    static func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    }
}
