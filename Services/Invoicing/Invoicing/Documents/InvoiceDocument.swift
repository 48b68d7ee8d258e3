import AccountsContract
import BillingCore
import Foundation
import InvoicingContract

/// The printable invoice (seed 000 "Faturas"): seller, buyer and tax id, lines, totals, status and dates, and the PIX code
/// while it can be paid. Plain HTML with its own print stylesheet; every text from data is escaped.
enum InvoiceDocument {
    static func html(
        _ invoice: Invoice, buyer: BillingAccount?, seller: PixMerchant, sellerTaxID: String?, pix: PixCharge?, boleto: InvoiceBoleto? = nil,
        transfer: BankTransferInstructions? = nil
    ) -> String {
        let rows = invoice.lines.map { line in
            let period = [line.periodStart, line.periodEnd].compactMap { $0 }.map { RFC3339.format($0).prefix(10) }.joined(separator: " – ")
            return
                """
                <tr><td>\(escape(line.description))<div class=\"muted\">\(escape(period))</div></td><td \
                class=\"num\">\(escape(line.quantity.text))</td>
                """
                    + "<td class=\"num\">\(escape(unitText(line.unitAmount, invoice.total.currency)))</td><td class=\"num\">\(escape(line.amount.displayText))</td></tr>"
        }.joined(separator: "\n")
        let date = { (value: Date?) in value.map { String(RFC3339.format($0).prefix(10)) } ?? "—" }
        let buyerBlock =
            buyer.map { account in
                "<p><strong>\(escape(account.name))</strong><br>\(escape(account.email))"
                    + (account.taxId.map { "<br>\(escape(account.taxIdType?.rawValue ?? "Tax id")): \(escape(BrazilianTaxID.formatted($0)))" } ?? "")
                    + "</p>"
            } ?? "<p>\(escape(invoice.billingAccountId.description))</p>"
        let pixBlock =
            pix.map { charge in
                """
                <section class="pix"><h2>PIX copia e cola</h2><p>Pay \(escape(charge.amount.displayText)) with your bank app:</p>
                \(charge.qrCodeSvg.map { "<figure class=\"qr\" role=\"img\" aria-label=\"PIX QR code\">\($0)</figure>" } ?? "")
                <pre>\(escape(charge.copyPaste))</pre></section>
                """
            } ?? ""
        // A boleto híbrido: the linha digitável, the bar code (ITF) and the PIX QR the bank issued with it.
        let boletoBlock =
            boleto.flatMap { boleto -> String? in
                guard boleto.status == .registered, let line = boleto.formattedDigitableLine else { return nil }
                return """
                    <section class="pix boleto"><h2>Boleto</h2><p>Vencimento \(escape(boleto.dueDate)) · \(escape(boleto.amount.displayText))</p>
                    <p class="linha"><strong>\(escape(line))</strong></p>
                    \(boleto.barcodeSvg.map { "<figure class=\"barcode\" role=\"img\" aria-label=\"Código de barras\">\($0)</figure>" } ?? "")
                    \(boleto.pixQrCodeSvg.map { "<figure class=\"qr\" role=\"img\" aria-label=\"PIX QR code\">\($0)</figure>" } ?? "")
                    \(boleto.pixCopyPaste.map { "<pre>\(escape($0))</pre>" } ?? "")</section>
                    """
            } ?? ""
        // Bank transfer: the tenant's account and the reference to quote (issue 29).
        let transferBlock =
            transfer.map { transfer in
                let account = transfer.bankAccount
                return """
                    <section class="pix transfer"><h2>Transferência bancária</h2><p>Transfira \(escape(transfer.amountDue.displayText)) para:</p>
                    <p>\(escape(account.holderName)) · CNPJ/CPF \(escape(BrazilianTaxID.formatted(account.holderTaxId)))<br>Banco \
                    \(escape(account.bankCode)) \(escape(account.bankName)) · Agência \(escape(account.branch)) · Conta \(escape(account.accountNumber))</p>
                    <p>Referência (informe na transferência): <strong class="linha">\(escape(transfer.reference))</strong></p></section>
                    """
            } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="pt-BR"><head><meta charset="utf-8"><title>Fatura \(escape(invoice.number ?? "rascunho"))</title>
            <style>
            body{font-family:system-ui,sans-serif;color:#1a1a1a;max-width:52rem;margin:2rem auto;padding:0 1rem}
            table{width:100%;border-collapse:collapse}th,td{padding:.4rem;border-bottom:1px solid #ccc;text-align:left}
            .num{text-align:right}.muted{color:#555;font-size:.85em}.parties{display:flex;gap:2rem}.parties>div{flex:1}
            pre{white-space:pre-wrap;word-break:break-all;background:#f3f3f3;padding:.5rem}
            .qr svg{width:12rem;height:12rem}
            @media print{.pix{page-break-inside:avoid}}
            </style></head>
            <body>
            <header><h1>Fatura \(escape(invoice.number ?? "(rascunho)"))</h1>
            <p>Status: <strong>\(invoice.status.rawValue)</strong> · Emitida: \(date(invoice.finalizedAt)) · Vencimento: \(date(invoice.dueDate))\
            \(invoice.paidAt.map { " · Paga: \(date($0))" } ?? "")\(invoice.purchaseOrder.map { " · Pedido de compra: \(escape($0))" } ?? "")</p>\
            \(invoice.memo.map { "<p class=\"memo\">\(escape($0))</p>" } ?? "")</header>
            <div class="parties"><div><h2>Vendedor</h2><p><strong>\(escape(seller.name))</strong>\(sellerTaxID.map { "<br>CNPJ: \(escape(BrazilianTaxID.formatted($0)))" } ?? "")\
            <br>\(escape(seller.city))</p></div>
            <div><h2>Cliente</h2>\(buyerBlock)</div></div>
            <table><caption class="muted">Período: \(date(invoice.periodStart)) – \(date(invoice.periodEnd))</caption>
            <thead><tr><th scope="col">Descrição</th><th scope="col" class="num">Qtd.</th><th scope="col" class="num">Valor unitário</th><th scope="col" class="num">Valor</th></tr></thead>
            <tbody>
            \(rows)
            </tbody>
            <tfoot>
            <tr><th scope="row" colspan="3" class="num">Total</th><td class="num"><strong>\(escape(invoice.total.displayText))</strong></td></tr>
            <tr><th scope="row" colspan="3" class="num">Pago</th><td class="num">\(escape(invoice.amountPaid.displayText))</td></tr>
            \(invoice.creditNotesTotal.map { "<tr><th scope=\"row\" colspan=\"3\" class=\"num\">Notas de crédito</th><td class=\"num\">\(escape($0.displayText))</td></tr>" } ?? "")
            <tr><th scope="row" colspan="3" class="num">A pagar</th><td class="num">\(escape(invoice.amountDue.displayText))</td></tr>
            </tfoot></table>
            \(taxBlock(invoice))
            \(pixBlock)
            \(boletoBlock)
            \(transferBlock)
            </body></html>
            """
    }

    /// Each tax of the invoice as a sentence: the rate, where, on what base, how much and what became of it (included in the
    /// prices, added, withheld by the buyer, or not withheld and why).
    static func taxSentences(_ invoice: Invoice) -> [String] {
        (invoice.taxes ?? []).map { tax in
            let place = tax.jurisdiction.map { " (\($0))" } ?? ""
            let outcome =
                switch tax.status {
                case .included: "incluído no preço: \(tax.amount.displayText)"
                case .applied: "destacado: \(tax.amount.displayText)"
                case .withheld: "retido pelo tomador: \(tax.amount.displayText)"
                case .notWithheld: "não retido (\(tax.reason ?? ""))"
                }
            return "\(tax.name) \(tax.percentage.text)%\(place) sobre \(tax.taxableAmount.displayText): \(outcome)"
        }
    }

    private static func taxBlock(_ invoice: Invoice) -> String {
        let sentences = taxSentences(invoice)
        guard !sentences.isEmpty else { return "" }
        return "<section class=\"taxes\"><h2>Tributos</h2><ul>" + sentences.map { "<li>\(escape($0))</li>" }.joined() + "</ul></section>"
    }

    /// A unit price as money when it is exact in the currency, with all its digits otherwise (usage tiers: `R$ 0.0025`).
    static func unitText(_ amount: DecimalNumber, _ currency: Currency) -> String {
        if let money = try? Money(exactly: amount, currency: currency) { return money.displayText }
        return (currency.code == "BRL" ? "R$ " : currency.code + " ")
            + (currency.code == "BRL" ? amount.text.replacingOccurrences(of: ".", with: ",") : amount.text)
    }

    static func escape(_ text: some StringProtocol) -> String { HTMLText.escape(text) }
}
