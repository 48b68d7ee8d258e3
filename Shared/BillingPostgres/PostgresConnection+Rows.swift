import BillingNIO
import PostgresNIO

extension PostgresConnection {
    /// Runs `statement` on the connection's event loop after checking that the connection is open, instead of writing to a
    /// closed one: PostgresNIO (1.33) drops a statement written to a connection whose channel has closed (the server
    /// restarted or cut it) and leaves its caller waiting forever. Every statement goes through here, so a transaction that
    /// meets a cut connection fails (and rolls back on the server), never hangs. On the loop, nothing can close the channel
    /// between the check and PostgresNIO's write (both run in one job); checked from another thread, a close could (the
    /// `(f)` drill caught it under load).
    func whileOpen<Result: Sendable>(_ statement: () async throws -> Result) async throws -> Result {
        try await withTaskExecutorPreference(EventLoopTaskExecutor.of(eventLoop)) {
            if isClosed { throw DatabaseUnavailableError(underlying: "the connection closed") }
            return try await statement()
        }
    }

    /// Runs a statement and reads every row, so an error raised while it runs (constraint, lock
    /// timeout) surfaces here instead of being dropped with an unread row sequence (DESIGN.md §9).
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        try await whileOpen { for try await _ in try await self.query(query, logger: logger) {} }
    }

    /// Runs a query and returns all its rows.
    public func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await whileOpen {
            var rows: [PostgresRow] = []
            for try await row in try await self.query(query, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// Runs a query and returns its first row, reading the rest.
    public func firstRow(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRow? {
        try await rows(query, logger: logger).first
    }
}
