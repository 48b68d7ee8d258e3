import BillingCore
import BillingEvents
import BillingEventsPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// An account's credit with the platform (seed 001's account `balance`): overpayments go in, the next invoices take from it, and
/// an invoice canceled or voided gives back what it took. Every movement is in the caller's transaction, on the locked balance row,
/// with an entry and a `billing.account_credit.changed` event.
struct AccountCreditBook: Sendable {
    let store: AccountCreditStore
    let outbox: Outbox
    let logger: Logger

    /// Moves `change` (positive: credit arrives; negative: it is used) and answers the balance after.
    @discardableResult
    func move(
        _ change: Money, account: AccountID, reason: String, invoice: InvoiceID?, payment: PaymentID?, at time: Date, tenant: String,
        traceparent: String?, on connection: PostgresConnection
    ) async throws -> Money {
        guard !change.isZero else { return .zero(change.currency) }
        guard
            let balance = try await store.move(
                change, account: account.rawValue, reason: reason, invoice: invoice, payment: payment, at: time,
                tenant: tenant, on: connection)
        else {
            throw InvoicingError.conflict("the account has no credit to use", reason: "NO_ACCOUNT_CREDIT")
        }
        try await outbox.append(
            AccountCreditChanged(billingAccountId: account, balance: balance, change: change, reason: reason, invoiceId: invoice),
            tenant: tenant, at: time, traceparent: traceparent, on: connection, logger: logger)
        return balance
    }

    /// A refund of `payment` gives back first the account credit that payment created (its overpayment), so money refunded is not
    /// also spendable on the next invoices. Answers what it took back; refused when that credit was spent meanwhile.
    func takeBack(
        upTo amount: Money, createdBy payment: Payment, at time: Date, tenant: String, traceparent: String?, on connection: PostgresConnection
    ) async throws -> Money {
        let created = try await store.credited(by: payment.id, tenant: tenant, on: connection)
        let wanted = Money(minorUnits: min(created, amount.minorUnits), currency: amount.currency)
        guard wanted.isPositive else { return .zero(amount.currency) }
        let available = try await balance(account: payment.billingAccountId, currency: amount.currency, tenant: tenant, on: connection)
        guard available >= wanted else {
            throw InvoicingError.conflict(
                "\(wanted.amountText) of this payment became account credit and only \(available.amountText) of it is left (it paid other "
                    + "invoices); refund at most what was not spent", reason: "ACCOUNT_CREDIT_SPENT", field: "amount")
        }
        try await move(
            wanted.negated, account: payment.billingAccountId, reason: "REFUNDED", invoice: nil, payment: payment.id, at: time,
            tenant: tenant, traceparent: traceparent, on: connection)
        return wanted
    }

    /// The account's credit, its row locked until the caller's transaction ends.
    func balance(account: AccountID, currency: Currency, tenant: String, on connection: PostgresConnection) async throws -> Money {
        try await store.balance(of: account.rawValue, currency: currency, tenant: tenant, on: connection)
    }

    /// Takes what the account has in credit (up to the total) as an ACCOUNT_CREDIT line of a new DRAFT invoice.
    func apply(to invoice: inout Invoice, at time: Date, tenant: String, traceparent: String?, on connection: PostgresConnection) async throws {
        guard invoice.total.isPositive else { return }
        try await rebalance(&invoice, at: time, tenant: tenant, traceparent: traceparent, on: connection)
    }

    /// Sets a DRAFT's ACCOUNT_CREDIT line to what it may take now: the account's credit plus what the line took already, up to the
    /// total of its other lines. An edit that lowers the total gives the difference back; one that raises it takes more, if there is
    /// more. The draft's total and amount due follow; a total of its other lines below zero is refused (field `unitAmount`).
    func rebalance(_ invoice: inout Invoice, at time: Date, tenant: String, traceparent: String?, on connection: PostgresConnection) async throws {
        let currency = invoice.total.currency
        let taken = invoice.lines.filter { $0.kind == "ACCOUNT_CREDIT" }.reduce(Int64(0)) { $0 - $1.amount.minorUnits }
        let others = invoice.lines.filter { $0.kind != "ACCOUNT_CREDIT" }
        let subtotal = try InvoiceComposer.total(others, currency: currency)
        guard !subtotal.isNegative else {
            throw InvoicingError.invalid("unitAmount", "the invoice's total would be \(subtotal.amountText), below zero")
        }
        var target: Int64 = 0
        if subtotal.isPositive || taken > 0 {
            let available = try await balance(account: invoice.billingAccountId, currency: currency, tenant: tenant, on: connection)
            target = min(available.minorUnits + taken, subtotal.minorUnits)
        }
        let applied = Money(minorUnits: target, currency: currency)
        invoice.lines = others
        if applied.isPositive {
            invoice.lines.append(
                Self.line(applied, periodStart: invoice.periodStart, periodEnd: invoice.periodEnd, subscriptionId: invoice.subscriptionId))
        }
        invoice.total = try subtotal.subtracting(applied)
        invoice.amountDue = try invoice.total.subtracting(invoice.amountPaid)
        let change = taken - target
        guard change != 0 else { return }
        try await move(
            Money(minorUnits: change, currency: currency), account: invoice.billingAccountId,
            reason: change > 0 ? "RETURNED_FROM_INVOICE" : "APPLIED_TO_INVOICE", invoice: invoice.id, payment: nil, at: time, tenant: tenant,
            traceparent: traceparent, on: connection)
    }

    /// The ACCOUNT_CREDIT line of `applied` credit (a negative amount).
    static func line(_ applied: Money, periodStart: Date?, periodEnd: Date?, subscriptionId: SubscriptionID?) -> InvoiceLine {
        InvoiceLine(
            kind: "ACCOUNT_CREDIT", description: "Account credit applied", quantity: 1, unitAmount: applied.negated, amount: applied.negated,
            periodStart: periodStart, periodEnd: periodEnd, subscriptionId: subscriptionId)
    }

    /// An invoice that will not be paid (canceled or voided) gives back the credit it took.
    func giveBack(of invoice: Invoice, at time: Date, tenant: String, traceparent: String?, on connection: PostgresConnection) async throws {
        let taken = invoice.lines.filter { $0.kind == "ACCOUNT_CREDIT" }.reduce(0) { $0 - $1.amount.minorUnits }
        guard taken > 0 else { return }
        try await move(
            Money(minorUnits: taken, currency: invoice.total.currency), account: invoice.billingAccountId, reason: "RETURNED_FROM_INVOICE",
            invoice: invoice.id, payment: nil, at: time, tenant: tenant, traceparent: traceparent, on: connection)
    }
}
