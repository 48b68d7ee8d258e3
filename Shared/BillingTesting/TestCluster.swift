import BillingCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The real executables, started on free loopback ports against the test PostgreSQL and Redis, for
/// end-to-end tests. One cluster per test process (``shared``); every service exits with the test
/// process (`BILLING_EXIT_WITH_PARENT`), so none outlives it even after a crash.
public actor TestCluster {
    public static let shared = TestCluster()

    private let databaseName: String?
    private let redisPort: Int?
    private let extraEnvironment: [String: String]
    private let replicaCounts: [String: Int]

    /// A cluster of its own: another database (`TestEnvironment.isolatedDatabaseName`), its own Redis, extra settings, and
    /// several replicas of some services (`["ledger": 3]`): each on its own ports, every caller's endpoint list naming them all.
    public init(database: String? = nil, redisPort: Int? = nil, environment: [String: String] = [:], replicas: [String: Int] = [:]) {
        self.databaseName = database
        self.redisPort = redisPort
        self.extraEnvironment = environment
        self.replicaCounts = replicas
    }

    /// The services in start order (the gateway last: its readiness waits for the others).
    public static let serviceNames = ["accounts", "catalog", "subscriptions", "ledger", "invoicing", "notifications", "gateway"]

    public struct Ports: Sendable {
        public let rpc: Int
        public let admin: Int
        /// The public HTTP port (gateways only).
        public var http: Int? = nil
    }

    public struct Running: Sendable {
        public let gatewayURL: String
        public let tokens: TestTokens
        public let client: HTTPTestClient
        /// The first replica's ports, by service.
        public let ports: [String: Ports]
        public let logDirectory: URL
        /// Every replica's ports, by service (one entry unless `replicas` asked for more).
        public let replicaPorts: [String: [Ports]]
        /// Every gateway replica's base URL (the first is `gatewayURL`).
        public var gatewayURLs: [String] { replicaPorts["gateway", default: []].compactMap { $0.http.map { "http://127.0.0.1:\($0)" } } }
    }

    private var running: Running?
    private var startTask: Task<Running, any Error>?
    private var processes: [String: Process] = [:]
    private var environment: [String: String] = [:]

    /// Starts the cluster once; later calls return the same one.
    public func start() async throws -> Running {
        if let running { return running }
        if let startTask { return try await startTask.value }
        let task = Task { try await self.launch() }
        startTask = task
        do {
            let running = try await task.value
            self.running = running
            return running
        } catch {
            await stop()  // what did start (a service not ready, one that exited) does not outlive the failure
            throw error
        }
    }

    private func launch() async throws -> Running {
        let tokens = try TestTokens()
        let logDirectory = TestEnvironment.repositoryRoot.appendingPathComponent(
            ".run-test/e2e-\(getpid())-\(UUIDv7.generate().uuidString.suffix(6))")
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        let jwksFile = logDirectory.appendingPathComponent("jwks.json")
        try tokens.jwksJSON().write(to: jwksFile, atomically: true, encoding: .utf8)

        var replicaPorts: [String: [Ports]] = [:]
        for name in Self.serviceNames {
            replicaPorts[name] = (0..<max(1, replicaCounts[name] ?? 1)).map { _ in
                Ports(rpc: FreePort.allocate(), admin: FreePort.allocate(), http: name == "gateway" ? FreePort.allocate() : nil)
            }
        }
        let ports = replicaPorts.mapValues { $0[0] }
        let httpPort = ports["gateway"]!.http!
        var environment: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "BILLING_ENVIRONMENT": "development",
            "BILLING_LOG_FORMAT": "json",
            "BILLING_LOG_LEVEL": "info",
            "BILLING_EXIT_WITH_PARENT": "true",
            "BILLING_DRAIN_TIMEOUT_SECONDS": "5",
            "BILLING_INVOICING_COLLECTION_INTERVAL_MS": "300",
            "BILLING_LEDGER_EXPIRY_WARNING_INTERVAL_MS": "500",
            "BILLING_NOTIFICATIONS_DELIVERY_INTERVAL_MS": "500",
            "BILLING_NOTIFICATIONS_RETRY_SCHEDULE": "1s,1s,1s",
            // Long enough that a test can see an endpoint still hanging while others are served, on a loaded machine.
            "BILLING_NOTIFICATIONS_TIMEOUT_MS": "50000",
            "BILLING_REDIS_URL": "redis://127.0.0.1:\(redisPort ?? TestEnvironment.redisPort)",
            "BILLING_GATEWAY_JWT_HS256_SECRET": tokens.hs256Secret,
            "BILLING_GATEWAY_JWKS_FILE": jwksFile.path,
            "BILLING_GATEWAY_JWT_ISSUER": tokens.issuer,
            "BILLING_GATEWAY_JWT_AUDIENCE": tokens.audience,
        ]
        certificates = try TestCertificates.directory()
        for name in Self.serviceNames {
            let prefix = "BILLING_\(name.uppercased())_"
            environment[prefix + "ENDPOINTS"] = replicaPorts[name]!.map { "127.0.0.1:\($0.rpc)" }.joined(separator: ",")
            environment[prefix + "DATABASE_URL"] = TestEnvironment.databaseURL(schema: name, database: databaseName)
            environment[prefix + "DATABASE_MAX_CONNECTIONS"] = "10"
        }
        environment.merge(extraEnvironment) { $1 }
        self.environment = environment
        self.replicaPorts = replicaPorts
        let instances = Self.serviceNames.flatMap { name in replicaPorts[name]!.indices.map { Self.instance(name, $0) } }
        for instance in instances { try spawn(instance, logDirectory: logDirectory) }
        for instance in instances { try await waitUntilReady(instance, adminPort: try portsOf(instance).admin, logDirectory: logDirectory) }
        let gatewayURL = "http://127.0.0.1:\(httpPort)"
        return Running(
            gatewayURL: gatewayURL, tokens: tokens, client: HTTPTestClient(baseURL: gatewayURL), ports: ports, logDirectory: logDirectory,
            replicaPorts: replicaPorts)
    }

    private var replicaPorts: [String: [Ports]] = [:]
    private var certificates = URL(fileURLWithPath: "/")

    /// A process's name: the service's for its first replica, `ledger#2` for the second, and so on.
    public static func instance(_ service: String, _ replica: Int) -> String { replica == 0 ? service : "\(service)#\(replica + 1)" }

    private func portsOf(_ instance: String) throws -> Ports {
        let parts = instance.split(separator: "#")
        let replica = parts.count == 2 ? (Int(parts[1]) ?? 1) - 1 : 0
        guard let ports = replicaPorts[String(parts[0])], ports.indices.contains(replica) else {
            throw TestClusterError(message: "no instance \(instance) in this cluster")
        }
        return ports[replica]
    }

    /// `ledger.log`, `ledger-2.log`.
    private static func logFile(of instance: String, in directory: URL) -> URL {
        directory.appendingPathComponent("\(instance.replacingOccurrences(of: "#", with: "-")).log")
    }

    /// Starts one instance (`ledger`, `ledger#2`): the service's executable with that replica's ports.
    private func spawn(_ instance: String, logDirectory: URL) throws {
        let name = String(instance.split(separator: "#")[0])
        let executable = TestEnvironment.buildDirectory.appendingPathComponent("billing-\(name)")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw TestClusterError(message: "\(executable.path) is not built (run `swift build` or `make test`)")
        }
        let ports = try portsOf(instance)
        var environment = self.environment
        let prefix = "BILLING_\(name.uppercased())_"
        environment.merge(TestCertificates.environment(as: name, in: certificates)) { $1 }
        // The shared test Redis has ACL users, each service its own; a Redis of the test's own (`redisPort`) has none.
        if redisPort == nil, let password = TestEnvironment.redisPassword(of: name) { environment["BILLING_REDIS_PASSWORD"] = password }
        environment.merge(extraEnvironment) { $1 }
        environment[prefix + "RPC_PORT"] = String(ports.rpc)
        environment[prefix + "ADMIN_PORT"] = String(ports.admin)
        if let http = ports.http { environment[prefix + "HTTP_PORT"] = String(http) }
        let logFile = Self.logFile(of: instance, in: logDirectory)
        if !FileManager.default.fileExists(atPath: logFile.path) { FileManager.default.createFile(atPath: logFile.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: logFile)
        handle.seekToEndOfFile()
        let process = Process()
        process.executableURL = executable
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes[instance] = process
    }

    private func waitUntilReady(_ name: String, adminPort: Int, logDirectory: URL) async throws {
        let admin = HTTPTestClient(baseURL: "http://127.0.0.1:\(adminPort)")
        defer { admin.close() }
        for _ in 0..<600 {
            if let response = try? await admin.get("/readyz", token: nil), response.status == 200 { return }
            if let process = processes[name], !process.isRunning {
                throw TestClusterError(message: "billing-\(name) exited during start-up:\n" + logTail(name, logDirectory: logDirectory))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestClusterError(message: "billing-\(name) not ready after 60 s:\n" + logTail(name, logDirectory: logDirectory))
    }

    private func logTail(_ name: String, logDirectory: URL) -> String {
        let text = (try? String(contentsOf: Self.logFile(of: name, in: logDirectory), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// What one service needs to start outside development against the test PostgreSQL and Redis, on free ports (start-up refusal tests).
    public static func productionEnvironment(for service: String) throws -> [String: String] {
        let prefix = "BILLING_\(service.uppercased())_"
        return [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "BILLING_ENVIRONMENT": "production", "BILLING_LOG_FORMAT": "text", "BILLING_EXIT_WITH_PARENT": "true",
            "BILLING_REDIS_URL": "redis://127.0.0.1:\(TestEnvironment.redisPort)",
            prefix + "RPC_PORT": String(FreePort.allocate()), prefix + "ADMIN_PORT": String(FreePort.allocate()),
            prefix + "DATABASE_URL": TestEnvironment.databaseURL(schema: service),
            "BILLING_REDIS_PASSWORD": TestEnvironment.redisPassword(of: service) ?? "",
        ].merging(TestCertificates.environment(as: service, in: try TestCertificates.directory())) { $1 }
    }

    /// Kills an instance (`ledger`, `ledger#2`) at once (SIGKILL), as a crash would.
    public func kill(_ name: String) async {
        guard let process = processes[name] else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        await Self.waitForExit(process)
    }

    /// Waits for a child to exit without blocking a thread (`waitUntilExit` spins a run loop).
    public static func waitForExit(_ process: Process) async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Starts a killed or stopped service again on its ports and waits until it is ready.
    public func restart(_ name: String) async throws {
        guard let running else { throw TestClusterError(message: "cluster not started") }
        if let process = processes[name], process.isRunning { await kill(name) }
        try spawn(name, logDirectory: running.logDirectory)
        try await waitUntilReady(name, adminPort: try portsOf(name).admin, logDirectory: running.logDirectory)
    }

    /// Stops every instance (SIGTERM: each drains and exits) and waits for them; `start()` launches a new cluster afterwards.
    public func stop() async {
        for process in processes.values where process.isRunning { process.terminate() }
        for process in processes.values { await Self.waitForExit(process) }
        processes = [:]
        running = nil
        startTask = nil
    }

    /// The process id of a service (for signal tests).
    public func processIdentifier(of name: String) -> Int32? { processes[name]?.processIdentifier }

    /// Whether a service's process is alive.
    public func isRunning(_ name: String) -> Bool { processes[name]?.isRunning ?? false }
}

public struct TestClusterError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
