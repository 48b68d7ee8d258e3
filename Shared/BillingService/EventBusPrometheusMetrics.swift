import BillingEventsPostgres
import BillingEventsRedis
import Metrics

/// Event bus metrics through swift-metrics: outbox backlog and age, consumer lag and pending, duplicates, dead letters.
struct EventBusPrometheusMetrics: EventBusMetrics {
    func outboxSampled(stream: String, backlog: Int64, oldestAgeSeconds: Double) {
        Gauge(label: "billing_outbox_backlog", dimensions: [("stream", stream)]).record(backlog)
        Gauge(label: "billing_outbox_oldest_unpublished_age_seconds", dimensions: [("stream", stream)]).record(oldestAgeSeconds)
    }

    func consumerSampled(group: String, stream: String, lag: Int64, pending: Int64) {
        Gauge(label: "billing_event_consumer_lag", dimensions: [("group", group), ("stream", stream)]).record(lag)
        Gauge(label: "billing_event_consumer_pending", dimensions: [("group", group), ("stream", stream)]).record(pending)
    }

    func eventApplied(group: String, duplicate: Bool) {
        Counter(label: "billing_events_consumed_total", dimensions: [("group", group), ("duplicate", duplicate ? "true" : "false")]).increment()
    }

    func deadLettered(group: String) {
        Counter(label: "billing_events_dead_lettered_total", dimensions: [("group", group)]).increment()
    }

    func transientFailure(group: String) {
        Counter(label: "billing_events_transient_failures_total", dimensions: [("group", group)]).increment()
    }

    func redisLossDetected(stream: String) {
        Counter(label: "billing_events_redis_loss_detected_total", dimensions: [("stream", stream)]).increment()
    }
}
