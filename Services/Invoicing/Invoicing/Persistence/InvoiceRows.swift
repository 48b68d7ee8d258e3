import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import PostgresNIO

/// An invoice as the `invoices` table holds it, apart from the contract's `Invoice`; its lines are `invoice_lines`. The
/// mapping between the two is here and nowhere else.
struct InvoiceRow {
    /// The columns `init(_ row:)` reads, in its order.
    static let columns = """
        id, billing_account_id, number, status, currency, total_minor, amount_paid_minor, amount_due_minor, period_start, period_end,
        subscription_id, net_terms_days, due_at, finalized_at, paid_at, voided_at, payment_attempts, next_payment_attempt_at,
        credit_purchases::text, addon_activations::text, created_at, updated_at, livemode, memo, purchase_order, payment_method, created_by,
        taxes::text
        """
    /// How many columns `columns` lists.
    static let columnCount = columns.split(separator: ",").count

    var id: UUID
    var accountID: UUID
    var number: String?
    var status: String
    var currency: String
    var totalMinor: Int64
    var amountPaidMinor: Int64
    var amountDueMinor: Int64
    var periodStart: Date?
    var periodEnd: Date?
    var subscriptionID: UUID?
    var netTermsDays: Int
    var dueAt: Date?
    var finalizedAt: Date?
    var paidAt: Date?
    var voidedAt: Date?
    var paymentAttempts: Int?
    var nextPaymentAttemptAt: Date?
    /// jsonb of `[CreditPurchaseRow]`; nil when the invoice sells no credit package.
    var creditPurchases: String?
    /// jsonb of `[AddonActivationRow]`; nil when it activates no add-on.
    var addonActivations: String?
    var createdAt: Date
    var updatedAt: Date
    var livemode: Bool
    var memo: String?
    var purchaseOrder: String?
    var paymentMethod: String?
    var createdBy: String?
    /// jsonb of `[InvoiceTaxRow]`; nil before finalization and on untaxed invoices.
    var taxes: String?
    var lines: [InvoiceLineRow]

    init(_ invoice: Invoice) throws {
        let account = invoice.billingAccountId.rawValue
        id = invoice.id.rawValue
        accountID = account
        number = invoice.number
        status = invoice.status.rawValue
        currency = invoice.currency
        totalMinor = invoice.total.minorUnits
        amountPaidMinor = invoice.amountPaid.minorUnits
        amountDueMinor = invoice.amountDue.minorUnits
        periodStart = invoice.periodStart
        periodEnd = invoice.periodEnd
        subscriptionID = invoice.subscriptionId?.rawValue
        netTermsDays = invoice.netTermsDays
        dueAt = invoice.dueDate
        finalizedAt = invoice.finalizedAt
        paidAt = invoice.paidAt
        voidedAt = invoice.voidedAt
        paymentAttempts = invoice.paymentAttempts
        nextPaymentAttemptAt = invoice.nextPaymentAttempt
        creditPurchases = try invoice.creditPurchases.map {
            try StoredJSON.text(
                $0.map {
                    CreditPurchaseRow(
                        packageCode: $0.packageCode, credits: $0.credits, validityDays: $0.validityDays, rechargeRequestId: $0.rechargeRequestId)
                })
        }
        addonActivations = try invoice.addonActivations.map {
            try StoredJSON.text($0.map { AddonActivationRow(subscriptionId: $0.subscriptionId, addonId: $0.addonId) })
        }
        createdAt = invoice.createdAt
        updatedAt = invoice.updatedAt
        livemode = invoice.livemode
        memo = invoice.memo
        purchaseOrder = invoice.purchaseOrder
        paymentMethod = invoice.paymentMethod?.rawValue
        createdBy = invoice.createdBy
        taxes = try invoice.taxes.map { try StoredJSON.text($0.map(InvoiceTaxRow.init)) }
        lines = try invoice.lines.enumerated().map { try InvoiceLineRow($0.element, position: $0.offset) }
    }

    /// Reads `columns` from column `offset`; the lines come after, from `invoice_lines`.
    init(_ row: PostgresRow, offset: Int = 0) throws {
        var columns = ColumnReader(row, from: offset)
        id = try columns.next()
        accountID = try columns.next()
        number = try columns.next()
        status = try columns.next()
        currency = try columns.next(String.self).trimmingCharacters(in: .whitespaces)
        totalMinor = try columns.next()
        amountPaidMinor = try columns.next()
        amountDueMinor = try columns.next()
        periodStart = try columns.next()
        periodEnd = try columns.next()
        subscriptionID = try columns.next()
        netTermsDays = try columns.next()
        dueAt = try columns.next()
        finalizedAt = try columns.next()
        paidAt = try columns.next()
        voidedAt = try columns.next()
        paymentAttempts = try columns.next()
        nextPaymentAttemptAt = try columns.next()
        creditPurchases = try columns.next()
        addonActivations = try columns.next()
        createdAt = try columns.next()
        updatedAt = try columns.next()
        livemode = try columns.next()
        memo = try columns.next()
        purchaseOrder = try columns.next()
        paymentMethod = try columns.next()
        createdBy = try columns.next()
        taxes = try columns.next()
        lines = []
    }

    var invoice: Invoice {
        get throws {
            guard let code = Currency(code: currency), let status = InvoiceStatus(rawValue: status) else {
                throw InvoiceRowError.unreadable(id, "currency \(currency) or status \(status)")
            }
            var invoice = Invoice(
                id: InvoiceID(rawValue: id), billingAccountId: AccountID(rawValue: accountID), number: number, status: status, currency: currency,
                lines: try lines.map { try $0.line(currency: code) }, total: Money(minorUnits: totalMinor, currency: code),
                amountPaid: Money(minorUnits: amountPaidMinor, currency: code), amountDue: Money(minorUnits: amountDueMinor, currency: code),
                periodStart: periodStart, periodEnd: periodEnd, subscriptionId: subscriptionID.map(SubscriptionID.init(rawValue:)),
                netTermsDays: netTermsDays, dueDate: dueAt,
                finalizedAt: finalizedAt, paidAt: paidAt, voidedAt: voidedAt,
                creditPurchases: try creditPurchases.map { try StoredJSON.decode([CreditPurchaseRow].self, $0) }?.map {
                    InvoiceCreditPurchase(
                        packageCode: $0.packageCode, credits: $0.credits, validityDays: $0.validityDays, rechargeRequestId: $0.rechargeRequestId)
                },
                addonActivations: try addonActivations.map { try StoredJSON.decode([AddonActivationRow].self, $0) }?.map {
                    InvoiceAddonActivation(subscriptionId: $0.subscriptionId, addonId: $0.addonId)
                },
                createdAt: createdAt, updatedAt: updatedAt)
            invoice.paymentAttempts = paymentAttempts
            invoice.nextPaymentAttempt = nextPaymentAttemptAt
            invoice.livemode = livemode
            invoice.memo = memo
            invoice.purchaseOrder = purchaseOrder
            invoice.paymentMethod = paymentMethod.flatMap(PaymentMethod.init(rawValue:))
            invoice.createdBy = createdBy
            invoice.taxes = try taxes.map { try StoredJSON.decode([InvoiceTaxRow].self, $0).map { try $0.tax(currency: code) } }
            return invoice
        }
    }

    static func uuid(_ text: String, _ field: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw InvoiceRowError.notUUID(field) }
        return id
    }
}

/// A line of `invoice_lines` (or of `pending_lines`, with its currency and without its id and product): written as a jsonb
/// recordset, read as columns.
struct InvoiceLineRow: Codable, Equatable {
    /// The columns both tables have, as `INSERT` lists them.
    static let sharedNames =
        "position, kind, description, quantity, unit_amount, amount_minor, period_start, period_end, subscription_id, meter_code, tier, tax_code"
    /// The column names of `invoice_lines`, as `INSERT` lists them.
    static let names = sharedNames + ", id, product_id"
    /// The columns `init(_ row:offset:)` reads from `invoice_lines`, in its order; `pending_lines` has them up to `tax_code`.
    static let columns = names.replacingOccurrences(of: "quantity, unit_amount", with: "quantity::text, unit_amount::text")
    /// The recordset that `jsonb_to_recordset` reads a `[InvoiceLineRow]` as.
    static let recordset = """
        l(position integer, kind text, description text, quantity numeric, unit_amount numeric, amount_minor bigint,
          period_start timestamptz, period_end timestamptz, subscription_id uuid, meter_code text, tier integer, tax_code text, id uuid,
          product_id uuid)
        """
    /// The recordset's columns that `pending_lines` keeps.
    static let sharedValues = sharedNames.split(separator: ", ").map { "l.\($0)" }.joined(separator: ", ")

    var position: Int
    var kind: String
    var description: String
    var quantity: DecimalNumber
    var unitAmount: DecimalNumber
    var amountMinor: Int64
    var periodStart: Date?
    var periodEnd: Date?
    var subscriptionID: UUID?
    var meterCode: String?
    var tier: Int?
    var taxCode: String?
    var id: UUID?
    var productID: UUID?

    enum CodingKeys: String, CodingKey {
        case position, kind, description, quantity, tier, id
        case unitAmount = "unit_amount"
        case amountMinor = "amount_minor"
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case subscriptionID = "subscription_id"
        case meterCode = "meter_code"
        case productID = "product_id"
        case taxCode = "tax_code"
    }

    init(_ line: InvoiceLine, position: Int) throws {
        self.position = position
        kind = line.kind
        description = line.description
        quantity = line.quantity
        unitAmount = line.unitAmount
        amountMinor = line.amount.minorUnits
        periodStart = line.periodStart
        periodEnd = line.periodEnd
        subscriptionID = line.subscriptionId?.rawValue
        meterCode = line.meterCode
        tier = line.tier
        taxCode = line.taxCode
        id = (line.id ?? .generate()).rawValue
        productID = line.productId?.rawValue
    }

    /// Reads `columns` from column `offset`; without `identity` (a pending line), up to `tax_code`.
    init(_ row: PostgresRow, offset: Int, identity: Bool = true) throws {
        var columns = ColumnReader(row, from: offset)
        position = try columns.next()
        kind = try columns.next()
        description = try columns.next()
        quantity = try DecimalNumber(parsing: try columns.next(String.self))
        unitAmount = try DecimalNumber(parsing: try columns.next(String.self))
        amountMinor = try columns.next()
        periodStart = try columns.next()
        periodEnd = try columns.next()
        subscriptionID = try columns.next()
        meterCode = try columns.next()
        tier = try columns.next()
        taxCode = try columns.next()
        if identity {
            id = try columns.next()
            productID = try columns.next()
        }
    }

    /// The contract's line; a pending line gets a new id (it becomes a line of the invoice that takes it).
    func line(currency: Currency) throws -> InvoiceLine {
        InvoiceLine(
            id: id.map(InvoiceLineID.init(rawValue:)) ?? .generate(), kind: kind, description: description, quantity: quantity,
            unitAmount: unitAmount, amount: Money(minorUnits: amountMinor, currency: currency), periodStart: periodStart, periodEnd: periodEnd,
            subscriptionId: subscriptionID.map(SubscriptionID.init(rawValue:)), meterCode: meterCode, tier: tier,
            productId: productID.map(CatalogItemID.init(rawValue:)), taxCode: taxCode)
    }
}

/// A credit package an invoice sells, as `invoices.credit_purchases` holds it.
struct CreditPurchaseRow: Codable {
    var packageCode: String
    var credits: Credits
    var validityDays: Int?
    var rechargeRequestId: RechargeRequestID?
}

/// A tax of an invoice, as `invoices.taxes` holds it (amounts in minor units of the invoice's currency).
struct InvoiceTaxRow: Codable {
    var taxRateId: UUID
    var name: String
    var jurisdiction: String?
    var percentage: DecimalNumber
    var inclusive: Bool
    var withholding: String?
    var status: String
    var reason: String?
    var taxableMinor: Int64
    var amountMinor: Int64
    var lineId: UUID?
    var taxedLineIds: [UUID]

    init(_ tax: InvoiceTax) {
        taxRateId = tax.taxRateId.rawValue
        name = tax.name
        jurisdiction = tax.jurisdiction
        percentage = tax.percentage
        inclusive = tax.inclusive
        withholding = tax.withholding?.rawValue
        status = tax.status.rawValue
        reason = tax.reason
        taxableMinor = tax.taxableAmount.minorUnits
        amountMinor = tax.amount.minorUnits
        lineId = tax.lineId?.rawValue
        taxedLineIds = tax.taxedLineIds.map(\.rawValue)
    }

    func tax(currency: Currency) throws -> InvoiceTax {
        guard let status = InvoiceTax.Status(rawValue: status) else { throw InvoiceRowError.unreadable(taxRateId, "tax status \(status)") }
        return InvoiceTax(
            taxRateId: TaxRateID(rawValue: taxRateId), name: name, jurisdiction: jurisdiction, percentage: percentage, inclusive: inclusive,
            withholding: withholding.flatMap(TaxWithholding.init(rawValue:)), status: status, reason: reason,
            taxableAmount: Money(minorUnits: taxableMinor, currency: currency), amount: Money(minorUnits: amountMinor, currency: currency),
            lineId: lineId.map(InvoiceLineID.init(rawValue:)), taxedLineIds: taxedLineIds.map(InvoiceLineID.init(rawValue:)))
    }
}

/// An add-on an invoice activates once paid, as `invoices.addon_activations` holds it.
struct AddonActivationRow: Codable {
    var subscriptionId: SubscriptionID
    var addonId: CatalogItemID
}

enum InvoiceRowError: Error, CustomStringConvertible {
    case notUUID(String)
    case unreadable(UUID, String)

    var description: String {
        switch self {
        case .notUUID(let field): "an invoice's \(field) must be a UUID to be stored"
        case .unreadable(let id, let what): "invoice \(id.text) has an unknown \(what)"
        }
    }
}
