import BillingService
import Gateway

await ServiceHost.main(name: "gateway", defaults: ServicePorts(rpc: 9100, admin: 9200), migrations: try GatewayService.migrations) { runtime in
    try await GatewayService(runtime: runtime).components()
}
