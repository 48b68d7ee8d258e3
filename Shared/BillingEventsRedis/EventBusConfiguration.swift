/// Streams, retention and retry settings of the event bus (`BILLING_REDIS_URL`, `BILLING_EVENTS_…`).
public struct EventBusConfiguration: Sendable {
    public var redis: RedisConfiguration
    /// Published outbox rows are kept this long, to re-send them if Redis loses its data.
    public var outboxRetentionSeconds: Int
    /// A stream is trimmed (only below what every group has acknowledged) once it is longer than this.
    public var trimThreshold: Int
    /// Deliveries of one entry before it moves to the dead-letter stream.
    public var maximumDeliveries: Int
    /// Dead letters are trimmed after this long (`BILLING_EVENTS_DEAD_LETTER_RETENTION_HOURS`, 30 days).
    public var deadLetterRetentionSeconds: Int = 30 * 86_400
    /// A group's inbox rows are removed after this long (`BILLING_EVENTS_INBOX_RETENTION_HOURS`, 35 days): longer than the
    /// outbox's re-send window and the dead letters' retention, so no event can come back after its row is gone.
    public var inboxRetentionSeconds: Int = 35 * 86_400
    /// How long an entry stays pending on a consumer before another claims it (and failed ones are retried).
    public var retryIdleMilliseconds: Int
    /// How long one `XREADGROUP` blocks waiting for entries.
    public var blockMilliseconds: Int
    /// Outbox rows per relay batch, entries per read.
    public var batchSize: Int
    /// Relay fallback poll when no notification arrives.
    public var pollIntervalMilliseconds: Int
    /// Failures that pass by themselves besides the database's own (the service adds a peer `unavailable` or past its deadline):
    /// an event that fails for one is retried with backoff, without limit, and never dead-lettered for it.
    public var isTransient: @Sendable (any Error) -> Bool = { _ in false }
    /// The longest pause of a consumer between rounds while events fail for a transient cause (it doubles from 100 ms).
    public var transientBackoffCeilingMilliseconds: Int = 30_000
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
