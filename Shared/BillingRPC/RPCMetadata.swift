import NIOCore

/// Header names of the call metadata (DESIGN.md section 3).
public enum RPCHeader {
    public static let contentType = "content-type"
    public static let contentTypeValue = "application/x-billing-rpc+json"
    /// Remaining budget in milliseconds, reduced at every hop.
    public static let deadline = "rpc-deadline-ms"
    public static let requestID = "x-request-id"
    public static let tenant = "billing-tenant"
    public static let actor = "billing-actor"
    public static let idempotencyKey = "idempotency-key"
    public static let traceparent = "traceparent"
    public static let status = "rpc-status"
    public static let message = "rpc-message"
}

/// Metadata of one call, as the server sees it and as a client sends it.
public struct RPCMetadata: Sendable, Hashable {
    /// The tenant (organizationId of the caller's token); required on every business call.
    public var tenant: String?
    /// The subject of the caller's token.
    public var actor: String?
    public var requestID: String?
    public var idempotencyKey: String?
    /// W3C trace context.
    public var traceparent: String?

    public init(tenant: String? = nil, actor: String? = nil, requestID: String? = nil, idempotencyKey: String? = nil, traceparent: String? = nil) {
        self.tenant = tenant
        self.actor = actor
        self.requestID = requestID
        self.idempotencyKey = idempotencyKey
        self.traceparent = traceparent
    }

    /// Header values are bounded and printable; anything else is dropped rather than trusted.
    public static func sanitized(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 256,
            value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }
}

/// When a call must be finished, as an absolute point on the monotonic clock.
public struct RPCDeadline: Sendable, Hashable, Comparable {
    public let instant: NIODeadline

    public init(_ instant: NIODeadline) { self.instant = instant }

    public static func after(_ amount: TimeAmount) -> RPCDeadline { RPCDeadline(.now() + amount) }

    /// Milliseconds left (never negative), as sent in `rpc-deadline-ms`.
    public var remainingMilliseconds: Int64 {
        max(0, (instant - .now()).nanoseconds / 1_000_000)
    }

    public var hasPassed: Bool { instant <= .now() }

    public static func < (lhs: RPCDeadline, rhs: RPCDeadline) -> Bool { lhs.instant < rhs.instant }
}
