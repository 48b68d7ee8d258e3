import BillingRPC
import BillingRPCHTTP2
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A small service used only by these tests.
enum TestEcho {
    static let service = "billing.test.v1.Echo"

    struct EchoRequest: Codable, Sendable, Equatable {
        var text: String
        var padding: String?
    }
    struct EchoResponse: Codable, Sendable, Equatable {
        var text: String
        var server: String
    }
    struct FailRequest: Codable, Sendable {
        var code: RPCCode
        var reason: String?
    }
    struct SleepRequest: Codable, Sendable {
        var milliseconds: Int
        var token: String
    }
    struct CountRequest: Codable, Sendable { var upTo: Int }
    struct CountResponse: Codable, Sendable, Equatable { var value: Int }
    struct DeadlineReport: Codable, Sendable, Equatable {
        var remainingMilliseconds: Int64?
        var downstreamRemainingMilliseconds: Int64?
    }

    static let echo = UnaryMethod<EchoRequest, EchoResponse>(
        service: service, method: "Echo", retry: .always, callers: .anyService, summary: "Echo")
    static let echoOnce = UnaryMethod<EchoRequest, EchoResponse>(
        service: service, method: "EchoOnce", callers: .anyService, summary: "Not idempotent")
    static let fail = UnaryMethod<FailRequest, EchoResponse>(service: service, method: "Fail", callers: .anyService, summary: "Fails")
    static let sleep = UnaryMethod<SleepRequest, EchoResponse>(service: service, method: "Sleep", callers: .anyService, summary: "Sleeps")
    static let count = ServerStreamingMethod<CountRequest, CountResponse>(service: service, method: "Count", callers: .anyService, summary: "Counts")
    static let deadline = UnaryMethod<EchoRequest, DeadlineReport>(
        service: service, method: "Deadline", callers: .anyService, summary: "Reports deadlines")
    static let relay = UnaryMethod<EchoRequest, DeadlineReport>(
        service: service, method: "Relay", callers: .anyService, summary: "Calls Deadline downstream")
    static let crash = UnaryMethod<EchoRequest, EchoResponse>(
        service: service, method: "Crash", callers: .anyService, summary: "Throws an untyped error")
}

/// What the sleep handler observed, for cancellation assertions.
final class SleepLog: Sendable {
    private let state = Mutex<[String: String]>([:])
    func set(_ token: String, _ outcome: String) { state.withLock { $0[token] = outcome } }
    func outcome(_ token: String) -> String? { state.withLock { $0[token] } }
}

struct UntypedFailure: Error { let secret = "do not leak me" }

func makeEchoRouter(name: String, log: SleepLog = SleepLog(), downstream: RPCClient? = nil) -> RPCRouter {
    var router = RPCRouter()
    router.register(TestEcho.echo) { request, _ in TestEcho.EchoResponse(text: request.text, server: name) }
    router.register(TestEcho.echoOnce) { request, _ in TestEcho.EchoResponse(text: request.text, server: name) }
    router.register(TestEcho.fail) { request, _ in
        throw RPCError(request.code, "failed with \(request.code.rawValue) — ünïcode", reason: request.reason, details: ["field": "name"])
    }
    router.register(TestEcho.sleep) { request, _ in
        log.set(request.token, "started")
        do {
            try await Task.sleep(for: .milliseconds(request.milliseconds))
            log.set(request.token, "completed")
        } catch {
            log.set(request.token, "cancelled")
            throw error
        }
        return TestEcho.EchoResponse(text: request.token, server: name)
    }
    router.register(TestEcho.count) { request, _, writer in
        for value in 1...max(1, request.upTo) { try await writer.write(TestEcho.CountResponse(value: value)) }
    }
    router.register(TestEcho.deadline) { _, context in
        TestEcho.DeadlineReport(remainingMilliseconds: context.deadline?.remainingMilliseconds, downstreamRemainingMilliseconds: nil)
    }
    router.register(TestEcho.relay) { request, context in
        let mine = context.deadline?.remainingMilliseconds
        let report = try await downstream!.call(TestEcho.deadline, request, options: context.outgoing(timeout: .milliseconds(1500)))
        return TestEcho.DeadlineReport(remainingMilliseconds: mine, downstreamRemainingMilliseconds: report.remainingMilliseconds)
    }
    router.register(TestEcho.crash) { _, _ in throw UntypedFailure() }
    return router
}

/// An RPC server running in its own service group on a free loopback port.
final class TestRPCServer: Sendable {
    let server: RPCServer
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let endpoint: RPCEndpoint

    static func start(
        name: String, router: RPCRouter, port: Int = 0, maximumMessageSize: Int = RPCFraming.defaultMaximumMessageSize,
        drainTimeout: TimeAmount = .seconds(5)
    ) async throws -> TestRPCServer {
        let logger = Logger(label: "test.\(name)")
        let server = RPCServer(
            configuration: RPCServerConfiguration(
                host: "127.0.0.1", port: port, serviceName: name,
                maximumMessageSize: maximumMessageSize, drainTimeout: drainTimeout),
            router: router, logger: logger)
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        let task = Task { try await group.run() }
        let address = try await server.listeningAddress()
        return TestRPCServer(server: server, group: group, task: task, endpoint: RPCEndpoint(host: "127.0.0.1", port: address.port!))
    }

    private init(server: RPCServer, group: ServiceGroup, task: Task<Void, any Error>, endpoint: RPCEndpoint) {
        self.server = server
        self.group = group
        self.task = task
        self.endpoint = endpoint
    }

    func shutdownGracefully() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Drops every socket at once, as a killed process would.
    func kill() async {
        task.cancel()
        _ = await task.result
    }
}

func makeClient(
    _ endpoints: [RPCEndpoint], name: String = "echo", timeout: TimeAmount = .seconds(5), maximumAttempts: Int = 3
) -> (RPCClient, RPCHTTP2ClientTransport) {
    let transport = RPCHTTP2ClientTransport(
        configuration: RPCClientConfiguration(
            serviceName: name, endpoints: endpoints, defaultTimeout: timeout,
            maximumAttempts: maximumAttempts, initialBackoff: .milliseconds(200)),
        logger: Logger(label: "test.client"))
    return (RPCClient(transport: transport), transport)
}

let testOptions = RPCCallOptions(tenant: "tenant-a", actor: "user-1", requestID: "req-1")
