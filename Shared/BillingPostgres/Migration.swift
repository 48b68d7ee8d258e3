import Crypto
import Foundation

/// One forward-only schema change.
///
/// Migrations live in tracks applied in order: `platform` (shared infrastructure tables every context
/// has), `events` (outbox/inbox), then `context` (the context's own `Migrations/NNNN_name.sql` files).
public struct Migration: Sendable, Hashable {
    public let track: String
    public let version: Int
    public let name: String
    public let sql: String

    public init(track: String, version: Int, name: String, sql: String) {
        self.track = track
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// SHA-256 of the SQL text; an applied migration whose file changed is refused.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Loads `NNNN_name.sql` files from a directory, sorted by version; duplicate versions are an error.
    public static func load(directory: URL, track: String = "context") throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        var migrations: [Migration] = []
        for file in files {
            let base = file.deletingPathExtension().lastPathComponent
            guard let underscore = base.firstIndex(of: "_"), let version = Int(base[..<underscore]) else {
                throw MigrationError.badFileName(file.lastPathComponent)
            }
            let sql = try String(contentsOf: file, encoding: .utf8)
            migrations.append(Migration(track: track, version: version, name: String(base[base.index(after: underscore)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (left, right) in zip(migrations, migrations.dropFirst()) where left.version == right.version {
            throw MigrationError.duplicateVersion(track: track, version: left.version)
        }
        return migrations
    }
}

/// Why migrations could not be applied.
public enum MigrationError: Error, CustomStringConvertible {
    case badFileName(String)
    case duplicateVersion(track: String, version: Int)
    case changedAfterApply(track: String, version: Int, name: String)
    case failed(track: String, version: Int, name: String, statement: String, underlying: String)

    public var description: String {
        switch self {
        case .badFileName(let name): return "migration file '\(name)' is not named NNNN_description.sql"
        case .duplicateVersion(let track, let version): return "two \(track) migrations have version \(version)"
        case .changedAfterApply(let track, let version, let name):
            return "\(track) migration \(version) (\(name)) was changed after it was applied; add a new migration instead"
        case .failed(let track, let version, let name, let statement, let underlying):
            return "\(track) migration \(version) (\(name)) failed at: \(statement.prefix(200)) — \(underlying)"
        }
    }
}
