import Invoicing
import BillingService

await ServiceHost.main(name: "invoicing", defaults: ServicePorts(rpc: 9105, admin: 9205), migrations: InvoicingService.migrations) { runtime in
    InvoicingService(runtime: runtime).components()
}
