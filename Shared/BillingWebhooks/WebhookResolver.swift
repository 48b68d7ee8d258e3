import NIOCore
import NIOPosix

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Resolves a webhook's host once and checks every address, so the connection goes to an address that was checked: the
/// bootstrap never resolves the name again (DNS rebinding cannot slip a private address in between).
enum WebhookResolver {
    /// The addresses to connect to, in the resolver's order of preference.
    /// - Throws: ``WebhookDeliveryFailure``: `dns` when the name does not resolve, `refusedAddress` when any address is
    ///   refused by ``WebhookAddressPolicy`` (unless `allowPrivateAddresses`), `cancelled` when the task is cancelled
    ///   while `getaddrinfo` still runs (it goes on in the background; its answer is dropped).
    static func addresses(
        for target: WebhookTarget, allowPrivateAddresses: Bool, eventLoop: any EventLoop, threadPool: NIOThreadPool
    ) async throws -> [SocketAddress] {
        let addresses: [SocketAddress]
        if let literal = target.literalAddress {
            addresses = [literal]
        } else {
            addresses = try await lookUp(target.host, port: target.port, eventLoop: eventLoop, threadPool: threadPool)
        }
        guard !allowPrivateAddresses else { return addresses }
        for address in addresses {
            if let reason = WebhookAddressPolicy.refusal(for: address) {
                throw WebhookDeliveryFailure.refusedAddress(host: target.host, address: address.ipAddress ?? "\(address)", reason: reason)
            }
        }
        return addresses
    }

    /// `getaddrinfo` on the thread pool (it blocks); returns as soon as the task is cancelled, without waiting for it.
    private static func lookUp(_ host: String, port: Int, eventLoop: any EventLoop, threadPool: NIOThreadPool) async throws -> [SocketAddress] {
        let promise = eventLoop.makePromise(of: [SocketAddress].self)
        threadPool.runIfActive(eventLoop: eventLoop) { try resolve(host, port: port) }
            .flatMapErrorThrowing { error in throw error as? WebhookDeliveryFailure ?? .dns(host: host, reason: "\(error)") }
            .cascade(to: promise)
        // Completing a promise a second time does nothing, so whichever of the answer and the cancellation comes first wins.
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(WebhookDeliveryFailure.cancelled)
        }
    }

    /// TCP addresses of `host`, IPv4 and IPv6. Throws ``WebhookDeliveryFailure/dns(host:reason:)``.
    private static func resolve(_ host: String, port: Int) throws(WebhookDeliveryFailure) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc) || canImport(Musl)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == 0 ? "no addresses" : String(cString: gai_strerror(status))
            throw .dns(host: host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry?.pointee {
            entry = current.ai_next
            guard let address = current.ai_addr else { continue }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                addresses.append(address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
            case AF_INET6:
                addresses.append(address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
            default: continue
            }
        }
        guard !addresses.isEmpty else { throw .dns(host: host, reason: "no IPv4 or IPv6 addresses") }
        return addresses
    }
}
