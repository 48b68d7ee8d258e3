import BillingCore
import BillingTesting
import Foundation
import Testing

/// Bank transfer, the manual method of issue 29: an invoice finalized with BANK_TRANSFER shows its reference and the tenant's
/// bank account; transfers an operator records are matched by reference and pay it once, the rest kept for review.
@Suite("Bank transfers reconciled by reference (real processes)", .timeLimit(.minutes(3)))
struct BankTransferEndToEndTests {
    @Test("finalize with BANK_TRANSFER → reference and bank details; a typo, a wrong amount, the right transfer (once), a duplicate")
    func reconcile() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        #expect(try await fixture.subscribe().status == 201)
        let draft = try await fixture.post("/api/v1/invoices", "invoices", ["billingAccountId": .string(fixture.account)])
        let invoice = try #require(draft.data?["id"]?.stringValue, "\(draft.text.prefix(300))")
        let client = fixture.client, token = fixture.token
        func finalize() async throws -> HTTPTestResponse {
            try await fixture.post("/api/v1/invoices/\(invoice)/finalize", "invoices", ["paymentMethod": "BANK_TRANSFER"])
        }
        let unconfigured = try await finalize()
        #expect(unconfigured.status == 409 && unconfigured.firstError?["code"] == "BANK_TRANSFER_NOT_CONFIGURED", "\(unconfigured.text.prefix(300))")

        func settings(_ holderTaxId: String) async throws -> HTTPTestResponse {
            try await client.send(
                "PUT", "/api/v1/invoice-settings", token: token,
                json: resource(
                    "invoice-settings",
                    [
                        "autoFinalize": false, "netTermsDays": 7,
                        "bankAccount": [
                            "bankCode": "001", "bankName": "Banco do Brasil", "branch": "1234-5", "accountNumber": "98765-X",
                            "holderName": "Empresa SaaS Ltda", "holderTaxId": .string(holderTaxId),
                        ],
                    ]))
        }
        let badAccount = try await settings("11.222.333/0001-82")
        #expect(
            badAccount.status == 422 && badAccount.firstError?["source"]?["pointer"] == "/data/attributes/bankAccount/holderTaxId",
            "\(badAccount.text.prefix(300))")
        #expect(try await settings("11.222.333/0001-81").status == 200)
        let read = try await client.get("/api/v1/invoice-settings", token: token)
        #expect(read.attribute("bankAccount")?["holderTaxId"] == "11222333000181", "\(read.text.prefix(400))")

        let finalized = try await finalize()
        #expect(finalized.status == 200 && finalized.attribute("status") == "PENDING", "\(finalized.text.prefix(300))")
        let total = try #require(finalized.attribute("total")?.decimalValue)
        let number = try #require(finalized.attribute("number")?.stringValue)
        let instructions = try await client.get("/api/v1/invoices/\(invoice)/bank-transfer", token: token)
        #expect(instructions.status == 200, "\(instructions.text.prefix(400))")
        let reference = try #require(instructions.attribute("reference")?.stringValue)
        #expect(reference.hasPrefix("RF") && reference.hasSuffix(number.replacingOccurrences(of: "-", with: "")))
        #expect(instructions.attribute("amountDue")?.decimalValue == total)
        #expect(instructions.attribute("bankAccount")?["accountNumber"] == "98765-X")
        let printed = try await client.send("GET", "/api/v1/invoices/\(invoice)", token: token, headers: ["Accept": "text/html"])
        #expect(printed.text.contains(reference) && printed.text.contains("Agência 1234-5"), "the printable invoice shows how to transfer")

        func record(_ attributes: JSONValue) async throws -> HTTPTestResponse {
            try await fixture.post("/api/v1/bank-transfers", "bank-transfers", attributes)
        }
        let today = String(RFC3339.format(Date()).prefix(10))
        // Malformed input is refused, naming the field.
        let zero = try await record(["reference": .string(reference), "amount": 0, "receivedOn": .string(today)])
        #expect(zero.status == 422 && zero.firstError?["source"]?["pointer"] == "/data/attributes/amount", "\(zero.text.prefix(300))")
        let badDate = try await record(["reference": .string(reference), "amount": 1, "receivedOn": "2026-02-30"])
        #expect(badDate.status == 422 && badDate.firstError?["source"]?["pointer"] == "/data/attributes/receivedOn")
        // Real money is recorded, but what does not fit an open invoice exactly waits for review.
        var typo = Array(reference)
        typo[typo.count - 1] = typo[typo.count - 1] == "1" ? "2" : "1"
        let unknown = try await record(["reference": .string(String(typo)), "amount": .number(total.text), "receivedOn": .string(today)])
        #expect(unknown.status == 201 && unknown.attribute("status") == "UNMATCHED" && unknown.attribute("unmatchedReason") == "UNKNOWN_REFERENCE")
        let short = try await record(["reference": .string(reference), "amount": 10, "receivedOn": .string(today)])
        #expect(short.attribute("status") == "UNMATCHED" && short.attribute("unmatchedReason") == "AMOUNT_MISMATCH", "\(short.text.prefix(300))")
        #expect(try await client.get("/api/v1/invoices/\(invoice)", token: token).attribute("status") == "PENDING")

        // The right transfer, quoted with spaces and in lower case: the invoice is paid by BANK_TRANSFER.
        let spaced = reference.lowercased().enumerated().map { $0.offset % 4 == 3 ? "\($0.element) " : "\($0.element)" }.joined()
        let body: JSONValue = [
            "reference": .string(spaced), "amount": .number(total.text), "receivedOn": .string(today), "bankTransactionId": "EXTRATO-0001",
        ]
        let matched = try await record(body)
        #expect(matched.status == 201 && matched.attribute("status") == "MATCHED", "\(matched.text.prefix(400))")
        #expect(matched.attribute("invoiceId")?.stringValue == invoice && matched.attribute("paymentId")?.stringValue != nil)
        let paid = try await client.get("/api/v1/invoices/\(invoice)", token: token)
        #expect(paid.attribute("status") == "PAID" && paid.attribute("paymentMethod") == "BANK_TRANSFER", "\(paid.text.prefix(300))")
        #expect(paid.attribute("amountPaid")?.decimalValue == total)
        // The same statement line again (another call, no key): the first record, nothing paid twice.
        let again = try await record(body)
        #expect(again.data?["id"] == matched.data?["id"] && again.attribute("status") == "MATCHED", "\(again.text.prefix(300))")
        // A second transfer for the paid invoice: kept for a refund decision.
        let duplicate = try await record(["reference": .string(reference), "amount": .number(total.text), "receivedOn": .string(today)])
        #expect(duplicate.attribute("status") == "UNMATCHED" && duplicate.attribute("unmatchedReason") == "INVOICE_NOT_OPEN")
        #expect(try await client.get("/api/v1/invoices/\(invoice)", token: token).attribute("amountPaid")?.decimalValue == total)

        let review = try await client.get("/api/v1/bank-transfers?filter%5Bstatus%5D=UNMATCHED", token: token)
        #expect(review.status == 200 && review.data?.arrayValue?.count == 3, "\(review.text.prefix(400))")
        let payments = try await client.get("/api/v1/payments?filter%5BinvoiceId%5D=\(invoice)", token: token).data?.arrayValue ?? []
        #expect(payments.count == 1 && payments.first?["attributes"]?["paymentMethod"] == "BANK_TRANSFER", "\(payments)")
    }
}
