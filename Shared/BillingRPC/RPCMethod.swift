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
    /// When a failed call is sent again: the client resends `always` methods, and `withKey` ones that carry a key.
    var retry: RPCRetry { get }
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

/// When a client sends a call again after a failure that may have reached the server (a replica dying, a reset
/// connection, a lost reply). One rule: a call is resent only when running it twice has the effect of running it once.
public enum RPCRetry: String, Sendable, CaseIterable {
    /// Reads, and writes that converge (setting a value) or deduplicate on ids the request itself carries.
    case always
    /// Only when the call carries an idempotency key, on which the handler deduplicates (tenant + key, the response
    /// stored with the change; the same key with another request is refused).
    case withKey = "with key"
    /// Never: the caller learns of the failure and decides.
    case never
}

/// A method with one request and one response, declared once in a context's Contract target.
public struct UnaryMethod<Request: Codable & Sendable, Response: Codable & Sendable>: RPCMethodDescriptor {
    public let name: String
    public let retry: RPCRetry
    public let requiresTenant: Bool
    public let callers: RPCCallers
    public let summary: String
    public var kind: RPCMethodKind { .unary }

    /// - Parameters:
    ///   - service: `billing.<ctx>.v1.<Service>`.
    ///   - method: the method name, UpperCamelCase.
    ///   - retry: when a failed call is sent again (``RPCRetry``).
    ///   - callers: the services allowed to call it.
    public init(service: String, method: String, retry: RPCRetry = .never, requiresTenant: Bool = true, callers: RPCCallers, summary: String) {
        self.name = service + "/" + method
        self.retry = retry
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
    public let retry: RPCRetry
    public let requiresTenant: Bool
    public let callers: RPCCallers
    public let summary: String
    public var kind: RPCMethodKind { .serverStreaming }

    public init(service: String, method: String, retry: RPCRetry = .always, requiresTenant: Bool = true, callers: RPCCallers, summary: String) {
        self.name = service + "/" + method
        self.retry = retry
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
