import BillingCore
import BillingTesting
import Foundation
import Testing

/// NFS-e Nacional settings (issue 29) through the gateway: the A1 certificate goes in and never comes out; refusals name their
/// field; tenants apart; customers kept out.
@Suite("Fiscal settings through the gateway (real processes)", .timeLimit(.minutes(3)))
struct FiscalSettingsEndToEndTests {
    static let path = "/api/v1/fiscal-settings"

    /// A self-signed RSA key and certificate in a PKCS#12 with `password`, base64, made by openssl.
    static func pkcs12(password: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fiscal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for arguments in [
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "a1.key", "-out", "a1.crt", "-days", "2", "-subj",
                "/C=BR/O=ICP-Brasil/CN=EMPRESA TESTE LTDA:11222333000181",
            ],
            ["pkcs12", "-export", "-inkey", "a1.key", "-in", "a1.crt", "-out", "a1.p12", "-passout", "pass:\(password)"],
        ] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0)
        }
        return try #require(FileManager.default.contents(atPath: directory.appendingPathComponent("a1.p12").path)).base64EncodedString()
    }

    @Test(
        """
        PUT with the A1 certificate and GET answer the settings without the certificate or its password; a later PUT without it \
        keeps it; 422 naming certificate (missing the first time, wrong password) and cnpj; 404 before set and for another \
        tenant; 403 for a customer token
        """)
    func fiscalSettings() async throws {
        let cluster = try await TestCluster.shared.start()
        let client = cluster.client
        let tenant = newTenant("fiscal")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let password = "senha-\(UUID().uuidString.prefix(8))"
        let certificate = try Self.pkcs12(password: password)
        func put(_ attributes: JSONValue, as token: String) async throws -> HTTPTestResponse {
            try await client.send("PUT", Self.path, token: token, json: resource("fiscal-settings", attributes))
        }
        func settings(_ extra: [String: JSONValue]) -> JSONValue {
            var attributes: [String: JSONValue] = [
                "cnpj": "11222333000181", "municipalRegistration": "12345678", "municipalityCode": "3550308",
                "nationalServiceCode": "010701", "issRate": .number("2.5"), "environment": "HOMOLOGACAO",
            ]
            for (key, value) in extra { attributes[key] = value }
            return .object(JSONObject(attributes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }

        #expect(try await client.get(Self.path, token: token).status == 404)
        let missing = try await put(settings([:]), as: token)
        #expect(missing.status == 422 && missing.text.contains("certificate"), "\(missing.text.prefix(300))")
        let wrong = try await put(settings(["certificate": .string(certificate), "certificatePassword": "errada"]), as: token)
        #expect(wrong.status == 422 && wrong.text.contains("certificate"), "\(wrong.text.prefix(300))")
        let badCNPJ = try await put(
            settings(["cnpj": "123", "certificate": .string(certificate), "certificatePassword": .string(password)]), as: token)
        #expect(badCNPJ.status == 422 && badCNPJ.text.contains("cnpj"), "\(badCNPJ.text.prefix(300))")

        let set = try await put(settings(["certificate": .string(certificate), "certificatePassword": .string(password)]), as: token)
        #expect(
            set.status == 200 && set.data?["type"] == "fiscal-settings" && set.attribute("cnpj") == "11222333000181"
                && set.attribute("issRate")?.decimalValue == DecimalNumber("2.5") && set.attribute("issueOn") == "PAID"
                && set.attribute("series") == "1" && set.attribute("certificateStored") == true
                && set.attribute("certificate") == nil && set.attribute("certificatePassword") == nil,
            "\(set.text.prefix(500))")
        #expect(!set.text.contains(password) && !set.text.contains(String(certificate.prefix(40))))
        let read = try await client.get(Self.path, token: token)
        #expect(read.status == 200 && read.data?["attributes"] == set.data?["attributes"] && !read.text.contains(password))

        let later = try await put(settings(["issueOn": "FINALIZED", "environment": "PRODUCAO"]), as: token)
        #expect(
            later.status == 200 && later.attribute("issueOn") == "FINALIZED" && later.attribute("environment") == "PRODUCAO"
                && later.attribute("certificateStored") == true, "\(later.text.prefix(300))")

        let stranger = try cluster.tokens.token(tenant: newTenant("fiscal-other"), roles: ["owner"])
        #expect(try await client.get(Self.path, token: stranger).status == 404)
        let customer = try cluster.tokens.token(
            tenant: tenant, subject: "cliente", roles: ["owner"],
            extraClaims: ["billingAccountId": .string(UUIDv7.generate().uuidString.lowercased())])
        #expect(try await client.get(Self.path, token: customer).status == 403)
        #expect(try await put(settings([:]), as: customer).status == 403)
    }
}
