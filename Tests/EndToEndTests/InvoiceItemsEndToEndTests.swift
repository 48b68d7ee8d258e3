import BillingCore
import BillingTesting
import Foundation
import Testing

/// One-off charges (issue 26, Stripe's invoice items) through the gateway: added, listed, removed while PENDING, and billed once by
/// the account's next invoice as INVOICE_ITEM lines.
@Suite("Invoice items through the gateway (real processes)", .timeLimit(.minutes(4)))
struct InvoiceItemsEndToEndTests {
    static func items(_ account: String) -> String { "/api/v1/billing-accounts/\(account)/invoice-items" }

    @Test(
        """
        two items added (one replayed by its key), listed newest first, one removed; the period's draft takes exactly the other as an \
        INVOICE_ITEM line and it shows INVOICED with that invoice; removing it then is 409; bad input is 422 naming the field; \
        customers are kept out
        """
    )
    func nextInvoiceTakesPendingItems() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        let path = Self.items(fixture.account)
        let setupFee = try await fixture.client.post(
            path, token: fixture.token,
            json: resource("invoice-items", ["description": "Implantação", "unitAmount": .number("150.00"), "metadata": ["pedido": "PO-9"]]),
            headers: ["Idempotency-Key": "setup-fee-1"])
        #expect(
            setupFee.status == 201 && setupFee.attribute("status") == "PENDING" && setupFee.attribute("quantity") == 1
                && setupFee.attribute("amount")?.decimalValue == DecimalNumber("150.00") && setupFee.attribute("currency") == "BRL",
            "\(setupFee.text.prefix(400))")
        let setupID = try #require(setupFee.data?["id"]?.stringValue)
        let replay = try await fixture.client.post(
            path, token: fixture.token,
            json: resource("invoice-items", ["description": "Implantação", "unitAmount": .number("150.00"), "metadata": ["pedido": "PO-9"]]),
            headers: ["Idempotency-Key": "setup-fee-1"])
        #expect(replay.status == 201 && replay.data?["id"]?.stringValue == setupID, "the first item: \(replay.text.prefix(300))")
        let training = try await fixture.post(path, "invoice-items", ["description": "Treinamento", "quantity": 2, "unitAmount": "40.00"])
        #expect(training.status == 201 && training.attribute("amount")?.decimalValue == DecimalNumber("80.00"), "\(training.text.prefix(300))")
        let trainingID = try #require(training.data?["id"]?.stringValue)

        let listed = try await fixture.client.get(path, token: fixture.token)
        #expect(listed.status == 200 && listed.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [trainingID, setupID])

        // Refusals, each naming its field.
        for (attributes, field) in [
            (["description": "x", "unitAmount": .number("12.345")] as JSONValue, "unitAmount"),
            (["description": "x", "unitAmount": "doze"], "unitAmount"),
            (["description": "x"], "unitAmount"),
            (["description": "x", "quantity": 0, "unitAmount": 1], "quantity"),
            (["description": "x", "quantity": .number("1.5"), "unitAmount": 1], "quantity"),
            (["unitAmount": 1], "description"),
            (["description": "x", "unitAmount": 1, "invoiceId": .string(UUID().uuidString.lowercased())], "invoiceId"),
        ] {
            let refused = try await fixture.post(path, "invoice-items", attributes)
            #expect(
                refused.status == 422 && refused.firstError?["source"]?["pointer"]?.stringValue == "/data/attributes/\(field)",
                "\(attributes): \(refused.text.prefix(300))")
        }
        let customer = try cluster.tokens.token(
            tenant: fixture.tenant, subject: "cliente", roles: ["owner"], extraClaims: ["billingAccountId": .string(fixture.account)])
        #expect(try await fixture.client.get(path, token: customer).status == 403)
        #expect(
            try await fixture.client.post(path, token: customer, json: resource("invoice-items", ["description": "x", "unitAmount": 1])).status == 403
        )
        let stranger = try cluster.tokens.token(tenant: newTenant("other"), roles: ["owner"])
        #expect(try await fixture.client.send("DELETE", path + "/\(setupID)", token: stranger).status == 404)

        let removed = try await fixture.client.send("DELETE", path + "/\(setupID)", token: fixture.token)
        #expect(removed.status == 200 && removed.attribute("status") == "DELETED", "\(removed.text.prefix(300))")
        let pending = try await fixture.client.get(path + "?filter%5Bstatus%5D=PENDING", token: fixture.token)
        #expect(pending.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [trainingID])

        // The subscription's first period is drafted by the system (or by `POST /invoices`, whichever comes first): the item goes on it.
        #expect(try await fixture.subscribe().status == 201)
        _ = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        var invoices: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                invoices =
                    try await fixture.client.get("/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)", token: fixture.token).data?
                    .arrayValue ?? []
                return invoices.contains { $0["attributes"]?["lines"]?.arrayValue?.contains { $0["kind"] == "SUBSCRIPTION" } == true }
            })
        let itemLines = invoices.flatMap { invoice in
            (invoice["attributes"]?["lines"]?.arrayValue ?? []).filter { $0["kind"] == "INVOICE_ITEM" }.map { (invoice["id"], $0) }
        }
        #expect(itemLines.count == 1, "exactly the remaining item: \(itemLines)")
        let (invoiceID, line) = try #require(itemLines.first)
        #expect(
            line["description"] == "Treinamento" && line["amount"]?.decimalValue == DecimalNumber("80.00") && line["id"]?.stringValue == trainingID)
        let invoiced = try await fixture.client.get(path + "?filter%5Bstatus%5D=INVOICED", token: fixture.token)
        let item = try #require(invoiced.data?.arrayValue?.first)
        #expect(item["id"]?.stringValue == trainingID && item["attributes"]?["invoiceId"] == invoiceID, "\(invoiced.text.prefix(400))")
        #expect(try await fixture.client.get(path + "?filter%5Bstatus%5D=PENDING", token: fixture.token).data?.arrayValue?.isEmpty == true)
        let late = try await fixture.client.send("DELETE", path + "/\(trainingID)", token: fixture.token)
        #expect(late.status == 409 && late.firstError?["code"] == "INVOICE_ITEM_NOT_PENDING", "\(late.text.prefix(300))")
    }

    @Test("with invoiceId an item is a line of that DRAFT at once; an account with items and no subscription is invoiced for them alone")
    func draftAndItemsAlone() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster)
        let path = Self.items(fixture.account)
        let nothing = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        #expect(nothing.status == 422 && nothing.firstError?["code"] == "NOTHING_TO_BILL", "\(nothing.text.prefix(300))")

        #expect(try await fixture.post(path, "invoice-items", ["description": "Consultoria", "unitAmount": .number("99.90")]).status == 201)
        let created = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        #expect(created.status == 201, "\(created.text.prefix(400))")
        let invoice = try #require(created.data?["id"]?.stringValue)
        #expect(
            created.attribute("lines")?.arrayValue?.map { $0["kind"]?.stringValue ?? "" } == ["INVOICE_ITEM"]
                && created.attribute("total")?.decimalValue == DecimalNumber("99.90"), "\(created.text.prefix(400))")

        let rush = try await fixture.post(
            path, "invoice-items", ["description": "Taxa de urgência", "quantity": 3, "unitAmount": "10.00", "invoiceId": .string(invoice)])
        #expect(
            rush.status == 201 && rush.attribute("status") == "INVOICED" && rush.attribute("invoiceId")?.stringValue == invoice,
            "\(rush.text.prefix(300))")
        let draft = try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token)
        #expect(
            draft.attribute("lines")?.arrayValue?.last?["id"] == rush.data?["id"]
                && draft.attribute("total")?.decimalValue == DecimalNumber("129.90"),
            "\(draft.text.prefix(500))")
        let below = try await fixture.post(path, "invoice-items", ["description": "Crédito", "unitAmount": -200, "invoiceId": .string(invoice)])
        #expect(below.status == 422 && below.firstError?["source"]?["pointer"] == "/data/attributes/unitAmount", "\(below.text.prefix(300))")

        #expect(try await fixture.client.post("/api/v1/invoices/\(invoice)/finalize", token: fixture.token).status == 200)
        let finalized = try await fixture.post(path, "invoice-items", ["description": "x", "unitAmount": 1, "invoiceId": .string(invoice)])
        #expect(finalized.status == 409 && finalized.firstError?["code"] == "INVOICE_NOT_EDITABLE", "\(finalized.text.prefix(300))")
    }
}
