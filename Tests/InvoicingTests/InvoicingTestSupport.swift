import AccountsContract
import BillingCore
import BillingPostgres
import BillingRPC
import BillingTesting
import CatalogContract
import Foundation
import SubscriptionsContract

@testable import Invoicing

/// A fresh invoicing schema and service at 2027-03-10 on a manual clock, with no peers to call.
func withInvoicing(pixRail: PixRail = .staticKey, _ body: (InvoicingService, Database, ManualClock) async throws -> Void) async throws {
    try await TestEnvironment.withFreshSchema("inv", migrations: try InvoicingService.migrations) { database in
        let clock = ManualClock(RFC3339.parse("2027-03-10T00:00:00Z")!)
        let rpc = RPCClient(transport: NoPeersTransport())
        try await body(
            InvoicingService(
                database: database, clock: clock, accounts: AccountsClient(rpc: rpc), subscriptions: SubscriptionsClient(rpc: rpc),
                catalog: CatalogClient(rpc: rpc), ledger: rpc, pixRail: pixRail), database, clock)
    }
}
