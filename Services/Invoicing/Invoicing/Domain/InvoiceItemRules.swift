import BillingCore
import Foundation
import InvoicingContract

/// The rules of one-off charges (Stripe's invoice items; pure): what a new item may hold, the line it becomes, and which PENDING
/// items a new invoice takes.
///
/// An item's amount may be negative (a credit), as Stripe allows; an invoice's total never goes below zero, so a credit item is
/// taken only by an invoice whose total it leaves at zero or above, and otherwise waits for a later one.
enum InvoiceItemRules {
    static let kind = "INVOICE_ITEM"
    static let maximumDescription = DraftEditing.maximumDescription
    static let maximumQuantity = 1_000_000
    static let maximumAmountMinor: Int64 = 1_000_000_000_000
    static let maximumMetadataEntries = 50

    /// A new PENDING item from `attributes`, in the account's `currency`; 422 naming the field that is wrong.
    static func item(
        _ attributes: InvoiceItemAttributes, account: AccountID, currency: Currency, id: InvoiceItemID, at now: Date
    ) throws(InvoicingError) -> InvoiceItem {
        let description = (attributes.description ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !description.isEmpty, description.count <= maximumDescription else {
            throw .invalid("description", "description must be 1 to \(maximumDescription) characters")
        }
        let quantity = attributes.quantity ?? 1
        guard (1...maximumQuantity).contains(quantity) else {
            throw .invalid("quantity", "quantity must be a whole number from 1 to \(maximumQuantity)")
        }
        guard let unit = attributes.unitAmount else { throw .invalid("unitAmount", "unitAmount is required") }
        let unitAmount: Money
        do { unitAmount = try Money(exactly: unit, currency: currency) } catch {
            throw .invalid("unitAmount", "unitAmount \(unit.text.prefix(40)) is not exact in \(currency.code): \(error.description)")
        }
        guard let amount = try? unitAmount.multiplied(by: Int64(quantity)), abs(amount.minorUnits) <= maximumAmountMinor else {
            throw .invalid("unitAmount", "quantity × unitAmount is out of range")
        }
        return InvoiceItem(
            id: id, billingAccountId: account, description: description, quantity: quantity, unitAmount: unitAmount, amount: amount,
            status: .pending, invoiceId: nil, metadata: try metadata(attributes.metadata ?? [:]), createdAt: now, updatedAt: now)
    }

    /// The invoice line an item becomes: no period (a one-off charge), and the item's id as the line's, which links the two.
    static func line(_ item: InvoiceItem) -> InvoiceLine {
        InvoiceLine(
            id: InvoiceLineID(rawValue: item.id.rawValue), kind: kind, description: item.description,
            quantity: DecimalNumber(Int64(item.quantity)), unitAmount: item.unitAmount.amount, amount: item.amount, periodStart: nil,
            periodEnd: nil, subscriptionId: nil)
    }

    /// Which of the account's PENDING `items` (oldest first) an invoice whose other lines total `total` takes: every charge, then
    /// each credit, oldest first, that leaves the total at zero or above. Items in another currency are left.
    static func taken(_ items: [InvoiceItem], onto total: Money) -> [InvoiceItem] {
        let same = items.filter { $0.amount.currency == total.currency }
        let charges = same.filter { !$0.amount.isNegative }
        var running = charges.reduce(total.minorUnits) { $0 + $1.amount.minorUnits }
        var taken = charges
        for credit in same where credit.amount.isNegative && running + credit.amount.minorUnits >= 0 {
            running += credit.amount.minorUnits
            taken.append(credit)
        }
        let chosen = Set(taken.map(\.id))
        return same.filter { chosen.contains($0.id) }
    }

    /// Only a PENDING item is removed: 409 naming its status otherwise.
    static func requirePending(_ item: InvoiceItem) throws(InvoicingError) {
        guard item.status == .pending else {
            let invoice = item.invoiceId.map { " by invoice \($0)" } ?? ""
            throw .conflict(
                "invoice item is \(item.status.rawValue)\(invoice); only a PENDING item can be removed", reason: "INVOICE_ITEM_NOT_PENDING",
                field: "status")
        }
    }

    static func metadata(_ value: [String: String]) throws(InvoicingError) -> [String: String] {
        guard value.count <= maximumMetadataEntries else {
            throw .invalid("metadata", "metadata holds at most \(maximumMetadataEntries) entries (got \(value.count))")
        }
        for (key, entry) in value {
            guard (1...40).contains(key.count) else { throw .invalid("metadata", "metadata keys have 1 to 40 characters ('\(key.prefix(50))')") }
            guard entry.count <= 500 else { throw .invalid("metadata", "metadata value of '\(key.prefix(40))' is longer than 500 characters") }
        }
        return value
    }
}
