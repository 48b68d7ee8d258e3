import BillingMail
import Foundation
import Testing

@Suite("Mail addresses and the rendered message")
struct MailMessageTests {
    private let from = MailAddress(email: "faturas@billing.example", name: "Billing")!
    private let to = MailAddress(email: "joao@example.com", name: "João da Silva")!

    @Test("valid addresses", arguments: ["a@b", "joao.silva+fatura@example.com.br", "x_y-z@sub-domain.example", "o'brien@example.ie"])
    func validAddress(email: String) {
        #expect(MailAddress(email: email) != nil)
    }

    @Test(
        "addresses that could break a command or a header are refused",
        arguments: [
            "", "a", "@b", "a@", "a@@b", "a@b@c", "a b@c", "a@b\r\nRCPT TO:<x@y>", "a@b\n", "<a@b>", "a@b>", "\"a\"@b", "a,b@c",
            "a..b@c", ".a@b", "a.@b", "a@-b", "a@b-", "a@b..c", "joão@example.com", "a@exämple.com",
            String(repeating: "a", count: 65) + "@b",
        ])
    func invalidAddress(email: String) {
        #expect(MailAddress(email: email) == nil)
    }

    @Test("text only: a text/plain quoted-printable body with the headers in CRLF lines")
    func textOnly() throws {
        let message = MailMessage(
            from: from, to: [to], replyTo: MailAddress(email: "suporte@billing.example"), subject: "Invoice 1", text: "Olá\n.",
            messageID: "<m1@billing.example>", date: Date(timeIntervalSince1970: 1_775_570_589),
            headers: [("List-Unsubscribe", "<mailto:unsubscribe@billing.example>")])
        let text = String(decoding: message.rendered(), as: UTF8.self)
        #expect(
            text == """
                Date: Tue, 07 Apr 2026 14:03:09 +0000\r
                From: "Billing" <faturas@billing.example>\r
                To: =?UTF-8?B?Sm/Do28gZGEgU2lsdmE=?= <joao@example.com>\r
                Reply-To: suporte@billing.example\r
                Subject: Invoice 1\r
                Message-ID: <m1@billing.example>\r
                List-Unsubscribe: <mailto:unsubscribe@billing.example>\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Transfer-Encoding: quoted-printable\r
                \r
                Ol=C3=A1\r
                .\r

                """)
    }

    @Test("text and html with an attachment: multipart/mixed around multipart/alternative, with distinct boundaries")
    func structure() throws {
        let message = MailMessage(
            from: from, to: [to], subject: "Fatura", text: "texto", html: "<p>html</p>",
            attachments: [MailAttachment(filename: "fatura.pdf", contentType: "application/pdf", bytes: Array(repeating: 7, count: 100))])
        let text = String(decoding: message.rendered(), as: UTF8.self)
        let boundaries = text.components(separatedBy: "boundary=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(boundaries.count == 2 && boundaries[0] != boundaries[1])
        #expect(boundaries.allSatisfy { $0.hasPrefix("=_billing_") })
        #expect(text.contains("Content-Type: multipart/mixed;"))
        #expect(text.contains("Content-Type: multipart/alternative;"))
        #expect(text.contains("Content-Type: application/pdf; name=\"fatura.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"))
        #expect(text.contains("Content-Disposition: attachment; filename=\"fatura.pdf\"\r\n"))
        #expect(text.hasSuffix("--\(boundaries[0])--\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains { $0 == "\n" || $0 == "\r" })
    }

    @Test("validate() refuses what cannot be sent, naming it")
    func validation() throws {
        var message = MailMessage(from: from, to: [to], subject: "s", text: "t")
        try message.validate()
        #expect(message.messageID.hasPrefix("<") && message.messageID.hasSuffix("@billing.example>"))
        let cases: [(inout MailMessage) -> Void] = [
            { $0.to = [] },
            { $0.messageID = "no-brackets@x" },
            { $0.messageID = "<a b@x>" },
            { $0.headers = [("Bcc", "spy@example.com")] },
            { $0.headers = [("X-Bad Name", "v")] },
            { $0.attachments = [MailAttachment(filename: "f", contentType: "pdf", bytes: [])] },
        ]
        for change in cases {
            var changed = message
            change(&changed)
            #expect(throws: SMTPError.self) { try changed.validate() }
            do {
                try changed.validate()
            } catch let error as SMTPError {
                #expect(error.isPermanent && error.code == nil && error.message.hasPrefix("invalid message: "))
            }
            // rendered() still never lets an invalid extra header through.
            #expect(!String(decoding: changed.rendered(), as: UTF8.self).contains("spy@example.com"))
        }
        message.headers = [("X-Ok", "line\r\nBcc: spy@example.com")]
        #expect(String(decoding: message.rendered(), as: UTF8.self).contains("X-Ok: line Bcc: spy@example.com\r\n"))
    }
}

@Suite("Addresses from configuration text")
struct MailAddressParsingTests {
    @Test(
        "Name <email>, quoted names, bare addresses",
        arguments: [
            ("billing@example.com", "billing@example.com", nil),
            ("<billing@example.com>", "billing@example.com", nil),
            ("Billing <billing@example.com>", "billing@example.com", "Billing"),
            ("  Faturas Acme  <faturas@acme.com.br> ", "faturas@acme.com.br", "Faturas Acme"),
            ("\"Acme, \\\"Inc.\\\"\" <a@acme.example>", "a@acme.example", "Acme, \"Inc.\""),
        ] as [(String, String, String?)])
    func parses(text: String, email: String, name: String?) throws {
        let address = try #require(MailAddress(parsing: text))
        #expect(address.email == email)
        #expect(address.name == name)
    }

    @Test("invalid text is refused", arguments: ["", "Billing", "Billing <>", "Billing <a@b> x", "a@b\r\n", "Billing <a@b\r\nX: y>", "<a@b"])
    func refuses(text: String) {
        #expect(MailAddress(parsing: text) == nil)
    }
}
