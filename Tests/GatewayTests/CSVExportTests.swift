import BillingCore
import Foundation
import Testing

@testable import Gateway

@Suite("CSV export (RFC 4180)")
struct CSVExportTests {
    @Test(
        "a field with a comma, a quote, CR or LF is quoted with its quotes doubled; every record ends with CRLF",
        arguments: [
            (["a", "b"], "a,b\r\n"), (["1,5", "x"], "\"1,5\",x\r\n"), (["say \"hi\""], "\"say \"\"hi\"\"\"\r\n"),
            (["two\nlines", ""], "\"two\nlines\",\r\n"), (["cr\r"], "\"cr\r\"\r\n"),
        ])
    func quoting(fields: [String], expected: String) {
        #expect(CSVExport.record(fields) == expected)
    }

    @Test("values keep their exact digits; null is empty; nested objects are flattened, arrays written as JSON")
    func values() throws {
        #expect(CSVExport.text(.number("299.90")) == "299.90" && CSVExport.text(.null) == "" && CSVExport.text(.bool(true)) == "true")
        let attributes: JSONValue = ["total": .number("0.10"), "wallet": ["balance": .number("97.916")], "tags": ["a", "b"]]
        #expect(CSVExport.text(CSVExport.value(attributes, at: "wallet.balance")) == "97.916")
        #expect(CSVExport.text(CSVExport.value(attributes, at: "tags")) == "[\"a\",\"b\"]")
        struct Row: Codable {
            struct Inner: Codable { var x: Int }
            var a: String
            var inner: Inner
            var list: [Int]
        }
        #expect(CSVExport.flattenedNames(.of(Row.self)) == ["a", "inner.x", "list"])
    }

    @Test("the four lists export; others are left as they are")
    func exports() {
        #expect(Set(CSVExport.exports.keys) == ["listInvoices", "listPayments", "listCreditExecutions", "listUsageEvents"])
    }
}
