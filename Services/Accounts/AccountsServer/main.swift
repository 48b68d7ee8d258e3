import Accounts
import BillingService

await ServiceHost.main(name: "accounts", defaults: ServicePorts(rpc: 9101, admin: 9201), migrations: try AccountsService.migrations) { runtime in
    try AccountsService.components(runtime: runtime)
}
