import BillingCore
import Foundation
import LedgerContract
import Testing

@testable import Ledger

@Suite("Wallet projection (pure)")
struct WalletProjectionTests {
    let now = RFC3339.parse("2027-03-10T00:00:00Z")!

    @Test("70 credits in 7 days burn 10 a day: 250 available last 25 days; a 1,000 allowance with 400 left and 20 days to go ends 80 % used")
    func projection() throws {
        let projection = WalletProjection.of(
            consumedInWindow: try Credits(whole: 70), available: try Credits(whole: 250), allowance: try Credits(whole: 1000),
            allowanceRemaining: try Credits(whole: 400), allowanceExpiresAt: now.addingTimeInterval(20 * 86_400), at: now)
        #expect(projection.burnRatePerDay == (try Credits(whole: 10)))
        #expect(projection.projectedRunOutAt == now.addingTimeInterval(25 * 86_400))
        // 600 used now + 10 × 20 days = 800 of 1,000.
        #expect(projection.projectedAllowanceUsedPercent == DecimalNumber(80))
    }

    @Test("nothing consumed: no run-out date; nothing available: out now; a fast pace projects past 100 %; the rate rounds half-even")
    func edges() throws {
        let idle = WalletProjection.of(
            consumedInWindow: .zero, available: try Credits(whole: 5), allowance: nil, allowanceRemaining: nil, allowanceExpiresAt: nil, at: now)
        #expect(idle.projectedRunOutAt == nil && idle.burnRatePerDay == .zero && idle.projectedAllowanceUsedPercent == nil)
        let empty = WalletProjection.of(
            consumedInWindow: try Credits(whole: 7), available: .zero, allowance: try Credits(whole: 10), allowanceRemaining: .zero,
            allowanceExpiresAt: now.addingTimeInterval(86_400), at: now)
        #expect(empty.projectedRunOutAt == now && empty.projectedAllowanceUsedPercent == DecimalNumber(110))
        // 30 / 7 = 4.285714285714… → 4.28571429.
        let odd = WalletProjection.of(
            consumedInWindow: try Credits(whole: 30), available: .zero, allowance: nil, allowanceRemaining: nil, allowanceExpiresAt: nil, at: now)
        #expect(odd.burnRatePerDay == (try Credits.parse("4.28571429")))
    }
}
