import BillingService
import Notifications

await ServiceHost.main(name: "notifications", defaults: ServicePorts(rpc: 9106, admin: 9206), migrations: try NotificationsService.migrations) {
    runtime in
    try NotificationsService.components(runtime: runtime)
}
