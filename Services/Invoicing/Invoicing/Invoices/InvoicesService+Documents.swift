import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import BillingPostgres
import BillingRPC
import BillingService
import CatalogContract
import Foundation
import InvoicingContract
import Logging
import PostgresNIO
import SubscriptionsContract

/// The printable invoice (HTML and PDF) and the PIX BR Code of what is due.
extension InvoicesService {
    /// The printable invoice; the buyer is read from the accounts context (its current name and tax id).
    func document(_ id: InvoiceID, context: RPCServerContext) async throws -> InvoiceHTML {
        let (invoice, buyer, pix) = try await printable(id, context: context)
        let boleto = try? await boleto(of: id, tenant: context.tenant)
        let transfer = InvoiceLifecycle.isPayable(invoice.status) ? try? await bankTransferInstructions(id, tenant: context.tenant) : nil
        return InvoiceHTML(
            html: InvoiceDocument.html(
                invoice, buyer: buyer, seller: merchant, sellerTaxID: sellerTaxID, pix: pix, boleto: boleto, transfer: transfer))
    }

    /// The printable invoice as a PDF: the same content as `document`.
    func pdf(_ id: InvoiceID, context: RPCServerContext) async throws -> InvoicePDFFile {
        let (invoice, buyer, pix) = try await printable(id, context: context)
        return InvoicePDFFile(bytes: InvoicePDF.render(invoice, buyer: buyer, seller: merchant, sellerTaxID: sellerTaxID, pix: pix))
    }

    /// What a printed invoice shows besides itself: the buyer as the accounts context knows them now, and the PIX code while it
    /// can be paid.
    private func printable(_ id: InvoiceID, context: RPCServerContext) async throws -> (Invoice, BillingAccount?, PixCharge?) {
        let invoice = try await get(id, tenant: context.tenant)
        let options = context.outgoing(timeout: .seconds(5))
        var buyer: BillingAccount?
        buyer = try await RPCError.unlessNotFound({ () async throws(RPCError) in
            try await accounts.get(invoice.billingAccountId, options: options)
        })
        // An invoice paid by boleto shows the boleto's own PIX QR, never a second PIX charge.
        var hasBoleto = false
        if boletos != nil {
            hasBoleto = try await database.withTenant(context.tenant) {
                try await BoletoStore(logger: database.logger).find(invoice: id, tenant: context.tenant, on: $0) != nil
            }
        }
        let payable = InvoiceLifecycle.isPayable(invoice.status) && invoice.currency == "BRL" && !hasBoleto
        return (invoice, buyer, payable ? try? await pix(for: invoice, tenant: context.tenant) : nil)
    }

    /// The BR Code of what is due on a PENDING or OVERDUE BRL invoice: the dynamic code of its charge at the PSP, or (development)
    /// a static code to the configured key.
    func pix(for invoice: Invoice, tenant: String) async throws -> PixCharge {
        guard InvoiceLifecycle.isPayable(invoice.status), let number = invoice.number else {
            throw InvoicingError.conflict(
                "invoice is \(invoice.status.rawValue); only a PENDING or OVERDUE invoice is paid by PIX", reason: "INVOICE_NOT_PAYABLE")
        }
        guard invoice.currency == "BRL" else {
            throw InvoicingError.conflict("PIX charges BRL; the invoice is in \(invoice.currency)", reason: "PIX_NEEDS_BRL")
        }
        switch pixRail {
        case .disabled:
            throw PixRail.unavailable
        case .psp(let provider, _):
            guard invoice.livemode, let pixCharges else {
                throw InvoicingError.conflict(
                    "a test-clock invoice is not charged at the PSP; record its payment instead", reason: "PIX_TEST_INVOICE")
            }
            let charge = try await pixCharges.current(for: invoice, tenant: tenant)
            guard let location = charge.location else { throw InvoicingError.unavailable("the PSP's charge has no location yet; ask again shortly") }
            do {
                let payload = try PixBRCode(location: location, merchantName: merchant.name, merchantCity: merchant.city).payload
                return PixCharge(
                    invoiceId: invoice.id, copyPaste: payload, txid: charge.txid, amount: Money(minorUnits: charge.amountMinor, currency: .brl),
                    key: provider.key, merchantName: merchant.name, merchantCity: merchant.city, qrCodeSvg: await QRCodeRenderer().svg(payload),
                    location: location, expiresAt: charge.expiresAt)
            } catch {
                throw InvoicingError.conflict("the PSP's charge location is unusable: \(error.message)", reason: "PIX_PROVIDER_REFUSED")
            }
        case .staticKey:
            break
        }
        let txid = number.replacingOccurrences(of: "-", with: "")
        do {
            let code = try PixBRCode(
                key: merchant.key, merchantName: merchant.name, merchantCity: merchant.city, amount: invoice.amountDue, txid: txid,
                description: "Fatura \(number)")
            let payload = code.payload
            return PixCharge(
                invoiceId: invoice.id, copyPaste: payload, txid: txid, amount: invoice.amountDue, key: code.key, merchantName: code.merchantName,
                merchantCity: code.merchantCity, qrCodeSvg: await QRCodeRenderer().svg(payload))
        } catch {
            throw InvoicingError.conflict("the PIX merchant configuration is unusable: \(error.field) \(error.message)", reason: "PIX_NOT_CONFIGURED")
        }
    }

    /// The invoice's boleto híbrido (registered now when still queued).
    func boleto(of id: InvoiceID, tenant: String) async throws -> InvoiceBoleto {
        guard let boletos else { throw InvoicingError.notFound("boleto of invoice", id.description, reason: "BOLETO_NOT_FOUND") }
        return await boletos.view(try await boletos.current(for: id, tenant: tenant))
    }
}
