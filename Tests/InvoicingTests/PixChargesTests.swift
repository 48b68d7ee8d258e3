import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import InvoicingContract
import PostgresNIO
import Testing

@testable import Invoicing

/// The invoice's charges at a PSP (the API Pix stand-in over mutual TLS) on PostgreSQL, driven by hand: the service's manual clock
/// is set to now (the stand-in's clock) and moved past a charge's hour to make it lapse.
@Suite("PIX charges at a PSP on PostgreSQL")
struct PixChargesTests {
    @Test(
        """
        a lapsed charge unpaid at the PSP is EXPIRED and the next request makes another; a partial payment makes one for what is left \
        and withdraws the old one at the PSP; the PIX paying it is recorded once (a repeat is a DUPLICATE) and the invoice is PAID
        """
    )
    func lifecycle() async throws {
        let psp = try await PixStandIn.start()
        let certificates = psp.certificates
        let client = try APIPixClient(
            configuration: try APIPixConfiguration(
                baseURL: psp.baseURL, tokenURL: psp.tokenURL, clientID: psp.clientID, clientSecret: psp.clientSecret,
                certificateFile: certificates.clientCertificate, privateKeyFile: certificates.clientKey, trustRootsFile: certificates.caFile,
                key: "pix@standin.example"))
        do {
            try await withInvoicing(pixRail: .psp(client, PixChargeSettings(expiresIn: 3600))) { service, database, clock in
                let charges = try #require(service.invoices.pixCharges)
                clock.set(Date())
                let tenant = "pix-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
                let total = Money(minorUnits: 29_990, currency: .brl)
                var invoice = Invoice(
                    id: .generate(at: clock.now()), billingAccountId: .generate(), number: "2027-000001", status: .pending, currency: "BRL",
                    lines: [], total: total, amountPaid: .zero(.brl), amountDue: total, periodStart: nil, periodEnd: nil, subscriptionId: nil,
                    netTermsDays: 7, dueDate: clock.now().addingTimeInterval(7 * 86_400), finalizedAt: clock.now(), paidAt: nil, voidedAt: nil,
                    createdAt: clock.now(), updatedAt: clock.now())
                try await database.withTenant(tenant) { try await service.invoices.store.insert(invoice, tenant: tenant, on: $0) }
                let hex = invoice.id.rawValue.uuidString.replacingOccurrences(of: "-", with: "").lowercased()

                // No payer is known (no accounts service here): an immediate charge.
                let first = try await charges.current(for: invoice, tenant: tenant)
                #expect(first.txid == hex + "001" && first.status == .active && psp.charge(txid: first.txid)?.dueDate == nil)
                let again = try await charges.current(for: invoice, tenant: tenant)
                #expect(again.txid == first.txid && again.location == first.location, "asked again: the same charge")

                #expect(try await charges.expire(limit: 10) == 0, "not lapsed yet")
                // Past the charge's hour, whenever (under load) the PSP stamped its creation.
                clock.advance(by: 7_200)
                #expect(try await charges.expire(limit: 10) == 1)
                #expect(try await charges.expire(limit: 10) == 0, "expired once")
                let second = try await charges.current(for: invoice, tenant: tenant)
                #expect(second.txid == hex + "002" && second.amountMinor == 29_990)

                _ = try await database.withTenant(tenant) { connection in
                    try await service.payments.recordPayment(
                        CreatePaymentRequest(
                            billingAccountId: invoice.billingAccountId, invoiceId: invoice.id, amount: DecimalNumber("100.00")!, paymentMethod: .pix,
                            externalRef: "manual-proof-1"), tenant: tenant, traceparent: nil, on: connection)
                }
                invoice = try await service.invoices.get(invoice.id, tenant: tenant)
                let third = try await charges.current(for: invoice, tenant: tenant)
                #expect(third.txid == hex + "003" && psp.charge(txid: third.txid)?.amount == "199.90")
                let statuses = try await database.withTenant(tenant) { connection in
                    try await connection.rows(
                        PostgresQuery(unsafeSQL: "SELECT status FROM pix_charges WHERE tenant_id = $1 ORDER BY txid", binds: try .of(tenant)),
                        logger: database.logger
                    ).map { try $0.decode(String.self) }
                }
                #expect(statuses == ["EXPIRED", "REMOVED", "ACTIVE"], "the lapsed one EXPIRED, the one for the old amount REMOVED")
                // The removed one is withdrawn at the PSP too, once; the lapsed one is left as the PSP has it.
                #expect(try await charges.withdrawRemoved(limit: 10) == 1)
                #expect(try await charges.withdrawRemoved(limit: 10) == 0)
                #expect(psp.charge(txid: second.txid)?.status == "REMOVIDA_PELO_USUARIO_RECEBEDOR")
                #expect(psp.charge(txid: first.txid)?.status == "ATIVA")

                let endToEndId = try await psp.pay(txid: third.txid, webhookDeliveries: 0)
                let pix = try #require(psp.received().first { $0.endToEndId == endToEndId })
                let received = ReceivedPix(endToEndId: endToEndId, txid: third.txid, amount: DecimalNumber(pix.amount)!, time: pix.time)
                #expect(try await service.payments.receive(received, traceparent: nil) == "PAYMENT_RECORDED")
                #expect(try await service.payments.receive(received, traceparent: nil) == "DUPLICATE")
                let paid = try await service.invoices.get(invoice.id, tenant: tenant)
                #expect(paid.status == .paid && paid.amountDue.isZero && paid.paymentMethod == .pix)
                #expect(try await charges.expire(limit: 10) == 0, "nothing waits any more")
                #expect(try await charges.withdrawRemoved(limit: 10) == 0, "the charge that was paid is not withdrawn")
                #expect(psp.charge(txid: third.txid)?.status == "CONCLUIDA")
            }
        } catch {
            try? await client.shutdown()
            await psp.stop()
            throw error
        }
        try await client.shutdown()
        await psp.stop()
    }
}
