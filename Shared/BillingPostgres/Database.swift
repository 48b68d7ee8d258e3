import Logging
import PostgresNIO
import ServiceLifecycle

/// A context's connection pool, and the only way its code runs SQL.
///
/// Every transaction is scoped: ``withTenant(_:isolation:_:)`` sets `billing.tenant_id` so row-level
/// security admits only that tenant's rows; ``withSystemScope(isolation:_:)`` is for the few jobs that
/// work across tenants (outbox relay, schedulers) and says so explicitly.
public final class Database: Service, Sendable {
    public let configuration: DatabaseConfiguration
    public let client: PostgresClient
    public let logger: Logger
    private let pool: PoolMetrics

    public init(configuration: DatabaseConfiguration, logger: Logger) {
        self.configuration = configuration
        self.client = PostgresClient(configuration: configuration.clientConfiguration(), backgroundLogger: logger)
        self.logger = logger
        self.pool = PoolMetrics(pool: configuration.schema, maximumConnections: configuration.maximumConnections)
    }

    public var schema: String { configuration.schema }

    /// Runs the pool until cancelled.
    public func run() async {
        await client.run()
    }

    /// Runs `body` in one transaction that sees only `tenant`'s rows. With `genericPlans`, PostgreSQL plans each
    /// ``PreparedSQL`` statement once per connection instead of on every call (and plans the others without looking at
    /// their values): for hot paths of simple keyed statements.
    public func withTenant<Result: Sendable>(
        _ tenant: String, isolation: TransactionIsolation = .readCommitted, genericPlans: Bool = false,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = logger
        return try await transaction(
            isolation: isolation,
            scope: { connection in
                _ = try await connection.rows(TenantScope(tenant: tenant, genericPlans: genericPlans), logger: logger)
            }, body)
    }

    /// Runs `body` in one transaction that may touch every tenant's rows (relays, schedulers).
    public func withSystemScope<Result: Sendable>(
        isolation: TransactionIsolation = .readCommitted,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = logger
        return try await transaction(
            isolation: isolation,
            scope: { connection in
                try await connection.execute("SELECT set_config('billing.scope', 'system', true)", logger: logger)
            }, body)
    }

    /// A leased connection outside any transaction (session-level locks, `LISTEN`).
    public func withConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await leased { connection in try await body(connection) }
        } catch {
            throw DatabaseErrors.classify(error)
        }
    }

    /// A connection from the pool, counted in the pool metrics (``PoolMetrics``): every lease goes through here.
    private func leased<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let lease = pool.lease()
        do {
            return try await client.withConnection { connection in
                lease.began(on: connection)
                defer { lease.ended() }
                return try await body(connection)
            }
        } catch {
            lease.failed()
            throw error
        }
    }

    private func transaction<Result: Sendable>(
        isolation: TransactionIsolation, scope: (PostgresConnection) async throws -> Void, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = logger
        do {
            return try await leased { connection in
                try await connection.begin(isolation, logger: logger)
                do {
                    try await scope(connection)
                    let result = try await body(connection)
                    _ = try await connection.rows(Commit(), logger: logger)
                    return result
                } catch {
                    // A broken connection fails this too; the pool then drops it.
                    try? await connection.execute("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            throw DatabaseErrors.classify(error)
        }
    }
}

/// SQL transaction isolation levels.
public enum TransactionIsolation: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension Database {
    /// Runs `body` again, up to `attempts` times in all, when it loses a race (deadlock, serialization failure, lock timeout).
    /// Only for work that is safe to repeat: each attempt is a whole new transaction.
    public func retryingConflicts<Result: Sendable>(attempts: Int = 3, _ body: () async throws -> Result) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as DatabaseConflictError where attempt < attempts {
                logger.debug("transaction lost a race; retrying", metadata: ["sqlstate": "\(error.sqlState)", "attempt": "\(attempt)"])
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            }
        }
    }
}
