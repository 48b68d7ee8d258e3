import BillingCore
import BillingEventsRedis
import BillingPostgres
import Foundation
import Logging
import PostgresNIO

/// Where the test infrastructure started by `make test` lives (PostgreSQL, Redis, build folder).
public enum TestEnvironment {
    static let environment = ProcessInfo.processInfo.environment

    public static var postgresHost: String { environment["BILLING_TEST_PG_HOST"] ?? "127.0.0.1" }
    public static var postgresPort: Int { Int(environment["BILLING_TEST_PG_PORT"] ?? "") ?? 55442 }
    public static var redisPort: Int { Int(environment["BILLING_TEST_REDIS_PORT"] ?? "") ?? 56389 }

    /// The test Redis's ACL password of a user (`ADMIN`, `LEDGER`, …): `BILLING_REDIS_PASSWORD_<USER>` as `make test` exports it,
    /// or the test profile's password file.
    public static func redisPassword(of user: String) -> String? {
        let name = "BILLING_REDIS_PASSWORD_\(user.uppercased())"
        if let password = environment[name], !password.isEmpty { return password }
        let file = repositoryRoot.appendingPathComponent(".run-test/redis-passwords.env")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + "=") { return String(line.dropFirst(name.count + 1)) }
        return nil
    }

    /// The test Redis as its operator user (tests that use streams of their own).
    public static var redisAdmin: RedisConfiguration {
        RedisConfiguration(
            host: "127.0.0.1", port: redisPort,
            credentials: redisPassword(of: "ADMIN").map { .init(username: "billing-admin", password: $0) })
    }
    public static var databaseName: String { environment["BILLING_TEST_PG_DATABASE"] ?? "billing" }

    /// The repository root (this file is Shared/BillingTesting/TestEnvironment.swift).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Where the built executables are (`BILLING_BUILD_DIR`, default `.build/debug`).
    public static var buildDirectory: URL {
        environment["BILLING_BUILD_DIR"].map { URL(fileURLWithPath: $0) } ?? repositoryRoot.appendingPathComponent(".build/debug")
    }

    /// The URL of `schema`'s own role (`billing_<schema>`, password = role name in local clusters).
    public static func databaseURL(schema: String, database: String? = nil) -> String {
        "postgres://billing_\(schema):billing_\(schema)@\(postgresHost):\(postgresPort)/\(database ?? databaseName)"
    }

    /// The second test database, for clusters that must not share schemas with the main one.
    public static let isolatedDatabaseName = "billing_isolated"

    /// The third, for the clusters that talk to payment providers' stand-ins (a PSP's API Pix).
    public static let providersDatabaseName = "billing_providers"

    /// A database handle for `schema`, connected as its role.
    public static func database(schema: String, maximumConnections: Int = 10) throws -> Database {
        var logger = Logger(label: "test.db.\(schema)")
        logger.logLevel = .warning
        return Database(
            configuration: try DatabaseConfiguration(url: databaseURL(schema: schema), schema: schema, maximumConnections: maximumConnections),
            logger: logger)
    }

    /// Runs `body` with a pool on `schema` (as its role), the platform and given migrations applied.
    public static func withDatabase(schema: String, migrations: [Migration] = [], _ body: (Database) async throws -> Void) async throws {
        let database = try database(schema: schema)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await database.run() }
            try await MigrationRunner.apply(PlatformMigrations.all + migrations, to: database)
            try await body(database)
            group.cancelAll()
        }
    }

    /// Runs `body` in a throwaway schema of the test role (created, migrated, then dropped).
    public static func withFreshSchema(
        _ prefix: String = "t", migrations: [Migration] = [], maximumConnections: Int = 20,
        _ body: (Database) async throws -> Void
    ) async throws {
        let schema = "\(prefix)_" + UUIDv7.generate().uuidString.suffix(12).lowercased()
        var logger = Logger(label: "test.db.\(schema)")
        logger.logLevel = .warning
        let admin = try database(schema: "testing")
        let database = Database(
            configuration: try DatabaseConfiguration(
                url: databaseURL(schema: "testing"), schema: schema, maximumConnections: maximumConnections), logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await admin.run() }
            group.addTask { await database.run() }
            try await admin.withConnection { try await $0.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger) }
            do {
                try await MigrationRunner.apply(PlatformMigrations.all + migrations, to: database)
                try await body(database)
            } catch {
                try? await admin.withConnection { try await $0.execute(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger) }
                throw error
            }
            try await admin.withConnection { try await $0.execute(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger) }
            group.cancelAll()
        }
    }
}
