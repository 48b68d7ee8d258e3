import BillingCore
import Foundation
import InvoicingContract

/// What a credit note takes and where its money goes (Stripe's rules), pure. Invariants, for every invoice:
/// - per line, the notes never credit more than the line's amount; in all, never more than the invoice's total;
/// - a note's total first reduces what is still due: `prePayment = min(total, amountDue)`; the rest (`postPayment`) is
///   `refund + credit + outOfBand`, exactly as the caller split it;
/// - an invoice whose amount due a note brings to zero is PAID when something was paid, CREDITED when nothing was;
/// - a note that credits lines credits their taxes too: its share of each TAX line (and, negative, of each WITHHOLDING line — what
///   the buyer withheld is not given back to it), ``Taxes/creditedShares(of:credited:before:)``; tax lines are not named directly.
enum CreditNoteRules {
    /// What earlier notes of the invoice credited: in all, and per invoice line position.
    struct Credited: Equatable {
        var total: Int64 = 0
        var byLine: [Int: Int64] = [:]
    }

    /// A note ready to be written, and the invoice as it stands after it.
    struct Plan: Equatable {
        var lines: [CreditNoteLine]
        var total: Money
        var prePayment: Money
        var refund: Money
        var credit: Money
        var outOfBand: Money
        var invoice: Invoice
        /// Whether the note settled a partly paid invoice (it became PAID: `invoice.paid` is due).
        var paidByNote: Bool
    }

    static let creditableStatuses: Set<InvoiceStatus> = [.pending, .paid, .overdue]

    /// The checks that need no invoice: the shape of the request (`lines` xor `amount`, line references, memo).
    static func checkShape(_ request: CreateCreditNoteRequest) throws(InvoicingError) {
        if let memo = request.memo, memo.count > 1000 { throw .invalid("memo", "memo must have at most 1,000 characters") }
        switch (request.lines, request.amount) {
        case (.some, .some): throw .invalid("amount", "a credit note takes either lines or an amount, not both")
        case (nil, nil): throw .invalid("amount", "a credit note needs lines or an amount")
        case (let lines?, nil):
            guard (1...100).contains(lines.count) else { throw .invalid("lines", "a credit note has 1 to 100 lines") }
            for (index, line) in lines.enumerated() {
                let field = "lines[\(index)]"
                switch (line.invoiceLineId, line.invoiceLineIndex) {
                case (nil, nil): throw .invalid(field + ".invoiceLineIndex", "each line names an invoice line: invoiceLineIndex or invoiceLineId")
                case (.some, .some): throw .invalid(field + ".invoiceLineId", "name the invoice line by invoiceLineIndex or invoiceLineId, not both")
                default: break
                }
                switch (line.amount, line.quantity) {
                case (nil, nil): throw .invalid(field + ".amount", "each line credits an amount or a quantity")
                case (.some, .some): throw .invalid(field + ".quantity", "a line credits an amount or a quantity, not both")
                default: break
                }
            }
        case (nil, .some): break
        }
    }

    /// The note `request` makes of `invoice` (locked by the caller), given what earlier notes credited and how much of the
    /// invoice's payments may still be refunded. Refusals: 409 INVOICE_NOT_CREDITABLE for a DRAFT, CANCELED, VOID or CREDITED
    /// invoice; 422 naming the field for anything else (an amount not exact in the currency, more than is left, a split that does
    /// not add up to the post-payment part).
    static func plan(
        _ request: CreateCreditNoteRequest, invoice: Invoice, credited: Credited, refundable: Money, at now: Date
    ) throws(InvoicingError) -> Plan {
        try checkShape(request)
        guard creditableStatuses.contains(invoice.status) else {
            throw .conflict(
                "invoice is \(invoice.status.rawValue); only a finalized invoice (PENDING, PAID or OVERDUE) takes a credit note",
                reason: "INVOICE_NOT_CREDITABLE", field: "invoiceId")
        }
        let currency = invoice.total.currency
        var lines: [CreditNoteLine] = []
        var byLine = credited.byLine
        let totalField = request.lines == nil ? "amount" : "lines"
        if let amount = request.amount {
            let money = try positive(amount, field: "amount", currency)
            lines = [
                CreditNoteLine(
                    invoiceLineIndex: nil, invoiceLineId: nil, description: "Crédito sobre a fatura \(invoice.number ?? invoice.id.description)",
                    quantity: nil, unitAmount: nil, amount: money)
            ]
        }
        for (index, asked) in (request.lines ?? []).enumerated() {
            let field = "lines[\(index)]"
            let position: Int
            if let id = asked.invoiceLineId {
                guard let found = invoice.lines.firstIndex(where: { $0.id == id }) else {
                    throw .invalid(field + ".invoiceLineId", "the invoice has no line \(id)")
                }
                position = found
            } else {
                let wanted = asked.invoiceLineIndex ?? -1
                guard invoice.lines.indices.contains(wanted) else {
                    throw .invalid(field + ".invoiceLineIndex", "the invoice's lines are numbered 0 to \(invoice.lines.count - 1)")
                }
                position = wanted
            }
            let line = invoice.lines[position]
            guard !Taxes.taxLineKinds.contains(line.kind) else {
                throw .invalid(
                    field + (asked.invoiceLineId == nil ? ".invoiceLineIndex" : ".invoiceLineId"),
                    "invoice line \(position) is a \(line.kind) line: a tax is credited with the lines it taxes, in proportion")
            }
            guard line.amount.isPositive else {
                throw .invalid(
                    field + (asked.invoiceLineId == nil ? ".invoiceLineIndex" : ".invoiceLineId"),
                    "invoice line \(position) (\(line.kind)) is \(line.amount.amountText): only a line that charges something is credited")
            }
            let money: Money
            if let quantity = asked.quantity {
                guard quantity > .zero, quantity <= line.quantity else {
                    throw .invalid(field + ".quantity", "quantity must be above zero and at most the line's \(line.quantity.text)")
                }
                if quantity == line.quantity {
                    money = line.amount
                } else {
                    guard let product = quantity.multiplied(by: line.unitAmount),
                        let rounded = try? Money(product, currency: currency, rounding: .halfEven), rounded.isPositive
                    else { throw .invalid(field + ".quantity", "quantity × the line's unit amount is not a positive amount") }
                    money = rounded
                }
            } else {
                money = try positive(asked.amount ?? .zero, field: field + ".amount", currency)
            }
            let left = line.amount.minorUnits - (byLine[position] ?? 0)
            guard money.minorUnits <= left else {
                throw .invalid(
                    field + (asked.quantity == nil ? ".amount" : ".quantity"),
                    "only \(Money(minorUnits: max(0, left), currency: currency).amountText) of invoice line \(position) is left to credit; "
                        + "\(money.amountText) asked", reason: "CREDIT_EXCEEDS_LINE")
            }
            byLine[position, default: 0] += money.minorUnits
            lines.append(
                CreditNoteLine(
                    invoiceLineIndex: position, invoiceLineId: line.id, description: line.description, quantity: asked.quantity,
                    unitAmount: asked.quantity == nil ? nil : line.unitAmount, amount: money))
        }
        if request.lines != nil {
            // The taxes of the credited lines go with them: each tax line's share, after the lines (issue 26).
            var creditedNow: [InvoiceLineID: Int64] = [:]
            for line in lines {
                if let id = line.invoiceLineId { creditedNow[id, default: 0] += line.amount.minorUnits }
            }
            for share in Taxes.creditedShares(of: invoice, credited: creditedNow, before: credited.byLine) {
                let line = invoice.lines[share.position]
                lines.append(
                    CreditNoteLine(
                        invoiceLineIndex: share.position, invoiceLineId: line.id, description: line.description, quantity: nil, unitAmount: nil,
                        amount: Money(minorUnits: share.amount, currency: currency)))
            }
        }
        let totalMinor = lines.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
        let left = invoice.total.minorUnits - credited.total
        guard totalMinor <= left else {
            throw .invalid(
                totalField,
                "only \(Money(minorUnits: max(0, left), currency: currency).amountText) of invoice \(invoice.number ?? "") is left to credit; "
                    + "the note totals \(Money(minorUnits: totalMinor, currency: currency).amountText)", reason: "CREDIT_EXCEEDS_INVOICE")
        }
        let total = Money(minorUnits: totalMinor, currency: currency)
        let prePayment = InvoiceLifecycle.isPayable(invoice.status) ? min(total, invoice.amountDue) : .zero(currency)
        let postPayment = Money(minorUnits: totalMinor - prePayment.minorUnits, currency: currency)
        let refund = try nonNegative(request.refundAmount, field: "refundAmount", currency)
        let credit = try nonNegative(request.creditAmount, field: "creditAmount", currency)
        let outOfBand = try nonNegative(request.outOfBandAmount, field: "outOfBandAmount", currency)
        let split = refund.minorUnits + credit.minorUnits + outOfBand.minorUnits
        guard split == postPayment.minorUnits else {
            let given = [("refundAmount", refund), ("creditAmount", credit), ("outOfBandAmount", outOfBand)]
            let field = given.first { !$0.1.isZero }?.0 ?? "refundAmount"
            throw .invalid(
                field,
                "refundAmount + creditAmount + outOfBandAmount must add up to \(postPayment.amountText), the part of the note's "
                    + "\(total.amountText) beyond the \(prePayment.amountText) it takes off what is due; they add up to "
                    + "\(Money(minorUnits: split, currency: currency).amountText)", reason: "CREDIT_SPLIT_MISMATCH")
        }
        guard refund <= refundable else {
            throw .invalid(
                "refundAmount", "only \(refundable.amountText) of the invoice's payments is left to refund; \(refund.amountText) asked",
                reason: "REFUND_EXCEEDS_PAYMENTS")
        }
        var after = invoice
        var paidByNote = false
        if prePayment.isPositive {
            after.amountDue = Money(minorUnits: invoice.amountDue.minorUnits - prePayment.minorUnits, currency: currency)
            if after.amountDue.isZero {
                paidByNote = invoice.amountPaid.isPositive
                try InvoiceLifecycle.move(&after, to: paidByNote ? .paid : .credited)
                if paidByNote { after.paidAt = now }
                after.nextPaymentAttempt = nil
            }
            after.updatedAt = now
        }
        return Plan(
            lines: lines, total: total, prePayment: prePayment, refund: refund, credit: credit, outOfBand: outOfBand, invoice: after,
            paidByNote: paidByNote)
    }

    /// `amount` as money of `currency`: exact and above zero, or 422 naming `field`.
    static func positive(_ amount: DecimalNumber, field: String, _ currency: Currency) throws(InvoicingError) -> Money {
        let money = try exact(amount, field: field, currency)
        guard money.isPositive else { throw .invalid(field, "\(field) must be above zero") }
        return money
    }

    /// `amount` (absent: zero) as money of `currency`: exact and not below zero, or 422 naming `field`.
    static func nonNegative(_ amount: DecimalNumber?, field: String, _ currency: Currency) throws(InvoicingError) -> Money {
        guard let amount else { return .zero(currency) }
        let money = try exact(amount, field: field, currency)
        guard !money.isNegative else { throw .invalid(field, "\(field) must not be negative") }
        return money
    }

    private static func exact(_ amount: DecimalNumber, field: String, _ currency: Currency) throws(InvoicingError) -> Money {
        do { return try Money(exactly: amount, currency: currency) } catch {
            throw .invalid(
                field, "\(field) must be exact in \(currency.code) (at most \(currency.minorUnitExponent) decimal places) and within range")
        }
    }
}
