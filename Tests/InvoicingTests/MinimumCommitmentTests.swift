import BillingCore
import Foundation
import InvoicingContract
import SubscriptionsContract
import Testing

@testable import Invoicing

/// A plan's minimum commitment trues up the period's usage charges (pure).
@Suite("Minimum commitment (pure)")
struct MinimumCommitmentTests {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)
    static let period = TimeSpan(start: start, end: start.addingTimeInterval(30 * 86_400))

    static func subscription(minimum: String?, quantity: Int = 1) -> Subscription {
        let plan = SubscribedPlan(
            planId: .generate(), planVersion: 1, name: "Max", billingInterval: .monthly, billingCycleType: .anniversary,
            unitPrice: DecimalNumber("200.00")!, currency: "BRL", trialDays: 0, includedCredits: .zero, features: [], limits: [],
            minimumAmount: minimum.flatMap { DecimalNumber($0) })
        return Subscription(
            id: .generate(), billingAccountId: .generate(), plan: plan, status: .active, quantity: quantity, timezone: "UTC", startDate: start,
            trialStart: nil, trialEnd: nil, billingAnchor: start, currentPeriodStart: start, currentPeriodEnd: period.end, cancelAtPeriodEnd: false,
            canceledAt: nil, cancelReason: nil, endedAt: nil, pausedAt: nil, pastDueSince: nil, scheduledChange: nil, addons: [], testClockId: nil,
            createdAt: start, updatedAt: start)
    }

    static func line(_ kind: String, _ amount: String) -> InvoiceLine {
        let money = Money(minorUnits: Int64(DecimalNumber(amount)!.exactSignificand(atScale: 2)!), currency: .brl)
        return InvoiceLine(
            kind: kind, description: kind, quantity: 1, unitAmount: money, amount: money, periodStart: start, periodEnd: period.end,
            subscriptionId: nil)
    }

    @Test(
        "usage below the minimum is trued up to it; at or above it, no line; the plan fee and add-ons do not count; the quantity does not scale it",
        arguments: [
            (["6.50"], "20.00", "13.50"), (["15.00", "4.99"], "20.00", "0.01"), (["20.00"], "20.00", nil), (["25.00"], "20.00", nil),
            ([], "20.00", "20.00"), (["0.00"], "0.00", nil),
        ])
    func trueUp(usage: [String], minimum: String, expected: String?) throws {
        let lines = usage.map { Self.line("USAGE", $0) } + [Self.line("SUBSCRIPTION", "200.00"), Self.line("ADDON", "50.00")]
        let trueUp = try InvoicesService.minimumTrueUp(
            Self.subscription(minimum: minimum, quantity: 3), usage: lines, period: Self.period, currency: .brl)
        #expect(trueUp?.amount.amount == expected.flatMap { DecimalNumber($0) })
        #expect(trueUp.map { $0.kind == "MINIMUM_TRUE_UP" && $0.periodStart == Self.start } ?? true)
    }

    @Test("no minimum, no line; a minimum finer than the currency is refused naming minimumAmount")
    func edges() throws {
        #expect(try InvoicesService.minimumTrueUp(Self.subscription(minimum: nil), usage: [], period: Self.period, currency: .brl) == nil)
        #expect(throws: InvoicingError.self) {
            try InvoicesService.minimumTrueUp(Self.subscription(minimum: "1.005"), usage: [], period: Self.period, currency: .brl)
        }
    }
}
