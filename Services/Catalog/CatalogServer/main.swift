import Catalog
import BillingService

await ServiceHost.main(name: "catalog", defaults: ServicePorts(rpc: 9102, admin: 9202), migrations: CatalogService.migrations) { runtime in
    CatalogService(runtime: runtime).components()
}
