import BillingCore
import BillingPostgres
import BillingWebhooks
import Foundation
import NotificationsContract

/// Delivery: every replica claims the due deliveries (one per endpoint at a time, leased), posts them concurrently with no row
/// locked, and records each attempt; a failure is retried on the schedule, the last one FAILED, and an endpoint failing for the
/// configured time is disabled.
extension NotificationsService {
    /// The due deliveries, leased to this replica (at most `limit`, one per endpoint).
    func claim(limit: Int) async throws -> [ClaimedDelivery] {
        let now = clock.now()
        return try await database.withSystemScope {
            try await store.claimDue(at: now, lease: now.addingTimeInterval(Self.lease), limit: limit, on: $0)
        }
    }

    /// One attempt; when its outcome cannot be recorded, the lease lapses and another pass sends it again (at least once).
    func attempt(_ delivery: ClaimedDelivery) async {
        do {
            try await deliver(delivery)
        } catch {
            database.logger.error(
                "webhook attempt not recorded; sent again after its lease",
                metadata: ["tenant": "\(delivery.tenant)", "message": "\(delivery.messageID)", "error": "\(error)"])
        }
    }

    /// Posts one message, signed with the endpoint's secrets, and records the attempt.
    func deliver(_ delivery: ClaimedDelivery) async throws {
        let sentAt = clock.now()
        let body = Array(delivery.payload.utf8)
        let secrets = delivery.endpoint.signingSecrets(at: sentAt).compactMap(StandardWebhookSecret.init)
        let headers = StandardWebhookSignature.headers(
            id: delivery.messageID, timestamp: Int(sentAt.timeIntervalSince1970), body: body, secrets: secrets)
        let result: WebhookDeliveryResult
        if let url = URL(string: delivery.endpoint.endpoint.url) {
            result = await client.post(
                url: url, headers: headers, body: body, timeout: settings.timeout, maximumResponseBytes: 1_024,
                allowPrivateAddresses: settings.allowPrivateDestinations)
        } else {
            result = WebhookDeliveryResult(status: nil, latency: .zero, responsePrefix: [], error: "the endpoint's URL is not valid")
        }
        let now = clock.now()
        let attempt = WebhookAttempt(
            messageId: delivery.messageID, eventType: delivery.eventType, attemptedAt: sentAt, status: result.status,
            latencyMs: Int(result.latency.wholeMilliseconds),
            response: result.responsePrefix.isEmpty ? nil : Self.storable(String(decoding: result.responsePrefix, as: UTF8.self)),
            error: result.error.map(Self.storable),
            outcome: result.succeeded ? "SUCCEEDED" : "FAILED")
        let next = result.succeeded ? nil : settings.retries.retry(after: delivery.attempts + 1, at: now).map { jittered($0, from: now) }
        let endpointID = delivery.endpoint.endpoint.id
        try await database.withTenant(delivery.tenant) { connection in
            let failingSince = try await store.record(attempt, endpoint: endpointID, next: next, at: now, tenant: delivery.tenant, on: connection)
            guard let failingSince, now.timeIntervalSince(failingSince) >= settings.disableAfter,
                var row = try await store.endpoint(endpointID, tenant: delivery.tenant, forUpdate: true, on: connection), row.endpoint.enabled
            else { return }
            row.endpoint.enabled = false
            row.endpoint.disabledReason = "every delivery failed since \(RFC3339.format(failingSince))"
            row.endpoint.updatedAt = now
            try await store.save(row, tenant: delivery.tenant, on: connection)
            _ = try await outbox.append(
                WebhookEndpointDisabled(endpoint: row.endpoint, failingSince: failingSince), tenant: delivery.tenant, at: now, on: connection,
                logger: database.logger)
            database.logger.warning(
                "webhook endpoint disabled: it failed for too long", metadata: ["tenant": "\(delivery.tenant)", "endpoint": "\(endpointID)"])
        }
    }

    /// What an endpoint answered, as PostgreSQL's text keeps it: without NUL characters (which it refuses, and a refused record
    /// would send the message again after every lease).
    static func storable(_ text: String) -> String { text.replacingOccurrences(of: "\u{0}", with: "") }

    /// ±10 % of the wait, so endpoints that failed together are not all retried at one instant.
    func jittered(_ due: Date, from now: Date) -> Date {
        let wait = due.timeIntervalSince(now)
        return now.addingTimeInterval(wait * TimeInterval.random(in: 0.9...1.1))
    }
}
