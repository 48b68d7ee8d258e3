import BillingRPC
import Foundation
import NIOCore

/// One replica of a service.
public struct RPCEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`.
    public init?(_ text: some StringProtocol) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    /// Parses a comma-separated list (`127.0.0.1:9101,127.0.0.1:9111`); nil if any entry is malformed.
    public static func list(_ text: String) -> [RPCEndpoint]? {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let endpoints = entries.compactMap { RPCEndpoint($0) }
        return endpoints.count == entries.count && !endpoints.isEmpty ? endpoints : nil
    }

    public var description: String { "\(host):\(port)" }
}

/// How a client reaches the replicas of one service.
public struct RPCClientConfiguration: Sendable {
    /// The service name, for error messages (`accounts`).
    public var serviceName: String
    public var endpoints: [RPCEndpoint]
    /// Deadline of a call whose options carry none.
    public var defaultTimeout: TimeAmount
    public var connectTimeout: TimeAmount
    public var maximumMessageSize: Int
    /// Total attempts of one call (first try included) when failing over between replicas.
    public var maximumAttempts: Int
    /// First wait before reconnecting to a replica that failed; doubles up to `maximumBackoff`.
    public var initialBackoff: TimeAmount
    public var maximumBackoff: TimeAmount
    /// Mutual TLS: this service's credentials; every replica must present a certificate naming ``serviceName``.
    /// Nil speaks plain h2c (development only).
    public var tls: RPCTLSConfiguration?

    public init(
        serviceName: String, endpoints: [RPCEndpoint], defaultTimeout: TimeAmount = .seconds(10),
        connectTimeout: TimeAmount = .seconds(2), maximumMessageSize: Int = RPCFraming.defaultMaximumMessageSize,
        maximumAttempts: Int = 3, initialBackoff: TimeAmount = .milliseconds(100), maximumBackoff: TimeAmount = .seconds(5),
        tls: RPCTLSConfiguration? = nil
    ) {
        self.tls = tls
        self.serviceName = serviceName
        self.endpoints = endpoints
        self.defaultTimeout = defaultTimeout
        self.connectTimeout = connectTimeout
        self.maximumMessageSize = maximumMessageSize
        self.maximumAttempts = maximumAttempts
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }
}
