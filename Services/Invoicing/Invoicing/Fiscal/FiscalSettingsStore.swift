import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// The tenant's fiscal settings as `fiscal_settings` holds them: the plain settings and the sealed A1 certificate and password.
struct StoredFiscalSettings: Sendable {
    var settings: FiscalSettings
    var sealedCertificate: String
    var sealedPassword: String
    var updatedAt: Date
}

/// SQL for `fiscal_settings` (one row per tenant). Every statement filters by tenant; row-level security is the second wall.
struct FiscalSettingsStore {
    let logger: Logger

    static let columns = """
        cnpj, municipal_registration, municipality_code, national_service_code, municipal_service_code, iss_rate::text, simples_nacional,
        environment, issue_on, series, certificate_sealed, certificate_password_sealed, updated_at
        """

    func find(tenant: String, on connection: PostgresConnection) async throws -> StoredFiscalSettings? {
        let rows = try await connection.rows(
            PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM fiscal_settings WHERE tenant_id = $1", binds: try .of(tenant)),
            logger: logger)
        guard let row = rows.first else { return nil }
        var columns = ColumnReader(row)
        let cnpj: String = try columns.next()
        let registration: String? = try columns.next()
        let municipality: String = try columns.next()
        let national: String = try columns.next()
        let municipal: String? = try columns.next()
        let rate: String? = try columns.next()
        let simples: String = try columns.next()
        let environment: String = try columns.next()
        let issueOn: String = try columns.next()
        let series: String = try columns.next()
        let certificate: String = try columns.next()
        let password: String = try columns.next()
        let updatedAt: Date = try columns.next()
        guard let simplesNacional = DPSDocument.SimplesNacional(rawValue: simples),
            let environmentValue = DPSDocument.Environment(rawValue: environment), let issue = FiscalSettings.IssueOn(rawValue: issueOn)
        else { throw FiscalSettingsRowError(tenant: tenant) }
        var issRate: DecimalNumber?
        if let rate {
            guard let value = DecimalNumber(rate) else { throw FiscalSettingsRowError(tenant: tenant) }
            issRate = value
        }
        return StoredFiscalSettings(
            settings: FiscalSettings(
                cnpj: cnpj, municipalRegistration: registration, municipalityCode: municipality, nationalServiceCode: national,
                municipalServiceCode: municipal, issRate: issRate, simplesNacional: simplesNacional, environment: environmentValue,
                issueOn: issue, series: series),
            sealedCertificate: certificate, sealedPassword: password, updatedAt: updatedAt)
    }

    /// Writes the tenant's row, replacing the one before.
    func upsert(_ stored: StoredFiscalSettings, tenant: String, on connection: PostgresConnection) async throws {
        let settings = stored.settings
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO fiscal_settings (
                        tenant_id, cnpj, municipal_registration, municipality_code, national_service_code, municipal_service_code, iss_rate,
                        simples_nacional, environment, issue_on, series, certificate_sealed, certificate_password_sealed, created_at,
                        updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9, $10, $11, $12, $13, $14, $14)
                    ON CONFLICT (tenant_id) DO UPDATE SET
                        cnpj = $2, municipal_registration = $3, municipality_code = $4, national_service_code = $5,
                        municipal_service_code = $6, iss_rate = $7::numeric, simples_nacional = $8, environment = $9, issue_on = $10,
                        series = $11, certificate_sealed = $12, certificate_password_sealed = $13, updated_at = $14
                    """,
                binds: try .of(
                    tenant, settings.cnpj, settings.municipalRegistration, settings.municipalityCode, settings.nationalServiceCode,
                    settings.municipalServiceCode, settings.issRate?.text, settings.simplesNacional.rawValue, settings.environment.rawValue,
                    settings.issueOn.rawValue, settings.series, stored.sealedCertificate, stored.sealedPassword, stored.updatedAt)),
            logger: logger)
    }
}

struct FiscalSettingsRowError: Error, CustomStringConvertible {
    var tenant: String
    var description: String { "fiscal_settings of tenant \(tenant) holds a value this version does not read" }
}
