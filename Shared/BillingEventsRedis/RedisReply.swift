/// A RESP2 reply.
public enum RedisReply: Sendable, Equatable {
    case string(String)
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    case error(String)

    public var string: String? {
        switch self {
        case .string(let value), .status(let value): return value
        case .integer(let value): return String(value)
        default: return nil
        }
    }

    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .string(let value): return Int64(value)
        default: return nil
        }
    }

    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}

/// Redis refused a command, or could not be reached.
public enum RedisError: Error, Sendable, CustomStringConvertible {
    /// The server answered with an error reply.
    case reply(String)
    /// No connection, or it broke (the caller may retry after reconnecting).
    case connection(String)

    public var description: String {
        switch self {
        case .reply(let message): return "redis error: \(message)"
        case .connection(let message): return "redis unavailable: \(message)"
        }
    }
}

/// Where Redis is: `redis://host:port`.
public struct RedisConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Socket timeout for ordinary commands; blocking reads add their own block time to it.
    public var commandTimeoutMilliseconds: Int
    /// The ACL user and password sent with `AUTH` on every new connection; nil: none (a Redis without ACL users).
    public var credentials: Credentials?

    /// A Redis 7 ACL user: each service has its own, allowed only its commands and keys.
    public struct Credentials: Sendable, Hashable, CustomStringConvertible {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        public var description: String { "\(username):***" }
    }

    public init(host: String = "127.0.0.1", port: Int = 6379, commandTimeoutMilliseconds: Int = 2000, credentials: Credentials? = nil) {
        self.host = host
        self.port = port
        self.commandTimeoutMilliseconds = commandTimeoutMilliseconds
        self.credentials = credentials
    }

    /// Parses `redis://host:port`.
    public init?(url: String) {
        guard url.hasPrefix("redis://") else { return nil }
        let rest = url.dropFirst("redis://".count).split(separator: "/").first ?? ""
        let parts = rest.split(separator: ":")
        guard let host = parts.first, !host.isEmpty else { return nil }
        let port = parts.count > 1 ? Int(parts[1]) : 6379
        guard let port, (1...65535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }
}
