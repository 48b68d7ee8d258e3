import BillingPostgres
import PostgresNIO

extension Database {
    /// The single integer a `SELECT count(*) …` answers, read across tenants (system scope): what benchmarks and tests check.
    public func count(_ sql: String) async throws -> Int {
        try await withSystemScope { connection in
            Int(try await connection.rows(PostgresQuery(unsafeSQL: sql), logger: logger).first!.decode(Int64.self))
        }
    }
}
