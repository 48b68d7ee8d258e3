import AccountsContract
import BillingCore
import Foundation
import InvoicingContract

/// The printable invoice as a PDF (ISO 32000-1, written by hand: no PDF library is packaged for Debian's Swift): the same
/// content as the HTML document — seller, buyer and tax id, lines, totals, dates, the PIX code while it can be paid — on A4
/// pages in the standard Helvetica and Courier fonts (WinAnsiEncoding, so Portuguese text prints as is). Amounts are set in
/// Courier, whose fixed width lets them align right exactly.
enum InvoicePDF {
    static func render(_ invoice: Invoice, buyer: BillingAccount?, seller: PixMerchant, sellerTaxID: String?, pix: PixCharge?) -> [UInt8] {
        var page = PageWriter()
        let date = { (value: Date?) in value.map { String(RFC3339.format($0).prefix(10)) } ?? "—" }
        page.text("Fatura \(invoice.number ?? "(rascunho)")", font: .bold, size: 18)
        page.space(6)
        page.text(
            "Status: \(invoice.status.rawValue) · Emitida: \(date(invoice.finalizedAt)) · Vencimento: \(date(invoice.dueDate))"
                + (invoice.paidAt.map { " · Paga: \(date($0))" } ?? "")
                + (invoice.purchaseOrder.map { " · Pedido de compra: \($0)" } ?? ""), size: 10)
        for line in invoice.memo.map({ PageWriter.wrap($0, width: 90) }) ?? [] { page.text(line, size: 10) }
        page.space(10)
        let sellerLines = [seller.name] + (sellerTaxID.map { ["CNPJ: \(BrazilianTaxID.formatted($0))"] } ?? []) + [seller.city]
        let buyerLines =
            buyer.map { account in
                [account.name, account.email]
                    + (account.taxId.map { ["\(account.taxIdType?.rawValue ?? "Tax id"): \(BrazilianTaxID.formatted($0))"] } ?? [])
            } ?? [invoice.billingAccountId.description]
        page.columns([("Vendedor", sellerLines, PageWriter.margin), ("Cliente", buyerLines, 310)])
        page.space(8)
        page.text("Período: \(date(invoice.periodStart)) – \(date(invoice.periodEnd))", size: 10)
        page.space(6)
        page.row(["Descrição", "Qtd.", "Valor unitário", "Valor"], font: .bold, labels: [1, 2, 3])
        page.rule()
        for line in invoice.lines {
            let period = [line.periodStart, line.periodEnd].compactMap { $0 }.map { String(RFC3339.format($0).prefix(10)) }.joined(separator: " – ")
            let description = PageWriter.wrap(line.description, width: 52) + (period.isEmpty ? [] : [period])
            page.row(
                [
                    description.first ?? "", line.quantity.text, InvoiceDocument.unitText(line.unitAmount, invoice.total.currency),
                    line.amount.displayText,
                ],
                continuation: Array(description.dropFirst()))
        }
        page.rule()
        let credited = invoice.creditNotesTotal.map { [("Notas de crédito", $0)] } ?? []
        for (label, amount) in [("Total", invoice.total), ("Pago", invoice.amountPaid)] + credited + [("A pagar", invoice.amountDue)] {
            page.row(["", "", label, amount.displayText], font: label == "Total" ? .bold : .regular, labels: [2])
        }
        let taxes = InvoiceDocument.taxSentences(invoice)
        if !taxes.isEmpty {
            page.space(10)
            page.text("Tributos", font: .bold, size: 11)
            for sentence in taxes { for chunk in PageWriter.wrap(sentence, width: 90) { page.text(chunk, size: 9) } }
        }
        if let pix {
            page.space(14)
            page.text("PIX copia e cola", font: .bold, size: 12)
            page.text("Pague \(pix.amount.displayText) no app do seu banco:", size: 10)
            for chunk in PageWriter.wrap(pix.copyPaste, width: 80, breakAnywhere: true) { page.text(chunk, font: .mono, size: 8) }
        }
        return page.document(title: "Fatura \(invoice.number ?? "rascunho")")
    }

    /// Lays text out top to bottom over as many A4 pages as it needs, and writes the file.
    struct PageWriter {
        enum Font: String { case regular = "F1", bold = "F2", mono = "F3" }
        static let width = 595.0, height = 842.0, margin = 50.0
        /// Right edges of the table's number columns, and the description column's left edge.
        static let columnRights = [0.0, 370.0, 460.0, 545.0]

        private var pages: [[UInt8]] = []
        private var current: [UInt8] = []
        private var y = height - margin

        mutating func space(_ points: Double) { y -= points }

        mutating func text(_ value: String, font: Font = .regular, size: Double = 10, x: Double = margin) {
            ensure(size * 1.4)
            y -= size * 1.4
            put(value, font: font, size: size, x: x, y: y)
        }

        /// Headed blocks side by side (seller and buyer).
        mutating func columns(_ blocks: [(title: String, lines: [String], x: Double)]) {
            let rows = (blocks.map(\.lines.count).max() ?? 0) + 1
            ensure(Double(rows) * 14)
            let top = y
            for block in blocks {
                y = top
                text(block.title, font: .bold, size: 11, x: block.x)
                for line in block.lines { text(line, size: 10, x: block.x) }
            }
            y = top - Double(rows) * 14
        }

        /// A table row: the description left, then three cells right-aligned on their column's edge — figures in Courier
        /// (600/1000 em per character, so exactly), the `labels` columns in `font` (Helvetica, by an average width);
        /// `continuation` lines go under the description.
        mutating func row(_ cells: [String], font: Font = .regular, labels: Set<Int> = [], continuation: [String] = []) {
            ensure(14 * Double(1 + continuation.count))
            y -= 14
            put(cells[0], font: font, size: 9.5, x: Self.margin, y: y)
            let size = 9.0
            for index in 1..<cells.count where !cells[index].isEmpty {
                let isLabel = labels.contains(index)
                let width = Double(cells[index].count) * size * (isLabel ? 0.55 : 0.6)
                put(cells[index], font: isLabel ? font : .mono, size: size, x: Self.columnRights[index] - width, y: y)
            }
            for line in continuation {
                y -= 12
                put(line, font: .regular, size: 8, x: Self.margin + 8, y: y)
            }
        }

        mutating func rule() {
            ensure(6)
            y -= 4
            current += Array(
                "0.6 w \(Self.number(Self.margin)) \(Self.number(y)) m \(Self.number(Self.width - Self.margin)) \(Self.number(y)) l S\n".utf8)
        }

        private mutating func ensure(_ points: Double) {
            guard y - points < Self.margin else { return }
            pages.append(current)
            current = []
            y = Self.height - Self.margin
        }

        private mutating func put(_ value: String, font: Font, size: Double, x: Double, y: Double) {
            current += Array("BT /\(font.rawValue) \(Self.number(size)) Tf \(Self.number(x)) \(Self.number(y)) Td (".utf8)
            current += Self.winAnsi(value)
            current += Array(") Tj ET\n".utf8)
        }

        /// The file: catalog, page tree, three standard fonts, each page with its content stream, the cross-reference table.
        mutating func document(title: String) -> [UInt8] {
            pages.append(current)
            current = []
            var objects: [[UInt8]] = []
            let fontBase = 3, pageBase = 6
            let kids = pages.indices.map { "\(pageBase + 2 * $0) 0 R" }.joined(separator: " ")
            objects.append(Array("<< /Type /Catalog /Pages 2 0 R >>".utf8))
            objects.append(Array("<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>".utf8))
            for name in ["Helvetica", "Helvetica-Bold", "Courier"] {
                objects.append(Array("<< /Type /Font /Subtype /Type1 /BaseFont /\(name) /Encoding /WinAnsiEncoding >>".utf8))
            }
            for (index, content) in pages.enumerated() {
                let fonts = "/F1 \(fontBase) 0 R /F2 \(fontBase + 1) 0 R /F3 \(fontBase + 2) 0 R"
                objects.append(
                    Array(
                        """
                        << /Type /Page /Parent 2 0 R /MediaBox [0 0 \(Int(Self.width)) \(Int(Self.height))] /Resources << /Font << \(fonts) >> >> \
                        /Contents \(pageBase + 2 * index + 1) 0 R >>
                        """.utf8))
                objects.append(Array("<< /Length \(content.count) >>\nstream\n".utf8) + content + Array("endstream".utf8))
            }
            objects.append(Array("<< /Title (".utf8) + Self.winAnsi(title) + Array(") /Producer (billing-invoicing) >>".utf8))
            var file = Array("%PDF-1.4\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3] + Array("\n".utf8)
            var offsets: [Int] = []
            for (index, object) in objects.enumerated() {
                offsets.append(file.count)
                file += Array("\(index + 1) 0 obj\n".utf8) + object + Array("\nendobj\n".utf8)
            }
            let xref = file.count
            file += Array("xref\n0 \(objects.count + 1)\n0000000000 65535 f \n".utf8)
            for offset in offsets { file += Array(String(format: "%010d 00000 n \n", offset).utf8) }
            file += Array("trailer\n<< /Size \(objects.count + 1) /Root 1 0 R /Info \(objects.count) 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
            return file
        }

        /// Text as a PDF literal string in WinAnsiEncoding: Latin-1 as is, a few typographic marks mapped, the rest as `?`;
        /// `\`, `(` and `)` escaped.
        static func winAnsi(_ text: String) -> [UInt8] {
            var bytes: [UInt8] = []
            for scalar in text.unicodeScalars {
                let value = scalar.value
                switch value {
                case 0x5C, 0x28, 0x29: bytes += [0x5C, UInt8(value)]
                case 0x20..<0x7F, 0xA0...0xFF: bytes.append(UInt8(value))
                case 0x2013: bytes.append(0x96)  // en dash
                case 0x2014: bytes.append(0x97)  // em dash
                case 0x2022: bytes.append(0x95)  // bullet
                case 0x20AC: bytes.append(0x80)  // euro
                case 0x2019: bytes.append(0x92)
                default: bytes.append(0x3F)
                }
            }
            return bytes
        }

        /// Splits at spaces into lines of at most `width` characters (a longer word, or any text with `breakAnywhere`, is cut).
        static func wrap(_ text: String, width: Int, breakAnywhere: Bool = false) -> [String] {
            if breakAnywhere {
                return stride(from: 0, to: text.count, by: width).map { start in
                    String(text.dropFirst(start).prefix(width))
                }
            }
            var lines: [String] = []
            var line = ""
            for word in text.split(separator: " ", omittingEmptySubsequences: true) {
                var word = Substring(word)
                while word.count > width {
                    if !line.isEmpty {
                        lines.append(line)
                        line = ""
                    }
                    lines.append(String(word.prefix(width)))
                    word = word.dropFirst(width)
                }
                if line.isEmpty {
                    line = String(word)
                } else if line.count + 1 + word.count <= width {
                    line += " " + word
                } else {
                    lines.append(line)
                    line = String(word)
                }
            }
            if !line.isEmpty || lines.isEmpty { lines.append(line) }
            return lines
        }

        static func number(_ value: Double) -> String { String(format: "%.2f", value) }
    }
}
