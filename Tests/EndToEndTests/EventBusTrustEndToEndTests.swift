import BillingCore
import BillingEvents
import BillingEventsRedis
import BillingTesting
import Foundation
import InvoicingContract
import Testing

/// Issue 20: Redis has a user per service; a consumer applies only what the stream's own context publishes.
@Suite("Event bus trust: Redis ACL users and event provenance (real processes)", .timeLimit(.minutes(5)))
struct EventBusTrustEndToEndTests {
    private func connection(as user: String?) throws -> RedisConnection {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: TestEnvironment.redisPort)
        if let user {
            let password = try #require(TestEnvironment.redisPassword(of: user), "the test Redis has no password for \(user)")
            configuration.credentials = .init(username: "billing-\(user)", password: password)
        }
        return RedisConnection(configuration: configuration)
    }

    /// The value of `field` in a stream entry (`[id, [field, value, …]]`).
    private func field(_ name: String, of entry: RedisReply) -> String? {
        let pairs = entry.array?.last?.array ?? []
        for index in stride(from: 0, to: pairs.count - 1, by: 2) where pairs[index].string == name { return pairs[index + 1].string }
        return nil
    }

    private func expectRefused(_ connection: RedisConnection, _ command: [String], _ prefix: String) async {
        do {
            try await connection.command(command)
            Issue.record("\(command.prefix(2)) was accepted")
        } catch {
            guard case .reply(let message) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(message.hasPrefix(prefix), "\(message)")
        }
    }

    @Test("no password → NOAUTH; subscriptions cannot write invoicing's stream; a billing.invoice.paid it forges on its own is not applied")
    func forgedInvoicePaid() async throws {
        let cluster = try await TestCluster.shared.start()
        let tenant = newTenant("forge")
        let fixture = try await CreditFixture.make(cluster, tenant: tenant)
        func forged(source: String = "/billing/invoicing") throws -> String {
            let invoice = InvoiceSummary(
                id: .generate(), billingAccountId: AccountID(fixture.account)!, number: "2026-999999", status: "PAID",
                total: .zero(.brl), amountDue: .zero(.brl), periodStart: nil, periodEnd: nil, dueDate: nil)
            let paid = InvoicePaid(
                invoice: invoice, paidAt: Date(),
                creditPurchases: [InvoiceCreditPurchase(packageCode: "forged", credits: Credits(units: 1_000 * 100_000_000))])
            return JSONWriter.string(try JSONValueEncoder().encode(try EventEnvelope(paid, source: source, tenant: tenant, at: Date())))
        }
        let anonymous = try connection(as: nil)
        await expectRefused(anonymous, ["XADD", "billing.events.invoicing", "*", "envelope", try forged()], "NOAUTH")
        let subscriptions = try connection(as: "subscriptions")
        await expectRefused(subscriptions, ["XADD", "billing.events.invoicing", "*", "envelope", try forged()], "NOPERM")

        // On its own stream Redis takes them; the ledger's consumer sets them aside at once instead of granting: one claims to come
        // from invoicing, the other says it comes from subscriptions, which never publishes billing.invoice.paid.
        let claimingInvoicing = try forged(), claimingItself = try forged(source: "/billing/subscriptions")
        try await subscriptions.command(["XADD", "billing.events.subscriptions", "*", "envelope", claimingInvoicing])
        try await subscriptions.command(["XADD", "billing.events.subscriptions", "*", "envelope", claimingItself])
        let admin = RedisConnection(configuration: TestEnvironment.redisAdmin)
        let expected = [
            (try EventEnvelope.parse(claimingInvoicing).id, "comes from /billing/invoicing, not /billing/subscriptions"),
            (try EventEnvelope.parse(claimingItself).id, "billing.invoice.paid is published by invoicing"),
        ]
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                let entries = try await admin.command(["XRANGE", "billing.events.subscriptions.dead-letter.ledger", "-", "+"]).array ?? []
                return expected.allSatisfy { id, reason in
                    entries.contains { field("envelope", of: $0)?.contains(id) == true && field("error", of: $0)?.contains(reason) == true }
                }
            }, "both forged events are in the ledger's dead-letter stream with the reason")
        let wallet = try await fixture.client.get("/api/v1/credit-wallets/\(fixture.account)", token: fixture.token)
        #expect(credits(wallet.attribute("balance")) == DecimalNumber(0), "nothing granted: \(wallet.text.prefix(300))")

        // The same fact where invoicing publishes it (written here by the operator) is applied: the refusal above was the check.
        try await admin.command(["XADD", "billing.events.invoicing", "*", "envelope", try forged()])
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                credits(try await fixture.client.get("/api/v1/credit-wallets/\(fixture.account)", token: fixture.token).attribute("balance"))
                    == DecimalNumber(1_000)
            })
    }
}
