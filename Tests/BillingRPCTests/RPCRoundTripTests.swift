import BillingRPC
import BillingRPCHTTP2
import Foundation
import Logging
import NIOCore
import Synchronization
import Testing

@Suite("RPC over HTTP/2", .serialized, .timeLimit(.minutes(2)))
struct RPCRoundTripTests {
    @Test("a unary call round-trips")
    func roundTrip() async throws {
        let server = try await TestRPCServer.start(name: "one", router: makeEchoRouter(name: "one"))
        let (client, transport) = makeClient([server.endpoint])
        defer { transport.close() }
        let response = try await client.call(TestEcho.echo, .init(text: "olá 😀"), options: testOptions)
        #expect(response == .init(text: "olá 😀", server: "one"))
        let health = try await client.call(RPCHealth.check, .init(), options: RPCCallOptions())
        #expect(health.status == "SERVING")
        await server.shutdownGracefully()
    }

    @Test("every error code crosses the wire intact", arguments: RPCCode.failureCases)
    func errorCodes(code: RPCCode) async throws {
        let server = try await TestRPCServer.start(name: "errors", router: makeEchoRouter(name: "errors"))
        let (client, transport) = makeClient([server.endpoint])
        defer { transport.close() }
        do {
            _ = try await client.call(TestEcho.fail, .init(code: code, reason: "SOME_REASON"), options: testOptions)
            Issue.record("expected \(code)")
        } catch {
            #expect(error.code == code)
            #expect(error.message == "failed with \(code.rawValue) — ünïcode")
            #expect(error.reason == "SOME_REASON")
            #expect(error.details == ["field": "name"])
        }
        await server.shutdownGracefully()
    }

    @Test("an unexpected error is internal and its detail is not sent")
    func untypedErrors() async throws {
        let server = try await TestRPCServer.start(name: "crash", router: makeEchoRouter(name: "crash"))
        let (client, transport) = makeClient([server.endpoint])
        defer { transport.close() }
        await #expect(throws: RPCError(.internal, "internal error")) {
            try await client.call(TestEcho.crash, .init(text: "x"), options: testOptions)
        }
        await server.shutdownGracefully()
    }

    @Test("a business call without a tenant is refused; an unknown method is unimplemented")
    func tenantAndUnknownMethod() async throws {
        let server = try await TestRPCServer.start(name: "t", router: makeEchoRouter(name: "t"))
        let (client, transport) = makeClient([server.endpoint])
        defer { transport.close() }
        do {
            _ = try await client.call(TestEcho.echo, .init(text: "x"), options: RPCCallOptions())
            Issue.record("expected unauthenticated")
        } catch {
            #expect(error.code == .unauthenticated)
        }
        let unknown = UnaryMethod<TestEcho.EchoRequest, TestEcho.EchoResponse>(
            service: TestEcho.service, method: "Nope", callers: .anyService, summary: "")
        do {
            _ = try await client.call(unknown, .init(text: "x"), options: testOptions)
            Issue.record("expected unimplemented")
        } catch {
            #expect(error.code == .unimplemented)
        }
        await server.shutdownGracefully()
    }

    @Test("a passed deadline is reported as deadline_exceeded and the server stops the work")
    func deadlineExceeded() async throws {
        let log = SleepLog()
        let server = try await TestRPCServer.start(name: "slow", router: makeEchoRouter(name: "slow", log: log))
        let (client, transport) = makeClient([server.endpoint])
        defer { transport.close() }
        let started = ContinuousClock.now
        do {
            _ = try await client.call(
                TestEcho.sleep, .init(milliseconds: 5_000, token: "d1"),
                options: RPCCallOptions(tenant: "t", timeout: .milliseconds(200)))
            Issue.record("expected deadline_exceeded")
        } catch {
            #expect(error.code == .deadlineExceeded)
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        // The server cancels the handler at the deadline (its own timer, and the stream reset).
        // (The call tracker lets go of the call just after the handler ends: wait for both.)
        for _ in 0..<300 where log.outcome("d1") != "cancelled" || server.server.inFlightCalls != 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(log.outcome("d1") == "cancelled")
        #expect(server.server.inFlightCalls == 0)
        await server.shutdownGracefully()
    }

    @Test("the deadline is carried and reduced hop by hop")
    func deadlinePropagation() async throws {
        let downstream = try await TestRPCServer.start(name: "down", router: makeEchoRouter(name: "down"))
        let (downstreamClient, downstreamTransport) = makeClient([downstream.endpoint])
        let upstream = try await TestRPCServer.start(name: "up", router: makeEchoRouter(name: "up", downstream: downstreamClient))
        let (client, transport) = makeClient([upstream.endpoint])
        defer {
            transport.close()
            downstreamTransport.close()
        }

        let long = try await client.call(TestEcho.relay, .init(text: "x"), options: RPCCallOptions(tenant: "t", timeout: .seconds(3)))
        let mine = try #require(long.remainingMilliseconds)
        let theirs = try #require(long.downstreamRemainingMilliseconds)
        #expect(mine > 2_000 && mine <= 3_000)
        #expect(theirs <= 1_500)  // the hop's own, shorter timeout wins

        // Below the hop's own 1,500 ms. On a machine loaded by the rest of the suite a 1.4 s call can miss its deadline outright;
        // what is checked is the budget carried when it arrives, so a miss is tried again (three times at most).
        var short: TestEcho.DeadlineReport?
        for _ in 0..<3 where short == nil {
            short = try? await client.call(TestEcho.relay, .init(text: "x"), options: RPCCallOptions(tenant: "t", timeout: .milliseconds(1_400)))
        }
        #expect(try #require(short?.downstreamRemainingMilliseconds) <= 1_400)  // the caller's budget wins
        await upstream.shutdownGracefully()
        await downstream.shutdownGracefully()
    }

    @Test("an oversize request is refused with resource_exhausted")
    func oversizeRequest() async throws {
        let server = try await TestRPCServer.start(name: "small", router: makeEchoRouter(name: "small"), maximumMessageSize: 1024)
        let (client, transport) = makeClient([server.endpoint])
        defer { transport.close() }
        do {
            _ = try await client.call(TestEcho.echo, .init(text: "x", padding: String(repeating: "a", count: 4096)), options: testOptions)
            Issue.record("expected resource_exhausted")
        } catch {
            #expect(error.code == .resourceExhausted)
        }
        // The connection is still usable afterwards.
        #expect(try await client.call(TestEcho.echo, .init(text: "ok"), options: testOptions).text == "ok")
        await server.shutdownGracefully()
    }

    @Test("a peer killed mid-call gives unavailable within the deadline, never a hang")
    func peerKilled() async throws {
        let server = try await TestRPCServer.start(name: "victim", router: makeEchoRouter(name: "victim"))
        let (client, transport) = makeClient([server.endpoint], maximumAttempts: 1)
        defer { transport.close() }
        let started = ContinuousClock.now
        async let outcome: RPCCode = {
            do {
                _ = try await client.call(
                    TestEcho.sleep, .init(milliseconds: 10_000, token: "k"), options: RPCCallOptions(tenant: "t", timeout: .seconds(8)))
                return .ok
            } catch let error as RPCError {
                return error.code
            } catch {
                return .unknownCodeFallbackForTests
            }
        }()
        try await Task.sleep(for: .milliseconds(200))
        await server.kill()
        #expect(await outcome == .unavailable)
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test("1,000 concurrent calls on one connection are all answered")
    func thousandConcurrent() async throws {
        let server = try await TestRPCServer.start(name: "busy", router: makeEchoRouter(name: "busy"))
        let (client, transport) = makeClient([server.endpoint], timeout: .seconds(30))
        defer { transport.close() }
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<1000 {
                group.addTask {
                    let response = try await client.call(TestEcho.echo, .init(text: "m\(index)"), options: testOptions)
                    return response.text == "m\(index)"
                }
            }
            var count = 0
            for try await ok in group where ok { count += 1 }
            return count
        }
        #expect(answered == 1000)
        await server.shutdownGracefully()
    }

    @Test("a server-streaming call yields every message then ends")
    func serverStreaming() async throws {
        let server = try await TestRPCServer.start(name: "stream", router: makeEchoRouter(name: "stream"))
        let (client, transport) = makeClient([server.endpoint])
        defer { transport.close() }
        var values: [Int] = []
        for try await message in try await client.stream(TestEcho.count, .init(upTo: 500), options: testOptions) {
            values.append(message.value)
        }
        #expect(values == Array(1...500))
        await server.shutdownGracefully()
    }

    @Test("calls are spread round-robin over replicas, and a dead replica is skipped")
    func roundRobinAndFailover() async throws {
        let first = try await TestRPCServer.start(name: "r1", router: makeEchoRouter(name: "r1"))
        let second = try await TestRPCServer.start(name: "r2", router: makeEchoRouter(name: "r2"))
        let (client, transport) = makeClient([first.endpoint, second.endpoint])
        defer { transport.close() }
        var servers: [String: Int] = [:]
        for index in 0..<40 { servers[try await client.call(TestEcho.echo, .init(text: "\(index)"), options: testOptions).server, default: 0] += 1 }
        #expect(servers["r1"] == 20 && servers["r2"] == 20)

        await first.kill()
        // Idempotent and non-idempotent calls alike succeed: a refused connection means nothing was sent.
        for index in 0..<20 {
            #expect(try await client.call(TestEcho.echo, .init(text: "\(index)"), options: testOptions).server == "r2")
            #expect(try await client.call(TestEcho.echoOnce, .init(text: "\(index)"), options: testOptions).server == "r2")
        }
        await second.shutdownGracefully()
    }

    @Test("a client reconnects after its peer restarts on the same port")
    func reconnects() async throws {
        let first = try await TestRPCServer.start(name: "a", router: makeEchoRouter(name: "a"))
        let port = first.endpoint.port
        let (client, transport) = makeClient([first.endpoint], maximumAttempts: 1)
        defer { transport.close() }
        #expect(try await client.call(TestEcho.echo, .init(text: "1"), options: testOptions).server == "a")
        await first.kill()
        await #expect(throws: RPCError.self) { try await client.call(TestEcho.echo, .init(text: "2"), options: testOptions) }
        let restarted = try await TestRPCServer.start(name: "b", router: makeEchoRouter(name: "b"), port: port)
        var answer: String?
        for _ in 0..<50 where answer == nil {
            answer = try? await client.call(TestEcho.echo, .init(text: "3"), options: testOptions).server
            if answer == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answer == "b")
        await restarted.shutdownGracefully()
    }

    @Test("graceful shutdown lets in-flight calls finish")
    func gracefulDrain() async throws {
        let log = SleepLog()
        let server = try await TestRPCServer.start(name: "drain", router: makeEchoRouter(name: "drain", log: log))
        let (client, transport) = makeClient([server.endpoint], maximumAttempts: 1)
        defer { transport.close() }
        let results = SleepLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<10 {
                group.addTask {
                    let response = try await client.call(TestEcho.sleep, .init(milliseconds: 600, token: "g\(index)"), options: testOptions)
                    results.set(response.text, "done")
                }
            }
            for _ in 0..<200 where server.server.inFlightCalls < 10 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(server.server.inFlightCalls == 10)
            await server.shutdownGracefully()
            try await group.waitForAll()
        }
        #expect((0..<10).allSatisfy { results.outcome("g\($0)") == "done" })
        #expect((0..<10).allSatisfy { log.outcome("g\($0)") == "completed" })
    }
}

extension RPCCode {
    static let unknownCodeFallbackForTests = RPCCode.internal
    static let failureCases: [RPCCode] = allCases.filter { $0 != .ok }
}
