import BillingTesting
import BillingWebhooks
import Foundation
import Testing

@Suite("Standard Webhooks signatures")
struct StandardWebhookSignatureTests {
    /// 32 bytes 0x01…0x20; the reference library signs the vector below with it.
    let fixedSecret = StandardWebhookSecret("whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
    let body = Array(#"{"type":"invoice.paid","data":{"amount":"12.50","customer":"Zoë & Co."}}"#.utf8)

    @Test("a generated secret is whsec_ + base64 of 32 bytes, reads back, and never shows its key")
    func secret() throws {
        let secret = StandardWebhookSecret.generate()
        #expect(secret.text.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(secret.text.dropFirst(6)))?.count == 32)
        #expect(StandardWebhookSecret(secret.text) == secret)
        #expect(StandardWebhookSecret.generate() != secret)
        let key = String(secret.text.dropFirst(6))
        for shown in [
            "\(secret)", String(reflecting: secret),
            {
                var text = ""
                dump(secret, to: &text)
                return text
            }(),
        ] {
            #expect(!shown.contains(key), "\(shown)")
        }
    }

    @Test(
        "secrets outside the form are refused",
        arguments: [
            "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",  // no prefix
            "whsec_",  // empty
            "whsec_not base64!",
            "whsec_" + Data(repeating: 7, count: 23).base64EncodedString(),  // 23 bytes
            "whsec_" + Data(repeating: 7, count: 65).base64EncodedString(),  // 65 bytes
        ])
    func refusedSecrets(text: String) {
        #expect(StandardWebhookSecret(text) == nil)
    }

    @Test("24 and 64 byte keys are accepted, padded or not")
    func keyLengths() {
        #expect(StandardWebhookSecret("whsec_" + Data(repeating: 7, count: 24).base64EncodedString()) != nil)
        #expect(StandardWebhookSecret("whsec_" + Data(repeating: 7, count: 64).base64EncodedString()) != nil)
        #expect(StandardWebhookSecret("whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA") == fixedSecret)
    }

    @Test("sign gives the reference library's signature for the same id, timestamp, body and secret")
    func knownAnswer() throws {
        let secret = try #require(fixedSecret)
        let signature = StandardWebhookSignature.sign(
            id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", timestamp: 1_674_087_231, body: Array(#"{"type":"invoice.paid","data":{"amount":"12.50"}}"#.utf8),
            secret: secret)
        #expect(signature == "v1,yYTHjJNIXzRsa6ltPDuKtFp2wIwLrJMVSUYuk/0zfek=")
    }

    @Test("the reference library verifies our headers; with two signatures (a rotation) either secret passes; a tampered body fails")
    func referenceLibrary() throws {
        let old = StandardWebhookSecret.generate()
        let new = StandardWebhookSecret.generate()
        let now = Int(Date().timeIntervalSince1970)
        let single = StandardWebhookSignature.headers(id: "evt_01", timestamp: now, body: body, secrets: [new])
        #expect(try StandardWebhooksReference.verifies(secret: new.text, headers: single, body: body))
        #expect(try !StandardWebhooksReference.verifies(secret: old.text, headers: single, body: body))

        let rotating = StandardWebhookSignature.headers(id: "evt_02", timestamp: now, body: body, secrets: [old, new])
        #expect(rotating.first { $0.0 == "webhook-signature" }?.1.split(separator: " ").count == 2)
        #expect(try StandardWebhooksReference.verifies(secret: old.text, headers: rotating, body: body))
        #expect(try StandardWebhooksReference.verifies(secret: new.text, headers: rotating, body: body))
        var tampered = body
        tampered[tampered.count - 3] ^= 0x01
        #expect(try !StandardWebhooksReference.verifies(secret: new.text, headers: rotating, body: tampered))
    }

    @Test("verify accepts our headers in any case and with either rotated secret")
    func verify() throws {
        let old = StandardWebhookSecret.generate()
        let new = StandardWebhookSecret.generate()
        let now = Date()
        let headers = StandardWebhookSignature.headers(id: "evt_03", timestamp: Int(now.timeIntervalSince1970), body: body, secrets: [old, new])
        try StandardWebhookSignature.verify(headers: headers, body: body, secret: old, now: now)
        try StandardWebhookSignature.verify(headers: headers.map { ($0.0.uppercased(), $0.1) }, body: body, secret: new, now: now)
    }

    @Test("verify refuses a missing header, a stale or future timestamp, a tampered body and a foreign secret")
    func verifyRefusals() throws {
        let secret = StandardWebhookSecret.generate()
        let now = Date()
        let timestamp = Int(now.timeIntervalSince1970)
        let headers = StandardWebhookSignature.headers(id: "evt_04", timestamp: timestamp, body: body, secrets: [secret])
        #expect(throws: StandardWebhookVerificationError.missingHeader("webhook-signature")) {
            try StandardWebhookSignature.verify(headers: Array(headers.prefix(2)), body: body, secret: secret, now: now)
        }
        #expect(throws: StandardWebhookVerificationError.staleTimestamp) {
            try StandardWebhookSignature.verify(headers: headers, body: body, secret: secret, now: now.addingTimeInterval(301))
        }
        #expect(throws: StandardWebhookVerificationError.staleTimestamp) {
            try StandardWebhookSignature.verify(headers: headers, body: body, secret: secret, now: now.addingTimeInterval(-301))
        }
        try StandardWebhookSignature.verify(headers: headers, body: body, secret: secret, now: now.addingTimeInterval(299))
        #expect(throws: StandardWebhookVerificationError.noMatchingSignature) {
            try StandardWebhookSignature.verify(headers: headers, body: body + [0x20], secret: secret, now: now)
        }
        #expect(throws: StandardWebhookVerificationError.noMatchingSignature) {
            try StandardWebhookSignature.verify(headers: headers, body: body, secret: .generate(), now: now)
        }
        let farFuture = headers.map { $0.0 == "webhook-timestamp" ? ($0.0, String(Int.max)) : $0 }
        #expect(throws: StandardWebhookVerificationError.staleTimestamp) {
            try StandardWebhookSignature.verify(headers: farFuture, body: body, secret: secret, now: now)
        }
        let wrongTime = headers.map { $0.0 == "webhook-timestamp" ? ($0.0, "soon") : $0 }
        #expect(throws: StandardWebhookVerificationError.invalidTimestamp) {
            try StandardWebhookSignature.verify(headers: wrongTime, body: body, secret: secret, now: now)
        }
    }
}
