import PostgresNIO

/// Reads a row's columns in order from `offset`: how a store's row type reads its columns after the caller's own leading ones
/// (a tenant, a parent id) without a tuple of every column.
public struct ColumnReader {
    private let row: PostgresRandomAccessRow
    private var index: Int

    public init(_ row: PostgresRow, from offset: Int = 0) {
        self.row = row.makeRandomAccess()
        self.index = offset
    }

    public mutating func next<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        defer { index += 1 }
        return try row[index].decode(T.self)
    }
}
