import AccountsContract
import BillingCore
import Foundation
import InvoicingContract

/// The printable credit note ("Nota de crédito"), as HTML and as an A4 PDF with the same content: seller and buyer, the invoice it
/// credits, reason and memo, lines, the total and where its money went (what it took off the amount due, refunded, account
/// credit, out of band). Every text from data is escaped.
enum CreditNoteDocument {
    static func reasonText(_ reason: CreditNoteReason?) -> String {
        switch reason {
        case .duplicate: return "Cobrança duplicada"
        case .productUnsatisfactory: return "Produto insatisfatório"
        case .orderChange: return "Alteração do pedido"
        case .other: return "Outro"
        case nil: return "—"
        }
    }

    /// Label and amount of each part of the total, in order (the zero ones left out, the total always shown).
    static func allocation(_ note: CreditNote) -> [(String, Money)] {
        [
            ("Abatido do valor a pagar", note.prePaymentAmount), ("Estornado", note.refundAmount), ("Crédito em conta", note.creditAmount),
            ("Devolvido por fora", note.outOfBandAmount),
        ].filter { !$0.1.isZero }
    }

    static func buyerLines(_ note: CreditNote, _ buyer: BillingAccount?) -> [String] {
        buyer.map { account in
            [account.name, account.email]
                + (account.taxId.map { ["\(account.taxIdType?.rawValue ?? "Tax id"): \(BrazilianTaxID.formatted($0))"] } ?? [])
        } ?? [note.billingAccountId.description]
    }

    static func sellerLines(_ seller: PixMerchant, _ sellerTaxID: String?) -> [String] {
        [seller.name] + (sellerTaxID.map { ["CNPJ: \(BrazilianTaxID.formatted($0))"] } ?? []) + [seller.city]
    }

    static func html(_ note: CreditNote, buyer: BillingAccount?, seller: PixMerchant, sellerTaxID: String?) -> String {
        let escape = { (text: String) in HTMLText.escape(text) }
        let rows = note.lines.map { line in
            let quantity = line.quantity.map { $0.text } ?? ""
            let unit = line.unitAmount.map { InvoiceDocument.unitText($0, note.total.currency) } ?? ""
            return "<tr><td>\(escape(line.description))</td><td class=\"num\">\(escape(quantity))</td><td class=\"num\">\(escape(unit))</td>"
                + "<td class=\"num\">\(escape(line.amount.displayText))</td></tr>"
        }.joined(separator: "\n")
        let parts = allocation(note).map { label, amount in
            "<tr><th scope=\"row\" colspan=\"3\" class=\"num\">\(escape(label))</th><td class=\"num\">\(escape(amount.displayText))</td></tr>"
        }.joined(separator: "\n")
        let block = { (lines: [String]) in lines.map(escape).joined(separator: "<br>") }
        return """
            <!DOCTYPE html>
            <html lang="pt-BR"><head><meta charset="utf-8"><title>Nota de crédito \(escape(note.number))</title>
            <style>
            body{font-family:system-ui,sans-serif;color:#1a1a1a;max-width:52rem;margin:2rem auto;padding:0 1rem}
            table{width:100%;border-collapse:collapse}th,td{padding:.4rem;border-bottom:1px solid #ccc;text-align:left}
            .num{text-align:right}.muted{color:#555;font-size:.85em}.parties{display:flex;gap:2rem}.parties>div{flex:1}
            </style></head>
            <body>
            <header><h1>Nota de crédito \(escape(note.number))</h1>
            <p>Emitida: \(String(RFC3339.format(note.createdAt).prefix(10))) · Fatura: \(escape(note.invoiceNumber ?? note.invoiceId.description)) · \
            Motivo: \(escape(reasonText(note.reason)))</p>\
            \(note.memo.map { "<p class=\"memo\">\(escape($0))</p>" } ?? "")</header>
            <div class="parties"><div><h2>Vendedor</h2><p>\(block(sellerLines(seller, sellerTaxID)))</p></div>
            <div><h2>Cliente</h2><p>\(block(buyerLines(note, buyer)))</p></div></div>
            <table>
            <thead><tr><th scope="col">Descrição</th><th scope="col" class="num">Qtd.</th><th scope="col" class="num">Valor unitário</th><th scope="col" class="num">Valor</th></tr></thead>
            <tbody>
            \(rows)
            </tbody>
            <tfoot>
            <tr><th scope="row" colspan="3" class="num">Total creditado</th><td class="num"><strong>\(escape(note.total.displayText))</strong></td></tr>
            \(parts)
            </tfoot></table>
            </body></html>
            """
    }

    static func pdf(_ note: CreditNote, buyer: BillingAccount?, seller: PixMerchant, sellerTaxID: String?) -> [UInt8] {
        var page = InvoicePDF.PageWriter()
        page.text("Nota de crédito \(note.number)", font: .bold, size: 18)
        page.space(6)
        page.text(
            "Emitida: \(String(RFC3339.format(note.createdAt).prefix(10))) · Fatura: \(note.invoiceNumber ?? note.invoiceId.description) · "
                + "Motivo: \(reasonText(note.reason))", size: 10)
        for line in note.memo.map({ InvoicePDF.PageWriter.wrap($0, width: 90) }) ?? [] { page.text(line, size: 10) }
        page.space(10)
        page.columns([
            ("Vendedor", sellerLines(seller, sellerTaxID), InvoicePDF.PageWriter.margin), ("Cliente", buyerLines(note, buyer), 310),
        ])
        page.space(8)
        page.row(["Descrição", "Qtd.", "Valor unitário", "Valor"], font: .bold, labels: [1, 2, 3])
        page.rule()
        for line in note.lines {
            let description = InvoicePDF.PageWriter.wrap(line.description, width: 52)
            page.row(
                [
                    description.first ?? "", line.quantity?.text ?? "",
                    line.unitAmount.map { InvoiceDocument.unitText($0, note.total.currency) } ?? "",
                    line.amount.displayText,
                ], continuation: Array(description.dropFirst()))
        }
        page.rule()
        page.row(["", "", "Total creditado", note.total.displayText], font: .bold, labels: [2])
        for (label, amount) in allocation(note) { page.row(["", "", label, amount.displayText], labels: [2]) }
        return page.document(title: "Nota de crédito \(note.number)")
    }
}
