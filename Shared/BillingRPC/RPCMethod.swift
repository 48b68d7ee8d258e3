import BillingCore

/// Whether a method answers once or streams several responses.
public enum RPCMethodKind: String, Sendable, Hashable {
    case unary
    case serverStreaming = "server streaming"
}

/// Which services may call a method; the server checks it against the caller's certificate (mutual TLS) on every call.
public enum RPCCallers: Sendable, Hashable {
    /// Any service of the deployment (health checks).
    case anyService
    /// Only these services (`gateway`, `invoicing`, …).
    case only(Set<String>)

    /// The gateway alone: the public API's operations.
    public static let gateway = RPCCallers.only(["gateway"])

    /// The gateway and these services.
    public static func gateway(and services: String...) -> RPCCallers { .only(Set(["gateway"] + services)) }

    public func allows(_ service: String) -> Bool {
        switch self {
        case .anyService: true
        case .only(let services): services.contains(service)
        }
    }

    /// `gateway, invoicing` (sorted), or `any service`.
    public var documented: String {
        switch self {
        case .anyService: "any service"
        case .only(let services): services.sorted().joined(separator: ", ")
        }
    }
}

/// What every method declaration tells the router, the client and the docs generator.
public protocol RPCMethodDescriptor: Sendable {
    /// `billing.<ctx>.v1.<Service>/<Method>`; never changes once published.
    var name: String { get }
    var kind: RPCMethodKind { get }
    /// Safe to send twice (reads, and writes keyed by the request itself); the client retries only these
    /// or calls that carry an idempotency key.
    var isIdempotent: Bool { get }
    /// Business calls need the `billing-tenant` header; health checks do not.
    var requiresTenant: Bool { get }
    /// The services allowed to call it.
    var callers: RPCCallers { get }
    var summary: String { get }
    var requestSchema: CodableSchema { get }
    var responseSchema: CodableSchema { get }
}

extension RPCMethodDescriptor {
    /// The HTTP/2 `:path` of the call.
    public var path: String { "/" + name }
}

/// A method with one request and one response, declared once in a context's Contract target.
public struct UnaryMethod<Request: Codable & Sendable, Response: Codable & Sendable>: RPCMethodDescriptor {
    public let name: String
    public let isIdempotent: Bool
    public let requiresTenant: Bool
    public let callers: RPCCallers
    public let summary: String
    public var kind: RPCMethodKind { .unary }

    /// - Parameters:
    ///   - service: `billing.<ctx>.v1.<Service>`.
    ///   - method: the method name, UpperCamelCase.
    ///   - callers: the services allowed to call it.
    public init(service: String, method: String, idempotent: Bool = false, requiresTenant: Bool = true, callers: RPCCallers, summary: String) {
        self.name = service + "/" + method
        self.isIdempotent = idempotent
        self.requiresTenant = requiresTenant
        self.callers = callers
        self.summary = summary
    }

    public var requestSchema: CodableSchema { .of(Request.self) }
    public var responseSchema: CodableSchema { .of(Response.self) }
}

/// A method with one request and a stream of responses.
public struct ServerStreamingMethod<Request: Codable & Sendable, Response: Codable & Sendable>: RPCMethodDescriptor {
    public let name: String
    public let isIdempotent: Bool
    public let requiresTenant: Bool
    public let callers: RPCCallers
    public let summary: String
    public var kind: RPCMethodKind { .serverStreaming }

    public init(service: String, method: String, idempotent: Bool = true, requiresTenant: Bool = true, callers: RPCCallers, summary: String) {
        self.name = service + "/" + method
        self.isIdempotent = idempotent
        self.requiresTenant = requiresTenant
        self.callers = callers
        self.summary = summary
    }

    public var requestSchema: CodableSchema { .of(Request.self) }
    public var responseSchema: CodableSchema { .of(Response.self) }
}

/// A context's published API: its methods, for the docs generator and tests.
public protocol RPCServiceDescription {
    /// The context name as used in proto-docs (`accounts`).
    static var contextName: String { get }
    static var methods: [any RPCMethodDescriptor] { get }
}
