import BillingCore
import BillingTesting
import Foundation
import Testing

/// Credit notes (issue 26, Stripe's and Lago's) through the gateway: against a partly paid invoice (what is due first, the rest
/// to account credit), a fully credited unpaid invoice (CREDITED), the printable note, refusals naming their field, and a refund
/// through Stripe (the stand-in) on a card-paid invoice.
@Suite("Credit notes through the gateway (real processes)", .timeLimit(.minutes(6)))
struct CreditNotesEndToEndTests {
    static let notes = "/api/v1/credit-notes"

    /// A finalized (PENDING) invoice of the fixture's account billing one invoice item of `amount`.
    static func finalizedInvoice(_ fixture: SubscriptionFixture, amount: String) async throws -> String {
        let item = try await fixture.post(
            "/api/v1/billing-accounts/\(fixture.account)/invoice-items", "invoice-items",
            ["description": "Consultoria", "unitAmount": .number(amount)])
        #expect(item.status == 201, "\(item.text.prefix(300))")
        let created = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        #expect(created.status == 201, "\(created.text.prefix(300))")
        let invoice = try #require(created.data?["id"]?.stringValue)
        let finalized = try await fixture.client.post("/api/v1/invoices/\(invoice)/finalize", token: fixture.token)
        #expect(finalized.status == 200 && finalized.attribute("status") == "PENDING", "\(finalized.text.prefix(300))")
        return invoice
    }

    @Test(
        """
        Stripe's partly paid example: 100.00 invoiced, 60.00 paid; a 50.00 note with nothing allocated is 422 naming refundAmount; \
        with creditAmount 10.00 it takes the 40.00 due and the invoice is PAID, the account holds 10.00 of credit; numbered \
        NC-<year>-000001, listed by invoice, printable as HTML and PDF; an unpaid invoice credited in full is CREDITED; bad input is 4xx \
        naming the field; customers are kept out
        """
    )
    func partlyPaidAndCredited() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster)
        let invoice = try await Self.finalizedInvoice(fixture, amount: "100.00")
        let paid = try await fixture.post(
            "/api/v1/payments", "payments",
            ["billingAccountId": .string(fixture.account), "invoiceId": .string(invoice), "amount": .number("60.00"), "paymentMethod": "PIX"])
        #expect(paid.status == 201, "\(paid.text.prefix(300))")

        let unsplit = try await fixture.post(Self.notes, "credit-notes", ["invoiceId": .string(invoice), "amount": .number("50.00")])
        #expect(
            unsplit.status == 422 && unsplit.firstError?["source"]?["pointer"] == "/data/attributes/refundAmount"
                && unsplit.firstError?["code"] == "CREDIT_SPLIT_MISMATCH", "\(unsplit.text.prefix(400))")
        let note = try await fixture.client.post(
            Self.notes, token: fixture.token,
            json: resource(
                "credit-notes",
                [
                    "invoiceId": .string(invoice), "amount": .number("50.00"), "creditAmount": .number("10.00"), "reason": "PRODUCT_UNSATISFACTORY",
                    "memo": "Serviço indisponível por 3 dias",
                ]), headers: ["Idempotency-Key": "note-e2e-1"])
        #expect(note.status == 201, "\(note.text.prefix(500))")
        let noteID = try #require(note.data?["id"]?.stringValue)
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        #expect(note.attribute("number")?.stringValue == String(format: "NC-%04d-000001", year), "\(note.text.prefix(300))")
        #expect(
            note.attribute("prePaymentAmount")?.decimalValue == DecimalNumber("40.00")
                && note.attribute("postPaymentAmount")?.decimalValue == DecimalNumber("10.00")
                && note.attribute("creditAmount")?.decimalValue == DecimalNumber("10.00") && note.attribute("invoiceStatus") == "PAID")
        let replay = try await fixture.client.post(
            Self.notes, token: fixture.token,
            json: resource(
                "credit-notes",
                [
                    "invoiceId": .string(invoice), "amount": .number("50.00"), "creditAmount": .number("10.00"), "reason": "PRODUCT_UNSATISFACTORY",
                    "memo": "Serviço indisponível por 3 dias",
                ]), headers: ["Idempotency-Key": "note-e2e-1"])
        #expect(replay.data?["id"]?.stringValue == noteID, "the same key answers the first note")
        let after = try await fixture.client.get("/api/v1/invoices/\(invoice)", token: fixture.token)
        #expect(
            after.attribute("status") == "PAID" && after.attribute("amountDue")?.decimalValue == DecimalNumber("0.00")
                && after.attribute("amountPaid")?.decimalValue == DecimalNumber("60.00")
                && after.attribute("prePaymentCreditNotesAmount")?.decimalValue == DecimalNumber("40.00")
                && after.attribute("postPaymentCreditNotesAmount")?.decimalValue == DecimalNumber("10.00"), "\(after.text.prefix(600))")

        let listed = try await fixture.client.get(Self.notes + "?filter%5BinvoiceId%5D=\(invoice)", token: fixture.token)
        #expect(listed.status == 200 && listed.data?.arrayValue?.compactMap { $0["id"]?.stringValue } == [noteID], "\(listed.text.prefix(300))")
        let one = try await fixture.client.get(Self.notes + "/\(noteID)", token: fixture.token)
        #expect(one.status == 200 && one.attribute("lines")?.arrayValue?.count == 1)
        let page = try await fixture.client.send("GET", Self.notes + "/\(noteID)/document", token: fixture.token, headers: ["Accept": "text/html"])
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true && page.text.contains("Nota de crédito"))
        let pdf = try await fixture.client.send(
            "GET", Self.notes + "/\(noteID)/document", token: fixture.token, headers: ["Accept": "application/pdf"])
        #expect(pdf.status == 200 && pdf.headers["content-type"] == "application/pdf" && pdf.body.starts(with: Array("%PDF-1.4".utf8)))

        // An unpaid invoice credited in full: CREDITED, nothing more to collect. It took the account's 10.00 of credit (30.00 − 10.00),
        // so 20.00 is all there is to credit (the whole line, 30.00, is more); CREDITED gives the 10.00 back, as voiding would.
        let unpaid = try await Self.finalizedInvoice(fixture, amount: "30.00")
        let whole = try await fixture.post(
            Self.notes, "credit-notes", ["invoiceId": .string(unpaid), "reason": "DUPLICATE", "lines": [["invoiceLineIndex": 0, "quantity": 1]]])
        #expect(
            whole.status == 422 && whole.firstError?["code"] == "CREDIT_EXCEEDS_INVOICE"
                && whole.firstError?["source"]?["pointer"] == "/data/attributes/lines", "\(whole.text.prefix(400))")
        let byLine = try await fixture.post(
            Self.notes, "credit-notes",
            ["invoiceId": .string(unpaid), "reason": "DUPLICATE", "lines": [["invoiceLineIndex": 0, "amount": .number("20.00")]]])
        #expect(byLine.status == 201 && byLine.attribute("invoiceStatus") == "CREDITED", "\(byLine.text.prefix(400))")
        #expect(byLine.attribute("number")?.stringValue == String(format: "NC-%04d-000002", year))
        let credited = try await fixture.client.get("/api/v1/invoices/\(unpaid)", token: fixture.token)
        #expect(credited.attribute("status") == "CREDITED")
        let pix = try await fixture.client.get("/api/v1/invoices/\(unpaid)/pix", token: fixture.token)
        #expect(pix.status == 409, "\(pix.text.prefix(300))")
        let again = try await fixture.post(Self.notes, "credit-notes", ["invoiceId": .string(unpaid), "amount": .number("1.00")])
        #expect(again.status == 409 && again.firstError?["code"] == "INVOICE_NOT_CREDITABLE", "\(again.text.prefix(300))")

        // Refusals, each naming its field.
        let open = try await Self.finalizedInvoice(fixture, amount: "20.00")
        for (attributes, status, pointer) in [
            (["invoiceId": .string(open), "amount": .number("20.01")] as JSONValue, 422, "/data/attributes/amount"),
            (["invoiceId": .string(open), "amount": .number("1.001")], 422, "/data/attributes/amount"),
            (["invoiceId": .string(open), "amount": "dez"], 422, "/data/attributes/amount"),
            (["invoiceId": .string(open)], 422, "/data/attributes/amount"),
            (["invoiceId": .string(open), "amount": 1, "reason": "BECAUSE"], 422, "/data/attributes/reason"),
            (["invoiceId": .string(open), "lines": [["invoiceLineIndex": 5, "amount": 1]]], 422, "/data/attributes/lines/0/invoiceLineIndex"),
            (["invoiceId": .string(open), "lines": [["invoiceLineIndex": 0, "amount": 21]]], 422, "/data/attributes/lines/0/amount"),
            (["invoiceId": .string(open), "amount": 1, "refundAmount": 1], 422, "/data/attributes/refundAmount"),
            (["amount": 1], 422, "/data/attributes/invoiceId"),
            (["invoiceId": .string(UUID().uuidString.lowercased()), "amount": 1], 404, nil),
        ] as [(JSONValue, Int, String?)] {
            let refused = try await fixture.post(Self.notes, "credit-notes", attributes)
            #expect(
                refused.status == status && refused.firstError?["source"]?["pointer"]?.stringValue == pointer,
                "\(attributes): \(refused.text.prefix(300))")
        }
        #expect(try await fixture.client.get(Self.notes + "/\(UUID().uuidString.lowercased())", token: fixture.token).status == 404)
        let customer = try cluster.tokens.token(
            tenant: fixture.tenant, subject: "cliente", roles: ["owner"], extraClaims: ["billingAccountId": .string(fixture.account)])
        #expect(try await fixture.client.get(Self.notes, token: customer).status == 403)
        let stranger = try cluster.tokens.token(tenant: newTenant("other"), roles: ["owner"])
        #expect(try await fixture.client.get(Self.notes + "/\(noteID)", token: stranger).status == 404)
        let reader = try cluster.tokens.token(tenant: fixture.tenant, permissions: ["CREDIT_NOTES_READ"])
        #expect(try await fixture.client.get(Self.notes + "/\(noteID)", token: reader).status == 200)
        #expect(
            try await fixture.client.post(
                Self.notes, token: reader, json: resource("credit-notes", ["invoiceId": .string(open), "amount": 1])
            ).status == 403)
    }

    @Test(
        """
        a card-paid invoice (Stripe stand-in): a credit note refunding part of it goes through Stripe's Refunds API named by our \
        refund, settles REFUNDED, and the payment shows it refunded; the invoice stays PAID
        """
    )
    func refundThroughStripe() async throws {
        let started = try await ProviderRailCluster.shared.start()
        let (stripe, running) = (started.stripe, started.running)
        let shop = try await StripeEndToEndTests.Shop.open(running)
        let checkout = try await shop.checkout(card: "pm_card_visa")
        #expect(checkout.status == 201 && checkout.attribute("cardStatus") == "APPROVED", "\(checkout.text.prefix(400))")
        let invoice = try #require(checkout.attribute("invoice")?["id"]?.stringValue)
        let intent = try #require(checkout.attribute("payment")?["externalRef"]?.stringValue)
        let paymentID = try #require(checkout.attribute("payment")?["id"]?.stringValue)
        // The package's credits are granted (and unspent), so a refund may take back their share.
        #expect(try await waitFor(timeout: .seconds(60)) { try await shop.purchased() == DecimalNumber(500) })

        let note = try await shop.client.post(
            Self.notes, token: shop.token,
            json: resource(
                "credit-notes",
                ["invoiceId": .string(invoice), "amount": .number("9.90"), "refundAmount": .number("9.90"), "reason": "ORDER_CHANGE"]))
        #expect(note.status == 201, "\(note.text.prefix(500))")
        let refunds = note.attribute("refunds")?.arrayValue ?? []
        #expect(refunds.count == 1 && refunds.first?["settlement"] == "REFUNDED" && refunds.first?["paymentId"]?.stringValue == paymentID)
        let refundID = try #require(refunds.first?["refundId"]?.stringValue).replacingOccurrences(of: "-", with: "").lowercased()
        let atStripe = stripe.refunds().filter { $0.paymentIntent == intent }
        #expect(atStripe.count == 1 && atStripe.first?.amount == 990 && atStripe.first?.metadata["billing_refund"] == refundID, "\(atStripe)")
        let payment = try await shop.client.get("/api/v1/payments/\(paymentID)", token: shop.token)
        #expect(payment.attribute("refunded")?.decimalValue == DecimalNumber("9.90"), "\(payment.text.prefix(300))")
        #expect(try await shop.client.get("/api/v1/invoices/\(invoice)", token: shop.token).attribute("status") == "PAID")
    }
}
