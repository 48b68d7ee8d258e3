import NIOCore
import NIOHTTP1
import NIOSSL

/// Why an attempt got no HTTP answer; its ``message`` becomes ``WebhookDeliveryResult/error``.
enum WebhookDeliveryFailure: Error {
    case timeout
    case cancelled
    case unsupportedURL(String)
    case refusedAddress(host: String, address: String, reason: String)
    case dns(host: String, reason: String)
    case connect(address: String, reason: String)
    case tls(String)
    case invalidResponse(String)
    case connection(String)

    var message: String {
        switch self {
        case .timeout: "timeout"
        case .cancelled: "cancelled"
        case .unsupportedURL(let reason): "unsupported URL: \(reason)"
        case .refusedAddress(let host, let address, let reason):
            address == host ? "refused address: \(address) is \(reason)" : "refused address: \(host) resolves to \(address), which is \(reason)"
        case .dns(let host, let reason): "DNS failure: \(host): \(reason)"
        case .connect(let address, let reason): "connect failure: \(address): \(reason)"
        case .tls(let reason): "TLS failure: \(reason)"
        case .invalidResponse(let reason): "invalid response: \(reason)"
        case .connection(let reason): "connection failure: \(reason)"
        }
    }

    /// `error` as it is when it is a failure already; otherwise a failure on an open connection: TLS, a response that is
    /// not HTTP/1.1, or the connection breaking.
    init(_ error: any Error) {
        switch error {
        case let failure as WebhookDeliveryFailure: self = failure
        case is CancellationError: self = .cancelled
        case is HTTPParserError: self = .invalidResponse("\(error)")
        default: self = Self.tlsReason(error).map { .tls($0) } ?? .connection("\(error)")
        }
    }

    /// `error` from opening a connection to `address`: a TLS set-up error, or a connect error.
    init(connecting error: any Error, to address: SocketAddress) {
        switch error {
        case is CancellationError: self = .cancelled
        default: self = Self.tlsReason(error).map { .tls($0) } ?? .connect(address: address.webhookText, reason: "\(error)")
        }
    }

    private static func tlsReason(_ error: any Error) -> String? {
        switch error {
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError, is NIOSSLCloseTimedOutError: "\(error)"
        default: nil
        }
    }
}
