import BillingPostgres
import BillingRPC
import BillingService
import CatalogContract

/// The catalog context: RPC handlers over its own schema.
public struct CatalogService: Sendable {
    /// Migrations of the `catalog` schema, applied at start-up after the platform ones.
    public static let migrations: [Migration] = []

    let runtime: ServiceRuntime

    public init(runtime: ServiceRuntime) {
        self.runtime = runtime
    }

    /// Everything this process runs for the context.
    public func components() -> ServiceComponents {
        ServiceComponents(router: RPCRouter())
    }
}
