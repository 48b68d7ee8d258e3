import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import Synchronization
import Testing

@testable import Ledger

@Suite("Finding the accounts and meters usage names, on PostgreSQL")
struct ReferenceResolverTests {
    struct Calls {
        var accounts = 0
        var meters = 0
        var inFlight = 0
        var widest = 0
    }

    @Test("a batch naming 1,000 unknown accounts and 1,000 unknown meters asks about each once, several at a time; a resend asks nothing")
    func unknownReferencesAskedOnce() async throws {
        try await TestEnvironment.withFreshSchema("ledger", migrations: try LedgerService.migrations) { database in
            let calls = Mutex(Calls())
            @Sendable func asked(_ count: WritableKeyPath<Calls, Int>) async throws {
                calls.withLock {
                    $0[keyPath: count] += 1
                    $0.inFlight += 1
                    $0.widest = max($0.widest, $0.inFlight)
                }
                try await Task.sleep(for: .milliseconds(1))
                calls.withLock { $0.inFlight -= 1 }
            }
            var router = RPCRouter()
            router.register(AccountsAPI.get) { request, _ -> BillingAccount in
                try await asked(\.accounts)
                throw RPCError(.notFound, "billing account \(request.id) not found")
            }
            router.register(CatalogAPI.meters.getByCode) { request, _ -> CatalogItem<MeterAttributes> in
                try await asked(\.meters)
                throw RPCError(.notFound, "meter \(request.code) not found")
            }
            let rpc = RPCClient(transport: RouterTransport(router))
            let resolver = ReferenceResolver(
                database: database, directory: LedgerDirectory(logger: database.logger), accounts: AccountsClient(rpc: rpc),
                catalog: CatalogClient(rpc: rpc))
            let tenant = "refs-" + UUIDv7.generate().text.suffix(8)
            let options = RPCCallOptions(tenant: tenant)
            let ids = Set((0..<1_000).map { _ in UUID() })
            let codes = Set((0..<1_000).map { "meter-\($0)" })

            try await resolver.learnAccounts(ids, tenant: tenant, options: options)
            #expect(try await resolver.meters(codes: codes, tenant: tenant, options: options).isEmpty)
            let first = calls.withLock { $0 }
            #expect(first.accounts == 1_000 && first.meters == 1_000)
            #expect(first.widest > 1 && first.widest <= ReferenceResolver.lookupWidth, "asked \(first.widest) at a time")

            try await resolver.learnAccounts(ids, tenant: tenant, options: options)
            #expect(try await resolver.meters(codes: codes, tenant: tenant, options: options).isEmpty)
            let again = calls.withLock { $0 }
            #expect(again.accounts == 1_000 && again.meters == 1_000, "the misses are remembered for a while")
        }
    }
}
