import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// Dynamic PIX charges at the PSP for what invoices have due (API Pix): queued in the transaction that makes an invoice payable,
/// created at the PSP after it commits (by the job, or at once when someone asks for the invoice's BR Code), never with a row
/// locked. One charge per invoice and amount due; a charge that lapsed unpaid is EXPIRED and the next request makes another.
struct PixCharges: Sendable {
    let database: Database
    let clock: any BillingClock
    let accounts: AccountsClient
    let invoices: InvoiceStore
    let store: PixChargeStore
    let payments: PaymentStore
    let provider: any PixProvider
    let settings: PixChargeSettings

    /// How long a claimed charge is left to its replica before another pass asks the PSP again (the same txid: the same charge).
    static let lease: TimeInterval = 60
    /// A refused or failed creation is tried again after this long.
    static let retryDelay: TimeInterval = 30
    /// Days a charge with a due date stays payable after it (API Pix's default).
    static let daysPayableAfterDue = 30

    /// In the caller's transaction: the charge the invoice needs now, queued unless one for its amount due is waiting already.
    /// Nothing for an invoice that waits for no BRL.
    @discardableResult
    func queue(for invoice: Invoice, at now: Date, tenant: String, on connection: PostgresConnection) async throws -> PixChargeRow? {
        guard InvoiceLifecycle.isPayable(invoice.status), invoice.currency == "BRL", invoice.amountDue.isPositive else { return nil }
        let latest = try await store.latest(of: invoice.id, tenant: tenant, forUpdate: true, on: connection)
        if let latest, latest.amountMinor == invoice.amountDue.minorUnits,
            latest.status == .queued || (latest.status == .active && (latest.expiresAt ?? now) > now)
        {
            return latest
        }
        // Another amount due (a partial payment), or the last charge lapsed: the old ones are no longer what is asked.
        try await store.removeWaiting(of: invoice.id, at: now, tenant: tenant, on: connection)
        let sequence = (latest?.sequence ?? 0) + 1
        let charge = PixChargeRow(
            txid: PixChargeRow.txid(of: invoice.id, sequence: sequence), invoiceID: invoice.id, amountMinor: invoice.amountDue.minorUnits,
            dueDate: nil, status: .queued, location: nil, expiresAt: nil, createdAt: now)
        guard try await store.queue(charge, at: now, tenant: tenant, on: connection) else {
            throw InvoicingError.conflict("the invoice's PIX charge \(charge.txid) is being created by another request", reason: "PIX_CHARGE_BUSY")
        }
        return charge
    }

    /// The invoice's charge as the PSP holds it, created now when it is still queued.
    func current(for invoice: Invoice, tenant: String) async throws -> PixChargeRow {
        let charge = try await database.withTenant(tenant) { connection in
            try await queue(for: invoice, at: clock.now(), tenant: tenant, on: connection)
        }
        guard let charge else {
            throw InvoicingError.conflict(
                "invoice is \(invoice.status.rawValue) with \(invoice.amountDue.amountText) \(invoice.currency) due; there is nothing to pay by PIX",
                reason: "INVOICE_NOT_PAYABLE")
        }
        return charge.status == .active ? charge : try await create(charge, tenant: tenant)
    }

    /// One pass of the job: every tenant's queued charges created at the PSP.
    func createQueued(limit: Int) async throws -> Int {
        let now = clock.now()
        let claimed = try await database.withSystemScope { connection in
            try await store.claimQueued(at: now, limit: limit, lease: now.addingTimeInterval(Self.lease), on: connection)
        }
        for (tenant, charge) in claimed {
            do { _ = try await create(charge, tenant: tenant) } catch {
                database.logger.warning(
                    "PIX charge not created at the PSP; tried again later",
                    metadata: ["tenant": "\(tenant)", "txid": "\(charge.txid)", "error": "\(error)"])
            }
        }
        return claimed.count
    }

    /// Asks the PSP for the charge (no row locked) and records it ACTIVE; a failure postpones it and is thrown.
    func create(_ charge: PixChargeRow, tenant: String) async throws -> PixChargeRow {
        let (invoice, terms) = try await database.withTenant(tenant) { connection in
            (try await invoices.find(charge.invoiceID, tenant: tenant, on: connection), try await invoices.settings(tenant: tenant, on: connection))
        }
        guard let invoice else { throw InvoicingError.notFound("invoice", charge.invoiceID.description, reason: "INVOICE_NOT_FOUND") }
        let options = RPCCallOptions(metadata: RPCMetadata(tenant: tenant, actor: "system:pix"), timeout: .seconds(5))
        let buyer = try? await accounts.get(invoice.billingAccountId, options: options)
        let taxID = buyer?.taxId.map { $0.filter(\.isNumber) }.flatMap { [11, 14].contains($0.count) ? $0 : nil }
        let now = clock.now()
        // A charge with a due date when the invoice has one still ahead and the payer is known (API Pix requires the payer then).
        let dueDate = invoice.dueDate.flatMap { due in taxID != nil && due >= Self.day(now) ? Self.dayText(due) : nil }
        let request = PixChargeRequest(
            txid: charge.txid, amount: Money(minorUnits: charge.amountMinor, currency: .brl), expiresIn: settings.expiresIn, dueDate: dueDate,
            daysPayableAfterDue: Self.daysPayableAfterDue, finePercent: terms.pixFinePercent, monthlyInterestPercent: terms.pixMonthlyInterestPercent,
            debtorTaxID: taxID, debtorName: taxID == nil ? nil : buyer?.name, description: "Fatura \(invoice.number ?? invoice.id.description)")
        let state: PixChargeState
        do {
            state = try await provider.createCharge(request)
        } catch {
            try await database.withTenant(tenant) { connection in
                try await store.postpone(
                    charge.txid, until: now.addingTimeInterval(Self.retryDelay), error: error.rpcError.message, tenant: tenant, on: connection)
            }
            throw error
        }
        try await database.withTenant(tenant) { connection in
            try await store.activate(
                charge.txid, location: state.location, expiresAt: state.expiresAt, dueDate: dueDate, at: clock.now(), tenant: tenant,
                on: connection)
        }
        var active = charge
        active.status = .active
        active.location = state.location
        active.expiresAt = state.expiresAt
        active.dueDate = dueDate
        return active
    }

    /// One pass of the withdrawal: charges removed here (the invoice was paid otherwise, voided, or owes another amount) are
    /// withdrawn at the PSP, so no payer pays them by mistake; one paid meanwhile is left to its notification (its money becomes
    /// the account's credit). A PSP out of reach leaves them for the next pass.
    func withdrawRemoved(limit: Int) async throws -> Int {
        let now = clock.now()
        let claimed = try await database.withSystemScope { connection in
            try await store.claimWithdrawals(at: now, limit: limit, lease: now.addingTimeInterval(Self.lease), on: connection)
        }
        for (tenant, charge) in claimed {
            do {
                _ = try await provider.withdrawCharge(txid: charge.txid, withDueDate: charge.dueDate != nil)
                try await database.withTenant(tenant) { try await store.withdrawn(charge.txid, tenant: tenant, on: $0) }
            } catch {
                database.logger.warning(
                    "PIX charge not withdrawn at the PSP; tried again later",
                    metadata: ["tenant": "\(tenant)", "txid": "\(charge.txid)", "error": "\(error)"])
            }
        }
        return claimed.count
    }

    /// One pass of the expiry check: ACTIVE charges past their time are asked about at the PSP; unpaid ones become EXPIRED and the
    /// invoice's waiting PIX payment fails with them. A charge the PSP reports paid is left to the webhook or reconciliation.
    func expire(limit: Int) async throws -> Int {
        let now = clock.now()
        let lapsed = try await database.withSystemScope { try await store.expired(at: now, limit: limit, on: $0) }
        for (tenant, charge) in lapsed {
            let state = try? await provider.charge(txid: charge.txid, withDueDate: charge.dueDate != nil)
            if state?.status == .completed { continue }
            try await database.withTenant(tenant) { connection in
                try await store.setStatus(.expired, of: charge.txid, from: [.active], at: now, tenant: tenant, on: connection)
                try await payments.failPending(
                    of: charge.invoiceID, reason: "the PIX charge \(charge.txid) expired unpaid", at: now, tenant: tenant, on: connection)
            }
        }
        return lapsed.count
    }

    static func day(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Sao_Paulo") ?? .gmt
        return calendar.startOfDay(for: date)
    }

    static func dayText(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "America/Sao_Paulo") ?? .gmt
        return formatter.string(from: date)
    }
}
