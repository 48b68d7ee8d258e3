import Synchronization

/// Whether the service should receive traffic: false while starting, true once serving, false again
/// as soon as shutdown begins (before anything drains), so load balancers stop sending first.
public final class ReadinessState: Sendable {
    private let ready = Atomic<Bool>(false)
    private let checks = Mutex<[@Sendable () async -> String?]>([])

    public init() {}

    public var isReady: Bool { ready.load(ordering: .acquiring) }

    public func markReady() { ready.store(true, ordering: .releasing) }
    public func markNotReady() { ready.store(false, ordering: .releasing) }

    /// Adds a dependency check; it returns nil when healthy, or what is wrong.
    public func addCheck(_ check: @escaping @Sendable () async -> String?) {
        checks.withLock { $0.append(check) }
    }

    /// Nil when ready, otherwise the reasons it is not.
    public func problems() async -> [String]? {
        guard isReady else { return ["not serving (starting or shutting down)"] }
        let checks = checks.withLock { $0 }
        var problems: [String] = []
        for check in checks {
            if let problem = await check() { problems.append(problem) }
        }
        return problems.isEmpty ? nil : problems
    }
}
