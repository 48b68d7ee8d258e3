import BillingCore
import BillingTesting
import Foundation
import Testing

@testable import Gateway

@Suite("Bearer tokens verified once")
struct TokenVerifierTests {
    @Test("a token verified before is still refused once expired, and a copy with its signature changed is refused while the original passes")
    func keptTokensAreCheckedAgain() async throws {
        let tokens = try TestTokens()
        let clock = ManualClock(Date())
        let verifier = try await TokenVerifier(
            hs256Secret: tokens.hs256Secret, jwks: nil, issuer: tokens.issuer, audience: tokens.audience,
            leeway: 0, clock: clock)
        let token = try tokens.token(tenant: "tv-1", roles: ["owner"], expiresIn: 60)
        #expect(try await verifier.verify(token).tenant == "tv-1")
        #expect(try await verifier.verify(token).tenant == "tv-1", "kept, verified again")

        var forged = Array(token.utf8)
        forged[forged.count - 2] = forged[forged.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        await #expect(throws: AuthenticationError.self) { try await verifier.verify(String(decoding: forged, as: UTF8.self)) }

        clock.advance(by: 61)
        do {
            _ = try await verifier.verify(token)
            Issue.record("an expired token was accepted because it had been verified before")
        } catch {
            #expect(error.detail == "token has expired")
        }
    }
}
