import Logging
import PostgresNIO

/// Applies migrations at start-up, once, whatever the number of replicas starting together.
///
/// Runs under a session advisory lock keyed by the schema; records each migration (track, version,
/// checksum) in the schema's own `schema_migrations` table; applies each in its own transaction, in the system scope.
public enum MigrationRunner {
    /// Applies what is missing and returns the migrations applied now.
    @discardableResult
    public static func apply(_ migrations: [Migration], to database: Database) async throws -> [Migration] {
        let logger = database.logger
        let lockKey = "billing.migrations.\(database.schema)"
        return try await database.withConnection { connection in
            try await connection.execute(
                PostgresQuery(unsafeSQL: "SELECT pg_advisory_lock(hashtextextended($1, 0))", binds: try .of(lockKey)), logger: logger)
            do {
                let applied = try await apply(migrations, on: connection, logger: logger)
                try await connection.execute(
                    PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(hashtextextended($1, 0))", binds: try .of(lockKey)), logger: logger)
                return applied
            } catch {
                try? await connection.execute(
                    PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(hashtextextended($1, 0))", binds: try .of(lockKey)), logger: logger)
                throw error
            }
        }
    }

    private static func apply(_ migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws -> [Migration] {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        track text NOT NULL,
                        version integer NOT NULL,
                        name text NOT NULL,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now(),
                        PRIMARY KEY (track, version)
                    )
                    """), logger: logger)
        var recorded: [String: String] = [:]
        for row in try await connection.rows("SELECT track, version, checksum FROM schema_migrations", logger: logger) {
            let (track, version, checksum) = try row.decode((String, Int, String).self)
            recorded["\(track)/\(version)"] = checksum
        }
        var appliedNow: [Migration] = []
        for migration in migrations {
            if let checksum = recorded["\(migration.track)/\(migration.version)"] {
                guard checksum == migration.checksum else {
                    throw MigrationError.changedAfterApply(track: migration.track, version: migration.version, name: migration.name)
                }
                continue
            }
            try await connection.execute("BEGIN", logger: logger)
            do {
                // A migration that moves data sees every tenant's rows (row-level security is forced on tenant tables).
                try await connection.execute("SELECT set_config('billing.scope', 'system', true)", logger: logger)
                // A migration that moves many rows may run longer than a request may.
                try await connection.execute("SET LOCAL statement_timeout = 0", logger: logger)
                for statement in SQLStatementSplitter.split(migration.sql) {
                    do {
                        try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
                    } catch {
                        throw MigrationError.failed(
                            track: migration.track, version: migration.version, name: migration.name,
                            statement: statement, underlying: String(reflecting: error))
                    }
                }
                try await connection.execute(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO schema_migrations (track, version, name, checksum)
                            VALUES ($1, $2, $3, $4)
                            """, binds: try .of(migration.track, migration.version, migration.name, migration.checksum)), logger: logger)
                try await connection.execute("COMMIT", logger: logger)
            } catch {
                try? await connection.execute("ROLLBACK", logger: logger)
                throw error
            }
            logger.info(
                "applied migration", metadata: ["track": "\(migration.track)", "version": "\(migration.version)", "name": "\(migration.name)"])
            appliedNow.append(migration)
        }
        return appliedNow
    }
}
