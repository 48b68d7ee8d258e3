import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import InvoicingContract
import Testing

@testable import Invoicing

/// Tax rates (issue 26): what a rate may hold (pure), and `tax_rates` on PostgreSQL — the active rates finalization reads, per tenant
/// and oldest first, the table's own checks, and the two tax settings read inside a transaction.
@Suite("Tax rates: rules and store")
struct TaxRateStoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func request(
        _ percentage: String, inclusive: Bool? = nil, codes: [String]? = nil, withholding: TaxWithholding? = nil, name: String = "ISS",
        jurisdiction: String? = nil
    ) -> CreateTaxRateRequest {
        CreateTaxRateRequest(
            name: name, percentage: DecimalNumber(percentage)!, inclusive: inclusive, jurisdiction: jurisdiction, taxCodes: codes,
            withholding: withholding)
    }

    /// The field a refusal names (nil: accepted).
    static func refusedField(_ request: CreateTaxRateRequest) -> String? {
        do {
            _ = try TaxRateRules.rate(request, id: .generate(at: now), at: now)
            return nil
        } catch let error as InvoicingError {
            return error.rpcError.details["field"]
        } catch {
            return "?"
        }
    }

    @Test(
        "refusals name their field",
        arguments: [
            (request("5", inclusive: true, codes: ["01.07"]), nil),
            (request("99.9999"), nil),
            (request("0.0001", withholding: .irrf), nil),
            (request("100"), "percentage"),
            (request("0"), "percentage"),
            (request("-2"), "percentage"),
            (request("0.12345"), "percentage"),
            (request("1", inclusive: true, withholding: .cofins), "inclusive"),
            (request("1", codes: ["01 07"]), "taxCodes"),
            (request("1", codes: [""]), "taxCodes"),
            (request("1", codes: [String(repeating: "A", count: 33)]), "taxCodes"),
            (request("1", codes: ["A", "B", "A"]), "taxCodes"),
            (request("1", codes: (0...50).map { "C\($0)" }), "taxCodes"),
            (request("1", codes: (0..<50).map { "C\($0)" }), nil),
            (request("1", name: " "), "name"),
            (request("1", name: String(repeating: "n", count: 101)), "name"),
            (request("1", jurisdiction: String(repeating: "j", count: 101)), "jurisdiction"),
        ] as [(CreateTaxRateRequest, String?)])
    func rules(_ request: CreateTaxRateRequest, field: String?) {
        #expect(Self.refusedField(request) == field, "\(request)")
    }

    @Test("an update changes only name, description, jurisdiction and active; an empty description or jurisdiction clears it")
    func updates() throws {
        let rate = try TaxRateRules.rate(
            CreateTaxRateRequest(name: "ISS", description: "serviços", percentage: DecimalNumber("5")!, jurisdiction: "São Paulo/SP"),
            id: .generate(at: Self.now), at: Self.now)
        let later = Self.now.addingTimeInterval(60)
        let changed = try TaxRateRules.updated(
            rate, with: UpdateTaxRateRequest(id: rate.id, name: "ISS SP", description: "", jurisdiction: "", active: false), at: later)
        #expect(changed.name == "ISS SP" && changed.description == nil && changed.jurisdiction == nil && !changed.active)
        #expect(changed.percentage == rate.percentage && changed.updatedAt == later && changed.createdAt == Self.now)
        #expect(try TaxRateRules.updated(rate, with: UpdateTaxRateRequest(id: rate.id), at: later) == rate, "nothing asked, nothing changed")
        #expect(throws: InvoicingError.self) { try TaxRateRules.updated(rate, with: UpdateTaxRateRequest(id: rate.id, name: ""), at: later) }
    }

    @Test(
        """
        stored and read back as created; active(tenant:on:) answers the tenant's active rates oldest first and no other tenant's; \
        the table refuses what the rules refuse; the tax settings read inside a transaction
        """
    )
    func store() async throws {
        try await TestEnvironment.withFreshSchema("tax", migrations: try InvoicingService.migrations) { database in
            let store = TaxRateStore(logger: database.logger)
            let (tenant, other) = ("tax-a", "tax-b")
            var rates: [TaxRate] = []
            for (offset, request) in [
                Self.request("5", inclusive: true, codes: ["01.07", "01.08"], jurisdiction: "São Paulo/SP"),
                Self.request("1.5", withholding: .irrf, name: "IRRF"),
                Self.request("0.65", withholding: .pis, name: "PIS"),
            ].enumerated() {
                let at = Self.now.addingTimeInterval(Double(offset))
                rates.append(try TaxRateRules.rate(request, id: .generate(at: at), at: at))
            }
            let foreign = try TaxRateRules.rate(Self.request("2"), id: .generate(at: Self.now), at: Self.now)
            try await database.withTenant(tenant) { connection in
                for rate in rates.reversed() { try await store.insert(rate, tenant: tenant, on: connection) }
            }
            try await database.withTenant(other) { try await store.insert(foreign, tenant: other, on: $0) }

            var deactivated = rates[1]
            deactivated.active = false
            deactivated.updatedAt = Self.now.addingTimeInterval(10)
            try await database.withTenant(tenant) { try await store.update(deactivated, tenant: tenant, on: $0) }

            try await database.withTenant(tenant) { connection in
                #expect(try await store.find(rates[0].id, tenant: tenant, on: connection) == rates[0])
                #expect(try await store.find(foreign.id, tenant: tenant, on: connection) == nil)
                #expect(try await store.active(tenant: tenant, on: connection) == [rates[0], rates[2]])
                let page = try await store.list(ListTaxRatesRequest(pageSize: 2), tenant: tenant, on: connection)
                #expect(page.items == [rates[0], deactivated] && page.nextCursor == deactivated.id)
                let rest = try await store.list(ListTaxRatesRequest(pageSize: 2, after: page.nextCursor), tenant: tenant, on: connection)
                #expect(rest.items == [rates[2]] && rest.nextCursor == nil)
                #expect(try await store.list(ListTaxRatesRequest(active: false), tenant: tenant, on: connection).items == [deactivated])
            }
            #expect(try await database.withTenant(other) { try await store.active(tenant: other, on: $0) } == [foreign])

            // The table's own checks: a second wall behind the rules.
            for (percentage, inclusive, withholding) in [("100", false, nil), ("0.12345", false, nil), ("1", true, TaxWithholding.csll)] {
                let bad = TaxRate(
                    id: .generate(at: Self.now), name: "x", percentage: DecimalNumber(percentage)!, inclusive: inclusive, withholding: withholding,
                    createdAt: Self.now, updatedAt: Self.now)
                await #expect(throws: (any Error).self, "\(percentage) \(inclusive) \(String(describing: withholding))") {
                    try await database.withTenant(tenant) { try await store.insert(bad, tenant: tenant, on: $0) }
                }
            }

            let invoices = InvoiceStore(logger: database.logger)
            try await database.withTenant(tenant) { connection in
                let defaults = try await invoices.settings(tenant: tenant, on: connection)
                #expect(!defaults.simplesNacional && defaults.defaultTaxCode == nil)
                try await invoices.setSettings(
                    InvoiceSettings(netTermsDays: 10, simplesNacional: true, defaultTaxCode: "01.07"), at: Self.now, tenant: tenant, on: connection)
                let set = try await invoices.settings(tenant: tenant, on: connection)
                #expect(set.simplesNacional && set.defaultTaxCode == "01.07" && set.netTermsDays == 10)
            }
            await #expect(throws: InvoicingError.self) {
                try await database.withTenant(tenant) { connection in
                    try await invoices.setSettings(InvoiceSettings(defaultTaxCode: "01/07"), at: Self.now, tenant: tenant, on: connection)
                }
            }
        }
    }

    @Test("settings written before the tax fields decode: simplesNacional false, defaultTaxCode absent")
    func earlierSettingsDecode() throws {
        let settings = try WireJSONDecoder().decode(InvoiceSettings.self, from: Array(#"{"autoFinalize":true,"netTermsDays":7}"#.utf8))
        #expect(settings == InvoiceSettings(autoFinalize: true, netTermsDays: 7))
    }
}
