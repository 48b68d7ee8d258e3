import BillingCore
import BillingService
import BillingTesting
import Foundation
import InvoicingContract
import Testing

@testable import Invoicing

/// The Stripe card provider against the Stripe stand-in (HTTPS on loopback), with no service around it.
@Suite("Stripe card provider (Stripe stand-in over TLS)")
struct StripeCardProviderTests {
    func withProvider(secretKey: String? = nil, _ body: (StripeStandIn, StripeCardProvider) async throws -> Void) async throws {
        let stripe = try await StripeStandIn.start()
        do {
            let provider = try StripeCardProvider(
                configuration: try StripeConfiguration(
                    apiURL: stripe.baseURL, secretKey: secretKey ?? stripe.secretKey, returnURL: "https://shop.example/back",
                    trustRootsFile: stripe.caFile, timeout: .seconds(5)))
            do { try await body(stripe, provider) } catch {
                try? await provider.shutdown()
                throw error
            }
            try await provider.shutdown()
        } catch {
            await stripe.stop()
            throw error
        }
        await stripe.stop()
    }

    static func request(_ token: String, reference: String = UUIDv7.generate().text, offSession: Bool = false) -> CardChargeRequest {
        CardChargeRequest(
            token: token, amount: Money(minorUnits: 4990, currency: .brl), reference: reference, offSession: offSession, tenant: "t-1",
            invoice: InvoiceID(rawValue: UUIDv7.generate()))
    }

    @Test("a charge asked twice with one reference is one PaymentIntent (Stripe replays the first answer), read back as succeeded")
    func chargeOnce() async throws {
        try await withProvider { stripe, provider in
            let request = Self.request("pm_card_visa")
            let first = try await provider.charge(request)
            let again = try await provider.charge(request)
            #expect(first.approved && again.approved && first.chargeId == again.chargeId && first.chargeId.hasPrefix("pi_"))
            #expect(stripe.paymentIntents().count == 1)
            let state = try #require(try await provider.state(of: first.chargeId))
            #expect(state.status == .succeeded && state.amount == Money(minorUnits: 4990, currency: .brl) && state.tenant == "t-1")
            #expect(state.reference == request.reference && state.invoice == request.invoice)
            #expect(try await provider.state(of: "pi_unknown0000000000000000") == nil)
            #expect(try await provider.state(of: "sandbox_ch_1") == nil && !provider.holds("sandbox_ch_1") && provider.holds(first.chargeId))
        }
    }

    @Test(
        "declines carry Stripe's decline code; 3-D Secure is pending with the bank's URL; a saved card is its customer and method; off session needs one"
    )
    func declinesAndAuthentication() async throws {
        try await withProvider { stripe, provider in
            let declined = try await provider.charge(Self.request("pm_card_chargeDeclined"))
            #expect(!declined.approved && !declined.pending && declined.declineReason == "generic_decline" && declined.chargeId.hasPrefix("pi_"))
            let pending = try await provider.charge(Self.request("pm_card_authenticationRequired"))
            #expect(pending.pending && pending.actionURL == stripe.baseURL + "/3ds/\(pending.chargeId)")
            let saved = try await provider.save(
                token: "pm_card_visa", existing: nil, account: AccountID(rawValue: UUIDv7.generate()), tenant: "t-1", key: "k-1")
            #expect(saved.hasPrefix("cus_") && saved.hasSuffix("|pm_card_visa"))
            do {
                _ = try await provider.charge(Self.request("pm_card_visa", offSession: true))
                Issue.record("an off-session charge needs a saved card")
            } catch {
                #expect((error as? InvoicingError)?.rpcError.field == "cardToken")
            }
        }
    }

    @Test("a refund is asked once per id: asking again finds it by its metadata; more than is left is refused")
    func refunds() async throws {
        try await withProvider { stripe, provider in
            let charge = try await provider.charge(Self.request("pm_card_visa"))
            #expect(try await provider.refund(chargeId: charge.chargeId, id: "r1", amount: Money(minorUnits: 1000, currency: .brl)) == .refunded)
            #expect(try await provider.refund(chargeId: charge.chargeId, id: "r1", amount: Money(minorUnits: 1000, currency: .brl)) == .refunded)
            #expect(stripe.refunds().count == 1 && stripe.refunds().first?.metadata["billing_refund"] == "r1")
            #expect(try await provider.refundStatus(chargeId: charge.chargeId, id: "r1") == .refunded)
            #expect(try await provider.refundStatus(chargeId: charge.chargeId, id: "nope") == .processing)
            do {
                _ = try await provider.refund(chargeId: charge.chargeId, id: "r2", amount: Money(minorUnits: 9000, currency: .brl))
                Issue.record("more than is left was refunded")
            } catch {
                #expect((error as? InvoicingError).map { $0.rpcError.code != .unavailable } == true, "a refusal settles NOT_DONE: \(error)")
            }
        }
    }

    @Test("a wrong key is the provider unavailable (503), not the customer's fault; configuration names what is wrong")
    func configuration() async throws {
        try await withProvider(secretKey: "sk_test_wrong_key_0000000000") { _, provider in
            do {
                _ = try await provider.charge(Self.request("pm_card_visa"))
                Issue.record("charged with a wrong key")
            } catch {
                #expect((error as? InvoicingError)?.rpcError.code == .unavailable)
            }
        }
        #expect(throws: ConfigurationError.self) {
            try StripeConfiguration(secretKey: "pk_test_publishable_000000", returnURL: "https://shop.example/back")
        }
        #expect(throws: ConfigurationError.self) { try StripeConfiguration(secretKey: "sk_test_0000000000000000", returnURL: "not a url") }
        #expect(throws: ConfigurationError.self) {
            try StripeConfiguration(apiURL: "http://api.stripe.com", secretKey: "sk_test_0000000000000000", returnURL: "https://a.example/")
        }
        #expect(
            StripeCardProvider.encode([("metadata[billing_tenant]", "a b&c"), ("amount", "100")])
                == "metadata%5Bbilling_tenant%5D=a%20b%26c&amount=100")
    }
}
