import BillingCore
import BillingTesting
import Foundation
import Testing

/// A DRAFT "pode ser editada" (seed 001): memo, purchase order, due date, and ONE_OFF lines, through the gateway.
@Suite("Editing a DRAFT invoice (real processes)", .timeLimit(.minutes(4)))
struct DraftEditingEndToEndTests {
    @Test(
        """
        a DRAFT takes a memo, a PO number, a due date and one-off lines (a catalog product's too), totals exact and half-even; the system's \
        lines and a finalized invoice refuse edits; the account credit a draft takes follows its total
        """
    )
    func editDraft() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        #expect(try await fixture.subscribe().status == 201)
        let draft = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        let invoice = try #require(draft.data?["id"]?.stringValue)
        let path = "/api/v1/invoices/\(invoice)"
        func patch(_ path: String, _ type: String, _ attributes: JSONValue) async throws -> HTTPTestResponse {
            try await fixture.client.send("PATCH", path, token: fixture.token, json: resource(type, attributes))
        }
        func total(_ response: HTTPTestResponse) -> DecimalNumber? { response.attribute("total")?.decimalValue }
        func lines(_ response: HTTPTestResponse) -> [JSONValue] { response.attribute("lines")?.arrayValue ?? [] }

        // Memo, purchase order and a due date, kept at finalize.
        let due = RFC3339.format(Date().addingTimeInterval(40 * 86_400)).prefix(10) + "T00:00:00Z"
        let edited = try await patch(
            path, "invoices", ["memo": "Pedido de março", "purchaseOrder": " PO-4471 ", "dueDate": .string(String(due))])
        #expect(
            edited.status == 200 && edited.attribute("memo") == "Pedido de março" && edited.attribute("purchaseOrder") == "PO-4471"
                && edited.attribute("dueDate")?.stringValue == String(due), "\(edited.text.prefix(400))")
        let past = try await patch(path, "invoices", ["dueDate": "2020-01-01T00:00:00Z"])
        #expect(past.status == 422 && past.firstError?["source"]?["pointer"] == "/data/attributes/dueDate", "\(past.text.prefix(300))")

        // One-off lines: 1.5 × 33.33 = 49.995 → 50.00 (half-even: 9 is odd, so up).
        let setup = try await fixture.post(
            path + "/lines", "invoice-lines", ["description": "Implantação", "quantity": .number("1.5"), "unitAmount": .number("33.33")])
        #expect(setup.status == 201 && total(setup) == DecimalNumber("349.90"), "299.90 + 50.00: \(setup.text.prefix(500))")
        let setupLine = try #require(lines(setup).last)
        #expect(setupLine["kind"] == "ONE_OFF" && setupLine["amount"]?.decimalValue == DecimalNumber("50.00"))
        let setupID = try #require(setupLine["id"]?.stringValue)
        let product = try await create(
            fixture.client, "/api/v1/billing-products", "billing-products",
            ["code": .string(uniqueCode("consult")), "name": "Consultoria", "pricingModel": "FLAT_FEE", "currency": "BRL", "flatAmount": 100],
            token: fixture.token)
        let consulting = try await fixture.post(path + "/lines", "invoice-lines", ["productId": .string(product), "quantity": 1])
        let consultingLine = try #require(lines(consulting).last)
        #expect(
            consulting.status == 201 && consultingLine["description"] == "Consultoria" && consultingLine["productId"]?.stringValue == product
                && total(consulting) == DecimalNumber("449.90"), "\(consulting.text.prefix(500))")
        let changed = try await patch(path + "/lines/\(setupID)", "invoice-lines", ["quantity": 3])
        #expect(changed.status == 200 && total(changed) == DecimalNumber("499.89"), "3 × 33.33 = 99.99: \(changed.text.prefix(400))")
        let removed = try await fixture.client.send(
            "DELETE", path + "/lines/\(try #require(consultingLine["id"]?.stringValue))", token: fixture.token)
        #expect(removed.status == 200 && total(removed) == DecimalNumber("399.89") && lines(removed).count == 2, "\(removed.text.prefix(400))")

        // Refusals, each naming its field.
        let planLine = try #require(lines(removed).first { $0["kind"] == "SUBSCRIPTION" }?["id"]?.stringValue)
        let system = try await patch(path + "/lines/\(planLine)", "invoice-lines", ["quantity": 2])
        #expect(system.status == 409 && system.firstError?["code"] == "LINE_NOT_EDITABLE", "\(system.text.prefix(300))")
        let unknown = try await fixture.client.send("DELETE", path + "/lines/\(UUID().uuidString.lowercased())", token: fixture.token)
        #expect(unknown.status == 404 && unknown.firstError?["code"] == "INVOICE_LINE_NOT_FOUND", "\(unknown.text.prefix(300))")
        for (attributes, field) in [
            (["description": "x", "quantity": 0, "unitAmount": 1] as JSONValue, "quantity"),
            (["quantity": 1, "unitAmount": 1], "description"),
            (["description": "x", "quantity": 1], "unitAmount"),
            (["description": "Desconto", "quantity": 1, "unitAmount": -400], "unitAmount"),
            (["description": "x", "quantity": 1, "unitAmount": .number("0.0000001")], "unitAmount"),
            (["productId": .string(UUID().uuidString.lowercased()), "quantity": 1], "productId"),
        ] {
            let refused = try await fixture.post(path + "/lines", "invoice-lines", attributes)
            #expect(
                refused.status == 422 && refused.firstError?["source"]?["pointer"]?.stringValue == "/data/attributes/\(field)",
                "\(attributes): \(refused.text.prefix(300))")
        }
        let stranger = try cluster.tokens.token(tenant: newTenant("other"), roles: ["owner"])
        #expect(try await fixture.client.send("DELETE", path + "/lines/\(setupID)", token: stranger).status == 404)

        // Finalized: the due date set on the draft stays, the memo and PO print, and edits are refused.
        let finalized = try await fixture.client.post(path + "/finalize", token: fixture.token)
        #expect(finalized.status == 200 && finalized.attribute("dueDate")?.stringValue == String(due), "\(finalized.text.prefix(300))")
        let page = try await fixture.client.send("GET", path, token: fixture.token, headers: ["Accept": "text/html"])
        #expect(page.text.contains("Pedido de março") && page.text.contains("PO-4471") && page.text.contains("Implantação"))
        let late = try await patch(path, "invoices", ["memo": "tarde demais"])
        #expect(late.status == 409 && late.firstError?["code"] == "INVOICE_NOT_EDITABLE", "\(late.text.prefix(300))")
        #expect(try await fixture.post(path + "/lines", "invoice-lines", ["description": "x", "quantity": 1, "unitAmount": 1]).status == 409)

        // 100.00 paid over the total becomes the account's credit; the next draft takes it, and gives back what a discount frees.
        let paid = try await fixture.post(
            "/api/v1/payments", "payments",
            [
                "billingAccountId": .string(fixture.account), "invoiceId": .string(invoice), "amount": .number("499.89"),
                "paymentMethod": "PIX", "externalRef": .string(UUID().uuidString),
            ])
        #expect(paid.status == 201, "\(paid.text.prefix(300))")
        func balance() async throws -> DecimalNumber? {
            try await fixture.client.get("/api/v1/billing-accounts/\(fixture.account)", token: fixture.token).attribute("balance")?.decimalValue
        }
        // Seen before the next subscription: its period's draft (the system's, or the call below) takes the credit at once.
        #expect(try await waitFor(timeout: .seconds(60)) { try await balance() == DecimalNumber("100.00") }, "the overpayment")
        let second = try await SubscriptionFixture.createPlan(fixture.client, token: fixture.token, [("trialDays", 0), ("name", "Plano Extra")])
        #expect(try await fixture.subscribe([("planId", .string(second))]).status == 201)
        let next = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        let nextPath = "/api/v1/invoices/\(try #require(next.data?["id"]?.stringValue))"
        #expect(total(next) == DecimalNumber("199.90") && lines(next).last?["kind"] == "ACCOUNT_CREDIT", "\(next.text.prefix(400))")
        let discount = try await fixture.post(
            nextPath + "/lines", "invoice-lines", ["description": "Desconto comercial", "quantity": 1, "unitAmount": -250])
        #expect(
            total(discount) == DecimalNumber("0.00") && lines(discount).last?["amount"]?.decimalValue == DecimalNumber("-49.90"),
            "299.90 − 250.00 = 49.90, all of it paid by credit: \(discount.text.prefix(500))")
        #expect(try await waitFor(timeout: .seconds(60)) { try await balance() == DecimalNumber("50.10") }, "the credit the discount freed")
        let discountID = try #require(lines(discount).first { $0["kind"] == "ONE_OFF" }?["id"]?.stringValue)
        let undone = try await fixture.client.send("DELETE", nextPath + "/lines/\(discountID)", token: fixture.token)
        #expect(total(undone) == DecimalNumber("199.90"), "\(undone.text.prefix(400))")
        #expect(try await waitFor(timeout: .seconds(60)) { try await balance() == DecimalNumber("0.00") }, "taken again")
    }
}
