import BillingPostgres
import Foundation
import PostgresNIO

/// Rows of tables as an earlier version of the code wrote them, kept to test the migrations that move them: one JSON object
/// per line, `{"table": "invoices", "row": {...}}`, as `row_to_json` produced it (column names and PostgreSQL's own text).
public struct TableFixture: Sendable {
    public let rows: [(table: String, line: String)]

    public init(contentsOf url: URL) throws {
        var rows: [(table: String, line: String)] = []
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") where !line.isEmpty {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let table = object["table"] as? String, table.allSatisfy({ $0.isLetter || $0 == "_" })
            else { throw FixtureError(line: String(line.prefix(80))) }
            rows.append((table, String(line)))
        }
        self.rows = rows
    }

    /// Inserts every row, in file order (parents first), each column from the JSON of the same name.
    public func insert(on connection: PostgresConnection, logger: Logger) async throws {
        for row in rows {
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: "INSERT INTO \(row.table) SELECT * FROM json_populate_record(NULL::\(row.table), ($1::json)->'row')",
                    binds: try .of(row.line)), logger: logger)
        }
    }

    public func count(of table: String) -> Int { rows.filter { $0.table == table }.count }

    struct FixtureError: Error, CustomStringConvertible {
        let line: String
        var description: String { "a fixture line is not {\"table\": …, \"row\": {…}}: \(line)" }
    }
}
