import BillingRPC
import BillingRPCHTTP2
import Logging
import Synchronization
import Testing

@Suite("Endpoint discovery: names stand for every address they resolve to", .serialized, .timeLimit(.minutes(1)))
struct EndpointDiscoveryTests {
    @Test("addresses stay as they are, names resolve through getaddrinfo, an unresolvable name keeps its place")
    func resolves() async {
        let resolved = await EndpointResolver.resolve([
            RPCEndpoint(host: "localhost", port: 9104), RPCEndpoint(host: "127.0.0.1", port: 9105), RPCEndpoint(host: "::1", port: 9106),
            RPCEndpoint(host: "no-such-replica.invalid", port: 9107), RPCEndpoint(host: "127.0.0.1", port: 9104),
        ])
        #expect(resolved.filter { $0 == RPCEndpoint(host: "127.0.0.1", port: 9104) }.count == 1, "localhost, once: \(resolved)")
        #expect(
            resolved.filter { $0.port != 9104 } == [
                RPCEndpoint(host: "127.0.0.1", port: 9105), RPCEndpoint(host: "::1", port: 9106),
                RPCEndpoint(host: "no-such-replica.invalid", port: 9107),
            ])
        #expect(EndpointRefresher.needed(for: [RPCEndpoint(host: "billing-ledger", port: 9104)]))
        #expect(!EndpointRefresher.needed(for: [RPCEndpoint(host: "127.0.0.1", port: 9104), RPCEndpoint(host: "::1", port: 9104)]))
    }

    @Test("a client configured with a name calls the replica it resolves to")
    func callsThroughAName() async throws {
        let server = try await TestRPCServer.start(name: "named", router: makeEchoRouter(name: "named"))
        let configured = [RPCEndpoint(host: "localhost", port: server.endpoint.port)]
        let (client, transport) = makeClient(configured)
        defer { transport.close() }
        let refresher = EndpointRefresher(
            transport: transport, configured: configured, interval: .seconds(5), logger: Logger(label: "test.discovery"))
        await refresher.refresh()
        #expect(transport.endpoints == [server.endpoint])
        #expect(try await client.call(TestEcho.echo, .init(text: "hi"), options: testOptions).server == "named")
        await server.shutdownGracefully()
    }

    @Test("when the name's answer changes, replicas added are called and replicas removed are dropped, with no restart")
    func followsTheAnswer() async throws {
        let first = try await TestRPCServer.start(name: "r1", router: makeEchoRouter(name: "r1"))
        let second = try await TestRPCServer.start(name: "r2", router: makeEchoRouter(name: "r2"))
        let name = [RPCEndpoint(host: "billing-echo", port: 9999)]
        // What the name resolves to, as DNS would answer while replicas come and go.
        let answer = Mutex([first.endpoint])
        let (client, transport) = makeClient(name)
        defer { transport.close() }
        let refresher = EndpointRefresher(transport: transport, configured: name, interval: .seconds(5), logger: Logger(label: "test.discovery")) {
            asked in
            #expect(asked == name)
            return answer.withLock { $0 }
        }
        func servers(_ calls: Int) async throws -> [String: Int] {
            var seen: [String: Int] = [:]
            for index in 0..<calls {
                seen[try await client.call(TestEcho.echo, .init(text: "\(index)"), options: testOptions).server, default: 0] += 1
            }
            return seen
        }
        await refresher.refresh()
        #expect(try await servers(10) == ["r1": 10])
        answer.withLock { $0 = [first.endpoint, second.endpoint] }
        await refresher.refresh()
        #expect(try await servers(20) == ["r1": 10, "r2": 10])
        answer.withLock { $0 = [second.endpoint] }
        await refresher.refresh()
        #expect(transport.endpoints == [second.endpoint])
        #expect(try await servers(10) == ["r2": 10])
        // An empty answer (a resolver outage) keeps the replicas known.
        answer.withLock { $0 = [] }
        await refresher.refresh()
        #expect(transport.endpoints == [second.endpoint])
        await first.shutdownGracefully()
        await second.shutdownGracefully()
    }
}
