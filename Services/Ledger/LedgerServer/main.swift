import BillingService
import Ledger

await ServiceHost.main(name: "ledger", defaults: ServicePorts(rpc: 9104, admin: 9204), migrations: try LedgerService.migrations) { runtime in
    try LedgerService.components(runtime: runtime)
}
