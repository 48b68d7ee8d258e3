import Subscriptions
import BillingService

await ServiceHost.main(name: "subscriptions", defaults: ServicePorts(rpc: 9103, admin: 9203), migrations: SubscriptionsService.migrations) { runtime in
    SubscriptionsService(runtime: runtime).components()
}
