import BillingXMLSignature
import Foundation
import Testing

@testable import Invoicing

/// The `POST /nfse` messages of SEFIN Nacional (issue 29): the DPS GZip + base64 in `dpsXmlGZipB64` (read back by gunzip, the
/// independent tool), the success read into the access key, number and XML, refusals into their code, 5xx as transient.
@Suite("NFS-e Nacional: SEFIN Nacional messages")
struct SefinNacionalMessagesTests {
    static let dps =
        #"<?xml version="1.0" encoding="UTF-8"?><DPS xmlns="http://www.sped.fazenda.gov.br/nfse"><infDPS Id="DPS1">São Paulo</infDPS></DPS>"#

    @Test("the request body is the DPS as GZip in base64, which gunzip reads back")
    func request() throws {
        let body = try SefinNacionalMessages.issueRequest(signedDPS: Self.dps)
        #expect(try SefinNacionalMessages.dps(ofIssueRequest: body) == Self.dps)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: String])
        let encoded = try #require(object["dpsXmlGZipB64"])
        let compressed = try #require(Data(base64Encoded: encoded))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dps-\(UUID().uuidString).gz")
        try compressed.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && String(decoding: output, as: UTF8.self) == Self.dps)
        #expect(throws: GZip.Failure.self) { try GZip.decompress(Array("not gzip".utf8)) }
        #expect(throws: GZip.Failure.self) { try GZip.decompress(try GZip.compress([UInt8](repeating: 7, count: 100_000)), limit: 1000) }
    }

    @Test("answers: issued with key, number and XML; rejected with the first error's code; 5xx, 429 and unreadable successes transient")
    func outcomes() throws {
        let key = String(repeating: "1", count: 50)
        let nfse = "<NFSe xmlns=\"http://www.sped.fazenda.gov.br/nfse\"><infNFSe Id=\"NFS\(key)\"><nNFSe>42</nNFSe></infNFSe></NFSe>"
        let issued = try JSONSerialization.data(withJSONObject: [
            "chaveAcesso": key, "idDps": "DPS1", "nfseXmlGZipB64": Data(try GZip.compress(Array(nfse.utf8))).base64EncodedString(),
        ])
        #expect(SefinNacionalMessages.outcome(status: 201, body: Array(issued)) == .issued(accessKey: key, number: "42", xml: nfse))
        let refused = try JSONSerialization.data(withJSONObject: [
            "erros": [["codigo": "E0014", "descricao": "DPS já existente", "complemento": "idDps DPS1"]]
        ])
        #expect(
            SefinNacionalMessages.outcome(status: 400, body: Array(refused))
                == .rejected(code: "E0014", message: "DPS já existente: idDps DPS1"))
        #expect(
            SefinNacionalMessages.outcome(status: 403, body: []) == .rejected(code: "HTTP_403", message: "SEFIN Nacional answered 403 without erros"))
        #expect(SefinNacionalMessages.outcome(status: 503, body: Array(refused)) == .transient("SEFIN Nacional answered 503"))
        #expect(SefinNacionalMessages.outcome(status: 429, body: []) == .transient("SEFIN Nacional answered 429"))
        if case .transient = SefinNacionalMessages.outcome(status: 201, body: Array(#"{"chaveAcesso":"12"}"#.utf8)) {
        } else {
            Issue.record("a success without a valid key must be retried")
        }
    }
}
