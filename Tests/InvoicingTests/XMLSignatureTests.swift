import BillingXMLSignature
import Foundation
import Testing

/// An ICP-Brasil-shaped A1 certificate for tests: an RSA-2048 key and a self-signed certificate in a PKCS#12 file,
/// issued with `openssl` into a temporary directory.
struct TestA1Certificate {
    let directory: URL
    let password: String
    var pkcs12: [UInt8] { Array(FileManager.default.contents(atPath: directory.appendingPathComponent("a1.p12").path)!) }
    var certificatePEM: String { directory.appendingPathComponent("a1.crt").path }
    var keyPEM: String { directory.appendingPathComponent("a1.key").path }

    static func issue(cnpj: String = "11222333000181", password: String = "senha do A1") throws -> TestA1Certificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("a1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "a1.key", "-out", "a1.crt", "-days", "2",
                "-subj", "/C=BR/O=ICP-Brasil/OU=Certificado PJ A1/CN=EMPRESA TESTE LTDA:\(cnpj)",
            ], in: directory)
        try run(
            "openssl", ["pkcs12", "-export", "-inkey", "a1.key", "-in", "a1.crt", "-out", "a1.p12", "-passout", "pass:\(password)"],
            in: directory)
        return TestA1Certificate(directory: directory, password: password)
    }

    /// Runs a tool; returns its exit status and its combined output.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], in directory: URL, check: Bool = true) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if check && process.terminationStatus != 0 {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(tool) failed: \(output)"])
        }
        return (process.terminationStatus, output)
    }
}

@Suite("XMLDSig signatures (xmlsec1)")
struct XMLSignatureTests {
    static let namespace = "http://www.sped.fazenda.gov.br/nfse"
    static let document =
        #"<?xml version="1.0" encoding="UTF-8"?><DPS xmlns="http://www.sped.fazenda.gov.br/nfse" versao="1.00"><infDPS Id="DPS355030821122233300018100001000000000000001"><tpAmb>2</tpAmb><xDesc>Serviço de software — ação</xDesc></infDPS></DPS>"#

    /// `xmlsec1 --verify` (Debian's command line tool, a separate program) against the certificate as a trusted PEM.
    static func verify(_ xml: String, with certificate: TestA1Certificate) throws -> (Int32, String) {
        let file = certificate.directory.appendingPathComponent("signed-\(UUID().uuidString).xml")
        try Data(xml.utf8).write(to: file)
        return try TestA1Certificate.run(
            "xmlsec1",
            ["--verify", "--trusted-pem", certificate.certificatePEM, "--id-attr:Id", "\(namespace):infDPS", file.path],
            in: certificate.directory, check: false)
    }

    @Test("an enveloped RSA-SHA256 signature with the certificate's X509Data that xmlsec1 --verify accepts; a changed byte fails it")
    func signAndVerify() throws {
        let certificate = try TestA1Certificate.issue()
        defer { try? FileManager.default.removeItem(at: certificate.directory) }
        let signer = try XMLSigner(pkcs12: certificate.pkcs12, password: certificate.password)
        let signed = try signer.signEnveloped(Self.document, referenceID: "DPS355030821122233300018100001000000000000001")

        #expect(signed.contains(#"<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#))
        #expect(signed.contains(##"<Reference URI="#DPS355030821122233300018100001000000000000001">"##))
        #expect(signed.contains(#"<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#))
        #expect(signed.contains(#"<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#))
        #expect(signed.contains("</infDPS><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"), "the Signature follows infDPS")
        let pem = try String(contentsOfFile: certificate.certificatePEM, encoding: .utf8)
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let x509 = signed.range(of: "<X509Certificate>").flatMap { start in
            signed.range(of: "</X509Certificate>").map { signed[start.upperBound..<$0.lowerBound] }
        }
        #expect(x509.map { $0.filter { !$0.isWhitespace } } == Substring(body), "X509Data carries the signer's certificate")

        let (status, output) = try Self.verify(signed, with: certificate)
        #expect(status == 0, "xmlsec1 --verify: \(output)")
        #expect(output.contains("OK"))

        let tampered = signed.replacingOccurrences(of: "<tpAmb>2</tpAmb>", with: "<tpAmb>1</tpAmb>")
        #expect(tampered != signed)
        let (tamperedStatus, _) = try Self.verify(tampered, with: certificate)
        #expect(tamperedStatus != 0, "a changed element must fail verification")
    }

    @Test("a wrong password or a missing Id is refused with an error that names it")
    func refusals() throws {
        let certificate = try TestA1Certificate.issue()
        defer { try? FileManager.default.removeItem(at: certificate.directory) }
        #expect(throws: XMLSignatureError.self) { try XMLSigner(pkcs12: certificate.pkcs12, password: "errada") }
        #expect(throws: XMLSignatureError.self) { try XMLSigner(pkcs12: Array("not a p12".utf8), password: "x") }
        let signer = try XMLSigner(pkcs12: certificate.pkcs12, password: certificate.password)
        #expect {
            try signer.signEnveloped(Self.document, referenceID: "DPSnope")
        } throws: { ($0 as? XMLSignatureError)?.message.contains("DPSnope") == true }
        #expect(throws: XMLSignatureError.self) { try signer.signEnveloped("<DPS><unclosed></DPS>", referenceID: "x") }
    }
}
