import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import InvoicingContract
import Logging
import PostgresNIO

/// Boletos híbridos at the bank for invoices finalized with BOLETO: queued in the finalize transaction, registered after it
/// commits with no row locked (at once by finalize, or by the job after a failure), verified digit by digit, written off (baixa)
/// when the invoice stops waiting for them, and reconciled daily with the bank for payments a lost webhook missed.
struct Boletos: Sendable {
    let database: Database
    let clock: any BillingClock
    let accounts: AccountsClient
    let invoices: InvoiceStore
    let store: BoletoStore
    let provider: any BoletoProvider
    let settings: BoletoSettings

    static let lease: TimeInterval = 60
    static let retryDelay: TimeInterval = 30

    /// In the finalize transaction: the invoice's boleto for what it has due, with the tenant's fine and interest.
    func queue(for invoice: Invoice, at now: Date, tenant: String, on connection: PostgresConnection) async throws {
        guard invoice.currency == "BRL" else {
            throw InvoicingError.invalid("paymentMethod", "a boleto charges BRL; the invoice is in \(invoice.currency)")
        }
        guard InvoiceLifecycle.isPayable(invoice.status), invoice.amountDue.isPositive, let due = invoice.dueDate else { return }
        guard invoice.livemode else {
            throw InvoicingError.conflict("a test-clock invoice is not registered at the bank", reason: "BOLETO_TEST_INVOICE", field: "paymentMethod")
        }
        let terms = try await invoices.settings(tenant: tenant, on: connection)
        let sequence = try await store.nextSequence(on: connection)
        let boleto = BoletoRow(
            invoiceID: invoice.id, ourNumber: provider.ourNumber(sequence: sequence), amountMinor: invoice.amountDue.minorUnits,
            dueDate: PixCharges.dayText(max(due, now)), finePercent: terms.pixFinePercent, monthlyInterestPercent: terms.pixMonthlyInterestPercent,
            status: .queued)
        _ = try await store.queue(boleto, at: now, tenant: tenant, on: connection)
    }

    /// The invoice's boleto, registered now when still queued.
    func current(for invoice: InvoiceID, tenant: String) async throws -> BoletoRow {
        guard let boleto = try await database.withTenant(tenant, { try await store.find(invoice: invoice, tenant: tenant, on: $0) }) else {
            throw InvoicingError.notFound("boleto of invoice", invoice.description, reason: "BOLETO_NOT_FOUND")
        }
        guard boleto.status == .queued else { return boleto }
        return (try? await register(boleto, tenant: tenant)) ?? boleto
    }

    /// Asks the bank to register it (no row locked); its answer is verified before it is recorded. A failure postpones it.
    @discardableResult
    func register(_ boleto: BoletoRow, tenant: String) async throws -> BoletoRow {
        let invoice = try await database.withTenant(tenant) { try await invoices.find(boleto.invoiceID, tenant: tenant, on: $0) }
        guard let invoice else { throw InvoicingError.notFound("invoice", boleto.invoiceID.description, reason: "INVOICE_NOT_FOUND") }
        let now = clock.now()
        do {
            let options = RPCCallOptions(metadata: RPCMetadata(tenant: tenant, actor: "system:boleto"), timeout: .seconds(5))
            let buyer = try await accounts.get(invoice.billingAccountId, options: options)
            guard let taxID = buyer.taxId.map({ $0.filter(\.isNumber) }), [11, 14].contains(taxID.count) else {
                throw InvoicingError.conflict(
                    "a boleto names its payer: the billing account has no CPF or CNPJ", reason: "BOLETO_PAYER_TAX_ID", field: "taxId")
            }
            let request = BoletoRequest(
                ourNumber: boleto.ourNumber, reference: invoice.number ?? String(boleto.ourNumber.suffix(10)),
                amount: Money(minorUnits: boleto.amountMinor, currency: .brl), issueDate: PixCharges.dayText(invoice.finalizedAt ?? now),
                dueDate: boleto.dueDate, finePercent: boleto.finePercent, monthlyInterestPercent: boleto.monthlyInterestPercent,
                payer: BoletoPayer(taxID: taxID, name: buyer.name))
            let state = try await provider.register(request)
            let verified = try Self.verify(state, of: boleto, bank: provider.bankCode, freeField: provider.freeField(ourNumber: boleto.ourNumber))
            var registered = boleto
            registered.status = .registered
            registered.barcode = verified.barcode
            registered.digitableLine = verified.digitableLine
            registered.pixCopyPaste = state.pixCopyPaste
            registered.registeredAt = now
            try await database.withTenant(tenant) { connection in
                try await store.registered(
                    boleto.invoiceID, barcode: verified.barcode, digitableLine: verified.digitableLine, pixCopyPaste: state.pixCopyPaste, at: now,
                    tenant: tenant, on: connection)
            }
            return registered
        } catch {
            try await database.withTenant(tenant) { connection in
                try await store.postpone(
                    boleto.invoiceID, until: now.addingTimeInterval(Self.retryDelay), error: "\(error)", tenant: tenant, on: connection)
            }
            throw error
        }
    }

    /// The bank's bar code and linha digitável, checked: their check digits, one the transcription of the other, and their content
    /// ours — the bank, the currency (real), the amount, the due date's factor and our number in the free field.
    static func verify(_ state: BoletoState, of boleto: BoletoRow, bank: String, freeField: String) throws -> FebrabanBoleto {
        do {
            guard let barcodeText = state.barcode, let lineText = state.digitableLine else {
                throw FebrabanBoleto.Invalid(message: "the bank answered no bar code or linha digitável")
            }
            let barcode = try FebrabanBoleto(barcode: barcodeText)
            let line = try FebrabanBoleto(digitableLine: lineText)
            guard barcode == line else { throw FebrabanBoleto.Invalid(message: "the linha digitável is not the bar code's") }
            let expected = try FebrabanBoleto(
                bank: bank, dueFactor: try FebrabanBoleto.dueFactor(day: boleto.dueDate), amountMinor: boleto.amountMinor, freeField: freeField)
            guard barcode == expected else {
                throw FebrabanBoleto.Invalid(
                    message: "the bank's bar code \(barcode.barcode) is not the boleto asked for (expected \(expected.barcode))")
            }
            return barcode
        } catch let error as FebrabanBoleto.Invalid {
            throw InvoicingError.conflict("the bank's boleto failed verification: \(error.message)", reason: "BOLETO_PROVIDER_INVALID")
        }
    }

    /// One pass of the job: queued boletos registered, canceled ones written off at the bank.
    func work(limit: Int) async throws -> Int {
        let now = clock.now()
        let (queued, canceling) = try await database.withSystemScope { connection in
            (
                try await store.claim(.queued, at: now, limit: limit, lease: now.addingTimeInterval(Self.lease), on: connection),
                try await store.claim(.canceling, at: now, limit: limit, lease: now.addingTimeInterval(Self.lease), on: connection)
            )
        }
        for (tenant, boleto) in queued {
            do { try await register(boleto, tenant: tenant) } catch {
                database.logger.warning(
                    "boleto not registered at the bank; tried again later",
                    metadata: ["tenant": "\(tenant)", "boleto": "\(boleto.ourNumber)", "error": "\(error)"])
            }
        }
        for (tenant, boleto) in canceling {
            do {
                let canceled = try await provider.cancel(ourNumber: boleto.ourNumber)
                // Paid meanwhile: its payment is recorded by the webhook or the reconciliation (as the account's credit).
                try await database.withTenant(tenant) { connection in
                    if canceled {
                        try await store.setStatus(
                            .canceled, of: boleto.invoiceID, from: [.canceling], at: clock.now(), tenant: tenant, on: connection)
                    } else {
                        try await store.setStatus(
                            .registered, of: boleto.invoiceID, from: [.canceling], at: clock.now(), tenant: tenant, on: connection)
                    }
                }
            } catch {
                try? await database.withTenant(tenant) { connection in
                    try await store.postpone(
                        boleto.invoiceID, until: clock.now().addingTimeInterval(Self.retryDelay), error: "\(error)", tenant: tenant,
                        on: connection)
                }
            }
        }
        return max(queued.count, canceling.count)
    }

    /// What the API shows.
    func view(_ boleto: BoletoRow) async -> InvoiceBoleto {
        let verified = boleto.barcode.flatMap { try? FebrabanBoleto(barcode: $0) }
        let open = boleto.status == .registered
        return InvoiceBoleto(
            invoiceId: boleto.invoiceID, status: BoletoStatus(rawValue: boleto.status.rawValue) ?? .canceled, bank: provider.bankCode,
            ourNumber: boleto.ourNumber, amount: Money(minorUnits: boleto.amountMinor, currency: .brl), dueDate: boleto.dueDate,
            finePercent: boleto.finePercent, monthlyInterestPercent: boleto.monthlyInterestPercent, digitableLine: verified?.digitableLine,
            formattedDigitableLine: verified?.formattedDigitableLine, barcode: verified?.barcode,
            barcodeSvg: open ? verified.flatMap { ITFBarcode.svg($0.barcode) } : nil, pixCopyPaste: open ? boleto.pixCopyPaste : nil,
            pixQrCodeSvg: open ? await boleto.pixCopyPaste.asyncFlatMap { await QRCodeRenderer().svg($0) } : nil,
            lastError: boleto.status == .queued || boleto.status == .canceling ? boleto.lastError : nil, registeredAt: boleto.registeredAt,
            settledAt: boleto.settledAt)
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async -> T?) async -> T? {
        guard let self else { return nil }
        return await transform(self)
    }
}
