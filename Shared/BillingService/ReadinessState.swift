import ServiceLifecycle
import Synchronization

/// Whether the service should receive traffic: false while starting, true once serving, false again
/// as soon as shutdown begins (before anything drains), so load balancers stop sending first.
///
/// A check either gates readiness (the service's own database) or only degrades it (a backend another replica of
/// that backend may still serve): degraded checks are reported on the admin port but never take the process out of rotation.
public final class ReadinessState: Sendable {
    private struct Check {
        let gates: Bool
        let run: @Sendable () async -> String?
    }

    /// What the checks found: `problems` keep the service out of rotation, `degraded` do not.
    public struct Report: Sendable, Equatable {
        public var problems: [String]
        public var degraded: [String]
        public var isReady: Bool { problems.isEmpty }
    }

    private let ready = Atomic<Bool>(false)
    private let checks = Mutex<[Check]>([])
    private let cachedReady = Atomic<Bool>(false)

    public init() {}

    public var isReady: Bool { ready.load(ordering: .acquiring) }

    public func markReady() { ready.store(true, ordering: .releasing) }
    public func markNotReady() {
        ready.store(false, ordering: .releasing)
        cachedReady.store(false, ordering: .releasing)
    }

    /// Adds a dependency check; it returns nil when healthy, or what is wrong. With `gatesReadiness: false` a failure only
    /// reports the service as degraded.
    public func addCheck(gatesReadiness: Bool = true, _ check: @escaping @Sendable () async -> String?) {
        checks.withLock { $0.append(Check(gates: gatesReadiness, run: check)) }
    }

    /// Runs every check now.
    public func report() async -> Report {
        guard isReady else { return Report(problems: ["not serving (starting or shutting down)"], degraded: []) }
        let checks = checks.withLock { $0 }
        var report = Report(problems: [], degraded: [])
        for check in checks {
            guard let problem = await check.run() else { continue }
            if check.gates { report.problems.append(problem) } else { report.degraded.append(problem) }
        }
        return report
    }

    /// Nil when ready, otherwise the reasons it is not.
    public func problems() async -> [String]? {
        let report = await report()
        return report.isReady ? nil : report.problems
    }

    /// The last refreshed answer (``refresh()``): what a public endpoint serves without running a check per request.
    public var lastKnownReady: Bool { cachedReady.load(ordering: .acquiring) && isReady }

    /// Runs the checks and keeps their verdict for ``lastKnownReady``.
    public func refresh() async {
        let ready = await report().isReady
        cachedReady.store(ready, ordering: .releasing)
    }
}

/// Refreshes a ``ReadinessState``'s kept verdict in the background, so a public `/readyz` costs nothing per request.
public struct ReadinessRefresher: Service {
    let readiness: ReadinessState
    let interval: Duration

    public init(readiness: ReadinessState, interval: Duration = .seconds(1)) {
        self.readiness = readiness
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await readiness.refresh()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
