/// Streams, retention and retry settings of the event bus (`BILLING_REDIS_URL`, `BILLING_EVENTS_…`).
public struct EventBusConfiguration: Sendable {
    public var redis: RedisConfiguration
    /// Published outbox rows are kept this long, to re-send them if Redis loses its data.
    public var outboxRetentionSeconds: Int
    /// A stream is trimmed (only below what every group has acknowledged) once it is longer than this.
    public var trimThreshold: Int
    /// Deliveries of one entry before it moves to the dead-letter stream.
    public var maximumDeliveries: Int
    /// How long an entry stays pending on a consumer before another claims it (and failed ones are retried).
    public var retryIdleMilliseconds: Int
    /// How long one `XREADGROUP` blocks waiting for entries.
    public var blockMilliseconds: Int
    /// Outbox rows per relay batch, entries per read.
    public var batchSize: Int
    /// Relay fallback poll when no notification arrives.
    public var pollIntervalMilliseconds: Int
    /// Test-only fault injection, `group:type`: kill the process (SIGKILL) after the consumer group applies an event of the type, before `XACK`.
    public var crashAfterApplying: String?

    public init(
        redis: RedisConfiguration, outboxRetentionSeconds: Int = 72 * 3600, trimThreshold: Int = 100_000, maximumDeliveries: Int = 5,
        retryIdleMilliseconds: Int = 10_000, blockMilliseconds: Int = 2_000, batchSize: Int = 500, pollIntervalMilliseconds: Int = 1_000,
        crashAfterApplying: String? = nil
    ) {
        self.redis = redis
        self.outboxRetentionSeconds = outboxRetentionSeconds
        self.trimThreshold = trimThreshold
        self.maximumDeliveries = maximumDeliveries
        self.retryIdleMilliseconds = retryIdleMilliseconds
        self.blockMilliseconds = blockMilliseconds
        self.batchSize = batchSize
        self.pollIntervalMilliseconds = pollIntervalMilliseconds
        self.crashAfterApplying = crashAfterApplying
    }
}
