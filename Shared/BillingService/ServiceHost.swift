import BillingCore
import BillingPostgres
import BillingRPC
import BillingRPCHTTP2
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Starts a service the same way for every executable: configuration → logging → database pool →
/// migrations → components → one `ServiceGroup` until SIGTERM/SIGINT. With the argument `migrate` it stops after the migrations.
///
/// Shutdown order: readiness goes false first, then the RPC server and frontends drain in-flight
/// calls, then background work finishes its batch, then the admin server and the pool stop.
public enum ServiceHost {
    /// Runs the service and exits the process: 0 after a clean shutdown, 2 for bad configuration, 1 otherwise.
    public static func main(
        name: String, defaults: ServicePorts, migrations: [Migration],
        build: @escaping @Sendable (ServiceRuntime) async throws -> ServiceComponents
    ) async -> Never {
        do {
            try await run(name: name, defaults: defaults, migrations: migrations, build: build)
            exit(0)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("billing-\(name): configuration error: \(error)\n".utf8))
            exit(2)
        } catch {
            FileHandle.standardError.write(Data("billing-\(name): \(error)\n".utf8))
            exit(1)
        }
    }

    public static func run(
        name: String, defaults: ServicePorts, migrations: [Migration],
        build: @escaping @Sendable (ServiceRuntime) async throws -> ServiceComponents
    ) async throws {
        let migrateOnly = CommandLine.arguments.dropFirst().first == "migrate"
        let configuration = try ServiceConfiguration(name: name, defaults: defaults, servesRPC: !migrateOnly)
        bootstrapLogging(configuration)
        let logger = {
            var logger = Logger(label: "billing.\(name)")
            logger[metadataKey: "service"] = "\(name)"
            return logger
        }()
        logger.info("starting billing-\(name)")

        // Once per process, before anything records: swift-metrics' API, swift-prometheus' registry behind `/metrics`.
        let metrics = BillingMetrics.bootstrap()
        let database = Database(configuration: configuration.database, logger: logger)
        let readiness = ReadinessState()
        let runtime = ServiceRuntime(
            configuration: configuration, database: database, logger: logger,
            clock: SystemClock(), readiness: readiness)
        defer { runtime.closeClients() }

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await database.run() }
            try await migrate(database: database, migrations: PlatformMigrations.all + migrations, logger: logger)
            // `billing-<service> migrate`: apply the migrations and exit (a release's migration job, before its rollout).
            if migrateOnly {
                logger.info("billing-\(name): migrations applied")
                group.cancelAll()
                return
            }
            readiness.addCheck {
                do {
                    try await database.withConnection { try await $0.execute("SELECT 1", logger: logger) }
                    return nil
                } catch {
                    return "database: \(error)"
                }
            }
            let components = try await build(runtime)
            // Printed once the service has read everything it uses (its own settings included).
            logger.info("billing-\(name) configuration:\n\(configuration.reader.summary)")
            let rpcServer = RPCServer(
                configuration: RPCServerConfiguration(
                    host: configuration.rpcHost, port: configuration.rpcPort, serviceName: name, tls: configuration.rpcTLS,
                    drainTimeout: .seconds(Int64(configuration.drainTimeoutSeconds))),
                router: components.router, logger: logger, observer: RPCServerMetrics(router: components.router))
            let admin = AdminServer(
                host: configuration.adminHost, port: configuration.adminPort, readiness: readiness, metrics: metrics, logger: logger)
            let gate = ReadinessGate(
                readiness: readiness, rpcServer: rpcServer, admin: admin,
                shutdownDelay: .milliseconds(configuration.shutdownDelayMilliseconds),
                // The group's own limit (drain + 15 s) and the pool's close, with room to spare.
                shutdownDeadline: .milliseconds(configuration.shutdownDelayMilliseconds) + .seconds(configuration.drainTimeoutSeconds + 30),
                logger: logger)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: admin)]
            services += components.background.map { .init(service: $0) }
            // Stored answers of idempotent calls are kept `BILLING_IDEMPOTENCY_RETENTION_HOURS` (7 days), then removed.
            let retention = Double(try configuration.reader.int("BILLING_IDEMPOTENCY_RETENTION_HOURS", default: 168, range: 1...24 * 3650) * 3600)
            let database = runtime.database
            services.append(
                .init(
                    service: PeriodicBatchJob(name: "idempotency retention", interval: .seconds(600), batchSize: 10_000, logger: logger) { limit in
                        try await database.purgeIdempotentRequests(before: Date().addingTimeInterval(-retention), limit: limit)
                    }))
            services += runtime.endpointRefreshers.map { .init(service: $0) }
            services += components.frontends.map { .init(service: $0) }
            services.append(.init(service: rpcServer))
            services.append(.init(service: gate, successTerminationBehavior: .ignore))
            if configuration.exitWithParent {
                services.append(.init(service: ParentProcessWatchdog(logger: logger), successTerminationBehavior: .gracefullyShutdownGroup))
            }
            var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
            groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(configuration.drainTimeoutSeconds + 15)
            try await ServiceGroup(configuration: groupConfiguration).run()
            logger.info("billing-\(name) stopped")
            group.cancelAll()
        }
    }

    /// Applies migrations, waiting up to a minute for the database to come up.
    static func migrate(database: Database, migrations: [Migration], logger: Logger) async throws {
        let started = ContinuousClock.now
        while true {
            do {
                let applied = try await MigrationRunner.apply(migrations, to: database)
                logger.info("schema \(database.schema) is up to date", metadata: ["applied_now": "\(applied.count)"])
                return
            } catch let error as DatabaseUnavailableError where ContinuousClock.now - started < .seconds(60) {
                logger.warning("database not reachable yet, retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    static func bootstrapLogging(_ configuration: ServiceConfiguration) {
        let level = configuration.logLevel
        if configuration.logFormat == "json" {
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// Flips readiness on once everything listens, and off as the first step of shutdown.
struct ReadinessGate: Service {
    let readiness: ReadinessState
    let rpcServer: RPCServer
    let admin: AdminServer
    let shutdownDelay: Duration
    /// How long the whole shutdown may take before the process exits regardless.
    let shutdownDeadline: Duration
    let logger: Logger

    func run() async throws {
        _ = try await rpcServer.listeningAddress()
        _ = try await admin.listeningAddress()
        readiness.markReady()
        logger.info("ready")
        try? await gracefulShutdown()
        readiness.markNotReady()
        logger.info("shutting down: readiness is now false")
        ShutdownDeadline.arm(after: shutdownDeadline, logger: logger)
        if shutdownDelay > .zero { try? await Task.sleep(for: shutdownDelay) }
    }
}

/// A shutdown that outlives its deadline (a pool stuck on a database that went away, a task that ignores cancellation) ends the
/// process anyway: an orchestrator's SIGTERM, or a test cluster's parent exiting, always ends it in bounded time.
enum ShutdownDeadline {
    static func arm(after deadline: Duration, logger: Logger) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(deadline.wholeMilliseconds))) {
            logger.error("shutdown did not finish in time; exiting", metadata: ["deadline_ms": "\(deadline.wholeMilliseconds)"])
            exit(1)
        }
    }
}

/// Ends the service when the process that started it is gone (test clusters never leave orphans).
struct ParentProcessWatchdog: Service {
    let logger: Logger

    func run() async throws {
        let parent = getppid()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if getppid() != parent {
                logger.warning("parent process exited; shutting down")
                return
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}
