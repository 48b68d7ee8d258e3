import Foundation

/// The wall clock of one time zone, in whole seconds since 1970, for period math that must be exact.
///
/// A local second is what a wall clock reads, counted as if it were UTC: `local = utc + offset`. Local day `d`
/// starts at local second `d * 86_400`.
struct LocalWallClock: Sendable {
    let timeZone: TimeZone

    /// The zone's offset from UTC, in seconds, at an instant.
    func offset(atUTCSecond second: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(second))))
    }

    /// What the wall clock reads at an instant.
    func localSecond(ofUTCSecond second: Int64) -> Int64 { second + offset(atUTCSecond: second) }

    /// The instant the wall clock reads `local`.
    ///
    /// Where it reads it twice (clocks turned back), the first time. Where it never does (clocks turned forward over it),
    /// the first instant after the jump, which reads the start of the jump's end (02:30 skipped from 02:00 to 03:00 → 03:00),
    /// and `exact` is false.
    func utcSecond(showing local: Int64) -> (second: Int64, exact: Bool) {
        // Offsets in force around the wall time; the wall time is off from its instant by at most a day, so any offset
        // that can map onto it is among these unless a zone changes its offset twice within two days.
        let nearby = Set([-2, -1, 0, 1, 2].map { offset(atUTCSecond: local + $0 * 86_400) })
        let matches = nearby.map { local - $0 }.filter { localSecond(ofUTCSecond: $0) == local }
        if let first = matches.min() { return (first, true) }
        // Skipped: the wall clock jumps from below `local` (before the transition) to at or above it. Find the transition.
        var below = local - nearby.max()!
        var atOrAbove = local - nearby.min()!
        guard localSecond(ofUTCSecond: atOrAbove) >= local else { return (atOrAbove, false) }
        while atOrAbove - below > 1 {
            let middle = below + (atOrAbove - below) / 2
            if localSecond(ofUTCSecond: middle) >= local { atOrAbove = middle } else { below = middle }
        }
        return (atOrAbove, false)
    }

    /// The local date (days since 1970-01-01) an instant falls on.
    func localDay(of instant: Date) -> Int64 {
        let second = Int64(instant.timeIntervalSince1970.rounded(.down))
        let local = localSecond(ofUTCSecond: second)
        let quotient = local / 86_400
        return local % 86_400 < 0 ? quotient - 1 : quotient
    }
}
