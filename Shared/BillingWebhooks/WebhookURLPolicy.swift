import Foundation

/// Which URLs a tenant may register as a webhook endpoint: absolute `https` URLs naming a host (`http` only where insecure
/// endpoints are allowed, in development), with no user-info, of at most ``maximumLength`` characters.
///
/// This checks the text only; where the host leads is checked at every delivery by ``WebhookAddressPolicy``, after
/// resolving it, because DNS answers change.
public enum WebhookURLPolicy {
    /// The longest URL accepted, in characters.
    public static let maximumLength = 2_000

    /// The URL, parsed.
    /// - Parameter allowInsecure: accept `http://` too (development only).
    /// - Throws: ``WebhookURLError`` naming what is wrong: its message starts with `url`, ready for a 422 answer.
    public static func check(_ url: String, allowInsecure: Bool) throws(WebhookURLError) -> URL {
        guard url.count <= maximumLength else { throw WebhookURLError("url is longer than \(maximumLength) characters") }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else {
            throw WebhookURLError("url is not an absolute URL such as https://example.com/webhooks")
        }
        switch scheme {
        case "https": break
        case "http" where allowInsecure: break
        case "http": throw WebhookURLError("url must use https")
        default: throw WebhookURLError("url must use https, not \(scheme)")
        }
        guard let host = parsed.host, !host.isEmpty else { throw WebhookURLError("url names no host") }
        guard parsed.user == nil, parsed.password == nil else {
            throw WebhookURLError("url must not carry user-info (user:password@); authenticate with the signature instead")
        }
        if let port = parsed.port, !(1...65_535).contains(port) { throw WebhookURLError("url has port \(port), outside 1-65535") }
        return parsed
    }
}

/// What is wrong with a webhook URL; ``message`` names the `url` field.
public struct WebhookURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
