import BillingCore
import Foundation
import InvoicingContract
import Testing

@testable import Invoicing

@Suite("Bank transfer references and inputs (pure)")
struct BankTransferRulesTests {
    @Test("ISO 11649 references: the standard's own example, invoice numbers, typos caught")
    func references() {
        // ISO 11649's example reference.
        #expect(BankTransferRules.normalized("RF18 5390 0754 7034") == "RF18539007547034")
        #expect(BankTransferRules.normalized("rf18539007547034") == "RF18539007547034")
        #expect(BankTransferRules.reference(forInvoiceNumber: "539007547034") == "RF18539007547034")
        #expect(BankTransferRules.reference(forInvoiceNumber: "2026-000123") == "RF462026000123")
        #expect(BankTransferRules.reference(forInvoiceNumber: "TEST-2026-000001") == "RF19TEST2026000001")
        #expect(BankTransferRules.reference(forInvoiceNumber: String(repeating: "1", count: 22)) == nil)
        for number in ["2026-000001", "2026-999999", "TEST-2027-000042"] {
            let reference = BankTransferRules.reference(forInvoiceNumber: number)!
            #expect(BankTransferRules.normalized(reference) == reference)
            // Every single-character typo and every swap of neighbours in the body is caught by the check digits.
            let characters = Array(reference)
            for index in 4..<characters.count {
                // (MOD 97-10 guarantees it for digits; a letter's two-digit value is not covered by that guarantee.)
                for replacement in "0123456789" where characters[index].isNumber && replacement != characters[index] {
                    var typo = characters
                    typo[index] = replacement
                    #expect(BankTransferRules.normalized(String(typo)) == nil, "\(String(typo))")
                }
                if index + 1 < characters.count, characters[index].isNumber, characters[index + 1].isNumber,
                    characters[index] != characters[index + 1]
                {
                    var swapped = characters
                    swapped.swapAt(index, index + 1)
                    #expect(BankTransferRules.normalized(String(swapped)) == nil, "\(String(swapped))")
                }
            }
        }
        for bad in ["", "RF", "RFAB2026", "XX462026000123", "RF46-2026-000123"] { #expect(BankTransferRules.normalized(bad) == nil, "\(bad)") }
    }

    @Test("The tenant's bank account: each field checked and named")
    func account() throws {
        let good = BankAccountDetails(
            bankCode: "001", bankName: " Banco do Brasil ", branch: "1234-5", accountNumber: "98765-X", holderName: "Empresa SaaS Ltda",
            holderTaxId: "11.222.333/0001-81")
        let checked = try BankTransferRules.account(good)
        #expect(checked.bankName == "Banco do Brasil" && checked.holderTaxId == "11222333000181")
        let cases: [(String, (inout BankAccountDetails) -> Void)] = [
            ("bankAccount.bankCode", { $0.bankCode = "1" }),
            ("bankAccount.bankName", { $0.bankName = " " }),
            ("bankAccount.branch", { $0.branch = "12a4" }),
            ("bankAccount.accountNumber", { $0.accountNumber = "123-45" }),
            ("bankAccount.holderName", { $0.holderName = "" }),
            ("bankAccount.holderTaxId", { $0.holderTaxId = "11.222.333/0001-82" }),
        ]
        for (field, change) in cases {
            var details = good
            change(&details)
            #expect(throws: InvoicingError.self) { try BankTransferRules.account(details) }
            do { _ = try BankTransferRules.account(details) } catch { #expect(error.rpcError.details["field"] == field) }
        }
    }

    @Test("The statement date: a real day, not in the future")
    func receivedOn() throws {
        let today = RFC3339.parse("2026-03-10T12:00:00Z")!
        #expect(try BankTransferRules.receivedOn("2026-03-05", today: today) == "2026-03-05")
        for bad in ["2026-02-30", "05/03/2026", "2026-3-5", "2026-03-12"] {
            #expect(throws: InvoicingError.self, "\(bad)") { try BankTransferRules.receivedOn(bad, today: today) }
        }
    }
}
