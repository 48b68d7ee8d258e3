import Foundation
import NIOSSL

/// A stand-in for Stripe's API for tests, written from Stripe's published documentation: HTTPS on 127.0.0.1 (a server
/// certificate from its own CA, ``caFile``; no client certificates), the secret key as Bearer or Basic authorization,
/// form-encoded bodies, idempotency keys, and under `/v1` customers, SetupIntents, PaymentIntents (confirmed at creation) and
/// refunds, with the outcomes of Stripe's test PaymentMethods (`pm_card_visa`, `pm_card_chargeDeclined`,
/// `pm_card_chargeDeclinedInsufficientFunds`, `pm_card_authenticationRequired`, …). The events they cause are posted, signed
/// with ``webhookSecret`` (`Stripe-Signature`), to the endpoint set with ``setWebhookEndpoint(_:)``.
///
/// Tests play the customer with ``completeAuthentication(of:succeed:)`` and the bank with ``holdRefunds(of:)`` and
/// ``settlePendingRefunds(of:status:)``, and read what the client did with ``requests()`` and the objects' accessors.
public final class StripeStandIn: Sendable {
    public let secretKey: String
    public let webhookSecret: String
    public let port: Int
    let certificates: PixStandInCertificates
    let backend: StripeStandInBackend
    let server: StandInHTTPServer
    let deliveries: StripeStandInDeliveries
    /// What the stand-in presents when it delivers to an `https://` endpoint (the receiver is not verified).
    let webhookTLS: NIOSSLContext

    /// `https://localhost:<port>` (API paths are `/v1/…`).
    public var baseURL: String { "https://localhost:\(port)" }
    /// The PEM file of the CA that signed the server certificate: what a client trusts.
    public var caFile: String { certificates.caFile }

    private init(
        secretKey: String, webhookSecret: String, certificates: PixStandInCertificates, backend: StripeStandInBackend,
        server: StandInHTTPServer, deliveries: StripeStandInDeliveries, webhookTLS: NIOSSLContext
    ) {
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
        self.port = server.port
        self.certificates = certificates
        self.backend = backend
        self.server = server
        self.deliveries = deliveries
        self.webhookTLS = webhookTLS
    }

    /// Issues certificates and listens with TLS (server certificate only) on 127.0.0.1 at an ephemeral port. Throws
    /// ``PixStandInError`` when `openssl` fails, or the TLS or bind error.
    public static func start(
        secretKey: String = "sk_test_standin_0123456789", webhookSecret: String = "whsec_standin0123456789abcdef"
    ) async throws -> StripeStandIn {
        let certificates = try PixStandInCertificates.issue()
        do {
            let serverContext = try certificates.serverContext(requireClientCertificate: false)
            let webhookTLS = try certificates.webhookContext()
            let backend = StripeStandInBackend(secretKey: secretKey)
            let deliveries = StripeStandInDeliveries { delivery in
                _ = await deliver(delivery, backend: backend, secret: webhookSecret, tls: webhookTLS)
            }
            let server: StandInHTTPServer
            do {
                server = try await StandInHTTPServer.start(tls: serverContext) { method, uri, headers, body in
                    let (answer, queued) = backend.handle(method: method, uri: uri, headers: headers, body: body)
                    var response = answer
                    if !queued.isEmpty { response.afterSent = { deliveries.enqueue(queued) } }
                    return response
                }
            } catch {
                await deliveries.stop()
                throw error
            }
            backend.state.withLock { $0.baseURL = "https://localhost:\(server.port)" }
            return StripeStandIn(
                secretKey: secretKey, webhookSecret: webhookSecret, certificates: certificates, backend: backend, server: server,
                deliveries: deliveries, webhookTLS: webhookTLS)
        } catch {
            certificates.remove()
            throw error
        }
    }

    /// Stops listening, closes open connections, drops deliveries not yet made and removes the certificate directory.
    public func stop() async {
        await server.close()
        await deliveries.stop()
        certificates.remove()
    }

    // MARK: - Webhooks

    /// Where events are POSTed (`http://` or `https://`); nil: nowhere. Events are delivered automatically, once each, in order,
    /// by a background task, right after the API call that caused them has been answered.
    public func setWebhookEndpoint(_ url: String?) { backend.state.withLock { $0.webhookEndpoint = url } }

    /// Stops or resumes automatic delivery; events created while it is off are not delivered later unless redelivered.
    public func setAutomaticDelivery(_ on: Bool) { backend.state.withLock { $0.automaticDelivery = on } }

    /// The HTTP status of every webhook delivery (automatic or redelivered), in order; 0 for one that got no answer.
    public func webhookDeliveryStatuses() -> [Int] { backend.state.withLock { $0.webhookDeliveryStatuses } }

    /// Sends the event to the current endpoint again `times` times, one after the other, newly signed each time.
    /// - Returns: the statuses (0: no answer); empty when there is no such event or no endpoint.
    public func redeliver(eventID: String, times: Int) async -> [Int] {
        guard let url = backend.state.withLock({ $0.webhookEndpoint }) else { return [] }
        var statuses: [Int] = []
        for _ in 0..<max(times, 0) {
            guard let status = await Self.deliver(.init(eventID: eventID, url: url), backend: backend, secret: webhookSecret, tls: webhookTLS)
            else { return statuses }
            statuses.append(status)
        }
        return statuses
    }

    /// Posts an event with its `Stripe-Signature` and records the answer's status; nil when there is no such event.
    private static func deliver(
        _ delivery: StripeStandInBackend.Delivery, backend: StripeStandInBackend, secret: String, tls: NIOSSLContext
    ) async -> Int? {
        guard let body = backend.state.withLock({ state in state.events.first { $0.id == delivery.eventID }?.body }) else { return nil }
        let signature = StripeStandInSignature.header(body: body, secret: secret, timestamp: StripeStandInBackend.now())
        let headers = [
            ("Content-Type", "application/json; charset=utf-8"), ("Stripe-Signature", signature),
            ("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"),
        ]
        let status = await PixStandInHTTPSClient.postWebhook(body, to: delivery.url, headers: headers, tls: tls, timeout: .seconds(10))
        backend.state.withLock { $0.webhookDeliveryStatuses.append(status) }
        return status
    }

    // MARK: - The customer and the bank

    /// The customer finishes (or fails) 3-D Secure for an intent in `requires_action`. A PaymentIntent becomes `succeeded` (event
    /// `payment_intent.succeeded`) or `requires_payment_method` with `last_payment_error.code`
    /// `payment_intent_authentication_failure` (event `payment_intent.payment_failed`); a SetupIntent (`seti_…`) becomes
    /// `succeeded`, its card attached to the customer, or `requires_payment_method`, with no event. Returns once the event's
    /// automatic delivery, if any, is done.
    /// - Throws: ``PixStandInError`` when there is no such intent or it is not in `requires_action`.
    public func completeAuthentication(of paymentIntent: String, succeed: Bool = true) async throws {
        let queued = try backend.state.withLock { state throws(PixStandInError) in
            try backend.completeAuthentication(of: paymentIntent, succeed: succeed, state: &state)
            return state.takeDeliveries()
        }
        deliveries.enqueue(queued)
        await deliveries.drain()
    }

    /// From now on, refunds of this PaymentIntent are created `pending` instead of `succeeded`, until
    /// ``settlePendingRefunds(of:status:)``.
    public func holdRefunds(of paymentIntent: String) { _ = backend.state.withLock { $0.heldRefunds.insert(paymentIntent) } }

    /// Moves the PaymentIntent's pending refunds to `succeeded` (event `charge.refunded` each) or `failed` (`failure_reason`
    /// `declined`, event `refund.failed`); another status changes nothing. Returns once the events' automatic deliveries are done.
    public func settlePendingRefunds(of paymentIntent: String, status: String) async {
        let queued = backend.state.withLock { state in
            backend.settlePendingRefunds(of: paymentIntent, status: status, state: &state)
            return state.takeDeliveries()
        }
        deliveries.enqueue(queued)
        await deliveries.drain()
    }

    // MARK: - What the client did

    /// Every request received, in order (refused and replayed ones included).
    public func requests() -> [StripeStandInRequest] { backend.state.withLock { $0.requests } }

    public func paymentIntent(_ id: String) -> StripeStandInPaymentIntent? {
        backend.state.withLock { state in state.paymentIntents.first { $0.id == id }.map(\.value) }
    }

    /// Every PaymentIntent, in the order they were created.
    public func paymentIntents() -> [StripeStandInPaymentIntent] {
        backend.state.withLock { $0.paymentIntents.map(\.value) }
    }

    /// Every refund, in the order they were created.
    public func refunds() -> [StripeStandInRefund] { backend.state.withLock { $0.refunds.map(\.value) } }

    /// The ids of the customers, in the order they were created.
    public func customers() -> [String] { backend.state.withLock { $0.customers.map(\.id) } }

    /// Every event, in the order they were created.
    public func events() -> [StripeStandInEvent] {
        backend.state.withLock { $0.events.map { StripeStandInEvent(id: $0.id, type: $0.type, paymentIntent: $0.paymentIntent) } }
    }
}
