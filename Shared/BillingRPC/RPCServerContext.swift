import Logging
import NIOCore

/// What a handler knows about the call it serves.
public struct RPCServerContext: Sendable {
    /// The method's wire name.
    public let method: String
    public let metadata: RPCMetadata
    /// When the caller stops waiting; the server cancels the handler then.
    public let deadline: RPCDeadline?
    private let baseLogger: Logger

    public init(method: String, metadata: RPCMetadata, deadline: RPCDeadline?, logger: Logger) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.baseLogger = logger
    }

    /// A logger carrying the method, request id, tenant and trace of this call (built when used).
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "rpc.method"] = "\(method)"
        if let requestID = metadata.requestID { logger[metadataKey: "request_id"] = "\(requestID)" }
        if let tenant = metadata.tenant { logger[metadataKey: "tenant"] = "\(tenant)" }
        if let traceparent = metadata.traceparent { logger[metadataKey: "traceparent"] = "\(traceparent)" }
        return logger
    }

    /// The caller's tenant. The router refuses business calls without one, so handlers can rely on it.
    public var tenant: String { metadata.tenant ?? "" }

    /// Options for a call this handler makes to another service: same tenant, actor, request id,
    /// trace and idempotency key, and a deadline no later than this call's (reduced hop by hop).
    /// `timeout` is the hop's own budget, counted from when each call made with these options starts (not from now:
    /// a handler that waited for a database connection first still gives the call its whole budget, within the caller's).
    public func outgoing(timeout: TimeAmount? = nil, idempotencyKey: String? = nil) -> RPCCallOptions {
        var metadata = self.metadata
        if let idempotencyKey { metadata.idempotencyKey = idempotencyKey }
        return RPCCallOptions(metadata: metadata, deadline: deadline, timeout: timeout)
    }
}

/// Metadata and time budget of an outgoing call.
///
/// A `timeout` is relative and starts when each call starts, so one options value can be reused;
/// a `deadline` is absolute (a handler forwarding its own). When both are set the earlier wins.
public struct RPCCallOptions: Sendable {
    public var metadata: RPCMetadata
    public var deadline: RPCDeadline?
    public var timeout: TimeAmount?

    public init(metadata: RPCMetadata = RPCMetadata(), deadline: RPCDeadline? = nil, timeout: TimeAmount? = nil) {
        self.metadata = metadata
        self.deadline = deadline
        self.timeout = timeout
    }

    public init(tenant: String?, actor: String? = nil, requestID: String? = nil, idempotencyKey: String? = nil, timeout: TimeAmount? = nil) {
        self.metadata = RPCMetadata(tenant: tenant, actor: actor, requestID: requestID, idempotencyKey: idempotencyKey)
        self.deadline = nil
        self.timeout = timeout
    }

    /// The deadline of a call starting now; `fallback` applies when neither a deadline nor a timeout is set.
    public func resolvedDeadline(fallback: TimeAmount) -> RPCDeadline {
        let fromTimeout = timeout.map { RPCDeadline.after($0) }
        switch (deadline, fromTimeout) {
        case let (deadline?, fromTimeout?): return min(deadline, fromTimeout)
        case let (deadline?, nil): return deadline
        case let (nil, fromTimeout?): return fromTimeout
        case (nil, nil): return .after(fallback)
        }
    }
}
