import Foundation
import Testing

@testable import Invoicing

@Suite("Card retry schedule")
struct CardRetryScheduleTests {
    @Test("delays in s, m, h, d; empty means no retry; malformed or non-positive items are refused")
    func parses() {
        #expect(CardRetrySchedule("1d,2d,2d,2d") == .default, "tried again on days 1, 3, 5 and 7 after the first decline")
        #expect(CardRetrySchedule(" 30s, 15m ,12h ")?.delays == [30, 900, 43_200])
        #expect(CardRetrySchedule("")?.delays == [])
        for bad in ["2x", "d", "0d", "-1d", "1.5d", "1d,,x"] { #expect(CardRetrySchedule(bad) == nil, "\(bad)") }
    }

    @Test("after attempt n was declined the next comes after the n-th delay; after the last there is none")
    func nextAttempt() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let schedule = CardRetrySchedule.default
        #expect(schedule.retry(after: 1, at: now) == now.addingTimeInterval(86_400))
        #expect(schedule.retry(after: 3, at: now) == now.addingTimeInterval(2 * 86_400))
        #expect(schedule.retry(after: 4, at: now) == now.addingTimeInterval(2 * 86_400))
        #expect(schedule.retry(after: 5, at: now) == nil)
        #expect(CardRetrySchedule(delays: []).retry(after: 1, at: now) == nil)
    }
}
