import Foundation
import Synchronization

/// A plain-HTTP endpoint on 127.0.0.1 for tests of webhook deliveries (a stand-in's, or anyone's): it records every request
/// and answers each with the status set (200 unless ``setStatus(_:)`` says otherwise) and the body set (empty unless
/// ``setBody(_:)`` says otherwise).
public final class StandInWebhookReceiver: Sendable {
    /// One request received.
    public struct Delivery: Sendable, Hashable {
        public let method: String
        /// The path with its query, as sent.
        public let uri: String
        /// The headers, names in lowercase (the last value of a repeated one).
        public let headers: [String: String]
        public let body: [UInt8]
        /// When it arrived.
        public let receivedAt: Date

        /// The header's value; `name` in any case.
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    public let port: Int
    private let server: StandInHTTPServer
    private let state: State

    private final class State: Sendable {
        let status = Mutex(200)
        let body = Mutex<[UInt8]>([])
        let deliveries = Mutex<[Delivery]>([])
    }

    /// `http://127.0.0.1:<port>`; a delivery to `<url>/any/path` is received as well.
    public var url: String { "http://127.0.0.1:\(port)" }

    private init(server: StandInHTTPServer, state: State) {
        self.port = server.port
        self.server = server
        self.state = state
    }

    /// Listens at an ephemeral port; throws the bind error.
    public static func start() async throws -> StandInWebhookReceiver {
        let state = State()
        let server = try await StandInHTTPServer.start(tls: nil) { method, uri, headers, body in
            var names: [String: String] = [:]
            for (name, value) in headers { names[name.lowercased()] = value }
            state.deliveries.withLock { $0.append(Delivery(method: method, uri: uri, headers: names, body: body, receivedAt: Date())) }
            let answer = state.body.withLock { $0 }
            let status = state.status.withLock { $0 }
            return answer.isEmpty ? .empty(status) : PixStandInResponse(status: status, contentType: "text/plain", body: answer)
        }
        return StandInWebhookReceiver(server: server, state: state)
    }

    /// The body later requests are answered with.
    public func setBody(_ body: [UInt8]) { state.body.withLock { $0 = body } }

    /// The status later requests are answered with.
    public func setStatus(_ status: Int) { state.status.withLock { $0 = status } }

    /// Every request received, in order.
    public func deliveries() -> [Delivery] { state.deliveries.withLock { $0 } }

    /// Stops listening and closes open connections.
    public func stop() async { await server.close() }
}
