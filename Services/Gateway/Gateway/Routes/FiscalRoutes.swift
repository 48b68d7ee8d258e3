import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import InvoicingContract

/// `/api/v1/fiscal-settings`: the tenant as an NFS-e Nacional issuer (issue 29). Operators only (not in ``CustomerRoutes``); the
/// A1 certificate goes in and never comes out.
enum FiscalRoutes {
    static let settingsType = "fiscal-settings"
    static let settingsPath = "/api/v1/fiscal-settings"
    static let tag = InvoiceRoutes.tag

    static func routes(client: RPCClient) -> [APIRoute] {
        let view = APIRoute.ResponseSpec(
            status: .ok, resourceType: settingsType, attributes: .of(FiscalSettingsView.self), isCollection: false,
            idFormat: nil)  // the tenant's id, the token's organizationId
        return [
            APIRoute(
                method: .get, path: settingsPath, operationID: "getFiscalSettings", tag: tag,
                summary:
                    """
                    The tenant's NFS-e Nacional settings: CNPJ, municipal registration, municipality (IBGE), national and municipal service \
                    codes, ISS rate, Simples Nacional option, environment (HOMOLOGACAO or PRODUCAO), when an invoice gets its NFS-e (PAID or \
                    FINALIZED), the DPS series, and `certificateStored`; never the certificate or its password. 404 \
                    FISCAL_SETTINGS_NOT_FOUND before they are set.
                    """,
                permission: .fiscalSettingsRead, requestBody: nil, response: view, queryParameters: [],
                additionalErrors: [404: "The tenant has set no fiscal settings yet (FISCAL_SETTINGS_NOT_FOUND)"]
            ) { request in
                try request.query.requireOnly([])
                let settings = try await client.call(InvoicingAPI.fiscalSettings, GetFiscalSettingsRequest(), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: settingsType, id: request.principal.tenant, from: settings)))
            },
            APIRoute(
                method: .put, path: settingsPath, operationID: "setFiscalSettings", tag: tag,
                summary:
                    """
                    Replace the tenant's NFS-e Nacional settings: `cnpj` (14 digits), `municipalRegistration` (1 to 15 characters), \
                    `municipalityCode` (IBGE, 7 digits), `nationalServiceCode` (cTribNac, 6 digits), `municipalServiceCode` (cTribMun, 3 \
                    digits), `issRate` (2 to 5 %, at most 2 decimals), `simplesNacional` (NONE, MEI, ME_EPP; default NONE), `environment` \
                    (HOMOLOGACAO or PRODUCAO), `issueOn` (PAID, the default, or FINALIZED), `series` (1 to 5 digits, default 1), and the \
                    ICP-Brasil A1 certificate: `certificate` (the PKCS#12 file in base64) with `certificatePassword`, checked to open and \
                    hold a private key, then stored encrypted; left out, the stored one is kept (required the first time). 422 names the \
                    field at fault; 409 FISCAL_UNAVAILABLE when the deployment has no key to encrypt certificates with.
                    """,
                permission: .fiscalSettingsUpdate,
                requestBody: .init(resourceType: settingsType, attributes: .of(SetFiscalSettingsRequest.self), optional: false),
                response: view, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let attributes = try request.attributes(SetFiscalSettingsRequest.self, resourceType: settingsType)
                let settings = try await client.call(InvoicingAPI.setFiscalSettings, attributes, options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: settingsType, id: request.principal.tenant, from: settings)))
            },
        ]
    }
}
