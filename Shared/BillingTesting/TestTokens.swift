import BillingCore
import Crypto
import CryptoExtras
import Foundation

/// Mints tenant tokens for tests with swift-crypto directly (independent of the gateway's jwt-kit code),
/// and the JWKS the gateway under test trusts.
public final class TestTokens: Sendable {
    public enum Algorithm: String, Sendable { case hs256 = "HS256", rs256 = "RS256", es256 = "ES256" }

    public let hs256Secret: String
    public let issuer: String
    public let audience: String
    let rsaKey: _RSA.Signing.PrivateKey
    let ecKey: P256.Signing.PrivateKey
    public static let rsaKeyID = "test-rsa-1"
    public static let ecKeyID = "test-ec-1"

    public init(issuer: String = "billing-test", audience: String = "billing-api") throws {
        self.hs256Secret = "test-secret-" + UUIDv7.generate().uuidString + "-0123456789"
        self.issuer = issuer
        self.audience = audience
        self.rsaKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        self.ecKey = P256.Signing.PrivateKey()
    }

    /// The public keys, as the gateway's `BILLING_GATEWAY_JWKS_FILE` expects.
    public func jwksJSON() throws -> String {
        let primitives = try rsaKey.publicKey.getKeyPrimitives()
        let point = ecKey.publicKey.x963Representation  // 0x04 || X || Y
        let keys: JSONValue = [
            "keys": [
                [
                    "kty": "RSA", "kid": .string(Self.rsaKeyID), "alg": "RS256", "use": "sig",
                    "n": .string(Self.base64URL(primitives.modulus)), "e": .string(Self.base64URL(primitives.publicExponent)),
                ],
                [
                    "kty": "EC", "kid": .string(Self.ecKeyID), "alg": "ES256", "use": "sig", "crv": "P-256",
                    "x": .string(Self.base64URL(point[1..<33])), "y": .string(Self.base64URL(point[33..<65])),
                ],
            ]
        ]
        return JSONWriter.string(keys)
    }

    /// The PEM of the RSA public key (for algorithm-confusion tests: using it as an HMAC secret).
    public var rsaPublicKeyPEM: String { rsaKey.publicKey.pemRepresentation }

    /// A signed token; every claim can be overridden or removed (`.null` removes it).
    public func token(
        tenant: String, subject: String = "user-1", permissions: [String] = [], roles: [String] = [],
        algorithm: Algorithm = .hs256, keyID: String? = nil, expiresIn: TimeInterval = 3600, notBefore: TimeInterval? = nil,
        issuer: String? = nil, audience: JSONValue? = nil, extraClaims: [String: JSONValue] = [:]
    ) throws -> String {
        let now = Date().timeIntervalSince1970
        var claims = JSONObject()
        claims["sub"] = .string(subject)
        claims["organizationId"] = .string(tenant)
        claims["permissions"] = .array(permissions.map { .string($0) })
        claims["roles"] = .array(roles.map { .string($0) })
        claims["iss"] = .string(issuer ?? self.issuer)
        claims["aud"] = audience ?? .string(self.audience)
        claims["iat"] = .number(Int64(now))
        claims["exp"] = .number(Int64(now + expiresIn))
        if let notBefore { claims["nbf"] = .number(Int64(now + notBefore)) }
        for (key, value) in extraClaims { claims[key] = value == .null ? nil : value }
        var header = JSONObject([("alg", .string(algorithm.rawValue)), ("typ", "JWT")])
        switch algorithm {
        case .hs256: if let keyID { header["kid"] = .string(keyID) }
        case .rs256: header["kid"] = .string(keyID ?? Self.rsaKeyID)
        case .es256: header["kid"] = .string(keyID ?? Self.ecKeyID)
        }
        return try sign(header: header, claims: claims, algorithm: algorithm)
    }

    /// Signs arbitrary header and claims (for malformed-token tests).
    public func sign(header: JSONObject, claims: JSONObject, algorithm: Algorithm, hmacSecret: String? = nil) throws -> String {
        let input = Self.base64URL(JSONWriter.bytes(.object(header))) + "." + Self.base64URL(JSONWriter.bytes(.object(claims)))
        let data = Data(input.utf8)
        let signature: Data
        switch algorithm {
        case .hs256:
            signature = Data(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: Data((hmacSecret ?? hs256Secret).utf8))))
        case .rs256:
            signature = try rsaKey.signature(for: data, padding: .insecurePKCS1v1_5).rawRepresentation
        case .es256:
            signature = try ecKey.signature(for: data).rawRepresentation
        }
        return input + "." + Self.base64URL(signature)
    }

    /// An unsigned token (`alg: none`).
    public func unsignedToken(tenant: String) -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let claims: JSONValue = [
            "sub": "user-1", "organizationId": .string(tenant), "roles": ["owner"], "iss": .string(issuer),
            "aud": .string(audience), "exp": .number(now + 3600),
        ]
        return Self.base64URL(JSONWriter.bytes(["alg": "none", "typ": "JWT"])) + "." + Self.base64URL(JSONWriter.bytes(claims)) + "."
    }

    public static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
