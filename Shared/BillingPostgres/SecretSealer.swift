import Crypto
import Foundation

/// Secrets kept at rest in a column (a tenant's A1 certificate and its password): AES-256-GCM with a key from the deployment
/// (never from the database), the tenant and the column bound as authenticated data so a sealed value copied to another
/// tenant's row or another column does not open. Stored as `v1:` + base64(nonce ‖ ciphertext ‖ tag).
public struct SecretSealer: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    private let key: SymmetricKey

    /// `key`: 32 bytes.
    public init(key: [UInt8]) throws {
        guard key.count == 32 else { throw Failure(description: "the sealing key has \(key.count) bytes, not 32") }
        self.key = SymmetricKey(data: key)
    }

    /// The key as base64 of 32 bytes (`openssl rand -base64 32`).
    public init(base64 text: String) throws {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure(description: "the sealing key is not base64")
        }
        try self.init(key: Array(bytes))
    }

    public func seal(_ plaintext: [UInt8], tenant: String, purpose: String) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Self.context(tenant, purpose))
        guard let combined = box.combined else { throw Failure(description: "cannot seal") }
        return "v1:" + combined.base64EncodedString()
    }

    public func open(_ sealed: String, tenant: String, purpose: String) throws -> [UInt8] {
        guard sealed.hasPrefix("v1:"), let combined = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw Failure(description: "not a sealed value")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            return Array(try AES.GCM.open(box, using: key, authenticating: Self.context(tenant, purpose)))
        } catch {
            throw Failure(description: "the sealed \(purpose) does not open with this key for this tenant")
        }
    }

    private static func context(_ tenant: String, _ purpose: String) -> [UInt8] { Array("\(purpose)\u{0}\(tenant)".utf8) }
}
