import Crypto
import Foundation

/// A Standard Webhooks signing secret: `whsec_` followed by the base64 of 24 to 64 random bytes, one per endpoint.
///
/// The key never shows in `description`, `debugDescription` or a `dump`, so a secret can sit in a logged value; ``text``
/// is what is stored and shown to the tenant once. Equality compares the keys in constant time.
public struct StandardWebhookSecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What every serialized secret starts with.
    public static let prefix = "whsec_"
    /// How many key bytes a secret may have: the specification asks for at least 192 bits and allows at most 512.
    public static let keyLengths = 24...64

    /// The HMAC-SHA256 key.
    let key: SymmetricKey

    private init(key: SymmetricKey) { self.key = key }

    /// A new secret of 32 bytes from the system's secure random generator.
    public static func generate() -> StandardWebhookSecret {
        StandardWebhookSecret(key: SymmetricKey(size: .bits256))
    }

    /// Reads the `whsec_<base64>` form (padded or not, as the reference libraries accept); nil without the prefix, with
    /// text that is not base64, or with a key whose length is outside ``keyLengths``.
    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        var encoded = String(text.dropFirst(Self.prefix.count))
        if encoded.utf8.count % 4 != 0 { encoded += String(repeating: "=", count: 4 - encoded.utf8.count % 4) }
        guard let bytes = Data(base64Encoded: encoded), Self.keyLengths.contains(bytes.count) else { return nil }
        self.init(key: SymmetricKey(data: bytes))
    }

    /// The `whsec_<base64>` form: what the tenant configures on the receiving side.
    public var text: String {
        Self.prefix + key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// `whsec_<redacted>`: never the key.
    public var description: String { Self.prefix + "<redacted>" }
    public var debugDescription: String { description }
    /// No children, so `dump` and reflection do not reach the key either.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
