import BillingService
import Catalog

await ServiceHost.main(name: "catalog", defaults: ServicePorts(rpc: 9102, admin: 9202), migrations: try CatalogService.migrations) { runtime in
    try CatalogService.components(runtime: runtime)
}
