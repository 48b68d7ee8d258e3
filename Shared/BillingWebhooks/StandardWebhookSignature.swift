import Crypto
import Foundation

/// Signs and checks webhooks as the Standard Webhooks specification says: three headers, and `v1,<base64>` signatures of
/// HMAC-SHA256 over `"<id>.<timestamp>.<body>"`.
///
/// The id and timestamp are ours (an event id, integer seconds since 1970), never tenant text: a `.` inside the id would let
/// one signed content pass for another. The body is signed as the exact bytes sent; re-encoding JSON breaks the signature.
public enum StandardWebhookSignature {
    /// The event's id, the same on every retry: the receiver's idempotency key.
    public static let idHeader = "webhook-id"
    /// When this attempt was signed, integer seconds since 1970.
    public static let timestampHeader = "webhook-timestamp"
    /// The space-separated signatures, one per secret.
    public static let signatureHeader = "webhook-signature"

    /// `v1,` + the base64 of HMAC-SHA256 with the secret's key over `"<id>.<timestamp>.<body>"`.
    public static func sign(id: String, timestamp: Int, body: some DataProtocol, secret: StandardWebhookSecret) -> String {
        "v1," + Data(code(id: id, timestamp: timestamp, body: body, key: secret.key)).base64EncodedString()
    }

    /// The three headers of one attempt: `webhook-id`, `webhook-timestamp` and `webhook-signature` with one signature per
    /// secret, in order. During a rotation both the old and the new secret sign (for 24 h), so the receiver passes with either.
    public static func headers(id: String, timestamp: Int, body: some DataProtocol, secrets: [StandardWebhookSecret]) -> [(String, String)] {
        let signatures = secrets.map { sign(id: id, timestamp: timestamp, body: body, secret: $0) }
        return [(idHeader, id), (timestampHeader, String(timestamp)), (signatureHeader, signatures.joined(separator: " "))]
    }

    /// Checks a received webhook: header names in any case, the timestamp within `tolerance` of `now` either way, and one
    /// `v1` signature made with `secret` (compared in constant time; other versions such as `v1a` are skipped).
    /// - Throws: ``StandardWebhookVerificationError``: a missing header, a timestamp that is not an integer or is out of
    ///   tolerance, or no matching signature.
    public static func verify(
        headers: [(String, String)], body: some DataProtocol, secret: StandardWebhookSecret, now: Date = Date(),
        tolerance: Duration = .seconds(300)
    ) throws(StandardWebhookVerificationError) {
        func value(_ name: String) throws(StandardWebhookVerificationError) -> String {
            guard let value = headers.first(where: { $0.0.lowercased() == name })?.1, !value.isEmpty else { throw .missingHeader(name) }
            return value
        }
        let id = try value(idHeader)
        let timestampText = try value(timestampHeader)
        let signatures = try value(signatureHeader)
        guard let timestamp = Int(timestampText) else { throw .invalidTimestamp }
        guard Duration.seconds(abs(now.timeIntervalSince1970 - TimeInterval(timestamp))) <= tolerance else { throw .staleTimestamp }
        let expected = code(id: id, timestamp: timestamp, body: body, key: secret.key)
        for candidate in signatures.split(separator: " ") where candidate.hasPrefix("v1,") {
            if let bytes = Data(base64Encoded: String(candidate.dropFirst(3))), expected == bytes { return }
        }
        throw .noMatchingSignature
    }

    private static func code(id: String, timestamp: Int, body: some DataProtocol, key: SymmetricKey) -> HashedAuthenticationCode<SHA256> {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return hmac.finalize()
    }
}

/// Why a received webhook does not verify.
public struct StandardWebhookVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case missingHeader(String)
        case invalidTimestamp
        case staleTimestamp
        case noMatchingSignature
    }

    private let code: Code

    /// The header (`webhook-id`, `webhook-timestamp` or `webhook-signature`) is absent or empty.
    public static func missingHeader(_ name: String) -> Self { Self(code: .missingHeader(name)) }
    /// `webhook-timestamp` is not integer seconds.
    public static let invalidTimestamp = Self(code: .invalidTimestamp)
    /// `webhook-timestamp` is further from now than the tolerance: a replay, or clocks out of step.
    public static let staleTimestamp = Self(code: .staleTimestamp)
    /// No `v1` signature in `webhook-signature` was made with the secret over this id, timestamp and body.
    public static let noMatchingSignature = Self(code: .noMatchingSignature)

    public var description: String {
        switch code {
        case .missingHeader(let name): "the \(name) header is missing"
        case .invalidTimestamp: "the webhook-timestamp header is not integer seconds since 1970"
        case .staleTimestamp: "the webhook-timestamp header is too far from now: a replay, or clocks out of step"
        case .noMatchingSignature: "no v1 signature in the webhook-signature header matches"
        }
    }
}
