import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import InvoicingContract
import Logging
import SubscriptionsContract
import Testing

@testable import Invoicing

@Suite("Payments and refunds resent with one idempotency key, on PostgreSQL")
struct PaymentDeduplicationTests {
    @Test("a payment and a refund resent with their key (a replica died before answering) are applied once")
    func resentOnce() async throws {
        try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
            let clock = ManualClock(RFC3339.parse("2027-03-10T00:00:00Z")!)
            let rpc = RPCClient(transport: NoPeersTransport())
            let service = InvoicingService(
                database: database, clock: clock, accounts: AccountsClient(rpc: rpc), subscriptions: SubscriptionsClient(rpc: rpc),
                catalog: CatalogClient(rpc: rpc), ledger: rpc)
            let tenant = "dedup-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            func keyed(_ key: String) -> RPCServerContext {
                RPCServerContext(
                    method: "test", metadata: RPCMetadata(tenant: tenant, idempotencyKey: key), deadline: nil, logger: Logger(label: "test"))
            }
            let total = Money(minorUnits: 10_000, currency: .brl)
            let invoice = Invoice(
                id: .generate(at: clock.now()), billingAccountId: UUID().text, number: "2027-000001", status: .pending, currency: "BRL",
                lines: [], total: total, amountPaid: .zero(.brl), amountDue: total, periodStart: nil, periodEnd: nil, subscriptionId: nil,
                netTermsDays: 7, dueDate: clock.now().addingTimeInterval(7 * 86_400), finalizedAt: clock.now(), paidAt: nil, voidedAt: nil,
                createdAt: clock.now(), updatedAt: clock.now())
            try await database.withTenant(tenant) { try await service.invoices.store.insert(invoice, tenant: tenant, on: $0) }

            let pay = CreatePaymentRequest(
                billingAccountId: invoice.billingAccountId, invoiceId: invoice.id.description, amount: DecimalNumber("40.00")!,
                paymentMethod: .pix, externalRef: nil)
            let first = try await service.payments.pay(pay, context: keyed("pay-1"))
            let resent = try await service.payments.pay(pay, context: keyed("pay-1"))
            #expect(resent == first, "the resent payment answers the first")
            #expect(try await service.invoices.get(invoice.id, tenant: tenant).amountPaid == Money(minorUnits: 4_000, currency: .brl))
            await #expect(throws: IdempotencyKeyReusedError.self, "one key, another amount") {
                var other = pay
                other.amount = DecimalNumber("50.00")!
                _ = try await service.payments.pay(other, context: keyed("pay-1"))
            }

            let refund = RefundRequest(paymentId: first.id, amount: DecimalNumber("10.00")!, reason: "duplicate")
            let refunded = try await service.payments.refund(refund, context: keyed("refund-1"))
            let again = try await service.payments.refund(refund, context: keyed("refund-1"))
            #expect(again.id == refunded.id)
            let payment = try await service.payments.payment(first.id, tenant: tenant)
            #expect(payment.refunded == Money(minorUnits: 1_000, currency: .brl), "refunded once")
            let refunds = try await database.count("SELECT count(*) FROM refunds WHERE tenant_id = '\(tenant)'")
            let payments = try await database.count("SELECT count(*) FROM payments WHERE tenant_id = '\(tenant)'")
            #expect(refunds == 1 && payments == 1)
        }
    }
}
