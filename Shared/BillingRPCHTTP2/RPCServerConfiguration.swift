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

    public init(host: String = "127.0.0.1", port: Int, serviceName: String,
                maximumMessageSize: Int = RPCFraming.defaultMaximumMessageSize, drainTimeout: TimeAmount = .seconds(20)) {
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
