import BillingCore
import Foundation

/// The SEFIN Nacional environment a tenant issues its NFS-e in (`tpAmb`).
public enum FiscalEnvironment: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case homologation = "HOMOLOGACAO"
    case production = "PRODUCAO"
}

/// When an invoice gets its NFS-e: once paid (the default) or once finalized.
public enum FiscalIssueOn: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case paid = "PAID"
    case finalized = "FINALIZED"
}

/// The provider's Simples Nacional option on the DPS (`opSimpNac`): not opting in, MEI, ME/EPP.
public enum FiscalSimplesNacional: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case none = "NONE"
    case mei = "MEI"
    case meEpp = "ME_EPP"
}

/// `PUT /fiscal-settings`: the tenant as an NFS-e Nacional issuer (its `FiscalProvider`). `certificate` is the ICP-Brasil A1
/// certificate, a PKCS#12 file in base64, with its `certificatePassword`; both are stored encrypted and never returned. Left out,
/// the certificate stored before is kept (the first PUT needs one).
public struct SetFiscalSettingsRequest: Codable, Sendable, Equatable {
    /// The provider's CNPJ: 14 digits.
    public var cnpj: String
    /// Inscrição municipal, when the municipality gives one (1 to 15 characters).
    public var municipalRegistration: String?
    /// IBGE code of the provider's municipality: 7 digits.
    public var municipalityCode: String
    /// `cTribNac`, the national service code: 6 digits.
    public var nationalServiceCode: String
    /// `cTribMun`, the municipality's service code: 3 digits.
    public var municipalServiceCode: String?
    /// The municipality's ISS rate in percent: 2 to 5, at most 2 decimals.
    public var issRate: DecimalNumber?
    /// Default NONE.
    public var simplesNacional: FiscalSimplesNacional?
    public var environment: FiscalEnvironment
    /// Default PAID.
    public var issueOn: FiscalIssueOn?
    /// The DPS series: 1 to 5 digits, default `1`.
    public var series: String?
    /// Base64 of the A1 certificate's PKCS#12.
    public var certificate: String?
    public var certificatePassword: String?

    public init(
        cnpj: String, municipalRegistration: String? = nil, municipalityCode: String, nationalServiceCode: String,
        municipalServiceCode: String? = nil, issRate: DecimalNumber? = nil, simplesNacional: FiscalSimplesNacional? = nil,
        environment: FiscalEnvironment, issueOn: FiscalIssueOn? = nil, series: String? = nil, certificate: String? = nil,
        certificatePassword: String? = nil
    ) {
        self.cnpj = cnpj
        self.municipalRegistration = municipalRegistration
        self.municipalityCode = municipalityCode
        self.nationalServiceCode = nationalServiceCode
        self.municipalServiceCode = municipalServiceCode
        self.issRate = issRate
        self.simplesNacional = simplesNacional
        self.environment = environment
        self.issueOn = issueOn
        self.series = series
        self.certificate = certificate
        self.certificatePassword = certificatePassword
    }
}

/// The tenant's fiscal settings as read back: everything but the certificate and its password.
public struct FiscalSettingsView: Codable, Sendable, Equatable {
    public var cnpj: String
    public var municipalRegistration: String?
    public var municipalityCode: String
    public var nationalServiceCode: String
    public var municipalServiceCode: String?
    public var issRate: DecimalNumber?
    public var simplesNacional: FiscalSimplesNacional
    public var environment: FiscalEnvironment
    public var issueOn: FiscalIssueOn
    public var series: String
    /// Always true once set: a certificate is stored (its bytes never leave the service).
    public var certificateStored: Bool
    public var updatedAt: Date

    public init(
        cnpj: String, municipalRegistration: String?, municipalityCode: String, nationalServiceCode: String, municipalServiceCode: String?,
        issRate: DecimalNumber?, simplesNacional: FiscalSimplesNacional, environment: FiscalEnvironment, issueOn: FiscalIssueOn,
        series: String, certificateStored: Bool, updatedAt: Date
    ) {
        self.cnpj = cnpj
        self.municipalRegistration = municipalRegistration
        self.municipalityCode = municipalityCode
        self.nationalServiceCode = nationalServiceCode
        self.municipalServiceCode = municipalServiceCode
        self.issRate = issRate
        self.simplesNacional = simplesNacional
        self.environment = environment
        self.issueOn = issueOn
        self.series = series
        self.certificateStored = certificateStored
        self.updatedAt = updatedAt
    }
}

public struct GetFiscalSettingsRequest: Codable, Sendable, Equatable {
    public init() {}
}
