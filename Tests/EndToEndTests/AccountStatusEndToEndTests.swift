import BillingCore
import BillingTesting
import Foundation
import Testing

/// Seed 001: SUSPENDED = "assinaturas pausadas"; a closed account ends its subscriptions, its drafts and its wallet.
@Suite("An account's status reaches its subscriptions, invoices and wallet (real processes)", .timeLimit(.minutes(5)))
struct AccountStatusEndToEndTests {
    @Test(
        """
        suspending an account pauses its subscriptions (and only those it paused resume on reactivation, on a new period); closing it cancels \
        them now, cancels its open drafts and freezes its wallet
        """
    )
    func suspensionAndClosure() async throws {
        let cluster = try await TestCluster.shared.start()
        let fixture = try await SubscriptionFixture.make(cluster, plan: [("trialDays", 0)])
        let account = "/api/v1/billing-accounts/\(fixture.account)"
        let kept = try #require(try await fixture.subscribe().data?["id"]?.stringValue)
        let pausedByHand = try #require(try await fixture.subscribe().data?["id"]?.stringValue)
        #expect(try await fixture.post("/api/v1/subscriptions/\(pausedByHand)/pause").attribute("pauseReason") == "REQUESTED")
        func subscription(_ id: String) async throws -> JSONValue? {
            try await fixture.client.get("/api/v1/subscriptions/\(id)", token: fixture.token).data?["attributes"]
        }

        #expect(try await fixture.client.post(account + "/suspend", token: fixture.token).attribute("status") == "SUSPENDED")
        #expect(
            try await waitFor(timeout: .seconds(30)) { try await subscription(kept)?["status"] == "PAUSED" },
            "the suspension pauses the account's subscriptions")
        #expect(try await subscription(kept)?["pauseReason"] == "ACCOUNT_SUSPENDED")
        let entitlements = try await fixture.client.get(account + "/entitlements", token: fixture.token)
        #expect(entitlements.attribute("active") == false, "a paused subscription grants nothing: \(entitlements.text.prefix(300))")

        #expect(try await fixture.client.post(account + "/reactivate", token: fixture.token).attribute("status") == "ACTIVE")
        #expect(try await waitFor(timeout: .seconds(30)) { try await subscription(kept)?["status"] == "ACTIVE" }, "resumed with the account")
        #expect(try await subscription(pausedByHand)?["status"] == "PAUSED", "one paused by hand stays paused")

        // Closing: subscriptions canceled now, the open draft canceled, the wallet frozen.
        let granted = try await fixture.post(
            "/api/v1/credit-grants", "credit-grants", ["billingAccountId": .string(fixture.account), "credits": .number("10")])
        #expect(granted.status == 201, "\(granted.text.prefix(300))")
        var drafts: [String] = []
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                drafts =
                    try await fixture.client.get(
                        "/api/v1/invoices?filter%5BbillingAccountId%5D=\(fixture.account)&filter%5Bstatus%5D=DRAFT", token: fixture.token
                    )
                    .data?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                return !drafts.isEmpty
            }, "the periods' drafts")
        #expect(try await fixture.client.post(account + "/close", token: fixture.token).attribute("status") == "CLOSED")
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                let first = try await subscription(kept)?["status"], second = try await subscription(pausedByHand)?["status"]
                return first == "CANCELED" && second == "CANCELED"
            }, "every subscription ends with the account")
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                var statuses: [JSONValue?] = []
                for draft in drafts {
                    statuses.append(try await fixture.client.get("/api/v1/invoices/\(draft)", token: fixture.token).attribute("status"))
                }
                return statuses.allSatisfy { $0 == "CANCELED" }
            }, "its open drafts are canceled")
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                let grant = try await fixture.post(
                    "/api/v1/credit-grants", "credit-grants", ["billingAccountId": .string(fixture.account), "credits": .number("10")])
                return grant.status == 409 && grant.firstError?["code"] == "ACCOUNT_CLOSED"
            }, "the wallet is frozen: nothing granted")
    }
}
