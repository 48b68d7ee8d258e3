import Foundation

/// The one place that decides which grant a charge spends first.
///
/// 1. Grants past their expiry that still hold credits come first: they are kept only to cover holds
///    made before they expired, so a settle spends them before anything else.
/// 2. Then the lowest `priority` number (by default purchases 10, add-on/bonus/manual 20, the monthly
///    allowance 30 — seed 003's "purchased before monthly").
/// 3. Then the soonest `expiresAt` (never-expiring grants last).
/// 4. Then the oldest `effectiveAt`, then the grant id (UUIDv7, so creation order).
///
/// Grants not yet effective are not spendable.
enum ConsumptionOrder {
    static func spendable(_ grants: [WalletGrant], at now: Date) -> [WalletGrant] {
        grants.filter { $0.effectiveAt <= now && $0.remaining > .zero }.sorted { precedes($0, $1, at: now) }
    }

    static func precedes(_ a: WalletGrant, _ b: WalletGrant, at now: Date) -> Bool {
        let aExpired = a.isExpired(at: now), bExpired = b.isExpired(at: now)
        if aExpired != bExpired { return aExpired }
        if a.priority != b.priority { return a.priority < b.priority }
        switch (a.expiresAt, b.expiresAt) {
        case let (x?, y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        if a.effectiveAt != b.effectiveAt { return a.effectiveAt < b.effectiveAt }
        return a.id.uuidString < b.id.uuidString
    }
}
