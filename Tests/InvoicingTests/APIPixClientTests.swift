import BillingCore
import BillingTesting
import Foundation
import Testing

@testable import Invoicing

/// The API Pix client against the PSP stand-in (HTTPS with mutual TLS on loopback), with no service around it.
@Suite("API Pix client (PSP stand-in over mutual TLS)")
struct APIPixClientTests {
    func withClient(_ body: (PixStandIn, APIPixClient) async throws -> Void) async throws {
        let psp = try await PixStandIn.start(tokenLifetimeSeconds: 3600)
        let certificates = psp.certificates
        do {
            let client = try APIPixClient(
                configuration: try APIPixConfiguration(
                    baseURL: psp.baseURL, tokenURL: psp.tokenURL, clientID: psp.clientID, clientSecret: psp.clientSecret,
                    certificateFile: certificates.clientCertificate, privateKeyFile: certificates.clientKey, trustRootsFile: certificates.caFile,
                    key: "pix@standin.example", timeout: .seconds(5)))
            do { try await body(psp, client) } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        } catch {
            await psp.stop()
            throw error
        }
        await psp.stop()
    }

    static func request(_ txid: String, amount: String = "37.00") throws -> PixChargeRequest {
        PixChargeRequest(
            txid: txid, amount: try Money.parse(amount, currency: .brl), expiresIn: 3600, dueDate: nil, daysPayableAfterDue: 30,
            finePercent: nil, monthlyInterestPercent: nil, debtorTaxID: "12345678909", debtorName: "Francisco da Silva",
            description: "Fatura 2026-000001")
    }

    static func txid() -> String { UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() + "001" }

    @Test("20 charges at once fetch one OAuth2 token; a repeated PUT is the same charge; the charge reads back ATIVA with its location")
    func chargesShareOneToken() async throws {
        try await withClient { psp, client in
            let txids = (0..<20).map { _ in Self.txid() }
            let states = try await withThrowingTaskGroup(of: PixChargeState.self) { group in
                for txid in txids { group.addTask { try await client.createCharge(try Self.request(txid)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(states.count == 20 && states.allSatisfy { $0.status == .active && $0.location.hasPrefix("pix.standin.example/") })
            let requested = await client.tokenRequests
            #expect(psp.tokensIssued() == 1 && requested == 1)
            let again = try await client.createCharge(try Self.request(txids[0]))
            #expect(again.location == states.first { $0.txid == txids[0] }?.location)
            let read = try #require(try await client.charge(txid: txids[0], withDueDate: false))
            #expect(read.status == .active && read.expiresAt.timeIntervalSince(read.createdAt) == 3600)
            #expect(try await client.charge(txid: Self.txid(), withDueDate: false) == nil)
            let body = try #require(psp.requests().first { $0.method == "PUT" }?.body)
            let json = try JSONParser.parse(body)
            #expect(json["devedor"]?["cpf"] == "12345678909" && json["valor"]?["original"] == "37.00" && json["chave"] == "pix@standin.example")
        }
    }

    @Test("a charge with a due date is a cobv with the tenant's fine and interest; a charge the PSP refuses names its reason")
    func dueDatesAndRefusals() async throws {
        try await withClient { psp, client in
            var request = try Self.request(Self.txid(), amount: "123.45")
            request.dueDate = "2030-01-31"
            request.finePercent = DecimalNumber("2")
            request.monthlyInterestPercent = DecimalNumber("1.5")
            let state = try await client.createCharge(request)
            #expect(state.status == .active)
            let body = try JSONParser.parse(try #require(psp.requests().last { $0.path.hasSuffix("/cobv/\(request.txid)") }?.body))
            #expect(body["valor"]?["multa"]?["valorPerc"] == "2.00" && body["valor"]?["juros"]?["valorPerc"] == "1.50")
            #expect(body["calendario"]?["dataDeVencimento"] == "2030-01-31")
            let refused = try Self.request("short")
            do {
                _ = try await client.createCharge(refused)
                Issue.record("a txid of 5 characters was accepted")
            } catch let error as InvoicingError {
                #expect(error.rpcError.reason == "PIX_PROVIDER_REFUSED" && error.rpcError.message.contains("400"), "\(error)")
            }
        }
    }

    @Test("received PIX are listed; a refund is asked once per id (a repeated PUT reads the first), followed to DEVOLVIDO or NAO_REALIZADO")
    func receivedAndRefunds() async throws {
        try await withClient { psp, client in
            let before = Date().addingTimeInterval(-60)
            let paid = Self.txid(), refused = Self.txid()
            for txid in [paid, refused] { _ = try await client.createCharge(try Self.request(txid)) }
            let first = try await psp.pay(txid: paid, webhookDeliveries: 0)
            let second = try await psp.pay(txid: refused, webhookDeliveries: 0)
            let received = try await client.received(from: before, to: Date().addingTimeInterval(60))
            #expect(Set(received.map(\.endToEndId)).isSuperset(of: [first, second]))
            #expect(
                received.first { $0.endToEndId == first }?.txid == paid && received.first { $0.endToEndId == first }?.amount == DecimalNumber("37.00")
            )

            let amount = try Money.parse("10.00", currency: .brl)
            #expect(try await client.refund(endToEndId: first, id: "refund1", amount: amount, description: "partial") == .processing)
            #expect(try await client.refund(endToEndId: first, id: "refund1", amount: amount, description: "partial") == .refunded)
            #expect(try await client.refundStatus(endToEndId: first, id: "refund1") == .refunded)
            #expect(psp.received().first { $0.endToEndId == first }?.refunds.count == 1, "the retried PUT made no second refund")
            psp.refuseRefunds(of: second)
            _ = try await client.refund(endToEndId: second, id: "refund2", amount: amount, description: nil)
            #expect(try await client.refundStatus(endToEndId: second, id: "refund2") == .notDone(reason: "Saldo insuficiente"))
        }
    }

    @Test("a paid charge's webhook reaches <webhookUrl>/pix with the Pix, once per delivery asked for")
    func webhookDelivery() async throws {
        let receiver = try await StandInWebhookReceiver.start()
        do {
            try await withClient { psp, client in
                try await client.registerWebhook(url: receiver.url + "/hooks/")
                let txid = Self.txid()
                _ = try await client.createCharge(try Self.request(txid))
                let endToEndId = try await psp.pay(txid: txid, webhookDeliveries: 2)
                #expect(psp.webhookDeliveryStatuses() == [200, 200])
                let deliveries = receiver.deliveries()
                #expect(deliveries.map(\.uri) == ["/hooks/pix", "/hooks/pix"] && deliveries.map(\.method) == ["POST", "POST"])
                let body = try JSONParser.parse(try #require(deliveries.first?.body))
                #expect(body["pix"]?.arrayValue?.first?["endToEndId"]?.stringValue == endToEndId)
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    @Test("OAuthTokenSource: concurrent callers share one fetch; a token is replaced before it expires, and after the PSP refuses it")
    func tokenSource() async throws {
        let counter = Counter()
        let source = OAuthTokenSource {
            let n = await counter.next()
            try await Task.sleep(for: .milliseconds(50))
            return ("token-\(n)", .seconds(n == 1 ? 3600 : 1))
        }
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await source.token() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        let fetches = await source.fetches
        #expect(tokens == ["token-1"] && fetches == 1)
        await source.invalidate("token-1")
        #expect(try await source.token() == "token-2")
        // A 1 s token is replaced after half its lifetime.
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await source.token() == "token-3")
    }

    actor Counter {
        var value = 0
        func next() -> Int {
            value += 1
            return value
        }
    }
}
