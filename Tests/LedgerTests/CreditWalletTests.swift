import AccountsContract
import BillingCore
import BillingEvents
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import InvoicingContract
import LedgerContract
import Logging
import NIOCore
import PostgresNIO
import SubscriptionsContract
import Synchronization
import Testing

@testable import Ledger

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

private func grant(
    _ source: CreditSource, _ credits: Int64, priority: Int? = nil, effective: TimeInterval = -10, expires: TimeInterval? = nil
) -> WalletGrant {
    WalletGrant(
        id: UUIDv7.generate(at: t0.addingTimeInterval(effective)), source: source, priority: priority ?? source.defaultPriority,
        amount: try! Credits(whole: credits), remaining: try! Credits(whole: credits), effectiveAt: t0.addingTimeInterval(effective),
        expiresAt: expires.map { t0.addingTimeInterval($0) })
}

private func whole(_ value: Int64) -> Credits { try! Credits(whole: value) }

@Suite("Credit wallet rules (pure)")
struct CreditWalletRuleTests {
    @Test("consumption order: expired leftovers, then priority, then soonest expiry, then oldest; future grants are not spendable")
    func order() {
        let monthly = grant(.monthly, 10, expires: 3600)
        let purchase = grant(.purchase, 10)
        let bonusLate = grant(.bonus, 10, expires: 7200)
        let bonusSoon = grant(.bonus, 10, expires: 600)
        let manualOld = grant(.manual, 10, effective: -100)
        let expiredLeft = grant(.monthly, 10, expires: -1)
        let future = grant(.purchase, 10, effective: 60)
        let sorted = ConsumptionOrder.spendable([monthly, purchase, bonusLate, bonusSoon, manualOld, expiredLeft, future].shuffled(), at: t0)
        #expect(sorted.map(\.id) == [expiredLeft, purchase, bonusSoon, bonusLate, manualOld, monthly].map(\.id))
    }

    @Test("a debit spends grants in order and refuses without overdraft; with one it runs into debt, repaid by the next grant")
    func debitAndOverdraft() {
        var book = WalletBook(
            now: t0, balance: whole(30), held: .zero, debt: .zero, overdraftLimit: .zero,
            grants: [grant(.monthly, 20, expires: 3600), grant(.purchase, 10)])
        #expect(book.debit(whole(31), kind: .charge, partial: false, tag: .none) == nil)
        #expect(book.journal.isEmpty)
        let debit = book.debit(whole(15), kind: .charge, partial: false, tag: .none)!
        #expect(debit.draws.map(\.0.source) == [.purchase, .monthly] && debit.draws.map(\.1) == [whole(10), whole(5)])
        book.overdraftLimit = whole(10)
        #expect(book.available == whole(25))
        _ = book.debit(whole(20), kind: .charge, partial: false, tag: .none)!
        #expect(book.balance == whole(-5) && book.debt == whole(5) && book.available == whole(5))
        book.add(grant(.manual, 8))
        #expect(book.balance == whole(3) && book.debt == .zero && book.available == whole(13))
        #expect(book.journal.reduce(Credits.zero) { $0 + $1.amount } == book.balance - whole(30))
    }

    @Test("an expired grant loses only what no hold needs; a partial settle charges what is available and reports the rest")
    func expiryAndPartialSettle() {
        var book = WalletBook(
            now: t0, balance: whole(15), held: whole(12), debt: .zero, overdraftLimit: .zero,
            grants: [grant(.monthly, 10, expires: -1), grant(.purchase, 5)])
        _ = book.settleTime()
        #expect(book.balance == whole(12) && book.available == .zero, "3 of the expired 10 were free; 7 stay behind the hold")
        book.unhold(whole(12), kind: .settle, tag: .none)
        let settle = book.debit(whole(20), kind: .settle, partial: true, tag: .none)!
        #expect(settle.uncovered == whole(8) && book.balance == .zero && book.held == .zero)
        #expect(settle.draws.first?.0.source == .monthly, "the expired leftover is spent first")
    }

    @Test("a refund reversal takes the package's unspent credits from its own grants only, and what was spent as debt")
    func refundReversal() {
        let package = grant(.purchase, 30)
        let monthly = grant(.monthly, 20, expires: 3600)
        var book = WalletBook(now: t0, balance: whole(50), held: .zero, debt: .zero, overdraftLimit: .zero, grants: [package, monthly])
        _ = book.debit(whole(25), kind: .charge, partial: false, tag: .none)!  // the package is spent first: 5 of it are left
        #expect(book.reverse(whole(10), from: [package.id]) == whole(5), "5 unspent come back, the other 5 are owed")
        #expect(book.grants.first { $0.id == package.id }?.remaining == .zero)
        #expect(book.grants.first { $0.id == monthly.id }?.remaining == whole(20), "another grant is not touched")
        #expect(book.balance == whole(15) && book.debt == whole(5) && book.refundDebt == whole(5) && book.available == whole(15))
        book.add(grant(.manual, 8))
        #expect(book.debt == .zero && book.refundDebt == .zero, "a new grant repays what the refund left owing")
        #expect(book.journal.filter { $0.kind == .refundReversal }.map(\.amount) == [whole(-5), whole(-5)])
        #expect(book.journal.reduce(Credits.zero) { $0 + $1.amount } == book.balance - whole(50))
    }

    @Test("allowance alerts: 80, 90, 95, 100 %, each once")
    func alerts() {
        #expect(AllowanceAlerts.due(allowance: whole(300), used: whole(239), alreadySent: 0) == [])
        #expect(AllowanceAlerts.due(allowance: whole(300), used: whole(240), alreadySent: 0) == [80])
        #expect(AllowanceAlerts.due(allowance: whole(300), used: whole(300), alreadySent: 80) == [90, 95, 100])
        #expect(AllowanceAlerts.due(allowance: whole(300), used: whole(300), alreadySent: 100) == [])
    }

    @Test("spending windows: UTC minutes and hours, days, ISO weeks from Monday and months in the account's zone")
    func windows() {
        let zone = TimeZone(identifier: "America/Sao_Paulo")!
        let instant = RFC3339.parse("2026-11-22T02:30:15Z")!  // Saturday 23:30 in São Paulo
        #expect(SpendingWindows.start(of: "MINUTE", containing: instant, in: zone) == RFC3339.parse("2026-11-22T02:30:00Z"))
        #expect(SpendingWindows.start(of: "DAY", containing: instant, in: zone) == RFC3339.parse("2026-11-21T03:00:00Z"))
        #expect(SpendingWindows.start(of: "WEEK", containing: instant, in: zone) == RFC3339.parse("2026-11-16T03:00:00Z"))
        #expect(SpendingWindows.start(of: "MONTH", containing: instant, in: zone) == RFC3339.parse("2026-11-01T03:00:00Z"))
    }
}

@Suite("Credit wallets and the events they consume, on PostgreSQL", .serialized)
struct CreditEventTests {
    @Test("a paid invoice grants its credit packages once, however often the event arrives; a renewal grants the allowance and ends the last one")
    func purchasesAndRenewals() async throws {
        try await TestEnvironment.withFreshSchema("ledger", migrations: try LedgerService.migrations) { database in
            let clock = ManualClock(RFC3339.parse("2026-11-10T12:00:00Z")!)
            let client = RPCClient(transport: NoPeersTransport())
            let service = LedgerService(database: database, clock: clock, accounts: AccountsClient(rpc: client), catalog: CatalogClient(rpc: client))
            let tenant = "cw-" + UUIDv7.generate().uuidString.suffix(12).lowercased(), account = UUID()
            try await database.withTenant(tenant) { connection in
                try await service.directory.upsert(
                    LedgerAccount(id: account, status: .active, timezone: "UTC", updatedAt: Date()), tenant: tenant, on: connection)
            }
            let handlers = service.accountEvents.handlers
            func deliver<Event: IntegrationEvent>(_ event: Event) async throws {
                let envelope = try EventEnvelope(event, source: "test", tenant: tenant, at: clock.now())
                try await database.withTenant(tenant) { try await handlers[Event.eventType]!(envelope, $0) }
            }
            let invoice = InvoiceSummary(
                id: InvoiceID(rawValue: UUID()), billingAccountId: AccountID(rawValue: account), number: "2026-000001", status: "PAID",
                total: try Money.parse("99.70", currency: .brl), amountDue: try Money.parse("0", currency: .brl),
                periodStart: nil, periodEnd: nil, dueDate: nil)
            let paid = InvoicePaid(
                invoice: invoice, paidAt: clock.now(), creditPurchases: [InvoiceCreditPurchase(packageCode: "growth", credits: whole(300))])
            for _ in 0..<3 { try await deliver(paid) }
            let context = RPCServerContext(method: "test", metadata: RPCMetadata(tenant: tenant), deadline: nil, logger: Logger(label: "test"))
            var wallet = try await service.credits.wallet(WalletRequest(billingAccountId: AccountID(rawValue: account)), context: context)
            #expect(wallet.purchasedRemaining == whole(300) && wallet.grants.count == 1)

            let period1 = SubscriptionSummary(
                id: SubscriptionID(rawValue: UUID()), billingAccountId: AccountID(rawValue: account), planId: .generate(), planVersion: 1,
                status: "ACTIVE", quantity: 1, currentPeriodStart: RFC3339.parse("2026-11-01T00:00:00Z")!,
                currentPeriodEnd: RFC3339.parse("2026-12-01T00:00:00Z")!, includedCredits: whole(100))
            try await deliver(SubscriptionCreated(subscription: period1))
            try await deliver(SubscriptionCreated(subscription: period1))
            wallet = try await service.credits.wallet(WalletRequest(billingAccountId: AccountID(rawValue: account)), context: context)
            #expect(wallet.monthlyRemaining == whole(100) && wallet.balance == whole(400) && wallet.allowance == whole(100))

            var period2 = period1
            period2.currentPeriodStart = period1.currentPeriodEnd
            period2.currentPeriodEnd = RFC3339.parse("2027-01-01T00:00:00Z")!
            clock.set(RFC3339.parse("2026-12-01T00:00:01Z")!)
            try await deliver(SubscriptionRenewed(subscription: period2))
            wallet = try await service.credits.wallet(WalletRequest(billingAccountId: AccountID(rawValue: account)), context: context)
            #expect(wallet.monthlyRemaining == whole(100) && wallet.balance == whole(400), "last period's 100 expired, the new 100 arrived")
            let audit = try await service.credits.auditWallet(WalletRequest(billingAccountId: AccountID(rawValue: account)), context: context)
            #expect(audit.consistent && audit.journalBalance == whole(400))
        }
    }
}

@Suite("Batching one wallet's concurrent operations", .timeLimit(.minutes(3)))
struct WalletBatchingTests {
    struct Refused: Error {}

    @Test(
        """
        the first operation runs alone; those arriving meanwhile run in the next transactions, at most the batch size each, in order; each gets \
        its own answer
        """
    )
    func grouping() async throws {
        let queues = WalletQueues(maximumBatch: 8)
        let key = WalletQueues.Key(tenant: "t", account: UUID())
        let batches = Mutex<[[String]]>([])
        let transaction: @Sendable ([WalletOperation]) async -> [WalletQueues.Outcome] = { operations in
            let names = operations.map { $0.idempotencyKey! }
            batches.withLock { $0.append(names) }
            if names == ["op-0"] {
                // The first transaction holds the wallet until the 20 others wait for it.
                while queues.waiting(on: key) < 20 { try? await Task.sleep(for: .milliseconds(5)) }
            }
            return names.map { $0 == "op-13" ? .failure(Refused()) : .success("answer to \($0)") }
        }
        func run(_ index: Int) async -> String {
            let operation = WalletOperation(idempotencyKey: "op-\(index)") { _, _ in "unused" }
            do {
                return try await queues.run(operation, on: key, transaction: transaction) as! String
            } catch {
                return "refused"
            }
        }
        let first = Task { await run(0) }
        while batches.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
        var answers: [Int: String] = [:]
        await withTaskGroup(of: (Int, String).self) { group in
            for index in 1...20 {
                group.addTask { (index, await run(index)) }
                // Queued in index order. Once the 20th waits, the first transaction may end and the next batch take the queue
                // before this loop sees 20 waiting: the next batch's start ends the wait too.
                while queues.waiting(on: key) < index && batches.withLock({ $0.count }) == 1 && !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(1))
                }
            }
            for await (index, answer) in group { answers[index] = answer }
        }
        answers[0] = await first.value
        let sizes = batches.withLock { $0.map(\.count) }
        #expect(sizes == [1, 8, 8, 4])
        #expect(batches.withLock { $0.flatMap { $0 } } == (0...20).map { "op-\($0)" })
        for index in 0...20 {
            #expect(answers[index] == (index == 13 ? "refused" : "answer to op-\(index)"))
        }
        #expect(queues.waiting(on: key) == 0)
        // Idle again: the next operation leads at once, alone.
        #expect(await run(21) == "answer to op-21")
        #expect(batches.withLock { $0.last } == ["op-21"])
    }

    @Test("operations sharing a transaction: each saved as it succeeds, a refused one changes nothing, a key used earlier in the batch replays")
    func sharedTransaction() async throws {
        try await TestEnvironment.withFreshSchema("ledger", migrations: try LedgerService.migrations) { database in
            let clock = ManualClock(RFC3339.parse("2026-11-10T12:00:00Z")!)
            let client = RPCClient(transport: NoPeersTransport())
            let service = LedgerService(database: database, clock: clock, accounts: AccountsClient(rpc: client), catalog: CatalogClient(rpc: client))
            let tenant = "wb-" + UUIDv7.generate().uuidString.suffix(12).lowercased(), account = UUID()
            try await database.withTenant(tenant) { connection in
                try await service.directory.upsert(
                    LedgerAccount(id: account, status: .active, timezone: "UTC", updatedAt: Date()), tenant: tenant, on: connection)
            }
            let options = RPCCallOptions(tenant: tenant)
            let granted = try await service.credits.walletTransaction(
                [
                    WalletOperation(idempotencyKey: nil) { wallet, session in
                        try await service.credits.grant(
                            GrantCreditsRequest(billingAccountId: AccountID(rawValue: account), credits: whole(25)), into: &wallet, session: session,
                            traceparent: nil
                        ).id
                    }
                ], account: account, tenant: tenant, options: options)
            #expect(granted.count == 1)

            /// Charges `credits` under `key`, or answers the execution the key already names.
            func charge(_ credits: Int64, key: String) -> WalletOperation {
                WalletOperation(idempotencyKey: key) { wallet, session in
                    if let replay = wallet.replay { return "replay of \(replay)" }
                    let now = wallet.book.now, id = UUIDv7.generate(at: now)
                    guard wallet.book.debit(whole(credits), kind: .charge, partial: false, tag: MovementTag(executionId: id)) != nil else {
                        throw LedgerError.insufficientCredits(available: wallet.book.available, required: whole(credits))
                    }
                    wallet.stage(
                        .insert(
                            ExecutionRecord(
                                id: id, account: session.account, idempotencyKey: key, kind: "CHARGE", status: .charged, model: "m", modelVersion: 1,
                                rate: ModelRate(inputRate: whole(1), outputRate: whole(1)), userId: nil, featureId: nil, estimate: nil,
                                estimatedCredits: nil,
                                tokens: TokenUsage(inputTokens: credits, outputTokens: 0), credits: whole(credits), uncovered: nil, expiresAt: nil,
                                createdAt: now, resolvedAt: now)), counters: [])
                    return "\(id)"
                }
            }
            let results = try await service.credits.walletTransaction(
                [charge(10, key: "a"), charge(30, key: "b"), charge(10, key: "a"), charge(10, key: "d")],
                account: account, tenant: tenant, options: options)
            let answers = results.map { try? $0.get() as? String }
            let first = try #require(answers[0])
            #expect(answers[1] == nil, "30 of the 15 left is refused")
            if case .failure(let error) = results[1] { #expect(error == .insufficientCredits(available: whole(15), required: whole(30))) }
            #expect(answers[2] == "replay of \(first)", "the key charged earlier in the same transaction")
            #expect(answers[3] != nil)

            let context = RPCServerContext(method: "test", metadata: RPCMetadata(tenant: tenant), deadline: nil, logger: Logger(label: "test"))
            let audit = try await service.credits.auditWallet(WalletRequest(billingAccountId: AccountID(rawValue: account)), context: context)
            #expect(audit.consistent && audit.journalBalance == whole(5), "25 − 10 − 10: the refused charge and the replay moved nothing")
            let executions = try await database.withTenant(tenant) { connection in
                try await connection.firstRow("SELECT count(*) FROM credit_executions WHERE tenant_id = \(tenant)", logger: database.logger)!.decode(
                    Int64.self)
            }
            #expect(executions == 2)
        }
    }

    @Test(
        "a hold is settled or released through the replica that authorized it (which knows its wallet) or through another (which looks it up), once")
    func holdsAcrossReplicas() async throws {
        try await TestEnvironment.withFreshSchema("ledger", migrations: try LedgerService.migrations) { database in
            let wallet = try await ReplicaWallet.start(database, replicas: 2, credits: 100)
            let (first, second, account, context) = (wallet.replicas[0], wallet.replicas[1], wallet.account, wallet.context)
            func authorize(_ key: String) async throws -> ExecutionID {
                try await first.credits.authorizeCredits(
                    AuthorizeCreditsRequest(
                        billingAccountId: AccountID(rawValue: account), model: "gpt-x", estimatedInputTokens: 5,
                        estimatedOutputTokens: 2, idempotencyKey: key), context: context
                ).id
            }
            let (settled, released) = (try await authorize("h1"), try await authorize("h2"))
            let tokens = TokenUsageAttributes(inputTokens: 3, outputTokens: 1, cachedInputTokens: nil)

            let settlement = try await second.credits.settleCredits(SettleCreditsRequest(authorizationId: settled, tokens: tokens), context: context)
            #expect(
                settlement.status == .settled && settlement.credits == whole(11), "3 × 2 + 1 × 5, settled by the replica that did not authorize it")
            await #expect(throws: LedgerError.holdResolved(id: settled, status: "SETTLED")) {
                try await first.credits.settleCredits(SettleCreditsRequest(authorizationId: settled, tokens: tokens), context: context)
            }
            #expect(try await first.credits.releaseCredits(ExecutionRequest(id: released), context: context).status == .released)
            await #expect(throws: LedgerError.holdResolved(id: released, status: "RELEASED")) {
                try await second.credits.releaseCredits(ExecutionRequest(id: released), context: context)
            }
            let unknown = ExecutionID.generate()
            for replica in [first, second] {
                await #expect(throws: LedgerError.executionNotFound(unknown)) {
                    try await replica.credits.releaseCredits(ExecutionRequest(id: unknown), context: context)
                }
            }
            let audit = try await second.credits.auditWallet(WalletRequest(billingAccountId: AccountID(rawValue: account)), context: context)
            #expect(audit.consistent && audit.journalBalance == whole(89) && audit.journalHeld == .zero)
        }
    }
    @Test("in one batch a hold settled and released at once resolves once and a key sent twice holds once; a hold past its time expires, once")
    func holdResolvedOnceInABatch() async throws {
        try await TestEnvironment.withFreshSchema("ledger", migrations: try LedgerService.migrations) { database in
            let wallet = try await ReplicaWallet.start(database, replicas: 1, credits: 100)
            let (service, clock, tenant, account, context) = (wallet.replicas[0], wallet.clock, wallet.tenant, wallet.account, wallet.context)
            func authorize(_ key: String, ttl: Int? = nil) async throws -> ExecutionID {
                try await service.credits.authorizeCredits(
                    AuthorizeCreditsRequest(
                        billingAccountId: AccountID(rawValue: account), model: "gpt-x", estimatedInputTokens: 5,
                        estimatedOutputTokens: 2, ttlSeconds: ttl, idempotencyKey: key), context: context
                ).id
            }
            let hold = try await authorize("once")
            let other = try await authorize("other")  // keeps credits held: a hold resolved twice would not make `held` negative
            let tokens = TokenUsageAttributes(inputTokens: 3, outputTokens: 1, cachedInputTokens: nil)

            // A leader keeps the wallet busy until the settles and releases wait behind it: they then share one transaction.
            let (gate, open) = AsyncStream.makeStream(of: Void.self)
            let leader = Task {
                try await service.credits.withWallet(AccountID(rawValue: account), tenant: tenant, options: RPCCallOptions(tenant: tenant)) { _, _ in
                    for await _ in gate { break }
                    return 0
                }
            }
            let key = WalletQueues.Key(tenant: tenant, account: account)
            while !service.credits.walletQueues.busy(key) { try await Task.sleep(for: .milliseconds(2)) }
            let resolutions = (0..<2).map { index in
                Task { () -> String in
                    do {
                        if index.isMultiple(of: 2) {
                            return try await service.credits.settleCredits(
                                SettleCreditsRequest(authorizationId: hold, tokens: tokens), context: context
                            )
                            .status.rawValue
                        }
                        return try await service.credits.releaseCredits(ExecutionRequest(id: hold), context: context).status.rawValue
                    } catch let error as LedgerError {
                        guard error == .holdResolved(id: hold, status: "SETTLED") || error == .holdResolved(id: hold, status: "RELEASED") else {
                            throw error
                        }
                        return "refused"
                    }
                }
            }
            while service.credits.walletQueues.waiting(on: key) < 2 { try await Task.sleep(for: .milliseconds(2)) }
            // Two authorizations under one idempotency key in the same batch: the second answers the first, not yet saved.
            let twins = (0..<2).map { _ in Task { try await authorize("twin") } }
            while service.credits.walletQueues.waiting(on: key) < 4 { try await Task.sleep(for: .milliseconds(2)) }
            open.yield()
            _ = try await leader.value
            var answers: [String] = []
            for resolution in resolutions { answers.append(try await resolution.value) }
            #expect(answers.filter { $0 != "refused" }.count == 1, "one of \(answers) resolved the hold")
            let twinIds = [try await twins[0].value, try await twins[1].value]
            #expect(twinIds[0] == twinIds[1], "one hold for the key, answered twice")
            #expect(try await service.credits.releaseCredits(ExecutionRequest(id: twinIds[0]), context: context).status == .released)

            let late = try await authorize("late", ttl: 60)
            clock.advance(by: 61)
            await #expect(throws: LedgerError.holdResolved(id: late, status: "EXPIRED")) {
                try await service.credits.settleCredits(SettleCreditsRequest(authorizationId: late, tokens: tokens), context: context)
            }
            let audit = try await service.credits.auditWallet(WalletRequest(billingAccountId: AccountID(rawValue: account)), context: context)
            #expect(
                audit.consistent && audit.held == audit.openHolds && audit.openHolds == whole(20),
                "only the other hold is open (5 × 2 + 2 × 5): \(audit)")
            #expect(try await service.credits.releaseCredits(ExecutionRequest(id: other), context: context).status == .released)
        }
    }

    @Test(
        """
        a wallet read while another replica's transaction holds it waits, then sees what that transaction committed (its grants too, not the \
        snapshot's)
        """
    )
    func readAfterLockWait() async throws {
        try await TestEnvironment.withFreshSchema("ledger", migrations: try LedgerService.migrations) { database in
            let wallet = try await ReplicaWallet.start(database, replicas: 2, credits: 10)
            let (first, second, tenant, account, context) = (wallet.replicas[0], wallet.replicas[1], wallet.tenant, wallet.account, wallet.context)

            // The second replica grants 25 and keeps its transaction open until the first replica's charge waits for the lock.
            let (gate, open) = AsyncStream.makeStream(of: Void.self)
            let holder = Mutex<String?>(nil)
            let granting = Task {
                try await second.credits.walletTransaction(
                    [
                        WalletOperation(idempotencyKey: nil) { wallet, session in
                            _ = try await second.credits.grant(
                                GrantCreditsRequest(billingAccountId: AccountID(rawValue: account), credits: whole(25)), into: &wallet,
                                session: session, traceparent: nil)
                            try await session.flush(&wallet)
                            let xid = try await session.connection.firstRow(
                                """
                                SELECT transactionid::text FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'transactionid'
                                """, logger: database.logger)!.decode(String.self)
                            holder.withLock { $0 = xid }
                            for await _ in gate { break }
                            return "granted"
                        }
                    ], account: account, tenant: tenant, options: RPCCallOptions(tenant: tenant))
            }
            while holder.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(5)) }
            let charging = Task {
                try await first.credits.chargeCredits(
                    ChargeCreditsRequest(
                        billingAccountId: AccountID(rawValue: account), model: "gpt-x", inputTokens: 15, outputTokens: 0,
                        idempotencyKey: "after-wait"), context: context)
            }
            let xid = try #require(holder.withLock { $0 })
            var waited = false
            for _ in 0..<1000 where !waited {
                waited = try await database.withConnection { connection in
                    try await connection.firstRow(
                        """
                        SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND transactionid::text = \(xid) AND NOT granted
                        """, logger: database.logger)!.decode(Int64.self) > 0
                }
                if !waited { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(waited, "the charge's read waited for the second replica's lock")
            open.yield()
            #expect(try await granting.value.count == 1)
            let charge = try await charging.value
            #expect(charge.credits == whole(30), "30 of the 35 the wallet holds once the grant committed")
            let audit = try await first.credits.auditWallet(WalletRequest(billingAccountId: AccountID(rawValue: account)), context: context)
            #expect(audit.consistent && audit.balance == whole(5) && audit.grantsBalance == whole(5), "the charge drew on both grants")
        }
    }
}

/// Ledger replicas on one schema (the catalog knows model `gpt-x`: 2 credits per input token, 5 per output token) and an
/// account whose wallet holds `credits`.
private struct ReplicaWallet {
    let replicas: [LedgerService]
    let clock: ManualClock
    let tenant: String
    let account: UUID
    let context: RPCServerContext

    static func start(_ database: Database, replicas count: Int, credits: Int64) async throws -> ReplicaWallet {
        let clock = ManualClock(RFC3339.parse("2026-11-10T12:00:00Z")!)
        let replicas = (0..<count).map { _ in
            LedgerService(
                database: database, clock: clock, accounts: AccountsClient(rpc: RPCClient(transport: NoPeersTransport())),
                catalog: CatalogClient(rpc: RPCClient(transport: ModelRateCacheTests.SlowCatalog())))
        }
        let tenant = "rw-" + UUIDv7.generate().uuidString.suffix(12).lowercased(), account = UUID()
        try await database.withTenant(tenant) { connection in
            try await replicas[0].directory.upsert(
                LedgerAccount(id: account, status: .active, timezone: "UTC", updatedAt: Date()), tenant: tenant,
                on: connection)
        }
        let context = RPCServerContext(method: "test", metadata: RPCMetadata(tenant: tenant), deadline: nil, logger: Logger(label: "test"))
        _ = try await replicas[0].credits.grantCredits(
            GrantCreditsRequest(billingAccountId: AccountID(rawValue: account), credits: whole(credits)), context: context)
        return ReplicaWallet(replicas: replicas, clock: clock, tenant: tenant, account: account, context: context)
    }
}

@Suite("AI model rates kept by the ledger")
struct ModelRateCacheTests {
    /// A catalog that answers one model after a pause and counts what it is asked.
    final class SlowCatalog: RPCClientTransport {
        let asked = Mutex(0)
        func unary(path: String, request: ByteBuffer, options: RPCCallOptions, retryable: Bool) async throws(RPCError) -> ByteBuffer {
            asked.withLock { $0 += 1 }
            try? await Task.sleep(for: .milliseconds(100))
            var message = request
            message.moveReaderIndex(forwardBy: RPCFraming.headerLength)
            let code = try RPCSerialization.decode(GetItemByCodeRequest.self, from: message).code
            guard code == "gpt-x" else { throw RPCError(.notFound, "no model \(code)") }
            return try RPCSerialization.encode(
                CatalogItem(
                    id: CatalogItemID(rawValue: UUID()), version: 3, status: .active,
                    attributes: AIModelAttributes(modelId: code, name: "X", inputRate: whole(2), outputRate: whole(5)), createdAt: t0,
                    versionCreatedAt: t0))
        }
        func serverStreaming(
            path: String, request: ByteBuffer, options: RPCCallOptions
        ) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error> {
            throw RPCError(.unimplemented, path)
        }
    }

    @Test("200 concurrent charges on a model not yet kept ask the catalog once; an unknown model is refused to each and asked again later")
    func oneFetchPerModel() async throws {
        let catalog = SlowCatalog()
        let cache = ModelRateCache(catalog: CatalogClient(rpc: RPCClient(transport: catalog)), clock: ManualClock(t0))
        let options = RPCCallOptions(tenant: "t", timeout: .seconds(5))
        let rates = try await withThrowingTaskGroup(of: (ModelRate, Int).self) { group in
            for _ in 0..<200 { group.addTask { try await cache.rate(model: "gpt-x", tenant: "t", options: options) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(rates.count == 200 && rates.allSatisfy { $0.0.inputRate == whole(2) && $0.0.outputRate == whole(5) && $0.1 == 3 })
        #expect(catalog.asked.withLock { $0 } == 1)

        for _ in 0..<2 {
            await #expect(throws: LedgerError.modelNotFound("nope")) { try await cache.rate(model: "nope", tenant: "t", options: options) }
        }
        #expect(catalog.asked.withLock { $0 } == 3, "a refusal is not kept")
    }
}
