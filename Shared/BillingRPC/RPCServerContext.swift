import Logging
import NIOCore

/// What a handler knows about the call it serves.
public struct RPCServerContext: Sendable {
    /// The method's wire name.
    public let method: String
    public let metadata: RPCMetadata
    /// When the caller stops waiting; the server cancels the handler then.
    public let deadline: RPCDeadline?
    public var logger: Logger

    public init(method: String, metadata: RPCMetadata, deadline: RPCDeadline?, logger: Logger) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.logger = logger
    }

    /// The caller's tenant. The router refuses business calls without one, so handlers can rely on it.
    public var tenant: String { metadata.tenant ?? "" }

    /// Options for a call this handler makes to another service: same tenant, actor, request id,
    /// trace and idempotency key, and a deadline no later than this call's (reduced hop by hop).
    public func outgoing(timeout: TimeAmount? = nil, idempotencyKey: String? = nil) -> RPCCallOptions {
        var metadata = self.metadata
        if let idempotencyKey { metadata.idempotencyKey = idempotencyKey }
        var deadline = self.deadline
        if let timeout {
            let local = RPCDeadline.after(timeout)
            deadline = deadline.map { min($0, local) } ?? local
        }
        return RPCCallOptions(metadata: metadata, deadline: deadline)
    }
}

/// Metadata and deadline of an outgoing call.
public struct RPCCallOptions: Sendable {
    public var metadata: RPCMetadata
    public var deadline: RPCDeadline?

    public init(metadata: RPCMetadata = RPCMetadata(), deadline: RPCDeadline? = nil) {
        self.metadata = metadata
        self.deadline = deadline
    }

    public init(tenant: String?, actor: String? = nil, requestID: String? = nil, idempotencyKey: String? = nil, timeout: TimeAmount? = nil) {
        self.metadata = RPCMetadata(tenant: tenant, actor: actor, requestID: requestID, idempotencyKey: idempotencyKey)
        self.deadline = timeout.map { RPCDeadline.after($0) }
    }
}
