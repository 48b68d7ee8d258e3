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
        try await withInvoicing { service, database, clock in
            let tenant = "dedup-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            func keyed(_ key: String) -> RPCServerContext {
                RPCServerContext(
                    method: "test", metadata: RPCMetadata(tenant: tenant, idempotencyKey: key), deadline: nil, logger: Logger(label: "test"))
            }
            let total = Money(minorUnits: 10_000, currency: .brl)
            let invoice = Invoice(
                id: .generate(at: clock.now()), billingAccountId: .generate(), number: "2027-000001", status: .pending, currency: "BRL",
                lines: [], total: total, amountPaid: .zero(.brl), amountDue: total, periodStart: nil, periodEnd: nil, subscriptionId: nil,
                netTermsDays: 7, dueDate: clock.now().addingTimeInterval(7 * 86_400), finalizedAt: clock.now(), paidAt: nil, voidedAt: nil,
                createdAt: clock.now(), updatedAt: clock.now())
            try await database.withTenant(tenant) { try await service.invoices.store.insert(invoice, tenant: tenant, on: $0) }

            let pay = CreatePaymentRequest(
                billingAccountId: invoice.billingAccountId, invoiceId: invoice.id, amount: DecimalNumber("40.00")!,
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

    @Test("a refund first takes back the account credit its payment created; refused when that credit was spent")
    func refundTakesBackCredit() async throws {
        try await withInvoicing { service, database, clock in
            let tenant = "refund-" + UUIDv7.generate().uuidString.suffix(8).lowercased()
            let context = RPCServerContext(method: "test", metadata: RPCMetadata(tenant: tenant), deadline: nil, logger: Logger(label: "test"))
            func invoice(_ number: String) -> Invoice {
                let total = Money(minorUnits: 10_000, currency: .brl)
                return Invoice(
                    id: .generate(at: clock.now()), billingAccountId: .generate(), number: number, status: .pending, currency: "BRL",
                    lines: [], total: total, amountPaid: .zero(.brl), amountDue: total, periodStart: nil, periodEnd: nil, subscriptionId: nil,
                    netTermsDays: 7, dueDate: clock.now(), finalizedAt: clock.now(), paidAt: nil, voidedAt: nil, createdAt: clock.now(),
                    updatedAt: clock.now())
            }
            func balance(_ account: AccountID) async throws -> Money {
                try await database.withTenant(tenant) {
                    try await service.invoices.credit.balance(account: account, currency: .brl, tenant: tenant, on: $0)
                }
            }
            // Pay 1,000.00 on a 100.00 invoice: 900.00 becomes account credit; refunding 1,000.00 takes those 900.00 back.
            let first = invoice("2027-000001")
            try await database.withTenant(tenant) { try await service.invoices.store.insert(first, tenant: tenant, on: $0) }
            let paid = try await service.payments.pay(
                CreatePaymentRequest(
                    billingAccountId: first.billingAccountId, invoiceId: first.id, amount: DecimalNumber("1000.00")!,
                    paymentMethod: .pix, externalRef: nil), context: context)
            #expect(try await balance(first.billingAccountId) == Money(minorUnits: 90_000, currency: .brl))
            _ = try await service.payments.refund(RefundRequest(paymentId: paid.id, amount: nil, reason: nil), context: context)
            #expect(try await balance(first.billingAccountId) == .zero(.brl), "the refunded money is no longer spendable credit")

            // The same, but 500.00 of the credit paid another invoice meanwhile: the refund is refused, nothing moves.
            let second = invoice("2027-000002")
            try await database.withTenant(tenant) { try await service.invoices.store.insert(second, tenant: tenant, on: $0) }
            let overpaid = try await service.payments.pay(
                CreatePaymentRequest(
                    billingAccountId: second.billingAccountId, invoiceId: second.id, amount: DecimalNumber("1000.00")!,
                    paymentMethod: .pix, externalRef: nil), context: context)
            try await database.withTenant(tenant) { connection in
                try await service.invoices.credit.move(
                    Money(minorUnits: -50_000, currency: .brl), account: second.billingAccountId, reason: "APPLIED_TO_INVOICE",
                    invoice: .generate(), payment: nil, at: clock.now(), tenant: tenant, traceparent: nil, on: connection)
            }
            await #expect(throws: InvoicingError.self) {
                _ = try await service.payments.refund(RefundRequest(paymentId: overpaid.id, amount: nil, reason: nil), context: context)
            }
            #expect(try await service.payments.payment(overpaid.id, tenant: tenant).refunded == .zero(.brl))
            #expect(try await balance(second.billingAccountId) == Money(minorUnits: 40_000, currency: .brl))
        }
    }
}
