import BillingCore
import BillingTesting
import Foundation
import Testing

@Suite("Tenant webhooks: signed deliveries of billing events (real processes)", .serialized, .timeLimit(.minutes(5)))
struct WebhooksEndToEndTests {
    @Test(
        """
        an endpoint registered for billing.account.created receives that event once, as its CloudEvents envelope, signed so that the \
        Standard Webhooks reference library verifies it, and no other type; a failing endpoint is retried on the schedule then FAILED, \
        every attempt listed; a redelivery and a test-send arrive; after a rotation both secrets sign; another tenant sees nothing
        """
    )
    func signedDeliveries() async throws {
        let running = try await TestCluster.shared.start()
        let receiver = try await StandInWebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        let tenant = newTenant("hooks")
        let token = try running.tokens.token(tenant: tenant, roles: ["owner"])
        func post(_ path: String, _ attributes: JSONValue? = nil) async throws -> HTTPTestResponse {
            try await running.client.post(path, token: token, json: attributes.map { resource("webhook-endpoints", $0) })
        }
        let refused = try await post("/api/v1/webhook-endpoints", ["url": "ftp://example.com/hook"])
        #expect(refused.status == 422 && refused.firstError?["source"]?["pointer"] == "/data/attributes/url", "\(refused.text.prefix(300))")
        let badType = try await post("/api/v1/webhook-endpoints", ["url": .string(receiver.url + "/hook"), "eventTypes": ["invoice.paid"]])
        #expect(badType.status == 422 && badType.firstError?["source"]?["pointer"] == "/data/attributes/eventTypes", "\(badType.text.prefix(300))")

        let created = try await post(
            "/api/v1/webhook-endpoints",
            ["url": .string(receiver.url + "/hook"), "eventTypes": ["billing.account.created"], "description": "ERP"])
        #expect(created.status == 201, "\(created.text.prefix(400))")
        let endpoint = try #require(created.data?["id"]?.stringValue)
        let secret = try #require(created.attribute("secret")?.stringValue)
        #expect(secret.hasPrefix("whsec_"))
        let read = try await running.client.get("/api/v1/webhook-endpoints/\(endpoint)", token: token)
        #expect(
            read.status == 200 && [nil, .null].contains(read.attribute("secret")) && read.attribute("url")?.stringValue == receiver.url + "/hook")

        let account = try await create(
            running.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: token)
        #expect(try await waitFor(timeout: .seconds(30)) { receiver.deliveries().count == 1 })
        let delivery = try #require(receiver.deliveries().first)
        let headers = [
            ("webhook-id", delivery.header("webhook-id") ?? ""), ("webhook-timestamp", delivery.header("webhook-timestamp") ?? ""),
            ("webhook-signature", delivery.header("webhook-signature") ?? ""),
        ]
        #expect(try StandardWebhooksReference.verifies(secret: secret, headers: headers, body: delivery.body))
        #expect(try !StandardWebhooksReference.verifies(secret: secret, headers: headers, body: delivery.body + Array(" ".utf8)))
        let envelope = try JSONParser.parse(delivery.body)
        #expect(envelope["type"] == "billing.account.created" && envelope["tenantid"]?.stringValue == tenant && envelope["specversion"] == "1.0")
        #expect(envelope["id"]?.stringValue == delivery.header("webhook-id") && envelope["subject"]?.stringValue == account, "\(envelope)")
        // A type it did not ask for is not sent.
        let updated = try await running.client.send(
            "PATCH", "/api/v1/billing-accounts/\(account)", token: token, json: resource("billing-accounts", ["name": "Renamed"]))
        #expect(updated.status == 200)

        // The endpoint fails: the first try and the schedule's three retries, then FAILED; every attempt is listed.
        receiver.setStatus(500)
        _ = try await create(
            running.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: token)
        var attempts: [JSONValue] = []
        #expect(
            try await waitFor(timeout: .seconds(60)) {
                attempts = try await running.client.get("/api/v1/webhook-endpoints/\(endpoint)/attempts", token: token).data?.arrayValue ?? []
                return attempts.filter { $0["attributes"]?["status"] == 500 }.count == 4
            }, "\(attempts)")
        try await Task.sleep(for: .seconds(2))
        #expect(receiver.deliveries().count == 5, "no fifth try after the schedule: \(receiver.deliveries().count)")
        #expect(receiver.deliveries().allSatisfy { delivery in (try? JSONParser.parse(delivery.body))?["type"] == "billing.account.created" })
        let failed = try #require(attempts.first?["attributes"])
        #expect(failed["outcome"] == "FAILED" && failed["latencyMs"]?.decimalValue != nil && failed["eventType"] == "billing.account.created")

        // Sent again by hand once it answers (with a NUL in its answer: kept without it), and a test message; then a rotation: both
        // secrets sign for a day.
        receiver.setStatus(200)
        receiver.setBody(Array("ok\u{0}bye".utf8))
        let messageID = try #require(failed["messageId"]?.stringValue)
        let again = try await post("/api/v1/webhook-endpoints/\(endpoint)/messages/\(messageID)/redeliver")
        #expect(again.status == 202, "\(again.text.prefix(300))")
        #expect(try await waitFor(timeout: .seconds(30)) { receiver.deliveries().count == 6 })
        var answered: JSONValue?
        #expect(
            try await waitFor(timeout: .seconds(30)) {
                answered = try await running.client.get("/api/v1/webhook-endpoints/\(endpoint)/attempts", token: token).data?.arrayValue?.first?[
                    "attributes"]
                return answered?["outcome"] == "SUCCEEDED"
            }, "\(String(describing: answered))")
        #expect(answered?["response"] == "okbye" && answered?["status"] == 200)
        receiver.setBody([])
        let rotated = try await post("/api/v1/webhook-endpoints/\(endpoint)/rotate-secret")
        let newSecret = try #require(rotated.attribute("secret")?.stringValue)
        #expect(rotated.status == 200 && newSecret != secret)
        let test = try await post("/api/v1/webhook-endpoints/\(endpoint)/test")
        #expect(test.status == 202 && test.attribute("eventType") == "billing.webhook.test", "\(test.text.prefix(300))")
        #expect(try await waitFor(timeout: .seconds(30)) { receiver.deliveries().count == 7 })
        let last = try #require(receiver.deliveries().last)
        let lastHeaders = [
            ("webhook-id", last.header("webhook-id") ?? ""), ("webhook-timestamp", last.header("webhook-timestamp") ?? ""),
            ("webhook-signature", last.header("webhook-signature") ?? ""),
        ]
        #expect(last.header("webhook-signature")?.split(separator: " ").count == 2)
        #expect(try StandardWebhooksReference.verifies(secret: newSecret, headers: lastHeaders, body: last.body))
        #expect(try StandardWebhooksReference.verifies(secret: secret, headers: lastHeaders, body: last.body))

        // Its URL alone changes (the rest stays), then its types, and a description is cleared with an empty one.
        let moved = try await running.client.send(
            "PATCH", "/api/v1/webhook-endpoints/\(endpoint)", token: token,
            json: resource("webhook-endpoints", ["url": .string(receiver.url + "/moved")]))
        #expect(
            moved.status == 200 && moved.attribute("url")?.stringValue == receiver.url + "/moved"
                && moved.attribute("eventTypes") == ["billing.account.created"] && moved.attribute("description") == "ERP",
            "\(moved.text.prefix(400))")
        let patched = try await running.client.send(
            "PATCH", "/api/v1/webhook-endpoints/\(endpoint)", token: token,
            json: resource("webhook-endpoints", ["eventTypes": [], "description": ""]))
        #expect(
            patched.status == 200 && patched.attribute("eventTypes") == [] && [nil, .null].contains(patched.attribute("description")),
            "\(patched.text.prefix(400))")

        // Another tenant: none of it.
        let other = try running.tokens.token(tenant: newTenant("hooks"), roles: ["owner"])
        #expect(try await running.client.get("/api/v1/webhook-endpoints/\(endpoint)", token: other).status == 404)
        #expect(try await running.client.get("/api/v1/webhook-endpoints", token: other).data?.arrayValue?.isEmpty == true)
        let deleted = try await running.client.send("DELETE", "/api/v1/webhook-endpoints/\(endpoint)", token: token)
        #expect(deleted.status == 200 && deleted.attribute("enabled") == false)
        #expect(try await running.client.get("/api/v1/webhook-endpoints/\(endpoint)", token: token).status == 404)
    }

    @Test(
        """
        an endpoint that hangs (its attempts time out after 50 s in the test cluster) delays no other endpoint of the tenant: the \
        other gets three events one after the other while the hanging one's first attempt is still running
        """
    )
    func hangingEndpoint() async throws {
        let running = try await TestCluster.shared.start()
        let receiver = try await StandInWebhookReceiver.start()
        let hanging = try await SilentTCPServer.start()
        defer {
            Task {
                await receiver.stop()
                await hanging.stop()
            }
        }
        let token = try running.tokens.token(tenant: newTenant("hang"), roles: ["owner"])
        var endpoints: [String] = []
        for url in [hanging.url + "/hook", receiver.url + "/hook"] {
            let created = try await running.client.post(
                "/api/v1/webhook-endpoints", token: token,
                json: resource("webhook-endpoints", ["url": .string(url), "eventTypes": ["billing.account.created"]]))
            #expect(created.status == 201, "\(created.text.prefix(300))")
            endpoints.append(try #require(created.data?["id"]?.stringValue))
        }
        let started = ContinuousClock.now
        for round in 1...3 {
            _ = try await create(
                running.client, "/api/v1/billing-accounts", "billing-accounts", accountDocument()["data"]!["attributes"]!, token: token)
            #expect(try await waitFor(timeout: .seconds(25)) { receiver.deliveries().count == round }, "round \(round)")
        }
        let waited = ContinuousClock.now - started
        // The hanging endpoint's first attempt (50 s) has not ended: no attempt of it is recorded yet.
        let hangingAttempts = try await running.client.get("/api/v1/webhook-endpoints/\(endpoints[0])/attempts", token: token)
        #expect(
            hangingAttempts.status == 200 && hangingAttempts.data?.arrayValue?.isEmpty == true,
            "served in \(waited), while the other endpoint's attempt \(hangingAttempts.text.prefix(200))")
    }
}
