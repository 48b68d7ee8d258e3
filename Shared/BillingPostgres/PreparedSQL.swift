import Logging
import PostgresNIO

/// A statement PostgreSQL parses once per connection (a named prepared statement) and, in a transaction opened with
/// `genericPlans`, plans once too: for hot paths whose statements cost more to plan than to run (under
/// `make bench-credits` planning was about half of the credit wallets' statement time).
///
/// `sql` is fixed; `name` is declared (PostgresNIO's default, the type's reflected name, is computed at every execution).
/// `bindingDataTypes` must name every parameter's type: a NULL carries none, and a prepared statement's
/// parameter types are fixed by its first use on a connection.
public protocol PreparedSQL: PostgresPreparedStatement where Row == PostgresRow {}

extension PreparedSQL {
    public func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension PostgresConnection {
    /// Runs a prepared statement and reads every row (errors surface here, as with ``execute(_:logger:)``).
    public func rows<Statement: PreparedSQL>(_ statement: Statement, logger: Logger) async throws -> [PostgresRow] {
        try await whileOpen {
            var rows: [PostgresRow] = []
            for try await row in try await execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// Runs a prepared statement and returns its first row, reading the rest.
    public func firstRow<Statement: PreparedSQL>(_ statement: Statement, logger: Logger) async throws -> PostgresRow? {
        try await rows(statement, logger: logger).first
    }
}

/// The tenant of a transaction (row-level security reads it) and its plan caching, set in one prepared statement.
struct TenantScope: PreparedSQL {
    static let name = "billing_tenant_scope"
    static let sql = "SELECT set_config('billing.tenant_id', $1, true), set_config('plan_cache_mode', $2, true)"
    static let bindingDataTypes: [PostgresDataType] = [.text, .text]

    let tenant: String
    let genericPlans: Bool

    func makeBindings() throws -> PostgresBindings { try .of(tenant, genericPlans ? "force_generic_plan" : "auto") }
}

// Transaction control, prepared once per connection too (as `pgbench -M prepared` does): sent unnamed, with their parse
// and describe, BEGIN and COMMIT were about a tenth of the ledger's CPU under `make bench-credits`.

/// A statement without parameters.
protocol TransactionControl: PreparedSQL {}

extension TransactionControl {
    func makeBindings() -> PostgresBindings { PostgresBindings() }
}

struct BeginReadCommitted: TransactionControl {
    static let name = "billing_begin_read_committed"
    static let sql = "BEGIN ISOLATION LEVEL READ COMMITTED"
}

struct BeginRepeatableRead: TransactionControl {
    static let name = "billing_begin_repeatable_read"
    static let sql = "BEGIN ISOLATION LEVEL REPEATABLE READ"
}

struct BeginSerializable: TransactionControl {
    static let name = "billing_begin_serializable"
    static let sql = "BEGIN ISOLATION LEVEL SERIALIZABLE"
}

struct Commit: TransactionControl {
    static let name = "billing_commit"
    static let sql = "COMMIT"
}

extension PostgresConnection {
    func begin(_ isolation: TransactionIsolation, logger: Logger) async throws {
        switch isolation {
        case .readCommitted: _ = try await rows(BeginReadCommitted(), logger: logger)
        case .repeatableRead: _ = try await rows(BeginRepeatableRead(), logger: logger)
        case .serializable: _ = try await rows(BeginSerializable(), logger: logger)
        }
    }
}
