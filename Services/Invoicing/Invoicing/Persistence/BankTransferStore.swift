import BillingCore
import BillingPostgres
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// SQL for bank transfers (issue 29): the tenant's bank account, each BANK_TRANSFER invoice's reference, and the recorded
/// transfers. Every statement filters by tenant (row-level security is the second wall); rows map to contract types here only.
struct BankTransferStore {
    let logger: Logger

    // MARK: The tenant's bank account

    func account(tenant: String, on connection: PostgresConnection) async throws -> BankAccountDetails? {
        let rows = try await connection.rows(
            PostgresQuery(unsafeSQL: "SELECT details::text FROM bank_transfer_accounts WHERE tenant_id = $1", binds: try .of(tenant)),
            logger: logger)
        guard let row = rows.first else { return nil }
        let text = try row.decode(String.self)
        return try JSONDecoder().decode(BankAccountRow.self, from: Data(text.utf8)).details
    }

    /// Replaces the account (nil removes it).
    func setAccount(_ details: BankAccountDetails?, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        guard let details else {
            try await connection.execute(
                PostgresQuery(unsafeSQL: "DELETE FROM bank_transfer_accounts WHERE tenant_id = $1", binds: try .of(tenant)), logger: logger)
            return
        }
        let json = String(decoding: try JSONEncoder().encode(BankAccountRow(details)), as: UTF8.self)
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO bank_transfer_accounts (tenant_id, details, updated_at) VALUES ($1, $2::jsonb, $3)
                    ON CONFLICT (tenant_id) DO UPDATE SET details = EXCLUDED.details, updated_at = EXCLUDED.updated_at
                    """, binds: try .of(tenant, json, time)), logger: logger)
    }

    // MARK: References

    /// Gives the invoice its reference (once: a second call keeps the first).
    func addReference(_ reference: String, invoice: InvoiceID, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO bank_transfer_references (tenant_id, invoice_id, reference, created_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (tenant_id, invoice_id) DO NOTHING
                    """, binds: try .of(tenant, invoice.rawValue, reference, time)), logger: logger)
    }

    func reference(of invoice: InvoiceID, tenant: String, on connection: PostgresConnection) async throws -> String? {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT reference FROM bank_transfer_references WHERE tenant_id = $1 AND invoice_id = $2",
                binds: try .of(tenant, invoice.rawValue)), logger: logger
        ).first?.decode(String.self)
    }

    func invoice(withReference reference: String, tenant: String, on connection: PostgresConnection) async throws -> InvoiceID? {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT invoice_id FROM bank_transfer_references WHERE tenant_id = $1 AND reference = $2",
                binds: try .of(tenant, reference)), logger: logger
        ).first.map { InvoiceID(rawValue: try $0.decode(UUID.self)) }
    }

    // MARK: Transfers

    func insert(_ transfer: BankTransfer, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO bank_transfers (
                        tenant_id, id, reference, amount_minor, currency, received_on, bank_transaction_id, status, unmatched_reason, message,
                        invoice_id, payment_id, recorded_by, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8, $9, $10, $11, $12, $13, $14)
                    """,
                binds: try .of(
                    tenant, transfer.id.rawValue, transfer.reference, transfer.amount.minorUnits, transfer.amount.currency.code, transfer.receivedOn,
                    transfer.bankTransactionId, transfer.status.rawValue, transfer.unmatchedReason, transfer.message, transfer.invoiceId?.rawValue,
                    transfer.paymentId?.rawValue, transfer.recordedBy, transfer.createdAt)), logger: logger)
    }

    /// The transfer recorded with this statement line id, if any (locked: a concurrent record of the same line waits for it).
    func transfer(bankTransactionId: String, tenant: String, on connection: PostgresConnection) async throws -> BankTransfer? {
        try await transfers(where: "bank_transaction_id = $2", binds: try .of(tenant, bankTransactionId), on: connection).first
    }

    func list(_ request: ListBankTransfersRequest, tenant: String, on connection: PostgresConnection) async throws -> BankTransferPage {
        var items = try await transfers(
            where: "($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR id > $3) ORDER BY id LIMIT $4",
            binds: try .of(tenant, request.status?.rawValue, request.after?.rawValue, request.pageSize + 1), on: connection)
        let next: BankTransferID? = items.trimPage(to: request.pageSize)?.id
        return BankTransferPage(items: items, nextCursor: next)
    }

    /// Serializes the records of one statement line (until commit), so two concurrent calls with it record it once.
    func lockTransaction(_ id: String, tenant: String, on connection: PostgresConnection) async throws {
        _ = try await connection.rows(LockSubscription(key: "invoicing-bank-transaction:\(tenant):\(id)"), logger: logger)
    }

    private func transfers(where condition: String, binds: PostgresBindings, on connection: PostgresConnection) async throws -> [BankTransfer] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, reference, amount_minor, currency, received_on::text, bank_transaction_id, status, unmatched_reason, message,
                        invoice_id, payment_id, recorded_by, created_at
                    FROM bank_transfers WHERE tenant_id = $1 AND \(condition)
                    """, binds: binds), logger: logger
        ).map { row in
            var columns = ColumnReader(row)
            let id: UUID = try columns.next()
            let reference: String = try columns.next()
            let minor: Int64 = try columns.next()
            let code: String = try columns.next()
            let receivedOn: String = try columns.next()
            let transaction: String? = try columns.next()
            let status: String = try columns.next()
            let reason: String? = try columns.next()
            let message: String? = try columns.next()
            let invoice: UUID? = try columns.next()
            let payment: UUID? = try columns.next()
            let recordedBy: String? = try columns.next()
            let createdAt: Date = try columns.next()
            guard let currency = Currency(code: code), let state = BankTransferStatus(rawValue: status) else {
                throw InvoiceRowError.unreadable(id, "bank transfer currency \(code) or status \(status)")
            }
            return BankTransfer(
                id: BankTransferID(rawValue: id), reference: reference, amount: Money(minorUnits: minor, currency: currency),
                receivedOn: receivedOn, bankTransactionId: transaction, status: state, unmatchedReason: reason, message: message,
                invoiceId: invoice.map(InvoiceID.init(rawValue:)), paymentId: payment.map(PaymentID.init(rawValue:)), recordedBy: recordedBy,
                createdAt: createdAt)
        }
    }
}

/// The bank account as `bank_transfer_accounts.details` holds it, apart from the contract's `BankAccountDetails`.
private struct BankAccountRow: Codable {
    var bankCode: String
    var bankName: String
    var branch: String
    var accountNumber: String
    var holderName: String
    var holderTaxId: String

    init(_ details: BankAccountDetails) {
        (bankCode, bankName, branch, accountNumber, holderName, holderTaxId) = (
            details.bankCode, details.bankName, details.branch, details.accountNumber, details.holderName, details.holderTaxId
        )
    }

    var details: BankAccountDetails {
        BankAccountDetails(
            bankCode: bankCode, bankName: bankName, branch: branch, accountNumber: accountNumber, holderName: holderName, holderTaxId: holderTaxId)
    }
}
