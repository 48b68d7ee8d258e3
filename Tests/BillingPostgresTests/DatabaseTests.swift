import BillingCore
import BillingPostgres
import BillingTesting
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// Runs `body` with a pool on the `testing` schema (role billing_testing), started and stopped around it.
func withTestingDatabase(_ body: (Database) async throws -> Void) async throws {
    try await TestEnvironment.withDatabase(schema: "testing", body)
}

@Suite("PostgreSQL storage (real database)", .serialized)
struct DatabaseTests {
    @Test("every session has its statement, lock and idle-transaction limits: a lock wait past its limit fails as a retryable conflict")
    func sessionTimeouts() async throws {
        try await TestEnvironment.withFreshSchema("timeouts") { fresh in
            var configuration = fresh.configuration
            // The idle limit is generous: under a loaded machine a lease can take seconds, and the holder below must outlive it.
            configuration.timeouts = DatabaseTimeouts(statementMilliseconds: 1_500, lockMilliseconds: 300, idleInTransactionMilliseconds: 30_000)
            let database = Database(configuration: configuration, logger: fresh.logger)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await database.run() }
                let settings = try await database.withSystemScope { connection in
                    try await connection.rows(
                        "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout')",
                        logger: database.logger
                    ).map { try $0.decode((String, String, String).self) }
                }
                #expect(settings.first?.0 == "1500ms" && settings.first?.1 == "300ms" && settings.first?.2 == "30s")
                try await database.withSystemScope { try await $0.execute("CREATE TABLE held (id int PRIMARY KEY)", logger: database.logger) }
                try await database.withSystemScope { try await $0.execute("INSERT INTO held VALUES (1)", logger: database.logger) }
                let holding = AsyncStream<Void>.makeStream()
                let release = AsyncStream<Void>.makeStream()
                group.addTask {
                    try await database.withSystemScope { connection in
                        try await connection.execute("SELECT id FROM held WHERE id = 1 FOR UPDATE", logger: database.logger)
                        holding.continuation.yield()
                        for await _ in release.stream { break }
                    }
                }
                for await _ in holding.stream { break }
                let waited = Mutex<Duration?>(nil)
                do {
                    try await database.withSystemScope { connection in
                        // Timed once the connection is leased: the lock wait alone.
                        let began = ContinuousClock.now
                        defer { waited.withLock { $0 = ContinuousClock.now - began } }
                        try await connection.execute("UPDATE held SET id = 2 WHERE id = 1", logger: database.logger)
                    }
                    Issue.record("the update waited for the lock and went through")
                } catch {
                    #expect(DatabaseErrors.classify(error) is DatabaseConflictError, "lock_timeout is a conflict a caller may retry: \(error)")
                }
                let wait = waited.withLock { $0 }
                #expect(wait.map { $0 < .seconds(5) } == true, "the wait stopped at the limit, not at the holder's end: \(String(describing: wait))")
                release.continuation.yield()
                do {
                    try await database.withSystemScope { try await $0.execute("SELECT pg_sleep(3)", logger: database.logger) }
                    Issue.record("a statement ran past statement_timeout")
                } catch {
                    #expect(DatabaseErrors.classify(error) is DatabaseTimeoutError)
                }
                group.cancelAll()
            }
        }
    }

    @Test("stored answers of idempotent calls are removed once past their retention, not before")
    func idempotencyRetention() async throws {
        try await TestEnvironment.withFreshSchema("idem") { database in
            let first: String = try await database.idempotent(tenant: "t", operation: "op", key: "k", request: "r") { _ in "first" }
            let again: String = try await database.idempotent(tenant: "t", operation: "op", key: "k", request: "r") { _ in "second" }
            #expect(first == "first" && again == "first", "answered from the record")
            let early = try await database.purgeIdempotentRequests(before: Date().addingTimeInterval(-3600), limit: 100)
            let due = try await database.purgeIdempotentRequests(before: Date().addingTimeInterval(60), limit: 100)
            #expect(early == 0 && due == 1)
            let later: String = try await database.idempotent(tenant: "t", operation: "op", key: "k", request: "r") { _ in "second" }
            #expect(later == "second", "past its retention a key is new")
        }
    }

    @Test("migrations applied twice are a no-op")
    func migrationsTwice() async throws {
        try await withTestingDatabase { database in
            let track = "test_\(UUIDv7.generate().uuidString.suffix(12).lowercased())"
            let table = "twice_\(track)"
            let migrations = [
                Migration(
                    track: track, version: 1, name: "create",
                    sql: "CREATE TABLE \(table) (tenant_id text NOT NULL, value int); SELECT enable_tenant_isolation('\(table)');"),
                Migration(track: track, version: 2, name: "alter", sql: "ALTER TABLE \(table) ADD COLUMN note text;"),
            ]
            #expect(try await MigrationRunner.apply(migrations, to: database).count == 2)
            #expect(try await MigrationRunner.apply(migrations, to: database).isEmpty)
            let recorded = try await database.withConnection { connection in
                try await connection.rows("SELECT count(*) FROM schema_migrations WHERE track = \(track)", logger: database.logger).first!.decode(
                    Int.self)
            }
            #expect(recorded == 2)
        }
    }

    @Test("an applied migration whose file changed is refused")
    func changedMigration() async throws {
        try await withTestingDatabase { database in
            let track = "test_\(UUIDv7.generate().uuidString.suffix(12).lowercased())"
            let original = Migration(track: track, version: 1, name: "create", sql: "CREATE TABLE changed_\(track) (id int);")
            try await MigrationRunner.apply([original], to: database)
            let edited = Migration(track: track, version: 1, name: "create", sql: "CREATE TABLE changed_\(track) (id bigint);")
            await #expect(throws: MigrationError.self) { try await MigrationRunner.apply([edited], to: database) }
        }
    }

    @Test("replicas migrating at once apply each migration once")
    func concurrentRunners() async throws {
        try await withTestingDatabase { database in
            let track = "test_\(UUIDv7.generate().uuidString.suffix(12).lowercased())"
            let migrations = [Migration(track: track, version: 1, name: "create", sql: "CREATE TABLE race_\(track) (id int);")]
            let appliedCounts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<5 { group.addTask { try await MigrationRunner.apply(migrations, to: database).count } }
                return try await group.reduce(0, +)
            }
            #expect(appliedCounts == 1)
        }
    }

    @Test("row-level security: no tenant sees no rows, each tenant sees its own, system scope sees all")
    func rowLevelSecurity() async throws {
        try await withTestingDatabase { database in
            let track = "test_\(UUIDv7.generate().uuidString.suffix(12).lowercased())"
            let table = "rls_\(track)"
            try await MigrationRunner.apply(
                [
                    Migration(
                        track: track, version: 1, name: "create",
                        sql: """
                            CREATE TABLE \(table) (tenant_id text NOT NULL, value int NOT NULL);
                            SELECT enable_tenant_isolation('\(table)');
                            """)
                ], to: database)
            let logger = database.logger
            for (tenant, value) in [("tenant-a", 1), ("tenant-a", 2), ("tenant-b", 3)] {
                try await database.withTenant(tenant) { connection in
                    try await connection.execute(
                        PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES ($1, $2)", binds: try binds(tenant, value)), logger: logger)
                }
            }
            // Writing another tenant's row is refused by the policy's WITH CHECK.
            await #expect(throws: (any Error).self) {
                try await database.withTenant("tenant-a") { connection in
                    try await connection.execute(
                        PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES ($1, $2)", binds: try binds("tenant-b", 9)), logger: logger)
                }
            }
            let unscoped = try await database.withConnection { connection in
                try await connection.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger).first!.decode(Int.self)
            }
            #expect(unscoped == 0)
            let seenByA = try await database.withTenant("tenant-a") { connection in
                try await connection.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger).first!.decode(Int.self)
            }
            #expect(seenByA == 2)
            let seenByB = try await database.withTenant("tenant-b") { connection in
                try await connection.rows(PostgresQuery(unsafeSQL: "SELECT sum(value)::int FROM \(table)"), logger: logger).first!.decode(Int.self)
            }
            #expect(seenByB == 3)
            let seenBySystem = try await database.withSystemScope { connection in
                try await connection.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger).first!.decode(Int.self)
            }
            #expect(seenBySystem == 3)
        }
    }

    @Test("the role cannot bypass row-level security or reach another schema")
    func roleIsNotPrivileged() async throws {
        try await withTestingDatabase { database in
            let (superuser, bypass) = try await database.withConnection { connection in
                try await connection.rows("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user", logger: database.logger)
                    .first!.decode((Bool, Bool).self)
            }
            #expect(!superuser && !bypass)
            await #expect(throws: (any Error).self) {
                try await database.withSystemScope { connection in
                    try await connection.execute("CREATE TABLE accounts.intruder (id int)", logger: database.logger)
                }
            }
        }
    }

    @Test("an error raised while a statement runs fails the transaction instead of committing it")
    func errorsSurface() async throws {
        try await withTestingDatabase { database in
            let track = "test_\(UUIDv7.generate().uuidString.suffix(12).lowercased())"
            let table = "check_\(track)"
            try await MigrationRunner.apply(
                [
                    Migration(
                        track: track, version: 1, name: "create",
                        sql: """
                            CREATE TABLE \(table) (tenant_id text NOT NULL, value int NOT NULL CHECK (value >= 0));
                            SELECT enable_tenant_isolation('\(table)');
                            """)
                ], to: database)
            let logger = database.logger
            await #expect(throws: (any Error).self) {
                try await database.withTenant("t") { connection in
                    try await connection.execute(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES ('t', 1)"), logger: logger)
                    try await connection.execute(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES ('t', -1)"), logger: logger)
                }
            }
            let count = try await database.withTenant("t") { connection in
                try await connection.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger).first!.decode(Int.self)
            }
            #expect(count == 0)
        }
    }
}

func binds(_ tenant: String, _ value: Int) throws -> PostgresBindings {
    var bindings = PostgresBindings()
    bindings.append(tenant)
    bindings.append(value)
    return bindings
}
