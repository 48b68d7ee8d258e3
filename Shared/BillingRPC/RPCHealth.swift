/// The health method every service serves (`billing.health.v1.Health/Check`).
public enum RPCHealth: RPCServiceDescription {
    public static let contextName = "health"

    public struct CheckRequest: Codable, Sendable, Equatable {
        public init() {}
    }

    public struct CheckResponse: Codable, Sendable, Equatable {
        /// The service name (`accounts`).
        public var service: String
        /// `SERVING`, or `NOT_SERVING` while starting or draining.
        public var status: String
        public var version: String

        public init(service: String, status: String, version: String) {
            self.service = service
            self.status = status
            self.version = version
        }
    }

    public static let check = UnaryMethod<CheckRequest, CheckResponse>(
        service: "billing.health.v1.Health", method: "Check", retry: .always, requiresTenant: false,
        callers: .anyService, summary: "Whether the service is serving.")

    public static var methods: [any RPCMethodDescriptor] { [check] }
}
