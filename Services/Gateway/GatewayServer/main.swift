import BillingService
import Gateway

await ServiceHost.main(name: "gateway", defaults: ServicePorts(rpc: 9100, admin: 9200), migrations: GatewayService.migrations) { runtime in
    try GatewayService(runtime: runtime).components()
}
