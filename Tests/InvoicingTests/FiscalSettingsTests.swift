import BillingCore
import BillingPostgres
import BillingTesting
import BillingXMLSignature
import Foundation
import InvoicingContract
import PostgresNIO
import Testing

@testable import Invoicing

/// NFS-e Nacional settings (issue 29): secrets sealed at rest (pure), and the settings service on PostgreSQL — the A1 certificate
/// checked, sealed (neither it nor its password in the clear in the row), never returned, kept when a later PUT leaves it out, and
/// opened back into a signer; refusals naming their field; tenants apart.
@Suite("NFS-e Nacional: fiscal settings")
struct FiscalSettingsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let key = (0..<32).map { UInt8($0 * 7 % 256) }

    static func request(_ certificate: TestA1Certificate?, cnpj: String = "11222333000181", password: String? = nil) -> SetFiscalSettingsRequest {
        SetFiscalSettingsRequest(
            cnpj: cnpj, municipalRegistration: "12345678", municipalityCode: "3550308", nationalServiceCode: "010701",
            municipalServiceCode: "001", issRate: DecimalNumber("2.5"), environment: .homologation, series: "900",
            certificate: certificate.map { Data($0.pkcs12).base64EncodedString() },
            certificatePassword: certificate.map { password ?? $0.password })
    }

    /// The field a refusal names (nil: accepted).
    static func refusedField(_ work: () async throws -> Void) async -> String? {
        do {
            try await work()
            return nil
        } catch let error as InvoicingError {
            return error.rpcError.details["field"] ?? error.rpcError.reason
        } catch {
            return "\(error)"
        }
    }

    @Test("sealed secrets open only with the key, for the tenant and the purpose they were sealed for")
    func sealing() throws {
        let sealer = try SecretSealer(key: Self.key)
        let secret = Array("senha do A1".utf8)
        let sealed = try sealer.seal(secret, tenant: "t1", purpose: "password")
        #expect(sealed.hasPrefix("v1:") && !sealed.contains("senha"))
        #expect(try sealer.open(sealed, tenant: "t1", purpose: "password") == secret)
        #expect(try sealer.seal(secret, tenant: "t1", purpose: "password") != sealed)  // a fresh nonce each time
        #expect(throws: SecretSealer.Failure.self) { try sealer.open(sealed, tenant: "t2", purpose: "password") }
        #expect(throws: SecretSealer.Failure.self) { try sealer.open(sealed, tenant: "t1", purpose: "certificate") }
        let other = try SecretSealer(key: Array(repeating: 1, count: 32))
        #expect(throws: SecretSealer.Failure.self) { try other.open(sealed, tenant: "t1", purpose: "password") }
        #expect(throws: SecretSealer.Failure.self) { try SecretSealer(key: [1, 2, 3]) }
        #expect(throws: SecretSealer.Failure.self) { try SecretSealer(base64: "not base64!") }
    }

    @Test(
        """
        set and read back without the certificate; the row holds neither the PKCS#12 nor the password in the clear; a PUT without \
        the certificate keeps it; the stored one signs; 422 naming the field; 404 for another tenant; 409 without a sealing key
        """)
    func settings() async throws {
        let certificate = try TestA1Certificate.issue()
        try await TestEnvironment.withFreshSchema("fiscal", migrations: try InvoicingService.migrations) { database in
            let service = FiscalSettingsService(
                database: database, clock: ManualClock(Self.now), store: FiscalSettingsStore(logger: database.logger),
                sealer: try SecretSealer(key: Self.key))
            let (tenant, other) = ("fiscal-a", "fiscal-b")

            // The first PUT needs the certificate; a bad one, a wrong password or a bad field is refused by name.
            #expect(await Self.refusedField { _ = try await service.set(Self.request(nil), tenant: tenant) } == "certificate")
            #expect(
                await Self.refusedField { _ = try await service.set(Self.request(certificate, password: "errada"), tenant: tenant) }
                    == "certificate")
            var garbage = Self.request(certificate)
            garbage.certificate = "bm90IGEgcDEy"
            #expect(await Self.refusedField { _ = try await service.set(garbage, tenant: tenant) } == "certificate")
            var lone = Self.request(nil)
            lone.certificatePassword = "x"
            #expect(await Self.refusedField { _ = try await service.set(lone, tenant: tenant) } == "certificate")
            #expect(await Self.refusedField { _ = try await service.set(Self.request(certificate, cnpj: "123"), tenant: tenant) } == "cnpj")
            var rate = Self.request(certificate)
            rate.issRate = DecimalNumber("5.5")
            #expect(await Self.refusedField { _ = try await service.set(rate, tenant: tenant) } == "issRate")
            #expect(await Self.refusedField { _ = try await service.get(tenant: tenant) } == "FISCAL_SETTINGS_NOT_FOUND")

            let view = try await service.set(Self.request(certificate), tenant: tenant)
            #expect(
                view.cnpj == "11222333000181" && view.municipalityCode == "3550308" && view.issRate == DecimalNumber("2.5")
                    && view.environment == .homologation && view.issueOn == .paid && view.simplesNacional == FiscalSimplesNacional.none
                    && view.series == "900" && view.certificateStored && view.updatedAt == Self.now)
            #expect(try await service.get(tenant: tenant) == view)
            let encoded = String(decoding: try JSONEncoder().encode(view), as: UTF8.self)
            #expect(!encoded.contains("certificatePassword") && !encoded.contains(certificate.password))

            // At rest: sealed, not the base64 nor the password.
            let (sealedCertificate, sealedPassword) = try await database.withTenant(tenant) { connection in
                let rows = try await connection.rows(
                    PostgresQuery(
                        unsafeSQL: "SELECT certificate_sealed, certificate_password_sealed FROM fiscal_settings WHERE tenant_id = $1",
                        binds: try .of(tenant)), logger: database.logger)
                var columns = ColumnReader(try #require(rows.first))
                return (try columns.next() as String, try columns.next() as String)
            }
            let plainBase64 = Data(certificate.pkcs12).base64EncodedString()
            #expect(sealedCertificate.hasPrefix("v1:") && sealedCertificate != "v1:" + plainBase64 && !sealedPassword.contains("senha"))

            // A later PUT without the certificate changes the settings and keeps it; the stored one still signs.
            var changed = Self.request(nil)
            changed.issueOn = .finalized
            changed.environment = .production
            let second = try await service.set(changed, tenant: tenant)
            #expect(second.issueOn == .finalized && second.environment == .production && second.certificateStored)
            let stored = try #require(try await database.withTenant(tenant) { try await service.store.find(tenant: tenant, on: $0) })
            #expect(stored.sealedCertificate == sealedCertificate && stored.settings.issueOn == .finalized)
            let signed = try service.signer(for: stored, tenant: tenant).signEnveloped(
                "<DPS><infDPS Id=\"DPS1\">x</infDPS></DPS>", referenceID: "DPS1")
            #expect(signed.contains("<SignatureValue>") || signed.contains(":SignatureValue>"))
            // Sealed for this tenant: another tenant's service call cannot open it.
            #expect(throws: (any Error).self) { try service.signer(for: stored, tenant: other) }

            #expect(await Self.refusedField { _ = try await service.get(tenant: other) } == "FISCAL_SETTINGS_NOT_FOUND")
            let unsealed = FiscalSettingsService(
                database: database, clock: ManualClock(Self.now), store: FiscalSettingsStore(logger: database.logger), sealer: nil)
            #expect(await Self.refusedField { _ = try await unsealed.set(Self.request(certificate), tenant: other) } == "FISCAL_UNAVAILABLE")
        }
    }
}
