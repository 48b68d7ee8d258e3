import BillingCore
import Foundation
import LedgerContract

/// Credit arithmetic inside the ledger. Amounts are bounded (``WalletBook/maximumBalance``) far below `Int64`'s
/// range of 10⁻⁸ units, so sums of a wallet's figures cannot overflow.
extension Credits {
    static func + (a: Credits, b: Credits) -> Credits { Credits(units: a.units + b.units) }
    static func - (a: Credits, b: Credits) -> Credits { Credits(units: a.units - b.units) }
    static func += (a: inout Credits, b: Credits) { a = a + b }
    static func -= (a: inout Credits, b: Credits) { a = a - b }
    static func min(_ a: Credits, _ b: Credits) -> Credits { a < b ? a : b }
    static func max(_ a: Credits, _ b: Credits) -> Credits { a < b ? b : a }
}

/// A grant as the wallet sees it while locked.
struct WalletGrant: Sendable, Equatable {
    let id: UUID
    let source: CreditSource
    let priority: Int
    let amount: Credits
    var remaining: Credits
    let effectiveAt: Date
    var expiresAt: Date?

    func isExpired(at now: Date) -> Bool { expiresAt.map { $0 <= now } ?? false }
}

/// What a journal row moves.
enum JournalKind: String, Sendable {
    case grant = "GRANT", charge = "CHARGE", hold = "HOLD", settle = "SETTLE", release = "RELEASE", holdExpiry = "HOLD_EXPIRY"
    case expiry = "EXPIRY", repayment = "REPAYMENT", reversal = "REVERSAL", overage = "OVERAGE", refundReversal = "REFUND_REVERSAL"
}

/// Who and what a movement is for; copied onto its journal rows.
struct MovementTag: Sendable, Equatable {
    var executionId: UUID?
    var userId: String?
    var featureId: String?
    var model: String?
    var tokens: TokenUsage?

    static let none = MovementTag()
}

/// One append-only journal row: `amount` changes the balance, `heldDelta` the held credits.
struct JournalEntry: Sendable, Equatable {
    let kind: JournalKind
    let amount: Credits
    let heldDelta: Credits
    let balanceAfter: Credits
    let heldAfter: Credits
    let grantId: UUID?
    let tag: MovementTag
}

/// One wallet while its row is locked: the pure rules of grants, holds, charges, expiry and overdraft.
/// Every change appends journal rows, so `balance` = sum of the journal and `held` = sum of its held deltas.
struct WalletBook: Sendable {
    /// No wallet may hold more; keeps every sum far inside `Int64` units.
    static let maximumBalance = Credits(units: 10_000_000_000 * Credits.unitsPerCredit)
    /// One grant, charge or overdraft limit at most.
    static let maximumAmount = Credits(units: 1_000_000_000 * Credits.unitsPerCredit)

    let now: Date
    private(set) var balance: Credits
    private(set) var held: Credits
    private(set) var debt: Credits
    /// The part of `debt` that refunds left (credits taken back after they were spent): beyond the overdraft, so the wallet row's
    /// never-overspent CHECK counts it; repaid first by new grants.
    private(set) var refundDebt: Credits
    var overdraftLimit: Credits
    private(set) var grants: [WalletGrant]
    private(set) var journal: [JournalEntry] = []
    private(set) var changedGrants: Set<UUID> = []

    init(now: Date, balance: Credits, held: Credits, debt: Credits, refundDebt: Credits = .zero, overdraftLimit: Credits, grants: [WalletGrant]) {
        self.now = now
        self.balance = balance
        self.held = held
        self.debt = debt
        self.refundDebt = refundDebt
        self.overdraftLimit = overdraftLimit
        self.grants = grants
    }

    /// Credits of grants in effect (expired leftovers included: they back holds).
    var usable: Credits { grants.reduce(.zero) { $1.effectiveAt <= now ? $0 + $1.remaining : $0 } }
    /// What can be spent or held now.
    var available: Credits { usable - debt - held + overdraftLimit }
    /// Available without the overdraft: what the grants alone still cover.
    var covered: Credits { usable - debt - held }

    /// Expired grants lose what no hold needs; debt is repaid from grants in effect. Run first in every transaction.
    mutating func settleTime() -> [WalletGrant] {
        var expired: [WalletGrant] = []
        for index in grants.indices.sorted(by: { (grants[$0].expiresAt ?? .distantFuture) < (grants[$1].expiresAt ?? .distantFuture) })
        where grants[index].isExpired(at: now) && grants[index].remaining > .zero {
            let lost = Credits.min(grants[index].remaining, .max(covered, .zero))
            guard lost > .zero else { continue }
            grants[index].remaining -= lost
            changedGrants.insert(grants[index].id)
            expired.append(grants[index])
            record(.expiry, amount: .zero - lost, grant: grants[index].id, tag: .none)
        }
        repayDebt()
        return expired
    }

    /// A new grant; debt is repaid from it when it is in effect.
    mutating func add(_ grant: WalletGrant) {
        grants.append(grant)
        changedGrants.insert(grant.id)
        record(.grant, amount: grant.amount, grant: grant.id, tag: .none)
        repayDebt()
    }

    /// Reserves `amount`; false when `available` is short.
    mutating func hold(_ amount: Credits, tag: MovementTag) -> Bool {
        guard amount <= available else { return false }
        record(.hold, amount: .zero, held: amount, grant: nil, tag: tag)
        return true
    }

    /// Gives a hold's credits back (released, or expired).
    mutating func unhold(_ amount: Credits, kind: JournalKind, tag: MovementTag) {
        record(kind, amount: .zero, held: .zero - amount, grant: nil, tag: tag)
    }

    /// Spends `amount` across grants in consumption order, then overdraft. With `partial`, spends what is available
    /// and reports the rest as uncovered; without it, a shortfall spends nothing and returns nil.
    mutating func debit(
        _ amount: Credits, kind: JournalKind, partial: Bool, tag: MovementTag
    ) -> (draws: [(WalletGrant, Credits)], uncovered: Credits)? {
        let payable = Credits.min(amount, .max(available, .zero))
        guard partial || payable == amount else { return nil }
        var left = payable
        var draws: [(WalletGrant, Credits)] = []
        for grant in ConsumptionOrder.spendable(grants, at: now) where left > .zero {
            let take = Credits.min(grant.remaining, left)
            let index = grants.firstIndex { $0.id == grant.id }!
            grants[index].remaining -= take
            changedGrants.insert(grant.id)
            left -= take
            draws.append((grants[index], take))
            record(kind, amount: .zero - take, grant: grant.id, tag: tag)
        }
        if left > .zero {
            debt += left
            record(kind, amount: .zero - left, grant: nil, tag: tag)
        }
        if payable.isZero { record(kind, amount: .zero, grant: nil, tag: tag) }
        return (draws, amount - payable)
    }

    /// A refund takes back `amount` of the credits it had bought: from what is left of `grantIDs` first, the rest (spent
    /// meanwhile) as debt the wallet owes. Returns the part that became debt.
    @discardableResult
    mutating func reverse(_ amount: Credits, from grantIDs: Set<UUID>) -> Credits {
        var left = amount
        for index in grants.indices where left > .zero && grantIDs.contains(grants[index].id) && grants[index].remaining > .zero {
            let take = Credits.min(grants[index].remaining, left)
            grants[index].remaining -= take
            changedGrants.insert(grants[index].id)
            left -= take
            record(.refundReversal, amount: .zero - take, grant: grants[index].id, tag: .none)
        }
        if left > .zero {
            debt += left
            refundDebt += left
            record(.refundReversal, amount: .zero - left, grant: nil, tag: .none)
        }
        return left
    }

    /// Postpaid overage: what the overdraft owes is billed (on an invoice) instead of repaid from grants, so the debt is written
    /// off — one OVERAGE row raising the balance by it. Returns the credits billed.
    mutating func billDebt() -> Credits {
        let billed = debt
        guard billed > .zero else { return .zero }
        debt = .zero
        refundDebt = .zero
        record(.overage, amount: billed, grant: nil, tag: .none)
        return billed
    }

    /// After the changes are written: the journal and changed grants start empty again.
    mutating func markSaved() {
        journal = []
        changedGrants = []
    }

    /// Remaining credits by source, of grants in effect.
    func remaining(_ sources: Set<CreditSource>) -> Credits {
        grants.reduce(.zero) { $1.effectiveAt <= now && sources.contains($1.source) ? $0 + $1.remaining : $0 }
    }

    private mutating func repayDebt() {
        guard debt > .zero else { return }
        for grant in ConsumptionOrder.spendable(grants, at: now) where debt > .zero && !grant.isExpired(at: now) {
            let take = Credits.min(grant.remaining, debt)
            let index = grants.firstIndex { $0.id == grant.id }!
            grants[index].remaining -= take
            changedGrants.insert(grant.id)
            debt -= take
            record(.repayment, amount: .zero, grant: grant.id, tag: .none)
        }
        refundDebt = .min(refundDebt, debt)
    }

    private mutating func record(_ kind: JournalKind, amount: Credits, held heldDelta: Credits = .zero, grant: UUID?, tag: MovementTag) {
        balance += amount
        held += heldDelta
        journal.append(
            JournalEntry(kind: kind, amount: amount, heldDelta: heldDelta, balanceAfter: balance, heldAfter: held, grantId: grant, tag: tag))
    }
}

/// The seed 003 alerts on the period allowance: 80 % yellow, 90 % red, 95 % and 100 %.
enum AllowanceAlerts {
    static let thresholds = [80, 90, 95, 100]

    /// Thresholds (of `thresholds`) reached by `used` of `allowance` above the last one sent.
    static func due(allowance: Credits, used: Credits, alreadySent: Int, thresholds: [Int] = thresholds) -> [Int] {
        guard allowance > .zero, used > .zero else { return [] }
        return thresholds.filter { $0 > alreadySent && Int128(used.units) * 100 >= Int128(allowance.units) * Int128($0) }
    }

    /// The thresholds (percent of `total`) that going from `before` to `after` passes.
    static func crossed(of total: Credits, from before: Credits, to after: Credits, thresholds: [Int]) -> [Int] {
        guard total > .zero, after > before else { return [] }
        let reached = { (used: Credits, percent: Int) in Int128(used.units) * 100 >= Int128(total.units) * Int128(percent) }
        return thresholds.filter { reached(after, $0) && !reached(before, $0) }
    }

    /// `used / allowance` in percent, half-even at 2 decimals.
    static func percent(allowance: Credits, used: Credits) -> DecimalNumber {
        guard allowance > .zero else { return .zero }
        return DecimalNumber(significand: RoundingRule.halfEven.divide(Int128(used.units) * 10_000, by: Int128(allowance.units)), scale: 2)
    }
}
