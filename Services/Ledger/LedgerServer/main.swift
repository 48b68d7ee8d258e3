import Ledger
import BillingService

await ServiceHost.main(name: "ledger", defaults: ServicePorts(rpc: 9104, admin: 9204), migrations: LedgerService.migrations) { runtime in
    LedgerService(runtime: runtime).components()
}
