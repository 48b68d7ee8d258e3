import PostgresNIO

extension PostgresConnection {
    /// Throws when the connection has closed, instead of writing to it: PostgresNIO (1.33) drops a statement written to a
    /// connection whose channel has closed (the server restarted or cut it) and leaves its caller waiting forever. Every statement
    /// goes through here first, so a transaction that meets a cut connection fails (and rolls back on the server), never hangs.
    @inline(__always)
    public func ensureOpen() throws {
        if isClosed { throw DatabaseUnavailableError(underlying: "the connection closed") }
    }

    /// Runs a statement and reads every row, so an error raised while it runs (constraint, lock
    /// timeout) surfaces here instead of being dropped with an unread row sequence (DESIGN.md §9).
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        try ensureOpen()
        for try await _ in try await self.query(query, logger: logger) {}
    }

    /// Runs a query and returns all its rows.
    public func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try ensureOpen()
        var rows: [PostgresRow] = []
        for try await row in try await self.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    /// Runs a query and returns its first row, reading the rest.
    public func firstRow(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRow? {
        try await rows(query, logger: logger).first
    }
}
