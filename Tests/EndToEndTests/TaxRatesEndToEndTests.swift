import BillingCore
import BillingTesting
import Foundation
import Testing

/// The tenant's tax rates (issue 26) and its two tax settings through the gateway: created (one replayed by its key), listed and
/// filtered, read, renamed and deactivated; refusals naming their field; another tenant's rate is not found; customers are kept out.
@Suite("Tax rates through the gateway (real processes)", .timeLimit(.minutes(4)))
struct TaxRatesEndToEndTests {
    static let rates = "/api/v1/tax-rates"

    /// An attribute left out or null.
    func isAbsent(_ value: JSONValue?) -> Bool { value == nil || value == .null }

    @Test(
        """
        ISS 5 % inclusive in São Paulo/SP for code 01.07 and IRRF 1.5 % withheld; a PIS rate created twice with one key is one rate; \
        listed oldest first, filtered by active, paged; renamed and deactivated by PATCH, its terms not; 422 naming the field for a \
        percentage of 100, 0 or 5 decimals, an inclusive withholding, a bad or repeated tax code, an empty name; 404 for an unknown \
        rate or another tenant's; 403 for a customer token
        """
    )
    func taxRates() async throws {
        let cluster = try await TestCluster.shared.start()
        let client = cluster.client
        let tenant = newTenant("tax")
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        func post(_ attributes: JSONValue, key: String? = nil) async throws -> HTTPTestResponse {
            try await client.post(
                Self.rates, token: token, json: resource("tax-rates", attributes), headers: key.map { ["Idempotency-Key": $0] } ?? [:])
        }

        let iss = try await post(
            [
                "name": "ISS", "description": "Imposto sobre serviços", "percentage": .number("5"), "inclusive": true,
                "jurisdiction": "São Paulo/SP", "taxCodes": ["01.07"],
            ])
        #expect(
            iss.status == 201 && iss.data?["type"] == "tax-rates" && iss.attribute("name") == "ISS"
                && iss.attribute("percentage")?.decimalValue == DecimalNumber("5") && iss.attribute("inclusive") == true
                && iss.attribute("jurisdiction") == "São Paulo/SP" && iss.attribute("taxCodes") == ["01.07"]
                && isAbsent(iss.attribute("withholding")) && iss.attribute("active") == true, "\(iss.text.prefix(500))")
        let issID = try #require(iss.data?["id"]?.stringValue)
        #expect(iss.headers["location"] == "\(Self.rates)/\(issID)")

        let irrf = try await post(["name": "IRRF", "percentage": .number("1.5"), "withholding": "IRRF"])
        #expect(
            irrf.status == 201 && irrf.attribute("withholding") == "IRRF" && irrf.attribute("inclusive") == false
                && irrf.attribute("percentage")?.decimalValue == DecimalNumber("1.5") && irrf.attribute("taxCodes") == [],
            "\(irrf.text.prefix(500))")
        let irrfID = try #require(irrf.data?["id"]?.stringValue)

        // One key, one rate: the replay answers the first.
        let pis = try await post(["name": "PIS", "percentage": .number("0.65"), "withholding": "PIS"], key: "pis-rate-1")
        let pisAgain = try await post(["name": "PIS", "percentage": .number("0.65"), "withholding": "PIS"], key: "pis-rate-1")
        let pisID = try #require(pis.data?["id"]?.stringValue)
        #expect(pis.status == 201 && pisAgain.status == 201 && pisAgain.data?["id"]?.stringValue == pisID, "\(pisAgain.text.prefix(300))")

        let listed = try await client.get(Self.rates, token: token)
        #expect(
            listed.status == 200 && listed.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [issID, irrfID, pisID],
            "\(listed.text.prefix(600))")
        let firstPage = try await client.get(Self.rates + "?page%5Bsize%5D=2", token: token)
        #expect(firstPage.data?.arrayValue?.count == 2 && firstPage.json?["links"]?["next"]?.stringValue != nil, "\(firstPage.text.prefix(600))")

        let got = try await client.get("\(Self.rates)/\(issID)", token: token)
        #expect(got.status == 200 && got.data == iss.data, "\(got.text.prefix(500))")

        let renamed = try await client.send(
            "PATCH", "\(Self.rates)/\(issID)", token: token, json: resource("tax-rates", ["name": "ISS SP (antigo)", "active": false]))
        #expect(
            renamed.status == 200 && renamed.attribute("name") == "ISS SP (antigo)" && renamed.attribute("active") == false
                && renamed.attribute("percentage")?.decimalValue == DecimalNumber("5") && renamed.attribute("jurisdiction") == "São Paulo/SP",
            "\(renamed.text.prefix(500))")
        let terms = try await client.send(
            "PATCH", "\(Self.rates)/\(issID)", token: token, json: resource("tax-rates", ["percentage": .number("2")]))
        #expect(terms.status == 422 && terms.firstError?["source"]?["pointer"] == "/data/attributes/percentage", "\(terms.text.prefix(300))")
        #expect(try await client.get("\(Self.rates)/\(issID)", token: token).attribute("name") == "ISS SP (antigo)")

        let inactive = try await client.get(Self.rates + "?filter%5Bactive%5D=false", token: token)
        #expect(inactive.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [issID], "\(inactive.text.prefix(400))")
        let active = try await client.get(Self.rates + "?filter%5Bactive%5D=true", token: token)
        #expect(active.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [irrfID, pisID], "\(active.text.prefix(400))")
        #expect(try await client.get(Self.rates + "?filter%5Bactive%5D=maybe", token: token).status == 400)

        // Refusals, each naming its field.
        for (attributes, field) in [
            (["name": "x", "percentage": .number("100")] as JSONValue, "percentage"),
            (["name": "x", "percentage": .number("0")], "percentage"),
            (["name": "x", "percentage": .number("0.12345")], "percentage"),
            (["name": "x", "percentage": .number("-1")], "percentage"),
            (["name": "x", "percentage": .number("1"), "inclusive": true, "withholding": "CSLL"], "inclusive"),
            (["name": "x", "percentage": .number("1"), "taxCodes": ["01 07"]], "taxCodes"),
            (["name": "x", "percentage": .number("1"), "taxCodes": ["01.07", "01.07"]], "taxCodes"),
            (["name": "x", "percentage": .number("1"), "taxCodes": [.string(String(repeating: "9", count: 33))]], "taxCodes"),
            (["name": "", "percentage": .number("1")], "name"),
            (["name": .string(String(repeating: "n", count: 101)), "percentage": .number("1")], "name"),
            (["name": "x", "percentage": .number("1"), "jurisdiction": .string(String(repeating: "j", count: 101))], "jurisdiction"),
            (["name": "x", "percentage": .number("1"), "withholding": "ICMS"], "withholding"),
        ] {
            let refused = try await post(attributes)
            #expect(
                refused.status == 422 && refused.firstError?["source"]?["pointer"]?.stringValue == "/data/attributes/\(field)",
                "\(attributes): \(refused.text.prefix(300))")
        }
        #expect(try await client.get(Self.rates, token: token).data?.arrayValue?.count == 3, "nothing refused was created")

        // Unknown, and another tenant's: not found.
        let unknown = UUIDv7.generate().uuidString.lowercased()
        let missing = try await client.get("\(Self.rates)/\(unknown)", token: token)
        #expect(missing.status == 404 && missing.firstError?["code"] == "TAX_RATE_NOT_FOUND", "\(missing.text.prefix(300))")
        let stranger = try cluster.tokens.token(tenant: newTenant("other"), roles: ["owner"])
        #expect(try await client.get("\(Self.rates)/\(irrfID)", token: stranger).status == 404)
        #expect(
            try await client.send("PATCH", "\(Self.rates)/\(irrfID)", token: stranger, json: resource("tax-rates", ["active": false])).status
                == 404)
        #expect(try await client.get(Self.rates, token: stranger).data?.arrayValue?.isEmpty == true)
        #expect(try await client.get("\(Self.rates)/\(irrfID)", token: token).attribute("active") == true)

        // Operators only.
        let customer = try cluster.tokens.token(
            tenant: tenant, subject: "cliente", roles: ["owner"],
            extraClaims: ["billingAccountId": .string(UUIDv7.generate().uuidString.lowercased())])
        #expect(try await client.get(Self.rates, token: customer).status == 403)
        #expect(try await client.get("\(Self.rates)/\(irrfID)", token: customer).status == 403)
        #expect(try await client.post(Self.rates, token: customer, json: resource("tax-rates", ["name": "x", "percentage": 1])).status == 403)
        #expect(
            try await client.send("PATCH", "\(Self.rates)/\(irrfID)", token: customer, json: resource("tax-rates", ["active": false])).status
                == 403)
    }

    @Test(
        """
        invoice settings carry simplesNacional (default false) and defaultTaxCode (absent by default): set, read back, left out by an \
        earlier client (false and absent again); a bad tax code is 422 naming defaultTaxCode
        """
    )
    func taxSettings() async throws {
        let cluster = try await TestCluster.shared.start()
        let client = cluster.client
        let token = try cluster.tokens.token(tenant: newTenant("taxset"), roles: ["owner"])
        let path = "/api/v1/invoice-settings"

        let defaults = try await client.get(path, token: token)
        #expect(
            defaults.status == 200 && defaults.attribute("simplesNacional") == false && isAbsent(defaults.attribute("defaultTaxCode")),
            "\(defaults.text.prefix(400))")

        let set = try await client.send(
            "PUT", path, token: token,
            json: resource(
                "invoice-settings", ["autoFinalize": false, "netTermsDays": 10, "simplesNacional": true, "defaultTaxCode": "01.07"]))
        #expect(
            set.status == 200 && set.attribute("simplesNacional") == true && set.attribute("defaultTaxCode") == "01.07",
            "\(set.text.prefix(400))")
        let read = try await client.get(path, token: token)
        #expect(
            read.attribute("simplesNacional") == true && read.attribute("defaultTaxCode") == "01.07" && read.attribute("netTermsDays") == 10,
            "\(read.text.prefix(400))")

        let bad = try await client.send(
            "PUT", path, token: token,
            json: resource("invoice-settings", ["autoFinalize": false, "netTermsDays": 10, "defaultTaxCode": "01 07"]))
        #expect(bad.status == 422 && bad.firstError?["source"]?["pointer"] == "/data/attributes/defaultTaxCode", "\(bad.text.prefix(400))")
        #expect(try await client.get(path, token: token).attribute("defaultTaxCode") == "01.07", "a refused change changes nothing")

        // A client that knows nothing of taxes replaces the settings: the two are back to their defaults.
        let earlier = try await client.send(
            "PUT", path, token: token, json: resource("invoice-settings", ["autoFinalize": true, "netTermsDays": 7]))
        #expect(earlier.status == 200, "\(earlier.text.prefix(400))")
        let after = try await client.get(path, token: token)
        #expect(
            after.attribute("simplesNacional") == false && isAbsent(after.attribute("defaultTaxCode")) && after.attribute("autoFinalize") == true,
            "\(after.text.prefix(400))")
    }
}
