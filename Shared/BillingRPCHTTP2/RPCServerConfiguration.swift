import BillingRPC
import NIOCore

/// Where and how the RPC server listens.
public struct RPCServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests); read it back from ``RPCServer/listeningAddress()``.
    public var port: Int
    public var maximumMessageSize: Int
    /// How long in-flight calls may run after shutdown starts before connections are closed.
    public var drainTimeout: TimeAmount
    /// The service name reported in logs and the health method.
    public var serviceName: String
    /// Mutual TLS: a client certificate from the internal CA is required and every method's callers are checked against it.
    /// Nil serves plain h2c and trusts every caller (development only, `BILLING_RPC_INSECURE=true`).
    public var tls: RPCTLSConfiguration?

    public init(
        host: String = "127.0.0.1", port: Int, serviceName: String, tls: RPCTLSConfiguration? = nil,
        maximumMessageSize: Int = RPCFraming.defaultMaximumMessageSize, drainTimeout: TimeAmount = .seconds(20)
    ) {
        self.tls = tls
        self.host = host
        self.port = port
        self.serviceName = serviceName
        self.maximumMessageSize = maximumMessageSize
        self.drainTimeout = drainTimeout
    }
}

/// Told about every finished call; the service host feeds its metrics from it.
public protocol RPCServerObserver: Sendable {
    func callFinished(method: String, code: RPCCode, duration: Duration)
}
