import BillingService
import Subscriptions

await ServiceHost.main(name: "subscriptions", defaults: ServicePorts(rpc: 9103, admin: 9203), migrations: try SubscriptionsService.migrations) {
    runtime in
    try SubscriptionsService.components(runtime: runtime)
}
