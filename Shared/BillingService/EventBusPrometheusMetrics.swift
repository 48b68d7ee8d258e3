import BillingEventsPostgres
import BillingEventsRedis

/// Event bus metrics: outbox backlog and age, consumer lag and pending, duplicates, dead letters.
struct EventBusPrometheusMetrics: EventBusMetrics {
    let registry: MetricsRegistry

    func outboxSampled(stream: String, backlog: Int64, oldestAgeSeconds: Double) {
        registry.gauge("billing_outbox_backlog", help: "Outbox rows not yet published.", labels: ["stream": stream]).set(Double(backlog))
        registry.gauge(
            "billing_outbox_oldest_unpublished_age_seconds", help: "Age of the oldest unpublished outbox row.",
            labels: ["stream": stream]
        ).set(oldestAgeSeconds)
    }

    func consumerSampled(group: String, stream: String, lag: Int64, pending: Int64) {
        registry.gauge(
            "billing_event_consumer_lag", help: "Entries of the stream the group has not read yet.",
            labels: ["group": group, "stream": stream]
        ).set(Double(lag))
        registry.gauge(
            "billing_event_consumer_pending", help: "Entries read by the group but not acknowledged.",
            labels: ["group": group, "stream": stream]
        ).set(Double(pending))
    }

    func eventApplied(group: String, duplicate: Bool) {
        registry.counter(
            "billing_events_consumed_total", help: "Events consumed, by group and whether the inbox had already applied them.",
            labels: ["group": group, "duplicate": duplicate ? "true" : "false"]
        ).increment()
    }

    func deadLettered(group: String) {
        registry.counter(
            "billing_events_dead_lettered_total", help: "Events moved to a dead-letter stream after too many failed deliveries.",
            labels: ["group": group]
        ).increment()
    }

    func transientFailure(group: String) {
        registry.counter(
            "billing_events_transient_failures_total",
            help: "Deliveries that failed for a transient cause (a dependency down or slow); the event is retried, never dead-lettered.",
            labels: ["group": group]
        ).increment()
    }

    func redisLossDetected(stream: String) {
        registry.counter(
            "billing_events_redis_loss_detected_total", help: "Times Redis was found to have lost published events (they were re-sent).",
            labels: ["stream": stream]
        ).increment()
    }
}
