import BillingPostgres
import BillingRPC
import BillingService

/// The public gateway: REST ↔ RPC, tenant JWT, permissions, idempotency keys. No domain logic.
public struct GatewayService: Sendable {
    public static let migrations: [Migration] = []

    let runtime: ServiceRuntime

    public init(runtime: ServiceRuntime) {
        self.runtime = runtime
    }

    public func components() throws -> ServiceComponents {
        ServiceComponents(router: RPCRouter())
    }
}
