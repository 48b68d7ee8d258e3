import BillingService
import Invoicing

await ServiceHost.main(name: "invoicing", defaults: ServicePorts(rpc: 9105, admin: 9205), migrations: try InvoicingService.migrations) { runtime in
    try InvoicingService.components(runtime: runtime)
}
