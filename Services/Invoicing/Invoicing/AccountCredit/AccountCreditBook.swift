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
        guard invoice.total.minorUnits > 0 else { return }
        let available = try await balance(account: invoice.billingAccountId, currency: invoice.total.currency, tenant: tenant, on: connection)
        let applied = Money(minorUnits: min(available.minorUnits, invoice.total.minorUnits), currency: invoice.total.currency)
        guard applied.minorUnits > 0 else { return }
        invoice.lines.append(
            InvoiceLine(
                kind: "ACCOUNT_CREDIT", description: "Account credit applied", quantity: 1, unitAmount: applied.negated,
                amount: applied.negated, periodStart: invoice.periodStart, periodEnd: invoice.periodEnd, subscriptionId: invoice.subscriptionId))
        invoice.total = try invoice.total.subtracting(applied)
        invoice.amountDue = try invoice.amountDue.subtracting(applied)
        try await move(
            applied.negated, account: invoice.billingAccountId, reason: "APPLIED_TO_INVOICE", invoice: invoice.id, payment: nil, at: time,
            tenant: tenant, traceparent: traceparent, on: connection)
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
