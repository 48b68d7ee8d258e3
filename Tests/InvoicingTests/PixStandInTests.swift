import BillingTesting
import Foundation
import Testing

@Suite("The API Pix stand-in's certificates and mutual TLS")
struct PixStandInTests {
    @Test("issue() writes the CA, the server's and both clients' certificates and unencrypted keys as readable PEM files")
    func certificates() throws {
        let certificates = try PixStandInCertificates.issue()
        defer { certificates.remove() }
        for file in [certificates.caFile, certificates.serverCertificate, certificates.clientCertificate, certificates.untrustedClientCertificate] {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.hasPrefix("-----BEGIN CERTIFICATE-----"), "\(file)")
        }
        for file in [certificates.serverKey, certificates.clientKey, certificates.untrustedClientKey] {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.hasPrefix("-----BEGIN PRIVATE KEY-----"), "\(file)")
        }
        certificates.remove()
        #expect(!FileManager.default.fileExists(atPath: certificates.directory.path))
    }

    @Test("a connection needs the customer's client certificate: none, or one from another CA, is refused")
    func mutualTLS() async throws {
        let standIn = try await PixStandIn.start()
        let certificates = standIn.certificates
        do {
            let status = try await standIn.probe(certificateFile: certificates.clientCertificate, keyFile: certificates.clientKey)
            #expect(status == 403, "accepted, and refused for want of an access token")
            await #expect(throws: (any Error).self) { try await standIn.probe(certificateFile: nil, keyFile: nil) }
            await #expect(throws: (any Error).self) {
                try await standIn.probe(certificateFile: certificates.untrustedClientCertificate, keyFile: certificates.untrustedClientKey)
            }
            #expect(standIn.requests().count == 1, "the refused connections never got to send a request")
        } catch {
            await standIn.stop()
            throw error
        }
        await standIn.stop()
        #expect(!FileManager.default.fileExists(atPath: certificates.directory.path))
    }
}
