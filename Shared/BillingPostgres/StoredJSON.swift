import BillingCore
import Crypto

/// A store's own row type kept in a `jsonb` column (values read only with their row, never queried), in the platform's one
/// exact-decimal codec: the text bound as `$n::jsonb` and read back as `column::text`.
public enum StoredJSON {
    private static let encoder = WireJSONEncoder()
    private static let decoder = WireJSONDecoder()

    public static func text<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    public static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try decoder.decode(type, from: Array(text.utf8)) }

    /// SHA-256 of a stored text, hex: whether what a row holds changed since it was last written, without reading it back.
    public static func digest(_ text: String) -> String { SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined() }
}
