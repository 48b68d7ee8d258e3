import BillingMail
import NIOCore
import Testing

@Suite("SMTP replies, capabilities and DATA transparency, without a server")
struct SMTPReplyParserTests {
    private func replies(_ text: String, dripFeed: Bool = false) throws -> [SMTPReply] {
        var parser = SMTPReplyParser()
        var replies: [SMTPReply] = []
        let chunks: [[UInt8]] = dripFeed ? text.utf8.map { [$0] } : [Array(text.utf8)]
        for chunk in chunks {
            parser.append(chunk)
            while let reply = try parser.nextReply() { replies.append(reply) }
        }
        #expect(!parser.hasBufferedData)
        return replies
    }

    @Test("a multi-line EHLO reply is one reply, also when it arrives a byte at a time", arguments: [false, true])
    func multiLine(dripFeed: Bool) throws {
        let text = "220 smtp.example ESMTP\r\n250-smtp.example\r\n250-SIZE 33554432\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 HELP\r\n"
        let parsed = try replies(text, dripFeed: dripFeed)
        #expect(
            parsed == [
                SMTPReply(code: 220, lines: ["smtp.example ESMTP"]),
                SMTPReply(code: 250, lines: ["smtp.example", "SIZE 33554432", "STARTTLS", "AUTH PLAIN LOGIN", "HELP"]),
            ])
        let capabilities = SMTPCapabilities(ehlo: parsed[1])
        #expect(capabilities.startTLS)
        #expect(capabilities.authMechanisms == ["PLAIN", "LOGIN"])
        #expect(capabilities.sizeLimit == 33_554_432)
    }

    @Test("bare LF endings and a code without text are accepted; the old AUTH= form is understood")
    func lenient() throws {
        let parsed = try replies("250-x\n250-AUTH=LOGIN\n250\n")
        #expect(parsed == [SMTPReply(code: 250, lines: ["x", "AUTH=LOGIN", ""])])
        #expect(SMTPCapabilities(ehlo: parsed[0]).authMechanisms == ["LOGIN"])
        #expect(!SMTPCapabilities(ehlo: parsed[0]).startTLS)
    }

    @Test("an incomplete reply waits for more bytes", arguments: ["250-a\r\n", "250 ok", "25"])
    func incomplete(text: String) throws {
        var parser = SMTPReplyParser()
        parser.append(Array(text.utf8))
        #expect(try parser.nextReply() == nil)
        #expect(parser.hasBufferedData)
    }

    @Test(
        "hostile or broken input is an error, not unbounded buffering",
        arguments: [
            String(repeating: "x", count: 5000),
            "250 " + String(repeating: "y", count: 5000) + "\r\n",
            String(repeating: "250-line\r\n", count: 65) + "250 end\r\n",
            "HTTP/1.1 400 Bad Request\r\n",
            "250-a\r\n550 b\r\n",
            "150 ok\r\n",
        ])
    func refused(text: String) {
        var parser = SMTPReplyParser()
        parser.append(Array(text.utf8))
        #expect(throws: SMTPReplyParser.Failure.self) {
            while try parser.nextReply() != nil {}
        }
    }

    @Test("DATA doubles a dot at the start of every line and ends with CRLF.CRLF")
    func dotStuffing() {
        let message = Array("Subject: x\r\n\r\n.\r\n..\r\n.hidden\r\nmid.dle\r\n.".utf8)
        let data = SMTPDataEncoding.transparent(message)
        #expect(String(buffer: data) == "Subject: x\r\n\r\n..\r\n...\r\n..hidden\r\nmid.dle\r\n..\r\n.\r\n")
        #expect(String(buffer: SMTPDataEncoding.transparent(Array("a\r\n".utf8))) == "a\r\n.\r\n")
    }
}
