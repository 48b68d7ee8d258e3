import BillingCore
import Foundation
import InvoicingContract
import Testing

@testable import Invoicing

@Suite("Invoice PDF")
struct InvoicePDFTests {
    static func invoice(lines count: Int) -> Invoice {
        let now = RFC3339.parse("2027-03-01T00:00:00Z")!
        let line = InvoiceLine(
            kind: "USAGE", description: "tokens (ação) — tier 2, a description long enough to be wrapped onto a second line of the table",
            quantity: DecimalNumber(3), unitAmount: DecimalNumber(significand: 25, scale: 4), amount: Money(minorUnits: 1, currency: .brl),
            periodStart: now, periodEnd: now.addingTimeInterval(86_400 * 31), subscriptionId: nil)
        let total = Money(minorUnits: Int64(count), currency: .brl)
        return Invoice(
            id: .generate(at: now), billingAccountId: .generate(), number: "2027-000042", status: .pending, currency: "BRL",
            lines: Array(repeating: line, count: count), total: total, amountPaid: .zero(.brl), amountDue: total, periodStart: now, periodEnd: nil,
            subscriptionId: nil, netTermsDays: 7, dueDate: now, finalizedAt: now, paidAt: nil, voidedAt: nil, createdAt: now, updatedAt: now)
    }

    /// Every object the cross-reference table lists starts where it says, and `startxref` points at the table.
    static func checkStructure(_ file: [UInt8]) -> (objects: Int, pages: Int) {
        let text = String(decoding: file, as: UTF8.self)
        let bytes = Array(file)
        guard let start = text.range(of: "startxref\n", options: .backwards).map({ text[$0.upperBound...].prefix { $0.isNumber } }),
            let xref = Int(start), String(decoding: bytes[xref..<xref + 4], as: UTF8.self) == "xref"
        else { return (0, 0) }
        let table = String(decoding: bytes[xref...], as: UTF8.self).split(separator: "\n")
        let count = Int(table[1].split(separator: " ")[1])!
        for index in 1..<count {
            let offset = Int(table[2 + index].prefix(10))!
            let header = "\(index) 0 obj"
            guard String(decoding: bytes[offset..<offset + header.utf8.count], as: UTF8.self) == header else { return (0, 0) }
        }
        return (count - 1, text.components(separatedBy: "/Type /Page /Parent").count - 1)
    }

    @Test("a valid file: header, every cross-reference offset on its object, startxref on the table; long invoices take several pages")
    func structure() {
        let short = InvoicePDF.render(
            Self.invoice(lines: 2), buyer: nil, seller: PixMerchant(key: "k", name: "Loja", city: "São Paulo"),
            sellerTaxID: nil, pix: nil)
        #expect(short.starts(with: Array("%PDF-1.4".utf8)))
        #expect(Self.checkStructure(short) == (8, 1), "catalog, pages, 3 fonts, 1 page and its content, info")
        let long = InvoicePDF.render(
            Self.invoice(lines: 80), buyer: nil, seller: PixMerchant(key: "k", name: "Loja", city: "São Paulo"),
            sellerTaxID: nil, pix: nil)
        let (objects, pages) = Self.checkStructure(long)
        #expect(pages >= 3 && objects == 5 + 2 * pages + 1, "80 lines of 3 rows each do not fit one page: \(pages) pages")
    }

    @Test("text: WinAnsi bytes for Portuguese, parentheses and backslashes escaped, other characters as '?'; wrapping at spaces")
    func text() {
        #expect(
            InvoicePDF.PageWriter.winAnsi("ação (1) \\ – €✓") == Array("a".utf8) + [0xE7, 0xE3] + Array("o \\(1\\) \\\\ ".utf8) + [
                0x96, 0x20, 0x80, 0x3F,
            ])
        #expect(InvoicePDF.PageWriter.wrap("one two three four", width: 9) == ["one two", "three", "four"])
        #expect(InvoicePDF.PageWriter.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(InvoicePDF.PageWriter.wrap("0002012658", width: 4, breakAnywhere: true) == ["0002", "0126", "58"])
        #expect(InvoicePDF.PageWriter.wrap("", width: 4) == [""])
    }
}
