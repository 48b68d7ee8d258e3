import AccountsContract
import BillingRPC
import BillingService
import SubscriptionsContract

/// The contexts behind the gateway, one typed client each.
struct GatewayBackends: Sendable {
    let accounts: AccountsClient
    let catalog: RPCClient
    let subscriptions: SubscriptionsClient
    let ledger: RPCClient
    let invoicing: RPCClient
    let notifications: RPCClient

    /// Every backend with its name, for readiness checks.
    var all: [(name: String, client: RPCClient)] {
        [
            ("accounts", accounts.rpc), ("catalog", catalog), ("subscriptions", subscriptions.rpc), ("ledger", ledger), ("invoicing", invoicing),
            ("notifications", notifications),
        ]
    }

    /// One client for every backend (tests that never call them).
    init(every client: RPCClient) {
        self.init(
            accounts: AccountsClient(rpc: client), catalog: client, subscriptions: SubscriptionsClient(rpc: client), ledger: client,
            invoicing: client, notifications: client)
    }

    init(
        accounts: AccountsClient, catalog: RPCClient, subscriptions: SubscriptionsClient, ledger: RPCClient, invoicing: RPCClient,
        notifications: RPCClient
    ) {
        self.notifications = notifications
        self.accounts = accounts
        self.catalog = catalog
        self.subscriptions = subscriptions
        self.ledger = ledger
        self.invoicing = invoicing
    }

    /// The clients from `BILLING_<SERVICE>_ENDPOINTS` (defaults: the `make run` layout).
    init(runtime: ServiceRuntime) throws {
        self.init(
            accounts: AccountsClient(rpc: try runtime.client(for: "accounts", defaultEndpoint: "127.0.0.1:9101")),
            catalog: try runtime.client(for: "catalog", defaultEndpoint: "127.0.0.1:9102"),
            subscriptions: SubscriptionsClient(rpc: try runtime.client(for: "subscriptions", defaultEndpoint: "127.0.0.1:9103")),
            ledger: try runtime.client(for: "ledger", defaultEndpoint: "127.0.0.1:9104"),
            invoicing: try runtime.client(for: "invoicing", defaultEndpoint: "127.0.0.1:9105"),
            notifications: try runtime.client(for: "notifications", defaultEndpoint: "127.0.0.1:9106"))
    }
}
