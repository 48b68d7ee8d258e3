import BillingCore
import BillingTesting
import Foundation
import Testing

/// A fresh tenant per test keeps tests independent on the shared cluster.
func newTenant(_ label: String = "t") -> String { "\(label)-\(UUIDv7.generate().uuidString.suffix(12).lowercased())" }

func accountDocument(
    name: String = "Empresa ABC Ltda", email: String = "financeiro@empresa-abc.com.br", currency: String = "BRL",
    taxId: String? = nil, taxIdType: String? = nil, extra: [(String, JSONValue)] = []
) -> JSONValue {
    var attributes = JSONObject([("name", .string(name)), ("email", .string(email)), ("currency", .string(currency))])
    if let taxId { attributes["taxId"] = .string(taxId) }
    if let taxIdType { attributes["taxIdType"] = .string(taxIdType) }
    for (key, value) in extra { attributes[key] = value }
    return ["data": ["type": "billing-accounts", "attributes": .object(attributes)]]
}

@Suite("Billing accounts through the gateway (real processes)", .timeLimit(.minutes(5)))
struct AccountsEndToEndTests {
    @Test("seed 001 step 1: the printed CNPJ fails its check digits; the corrected one creates the account")
    func seedStepOne() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let printed = try await cluster.client.post(
            "/api/v1/billing-accounts", token: token,
            json: accountDocument(taxId: "12.345.678/0001-90", taxIdType: "CNPJ"))
        #expect(printed.status == 422)
        #expect(printed.firstError?["source"]?["pointer"] == "/data/attributes/taxId")
        #expect(printed.firstError?["detail"]?.stringValue?.contains("check digits are wrong") == true)

        let corrected = try await cluster.client.post(
            "/api/v1/billing-accounts", token: token,
            json: accountDocument(taxId: "12.345.678/0001-95", taxIdType: "CNPJ"))
        #expect(corrected.status == 201)
        #expect(corrected.data?["type"] == "billing-accounts")
        #expect(corrected.attribute("status") == "ACTIVE")
        #expect(corrected.attribute("taxId") == "12345678000195")
        #expect(corrected.attribute("balance") == .number("0.00"))
        let id = try #require(corrected.data?["id"]?.stringValue)
        #expect(corrected.headers["location"] == "/api/v1/billing-accounts/\(id)")

        let fetched = try await cluster.client.get("/api/v1/billing-accounts/\(id)", token: token)
        #expect(fetched.status == 200)
        #expect(fetched.attribute("name") == "Empresa ABC Ltda")
    }

    @Test("list, filter and paginate to the end")
    func listFilterPaginate() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["admin"])
        var created: [String] = []
        for index in 0..<7 {
            let response = try await cluster.client.post(
                "/api/v1/billing-accounts", token: token,
                json: accountDocument(name: "Cliente \(index)", email: "c\(index)@example.com"))
            #expect(response.status == 201)
            created.append(try #require(response.data?["id"]?.stringValue))
        }
        let cpf = try await cluster.client.post(
            "/api/v1/billing-accounts", token: token,
            json: accountDocument(name: "Pessoa", email: "p@example.com", taxId: "529.982.247-25", taxIdType: "CPF"))
        created.append(try #require(cpf.data?["id"]?.stringValue))
        let suspended = try await cluster.client.post(
            "/api/v1/billing-accounts/\(created[0])/suspend", token: token,
            json: ["data": ["type": "billing-accounts", "attributes": ["reason": "inadimplência"]]])
        #expect(suspended.attribute("status") == "SUSPENDED")

        var seen: [String] = []
        var next: String? = "/api/v1/billing-accounts?page%5Bsize%5D=3"
        var pages = 0
        while let path = next {
            let page = try await cluster.client.get(path, token: token)
            #expect(page.status == 200)
            seen += page.data?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            next = page.json?["links"]?["next"]?.stringValue
            pages += 1
        }
        #expect(seen == created)
        #expect(pages == 3)

        let bySuspended = try await cluster.client.get("/api/v1/billing-accounts?filter%5Bstatus%5D=SUSPENDED", token: token)
        #expect(bySuspended.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [created[0]])
        let byEmail = try await cluster.client.get("/api/v1/billing-accounts?filter%5Bemail%5D=C3@EXAMPLE.com", token: token)
        #expect(byEmail.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [created[3]])
        let byTaxID = try await cluster.client.get("/api/v1/billing-accounts?filter%5BtaxId%5D=52998224725", token: token)
        #expect(byTaxID.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [created[7]])
        let badFilter = try await cluster.client.get("/api/v1/billing-accounts?filter%5Bstatus%5D=LOST", token: token)
        #expect(badFilter.status == 400)
        #expect(badFilter.firstError?["source"]?["parameter"] == "filter[status]")
    }

    @Test("update, suspend, reactivate and close; a CLOSED account refuses everything with 409 naming the status")
    func lifecycle() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let created = try await cluster.client.post("/api/v1/billing-accounts", token: token, json: accountDocument())
        let id = try #require(created.data?["id"]?.stringValue)
        let path = "/api/v1/billing-accounts/\(id)"
        let updated = try await cluster.client.send(
            "PATCH", path, token: token,
            json: [
                "data": [
                    "type": "billing-accounts",
                    "attributes": [
                        "name": "Empresa ABC S.A.", "timezone": "America/Sao_Paulo", "metadata": ["crm": "123"],
                    ],
                ]
            ])
        #expect(updated.status == 200)
        #expect(updated.attribute("name") == "Empresa ABC S.A.")
        #expect(updated.attribute("timezone") == "America/Sao_Paulo")
        let currencyChange = try await cluster.client.send(
            "PATCH", path, token: token, json: ["data": ["type": "billing-accounts", "attributes": ["currency": "USD"]]])
        #expect(currencyChange.status == 422)
        #expect(currencyChange.firstError?["source"]?["pointer"] == "/data/attributes/currency")

        #expect(try await cluster.client.post(path + "/reactivate", token: token).status == 409)  // ACTIVE cannot be reactivated
        #expect(try await cluster.client.post(path + "/suspend", token: token).attribute("status") == "SUSPENDED")
        #expect(try await cluster.client.post(path + "/reactivate", token: token).attribute("status") == "ACTIVE")
        let closed = try await cluster.client.send("DELETE", path, token: token)
        #expect(closed.attribute("status") == "CLOSED")
        for response in [
            try await cluster.client.post(path + "/suspend", token: token),
            try await cluster.client.post(path + "/close", token: token),
            try await cluster.client.send("PATCH", path, token: token, json: ["data": ["type": "billing-accounts", "attributes": ["name": "x"]]]),
        ] {
            #expect(response.status == 409)
            #expect(response.firstError?["code"] == "ACCOUNT_CLOSED")
            #expect(response.firstError?["detail"]?.stringValue?.contains("CLOSED") == true)
        }
    }

    @Test("taxes (issue 26): an account created taxExempt round-trips (get, list) and is PATCHed back to false; absent: false")
    func taxExempt() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let client = cluster.client
        let created = try await client.post("/api/v1/billing-accounts", token: token, json: accountDocument(extra: [("taxExempt", true)]))
        #expect(created.status == 201 && created.attribute("taxExempt") == true, "\(created.text.prefix(400))")
        let id = try #require(created.data?["id"]?.stringValue)
        let path = "/api/v1/billing-accounts/\(id)"
        #expect(try await client.get(path, token: token).attribute("taxExempt") == true)
        let plain = try await client.post("/api/v1/billing-accounts", token: token, json: accountDocument(email: "outra@empresa.com.br"))
        #expect(plain.status == 201 && plain.attribute("taxExempt") == false, "\(plain.text.prefix(400))")
        let listed = try await client.get("/api/v1/billing-accounts", token: token)
        #expect(listed.data?.arrayValue?.map { $0["attributes"]?["taxExempt"] } == [true, false], "\(listed.text.prefix(400))")
        let patched = try await client.send(
            "PATCH", path, token: token, json: ["data": ["type": "billing-accounts", "attributes": ["taxExempt": false]]])
        #expect(patched.status == 200 && patched.attribute("taxExempt") == false, "\(patched.text.prefix(400))")
        #expect(try await client.get(path, token: token).attribute("taxExempt") == false)
        let wrongType = try await client.send(
            "PATCH", path, token: token, json: ["data": ["type": "billing-accounts", "attributes": ["taxExempt": "yes"]]])
        #expect(wrongType.status == 422, "\(wrongType.text.prefix(400))")
        #expect(wrongType.firstError?["source"]?["pointer"] == "/data/attributes/taxExempt", "\(wrongType.text.prefix(400))")
    }

    @Test("a tax id used by another open account is 409; closing that account frees it")
    func taxIDUniqueness() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let first = try await cluster.client.post(
            "/api/v1/billing-accounts", token: token, json: accountDocument(taxId: "11.222.333/0001-81", taxIdType: "CNPJ"))
        #expect(first.status == 201)
        let duplicate = try await cluster.client.post(
            "/api/v1/billing-accounts", token: token, json: accountDocument(taxId: "11222333000181", taxIdType: "CNPJ"))
        #expect(duplicate.status == 409)
        #expect(duplicate.firstError?["code"] == "TAX_ID_IN_USE")
        let other = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        #expect(
            try await cluster.client.post("/api/v1/billing-accounts", token: other, json: accountDocument(taxId: "11222333000181", taxIdType: "CNPJ"))
                .status == 201)
        let id = try #require(first.data?["id"]?.stringValue)
        #expect(try await cluster.client.post("/api/v1/billing-accounts/\(id)/close", token: token).status == 200)
        #expect(
            try await cluster.client.post("/api/v1/billing-accounts", token: token, json: accountDocument(taxId: "11222333000181", taxIdType: "CNPJ"))
                .status == 201)
    }

    static let permissionCases: [(String, String, String)] = [
        ("POST", "", "BILLING_ACCOUNTS_CREATE"),
        ("GET", "", "BILLING_ACCOUNTS_READ"),
        ("GET", "/{id}", "BILLING_ACCOUNTS_READ"),
        ("PATCH", "/{id}", "BILLING_ACCOUNTS_UPDATE"),
        ("POST", "/{id}/suspend", "BILLING_ACCOUNTS_UPDATE"),
        ("POST", "/{id}/reactivate", "BILLING_ACCOUNTS_UPDATE"),
        ("POST", "/{id}/close", "BILLING_ACCOUNTS_DELETE"),
        ("DELETE", "/{id}", "BILLING_ACCOUNTS_DELETE"),
    ]

    @Test("each route needs its permission: without it 403, with only it not 403", arguments: permissionCases)
    func permissions(method: String, suffix: String, permission: String) async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant()
        let owner = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let id = try #require(
            try await cluster.client.post("/api/v1/billing-accounts", token: owner, json: accountDocument()).data?["id"]?.stringValue)
        let path = "/api/v1/billing-accounts" + suffix.replacingOccurrences(of: "{id}", with: id)
        let body: JSONValue? =
            method == "POST" && suffix.isEmpty
            ? accountDocument(email: "other@example.com")
            : method == "PATCH" ? ["data": ["type": "billing-accounts", "attributes": ["name": "Renamed"]]] : nil
        let everythingElse = try cluster.tokens.token(
            tenant: tenant,
            permissions: ["BILLING_ACCOUNTS_CREATE", "BILLING_ACCOUNTS_READ", "BILLING_ACCOUNTS_UPDATE", "BILLING_ACCOUNTS_DELETE"].filter {
                $0 != permission
            },
            roles: ["viewer"])
        let denied = try await cluster.client.send(method, path, token: everythingElse, json: body)
        #expect(denied.status == 403)
        #expect(denied.firstError?["meta"]?["permission"] == JSONValue.string(permission))
        let onlyIt = try cluster.tokens.token(tenant: tenant, permissions: [permission], roles: ["viewer"])
        #expect(try await cluster.client.send(method, path, token: onlyIt, json: body).status != 403)
    }

    @Test("every token defect is 401")
    func tokenDefects() async throws {
        let cluster = try await TestCluster.shared.start()
        let tokens = cluster.tokens
        let tenant = newTenant()
        let header = JSONObject([("alg", "HS256"), ("typ", "JWT")])
        let now = Int64(Date().timeIntervalSince1970)
        let goodClaims = JSONObject([
            ("sub", "u"), ("organizationId", .string(tenant)), ("roles", ["owner"]), ("iss", .string(tokens.issuer)),
            ("aud", .string(tokens.audience)), ("exp", .number(now + 600)),
        ])
        var noExpiry = goodClaims
        noExpiry["exp"] = nil
        var noTenant = goodClaims
        noTenant["organizationId"] = nil
        let defects: [(String, String)] = [
            ("expired", try tokens.token(tenant: tenant, roles: ["owner"], expiresIn: -120)),
            ("not yet valid", try tokens.token(tenant: tenant, roles: ["owner"], notBefore: 600)),
            ("wrong audience", try tokens.token(tenant: tenant, roles: ["owner"], audience: "someone-else")),
            ("wrong issuer", try tokens.token(tenant: tenant, roles: ["owner"], issuer: "evil-issuer")),
            ("bad signature", try tokens.token(tenant: tenant, roles: ["owner"]).dropLast(3) + "abc"),
            (
                "other HMAC secret",
                try tokens.sign(header: header, claims: goodClaims, algorithm: .hs256, hmacSecret: "another-secret-0123456789-0123456789")
            ),
            ("alg none", tokens.unsignedToken(tenant: tenant)),
            (
                "RSA public key used as HMAC secret",
                try tokens.sign(
                    header: JSONObject([("alg", "HS256"), ("kid", .string(TestTokens.rsaKeyID))]),
                    claims: goodClaims, algorithm: .hs256, hmacSecret: tokens.rsaPublicKeyPEM)
            ),
            (
                "RSA key id with an HS256 token and no kid claim to the default",
                try tokens.sign(header: header, claims: goodClaims, algorithm: .hs256, hmacSecret: tokens.rsaPublicKeyPEM)
            ),
            ("unknown kid", try tokens.token(tenant: tenant, roles: ["owner"], algorithm: .rs256, keyID: "who-knows")),
            ("EC token claiming the RSA kid", try tokens.token(tenant: tenant, roles: ["owner"], algorithm: .es256, keyID: TestTokens.rsaKeyID)),
            ("no expiry", try tokens.sign(header: header, claims: noExpiry, algorithm: .hs256)),
            ("no tenant", try tokens.sign(header: header, claims: noTenant, algorithm: .hs256)),
            ("garbage", "not.a.token"),
        ]
        for (name, token) in defects {
            let response = try await cluster.client.get("/api/v1/billing-accounts", token: token)
            #expect(response.status == 401, "\(name) should be refused")
            #expect(response.firstError?["code"] == "UNAUTHENTICATED", "\(name)")
        }
        #expect(try await cluster.client.get("/api/v1/billing-accounts", token: nil).status == 401)
        // The same tenant with valid RS256 and ES256 tokens from the JWKS is accepted.
        #expect(
            try await cluster.client.get("/api/v1/billing-accounts", token: try tokens.token(tenant: tenant, roles: ["owner"], algorithm: .rs256))
                .status == 200)
        #expect(
            try await cluster.client.get("/api/v1/billing-accounts", token: try tokens.token(tenant: tenant, roles: ["owner"], algorithm: .es256))
                .status == 200)
    }

    @Test("tenant isolation: another tenant's ids are 404 and never listed")
    func tenantIsolation() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenantA = try cluster.tokens.token(tenant: newTenant("a"), roles: ["owner"])
        let tenantB = try cluster.tokens.token(tenant: newTenant("b"), roles: ["owner"])
        let bAccount = try #require(
            try await cluster.client.post("/api/v1/billing-accounts", token: tenantB, json: accountDocument()).data?["id"]?.stringValue)
        _ = try await cluster.client.post("/api/v1/billing-accounts", token: tenantA, json: accountDocument(email: "a@example.com"))
        let path = "/api/v1/billing-accounts/\(bAccount)"
        #expect(try await cluster.client.get(path, token: tenantA).status == 404)
        #expect(
            try await cluster.client.send("PATCH", path, token: tenantA, json: ["data": ["type": "billing-accounts", "attributes": ["name": "x"]]])
                .status == 404)
        #expect(try await cluster.client.post(path + "/close", token: tenantA).status == 404)
        #expect(try await cluster.client.send("DELETE", path, token: tenantA).status == 404)
        let listed = try await cluster.client.get("/api/v1/billing-accounts?page%5Bsize%5D=100", token: tenantA)
        #expect(listed.data?.arrayValue?.count == 1)
        #expect(listed.data?.arrayValue?.contains { $0["id"]?.stringValue == bAccount } == false)
        // A tenant header or body field is ignored: only the token decides.
        let spoofed = try await cluster.client.send("GET", path, token: tenantA, headers: ["billing-tenant": "whatever", "X-Tenant": "b"])
        #expect(spoofed.status == 404)
        #expect(try await cluster.client.get(path, token: tenantB).status == 200)
    }

    @Test("bad input gets a 4xx with a useful message, never a 500")
    func badInput() async throws {
        let cluster = try await TestCluster.shared.start()
        let token = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let cases: [(String, Data, Int, String?)] = [
            ("malformed JSON", Data("{\"data\":".utf8), 400, nil),
            ("not an object", Data("[1,2]".utf8), 422, nil),
            ("wrong type", Data(JSONWriter.bytes(accountDocument(extra: [("name", 42)]))), 422, "/data/attributes/name"),
            ("unknown attribute", Data(JSONWriter.bytes(accountDocument(extra: [("nickname", "x")]))), 422, "/data/attributes/nickname"),
            ("invalid CPF", Data(JSONWriter.bytes(accountDocument(taxId: "111.444.777-00", taxIdType: "CPF"))), 422, "/data/attributes/taxId"),
            ("invalid CNPJ", Data(JSONWriter.bytes(accountDocument(taxId: "11.222.333/0001-80", taxIdType: "CNPJ"))), 422, "/data/attributes/taxId"),
            ("unknown currency", Data(JSONWriter.bytes(accountDocument(currency: "ZZZ"))), 422, "/data/attributes/currency"),
            ("bad e-mail", Data(JSONWriter.bytes(accountDocument(email: "not-an-email"))), 422, "/data/attributes/email"),
            ("bad time zone", Data(JSONWriter.bytes(accountDocument(extra: [("timezone", "Mars/Olympus")]))), 422, "/data/attributes/timezone"),
            ("unknown tax id type", Data(JSONWriter.bytes(accountDocument(taxId: "1", taxIdType: "RG"))), 422, "/data/attributes/taxIdType"),
            ("wrong resource type", Data(#"{"data":{"type":"invoices","attributes":{}}}"#.utf8), 409, "/data/type"),
            (
                "missing name", Data(#"{"data":{"type":"billing-accounts","attributes":{"email":"a@b.co","currency":"BRL"}}}"#.utf8), 422,
                "/data/attributes/name"
            ),
            ("huge number", Data(JSONWriter.bytes(accountDocument(extra: [("name", .number("1e999999"))]))), 422, "/data/attributes/name"),
            ("10 MiB body", Data(repeating: 0x61, count: 10 * 1024 * 1024), 413, nil),
        ]
        for (name, body, status, pointer) in cases {
            let response = try await cluster.client.send("POST", "/api/v1/billing-accounts", token: token, rawBody: body)
            #expect(response.status == status, "\(name): \(response.text.prefix(300))")
            if let pointer { #expect(response.firstError?["source"]?["pointer"] == .string(pointer), "\(name)") }
            #expect(response.firstError?["detail"]?.stringValue?.isEmpty == false, "\(name)")
        }
    }

    @Test("50 parallel POSTs with one Idempotency-Key create exactly one account")
    func idempotentCreate() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant()
        let token = try cluster.tokens.token(tenant: tenant, roles: ["owner"])
        let key = "create-" + UUIDv7.generate().uuidString
        let document = accountDocument(name: "Idempotente", email: "idem@example.com")
        let responses = try await withThrowingTaskGroup(of: HTTPTestResponse.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await cluster.client.post("/api/v1/billing-accounts", token: token, json: document, headers: ["Idempotency-Key": key])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let created = responses.filter { $0.status == 201 }
        #expect(!created.isEmpty)
        #expect(responses.allSatisfy { $0.status == 201 || $0.status == 409 })
        #expect(Set(created.compactMap { $0.data?["id"]?.stringValue }).count == 1)
        let listed = try await cluster.client.get("/api/v1/billing-accounts", token: token)
        #expect(listed.data?.arrayValue?.count == 1)
        // A later replay returns the stored response; a different body with the same key is a 422.
        let replay = try await cluster.client.post("/api/v1/billing-accounts", token: token, json: document, headers: ["Idempotency-Key": key])
        #expect(replay.status == 201)
        #expect(replay.headers["idempotent-replayed"] == "true")
        #expect(replay.data?["id"] == created.first?.data?["id"])
        #expect(
            replay.headers["location"] == created.first?.headers["location"] && replay.headers["location"] != nil, "a replay has the first's headers")
        // Another user of the tenant reusing the key does not get this user's answer.
        let colleague = try cluster.tokens.token(tenant: tenant, subject: "user-2", roles: ["owner"])
        let borrowed = try await cluster.client.post("/api/v1/billing-accounts", token: colleague, json: document, headers: ["Idempotency-Key": key])
        #expect(borrowed.status == 422 && borrowed.firstError?["code"] == "IDEMPOTENCY_KEY_REUSED", "\(borrowed.text.prefix(200))")
        let different = try await cluster.client.post(
            "/api/v1/billing-accounts", token: token,
            json: accountDocument(name: "Outro", email: "o@example.com"), headers: ["Idempotency-Key": key])
        #expect(different.status == 422)
        // Keys are per tenant: another tenant's same key runs its own request.
        let other = try cluster.tokens.token(tenant: newTenant(), roles: ["owner"])
        let otherResponse = try await cluster.client.post("/api/v1/billing-accounts", token: other, json: document, headers: ["Idempotency-Key": key])
        #expect(otherResponse.status == 201)
        #expect(otherResponse.data?["id"] != created.first?.data?["id"])
    }
}
