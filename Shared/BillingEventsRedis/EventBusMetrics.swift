/// What the event bus reports (the service host turns it into Prometheus metrics).
public protocol EventBusMetrics: Sendable {
    func outboxSampled(stream: String, backlog: Int64, oldestAgeSeconds: Double)
    func consumerSampled(group: String, stream: String, lag: Int64, pending: Int64)
    func eventApplied(group: String, duplicate: Bool)
    func deadLettered(group: String)
    /// A delivery failed for a transient cause (a dependency down or slow): the event waits and is retried, never dead-lettered.
    func transientFailure(group: String)
    func redisLossDetected(stream: String)
}
