import PostgresNIO

extension PostgresConnection {
    /// Runs a statement and reads every row, so an error raised while it runs (constraint, lock
    /// timeout) surfaces here instead of being dropped with an unread row sequence (DESIGN.md §9).
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }

    /// Runs a query and returns all its rows.
    public func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await self.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    /// Runs a query and returns its first row, reading the rest.
    public func firstRow(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRow? {
        try await rows(query, logger: logger).first
    }
}
