import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns configured endpoints into the replicas behind them: an IP literal is one replica; a name (`billing-ledger:9104`, a
/// Kubernetes headless Service or a compose service) stands for every address it resolves to now.
public enum EndpointResolver {
    /// Resolves every name with `getaddrinfo` (on NIO's thread pool: it blocks). A name that does not resolve keeps its place
    /// as a name, so the connection still tries it; the order is stable and duplicates are dropped.
    public static func resolve(_ configured: [RPCEndpoint]) async -> [RPCEndpoint] {
        var resolved: [RPCEndpoint] = []
        for endpoint in configured {
            let addresses = isAddressLiteral(endpoint.host) ? [endpoint.host] : await lookUp(endpoint.host)
            let replicas = addresses.isEmpty ? [endpoint] : addresses.sorted().map { RPCEndpoint(host: $0, port: endpoint.port) }
            for replica in replicas where !resolved.contains(replica) { resolved.append(replica) }
        }
        return resolved
    }

    static func isAddressLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// The IPv4 and IPv6 addresses of `host` for a TCP connection; empty when it does not resolve.
    static func lookUp(_ host: String) async -> [String] {
        (try? await NIOThreadPool.singleton.runIfActive { addresses(of: host) }) ?? []
    }

    private static func addresses(of host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var found: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr, let text = numericHost(address, length: info.pointee.ai_addrlen), !found.contains(text) {
                found.append(text)
            }
            cursor = info.pointee.ai_next
        }
        return found
    }

    private static func numericHost(_ address: UnsafeMutablePointer<sockaddr>, length: socklen_t) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Keeps a client's replica list equal to what its configured names resolve to: re-resolved every `interval`, so a replica
/// added behind a name is used, and one removed is dropped (its connection closed), with no restart.
public final class EndpointRefresher: Service, Sendable {
    public typealias Resolve = @Sendable ([RPCEndpoint]) async -> [RPCEndpoint]

    private let transport: RPCHTTP2ClientTransport
    private let configured: [RPCEndpoint]
    private let interval: Duration
    private let resolve: Resolve
    private let logger: Logger

    public init(
        transport: RPCHTTP2ClientTransport, configured: [RPCEndpoint], interval: Duration, logger: Logger,
        resolve: @escaping Resolve = EndpointResolver.resolve
    ) {
        self.transport = transport
        self.configured = configured
        self.interval = interval
        self.resolve = resolve
        self.logger = logger
    }

    /// Whether any configured endpoint is a name, so that refreshing can change something.
    public static func needed(for endpoints: [RPCEndpoint]) -> Bool {
        endpoints.contains { !EndpointResolver.isAddressLiteral($0.host) }
    }

    /// Resolves once and applies the result.
    public func refresh() async {
        let replicas = await resolve(configured)
        guard !replicas.isEmpty, Set(replicas) != Set(transport.endpoints) else { return }
        logger.info(
            "replicas changed",
            metadata: [
                "service": "\(transport.configuration.serviceName)", "endpoints": "\(replicas.map(\.description).joined(separator: ","))",
            ])
        transport.updateEndpoints(replicas)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.refresh()
                try? await Task.sleep(for: self.interval)
            }
        }
    }
}
