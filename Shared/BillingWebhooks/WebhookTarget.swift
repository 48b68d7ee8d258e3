import Foundation
import NIOCore

/// Where one attempt goes, read from its URL: the host to resolve and to name in SNI and `Host`, the port, the request
/// target, and whether TLS is used.
struct WebhookTarget: Sendable {
    let secure: Bool
    /// Lowercased, IPv6 literals without brackets.
    let host: String
    let port: Int
    /// The path (`/` when empty) and query, percent-encoded as in the URL; never the fragment or the user-info.
    let requestTarget: String
    /// `Host` header: the host, bracketed when IPv6, and the port when the URL names one.
    let hostHeader: String
    /// The address itself when the host is an IP literal: nothing to resolve.
    let literalAddress: SocketAddress?

    /// The name TLS sends (SNI) and checks the certificate against; nil for an IP literal, which is checked against the
    /// certificate's IP addresses instead.
    var serverHostname: String? { literalAddress == nil ? host : nil }

    /// Throws ``WebhookDeliveryFailure/unsupportedURL(_:)`` for a scheme other than http(s), a URL without a host, or a
    /// port outside 1-65535.
    init(_ url: URL) throws(WebhookDeliveryFailure) {
        switch url.scheme?.lowercased() {
        case "https": secure = true
        case "http": secure = false
        default: throw .unsupportedURL("the scheme is not http or https")
        }
        guard let host = url.host?.lowercased(), !host.isEmpty else { throw .unsupportedURL("no host") }
        let port = url.port ?? (secure ? 443 : 80)
        guard (1...65_535).contains(port) else { throw .unsupportedURL("port \(port) is outside 1-65535") }
        self.host = host
        self.port = port
        let path = url.path(percentEncoded: true)
        let query = url.query(percentEncoded: true).map { "?" + $0 } ?? ""
        requestTarget = (path.isEmpty ? "/" : path) + query
        let bracketed = host.contains(":") ? "[\(host)]" : host
        hostHeader = url.port.map { "\(bracketed):\($0)" } ?? bracketed
        literalAddress = try? SocketAddress(ipAddress: host, port: port)
    }
}

extension SocketAddress {
    /// `192.0.2.1:443` or `[2001:db8::1]:443`, for messages.
    var webhookText: String {
        let ip = ipAddress ?? "\(self)"
        let bracketed = ip.contains(":") ? "[\(ip)]" : ip
        return port.map { "\(bracketed):\($0)" } ?? bracketed
    }
}
