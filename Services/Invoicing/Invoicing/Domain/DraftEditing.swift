import BillingCore
import Foundation
import InvoicingContract

/// The rules of editing a DRAFT (seed 001 "pode ser editada"; pure): memo, purchase order, due date and net terms, and ONE_OFF
/// lines added, changed and removed by hand. Lines the system wrote (plan, add-ons, usage, prorations, account credit) are not
/// edited; the account credit a draft takes is computed again by ``AccountCreditBook/rebalance(_:at:tenant:traceparent:on:)``.
enum DraftEditing {
    static let oneOff = "ONE_OFF"
    static let maximumMemo = 1_000
    static let maximumPurchaseOrder = 100
    static let maximumDescription = 500
    static let maximumQuantity = DecimalNumber(1_000_000)
    static let maximumScale = 6

    /// A finalized (or canceled) invoice refuses edits: 409 naming its status.
    static func requireDraft(_ invoice: Invoice) throws(InvoicingError) {
        guard invoice.status == .draft else {
            throw .conflict(
                "invoice is \(invoice.status.rawValue); only a DRAFT can be edited", reason: "INVOICE_NOT_EDITABLE", field: "status")
        }
    }

    /// Applies `changes` to a DRAFT; `today` is the first due date accepted.
    static func apply(_ changes: InvoiceChanges, to invoice: inout Invoice, today: Date) throws(InvoicingError) {
        try requireDraft(invoice)
        if let memo = changes.memo {
            guard memo.count <= maximumMemo else { throw .invalid("memo", "memo must be at most \(maximumMemo) characters") }
            invoice.memo = memo.isEmpty ? nil : memo
        }
        if let order = changes.purchaseOrder {
            let trimmed = order.trimmingCharacters(in: .whitespaces)
            guard trimmed.count <= maximumPurchaseOrder else {
                throw .invalid("purchaseOrder", "purchaseOrder must be at most \(maximumPurchaseOrder) characters")
            }
            invoice.purchaseOrder = trimmed.isEmpty ? nil : trimmed
        }
        switch (changes.dueDate, changes.netTermsDays) {
        case (_?, _?):
            throw .invalid("netTermsDays", "set dueDate or netTermsDays, not both")
        case (let due?, nil):
            guard due >= today else { throw .invalid("dueDate", "dueDate must not be before today (\(RFC3339.format(today).prefix(10)))") }
            invoice.dueDate = due
        case (nil, let terms?):
            guard (0...365).contains(terms) else { throw .invalid("netTermsDays", "netTermsDays must be between 0 and 365") }
            invoice.netTermsDays = terms
            invoice.dueDate = nil
        case (nil, nil): break
        }
    }

    /// A new ONE_OFF line from `attributes`, with the `product` (already checked to be ACTIVE) giving what they leave out.
    static func line(_ attributes: InvoiceLineAttributes, product: OneOffProduct?, currency: Currency) throws(InvoicingError) -> InvoiceLine {
        try check(product, currency: currency)
        guard let quantity = attributes.quantity else { throw .invalid("quantity", "quantity is required") }
        guard let unitAmount = attributes.unitAmount ?? product?.unitAmount else {
            throw .invalid("unitAmount", "unitAmount is required (or a productId with a unit or flat price)")
        }
        guard let description = attributes.description ?? product?.name else {
            throw .invalid("description", "description is required (or a productId whose name it takes)")
        }
        var line = InvoiceLine(
            kind: oneOff, description: description, quantity: quantity, unitAmount: unitAmount, amount: .zero(currency),
            periodStart: nil, periodEnd: nil, subscriptionId: nil, productId: product?.id, taxCode: product?.taxCode)
        try price(&line, currency: currency)
        return line
    }

    /// The ONE_OFF line `attributes` change (absent attributes stay).
    static func change(
        _ line: inout InvoiceLine, with attributes: InvoiceLineAttributes, product: OneOffProduct?, currency: Currency
    )
        throws(InvoicingError)
    {
        try check(product, currency: currency)
        if let product {
            line.productId = product.id
            line.taxCode = product.taxCode
            if attributes.description == nil { line.description = product.name }
            if attributes.unitAmount == nil, let unit = product.unitAmount { line.unitAmount = unit }
        }
        if let description = attributes.description { line.description = description }
        if let quantity = attributes.quantity { line.quantity = quantity }
        if let unit = attributes.unitAmount { line.unitAmount = unit }
        try price(&line, currency: currency)
    }

    /// The index of the ONE_OFF line `id`: 404 when the draft has no such line, 409 when the system wrote it.
    static func index(of id: InvoiceLineID, in invoice: Invoice) throws(InvoicingError) -> Int {
        guard let index = invoice.lines.firstIndex(where: { $0.id == id }) else {
            throw .notFound("invoice line", id.description, reason: "INVOICE_LINE_NOT_FOUND")
        }
        guard invoice.lines[index].kind == oneOff else {
            throw .conflict(
                "line \(id) is a \(invoice.lines[index].kind) line the system wrote; only ONE_OFF lines are edited", reason: "LINE_NOT_EDITABLE",
                field: "lineId")
        }
        return index
    }

    private static func check(_ product: OneOffProduct?, currency: Currency) throws(InvoicingError) {
        guard let product, product.currency != currency.code else { return }
        throw .invalid("productId", "product \(product.id) is priced in \(product.currency), the invoice in \(currency.code)")
    }

    /// Checks the line's attributes and sets its amount: `quantity × unitAmount`, half-even to the currency's minor unit.
    private static func price(_ line: inout InvoiceLine, currency: Currency) throws(InvoicingError) {
        let description = line.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !description.isEmpty, description.count <= maximumDescription else {
            throw .invalid("description", "description must be 1 to \(maximumDescription) characters")
        }
        line.description = description
        guard !line.quantity.isNegative, !line.quantity.isZero, !(maximumQuantity < line.quantity), line.quantity.scale <= maximumScale else {
            throw .invalid("quantity", "quantity must be above 0 and at most 1000000, with at most \(maximumScale) decimal places")
        }
        guard line.unitAmount.scale <= maximumScale else {
            throw .invalid("unitAmount", "unitAmount must have at most \(maximumScale) decimal places")
        }
        guard let exact = line.quantity.multiplied(by: line.unitAmount),
            let amount = try? Money(exact, currency: currency, rounding: .halfEven), abs(amount.minorUnits) <= 1_000_000_000_000
        else { throw .invalid("unitAmount", "quantity × unitAmount is out of range") }
        line.amount = amount
    }
}

/// What a ONE_OFF line takes from the catalog product it names.
struct OneOffProduct: Sendable {
    var id: CatalogItemID
    var name: String
    var currency: String
    /// The product's unit price (PER_UNIT, PACKAGE) or flat fee; nil for tiered prices, which a one-off line cannot use.
    var unitAmount: DecimalNumber?
    /// The product's tax code, which the line takes.
    var taxCode: String? = nil
}
