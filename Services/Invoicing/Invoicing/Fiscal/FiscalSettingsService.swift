import BillingCore
import BillingPostgres
import BillingRPC
import BillingService
import BillingXMLSignature
import Foundation
import InvoicingContract
import PostgresNIO

/// The tenant as an NFS-e Nacional issuer (issue 29): its settings replaced and read; the A1 certificate checked (it must open with
/// its password and hold a private key) and sealed before it is stored, never returned.
struct FiscalSettingsService: Sendable {
    let database: Database
    let clock: any BillingClock
    let store: FiscalSettingsStore
    /// nil: the deployment has no `BILLING_INVOICING_SECRETS_KEY`, so no certificate can be stored.
    let sealer: SecretSealer?

    static let certificatePurpose = "fiscal_settings.certificate"
    static let passwordPurpose = "fiscal_settings.certificate_password"

    func register(on router: inout RPCRouter) {
        router.register(InvoicingAPI.fiscalSettings) { _, context in try await get(tenant: context.tenant) }
        router.register(InvoicingAPI.setFiscalSettings) { request, context in try await set(request, tenant: context.tenant) }
    }

    func get(tenant: String) async throws -> FiscalSettingsView {
        guard let stored = try await database.withTenant(tenant, { try await store.find(tenant: tenant, on: $0) }) else {
            throw InvoicingError.notFound("fiscal settings of tenant", tenant, reason: "FISCAL_SETTINGS_NOT_FOUND")
        }
        return Self.view(stored)
    }

    /// Replaces the settings (a PUT: the same body twice is the same state). 422 naming the field at fault; 409
    /// FISCAL_UNAVAILABLE when the deployment cannot seal the certificate.
    func set(_ request: SetFiscalSettingsRequest, tenant: String) async throws -> FiscalSettingsView {
        let settings = try Self.settings(request)
        guard let sealer else {
            throw InvoicingError.conflict(
                "fiscal settings need a sealing key for the certificate: the deployment sets none (BILLING_INVOICING_SECRETS_KEY)",
                reason: "FISCAL_UNAVAILABLE")
        }
        var sealed: (certificate: String, password: String)?
        switch (request.certificate, request.certificatePassword) {
        case (nil, nil): break
        case (nil, _): throw InvoicingError.invalid("certificate", "certificate and certificatePassword go together")
        case (_, nil): throw InvoicingError.invalid("certificatePassword", "certificate and certificatePassword go together")
        case (let text?, let password?):
            let pkcs12 = try Self.checkedCertificate(text, password: password)
            sealed = (
                try sealer.seal(pkcs12, tenant: tenant, purpose: Self.certificatePurpose),
                try sealer.seal(Array(password.utf8), tenant: tenant, purpose: Self.passwordPurpose)
            )
        }
        let now = clock.now()
        return try await database.withTenant(tenant) { connection in
            let before = try await store.find(tenant: tenant, on: connection)
            guard let certificate = sealed?.certificate ?? before?.sealedCertificate,
                let password = sealed?.password ?? before?.sealedPassword
            else {
                throw InvoicingError.invalid("certificate", "certificate (the A1 PKCS#12 in base64) is required the first time")
            }
            let stored = StoredFiscalSettings(settings: settings, sealedCertificate: certificate, sealedPassword: password, updatedAt: now)
            try await store.upsert(stored, tenant: tenant, on: connection)
            return Self.view(stored)
        }
    }

    /// The tenant's A1 certificate and password, opened: what signs its DPS.
    func signer(for stored: StoredFiscalSettings, tenant: String) throws -> XMLSigner {
        guard let sealer else { throw InvoicingError.unavailable("no sealing key (BILLING_INVOICING_SECRETS_KEY) opens the certificate") }
        let pkcs12 = try sealer.open(stored.sealedCertificate, tenant: tenant, purpose: Self.certificatePurpose)
        let password = try sealer.open(stored.sealedPassword, tenant: tenant, purpose: Self.passwordPurpose)
        return try XMLSigner(pkcs12: pkcs12, password: String(decoding: password, as: UTF8.self))
    }

    static func settings(_ request: SetFiscalSettingsRequest) throws -> FiscalSettings {
        let settings = FiscalSettings(
            cnpj: request.cnpj, municipalRegistration: request.municipalRegistration, municipalityCode: request.municipalityCode,
            nationalServiceCode: request.nationalServiceCode, municipalServiceCode: request.municipalServiceCode, issRate: request.issRate,
            simplesNacional: DPSDocument.SimplesNacional(rawValue: (request.simplesNacional ?? .none).rawValue) ?? .none,
            environment: request.environment == .production ? .production : .homologation,
            issueOn: request.issueOn == .finalized ? .finalized : .paid, series: request.series ?? "1")
        if let (field, message) = settings.problem() { throw InvoicingError.invalid(field, message) }
        return settings
    }

    /// The PKCS#12 bytes of `text` (base64) when they open with `password` and hold a private key.
    static func checkedCertificate(_ text: String, password: String) throws -> [UInt8] {
        guard !text.isEmpty, text.count <= 64 * 1024, let bytes = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !bytes.isEmpty
        else {
            throw InvoicingError.invalid("certificate", "certificate is the A1 certificate's PKCS#12 file in base64 (at most 48 KiB)")
        }
        do {
            _ = try XMLSigner(pkcs12: Array(bytes), password: password)
        } catch {
            throw InvoicingError.invalid(
                "certificate", "certificate is not a PKCS#12 that opens with certificatePassword and holds a private key")
        }
        return Array(bytes)
    }

    static func view(_ stored: StoredFiscalSettings) -> FiscalSettingsView {
        let settings = stored.settings
        return FiscalSettingsView(
            cnpj: settings.cnpj, municipalRegistration: settings.municipalRegistration, municipalityCode: settings.municipalityCode,
            nationalServiceCode: settings.nationalServiceCode, municipalServiceCode: settings.municipalServiceCode, issRate: settings.issRate,
            simplesNacional: FiscalSimplesNacional(rawValue: settings.simplesNacional.rawValue) ?? .none,
            environment: settings.environment == .production ? .production : .homologation,
            issueOn: settings.issueOn == .finalized ? .finalized : .paid, series: settings.series, certificateStored: true,
            updatedAt: stored.updatedAt)
    }
}

/// The key that seals tenants' certificates at rest (`BILLING_INVOICING_SECRETS_KEY`: base64 of 32 random bytes,
/// `openssl rand -base64 32`). Unset: in development a fixed development key (nothing real is sealed there); in production none,
/// and fiscal settings answer 409 FISCAL_UNAVAILABLE.
enum FiscalSecrets {
    static let variable = "BILLING_INVOICING_SECRETS_KEY"

    static func sealer(_ reader: ConfigurationReader, environment: DeploymentEnvironment) throws -> SecretSealer? {
        if let text = reader.secretIfSet(variable) {
            do { return try SecretSealer(base64: text) } catch { throw ConfigurationError(variable: variable, message: "\(error)") }
        }
        guard environment.isDevelopment else { return nil }
        return try SecretSealer(key: Array(repeating: 0x42, count: 32))
    }
}
