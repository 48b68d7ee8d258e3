import BillingCore
import Foundation
import JWTKit
import Synchronization

/// Why a request is not authenticated (always HTTP 401; the detail says which check failed).
struct AuthenticationError: Error, Sendable {
    let detail: String
}

/// Checks bearer tokens: signature with jwt-kit, everything else here.
///
/// The header is inspected before any key is used: `alg` must be on the allow-list (`none` never is),
/// a `kid` must name a configured key of that very algorithm (so an RSA public key can never be used
/// as an HMAC secret, and jwt-kit's fallback to a default key for unknown ids never applies), and a
/// token without `kid` is accepted only for the HS256 development key. Then `exp`, `nbf`, `iss` and
/// `aud` are checked (jwt-kit checks none of `iss`/`aud` by itself), and the tenant claim is required.
/// A token whose signature was verified is kept (``VerifiedTokens``): the same token again skips the parsing and the
/// signature, never the checks of time, issuer, audience and tenant.
struct TokenVerifier: Sendable {
    private let keys: JWTKeyCollection
    /// Algorithm of each JWKS key, by key id.
    private let keyAlgorithms: [String: String]
    private let acceptsUnidentifiedHS256: Bool
    let issuer: String
    let audience: String
    let leeway: TimeInterval
    let clock: any BillingClock
    private let verified = VerifiedTokens()

    static let supportedAlgorithms: Set<String> = ["HS256", "RS256", "ES256"]

    init(hs256Secret: String?, jwks: JWKS?, issuer: String, audience: String, leeway: TimeInterval, clock: any BillingClock) async throws {
        let keys = JWTKeyCollection()
        var algorithms: [String: String] = [:]
        if let hs256Secret {
            await keys.add(hmac: HMACKey(from: hs256Secret), digestAlgorithm: .sha256)
        }
        for jwk in jwks?.keys ?? [] {
            guard let kid = jwk.keyIdentifier?.string else { throw TokenVerifierSetupError(message: "every JWKS key needs a kid") }
            let algorithm: String
            switch (jwk.keyType, jwk.algorithm) {
            case (.rsa, nil), (.rsa, .rs256?): algorithm = "RS256"
            case (.ecdsa, nil), (.ecdsa, .es256?): algorithm = "ES256"
            default: throw TokenVerifierSetupError(message: "JWKS key \(kid): only RS256 and ES256 keys are supported")
            }
            try await keys.add(jwk: jwk, isDefault: false)
            algorithms[kid] = algorithm
        }
        self.keys = keys
        self.keyAlgorithms = algorithms
        self.acceptsUnidentifiedHS256 = hs256Secret != nil
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.clock = clock
    }

    /// The principal of a valid `Authorization: Bearer …` header value.
    func authenticate(authorization: String?) async throws(AuthenticationError) -> Principal {
        guard let authorization, !authorization.isEmpty else { throw AuthenticationError(detail: "missing Authorization header (Bearer token)") }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw AuthenticationError(detail: "Authorization must be 'Bearer <token>'") }
        // Spaces and tabs around the token go (Foundation's trimmingCharacters was most of this function's time).
        var token = parts[1]
        while token.first == " " || token.first == "\t" { token.removeFirst() }
        while token.last == " " || token.last == "\t" { token.removeLast() }
        return try await verify(String(token))
    }

    func verify(_ token: String) async throws(AuthenticationError) -> Principal {
        if let claims = verified.claims(of: token) { return try principal(from: claims) }
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let headerBytes = Self.base64URLDecode(segments[0]),
            case .object(let header)? = try? JSONParser.parse(headerBytes)
        else { throw AuthenticationError(detail: "malformed token") }
        guard case .string(let algorithm)? = header["alg"], Self.supportedAlgorithms.contains(algorithm) else {
            throw AuthenticationError(detail: "token algorithm is not accepted (allowed: HS256, RS256, ES256)")
        }
        if case .string(let kid)? = header["kid"] {
            guard let keyAlgorithm = keyAlgorithms[kid] else { throw AuthenticationError(detail: "unknown key id '\(kid.prefix(64))'") }
            guard keyAlgorithm == algorithm else { throw AuthenticationError(detail: "token algorithm does not match its key") }
        } else if header["kid"] != nil {
            throw AuthenticationError(detail: "malformed kid")
        } else {
            guard algorithm == "HS256", acceptsUnidentifiedHS256 else { throw AuthenticationError(detail: "token names no key id (kid)") }
        }
        let claims: TenantClaims
        do {
            claims = try await keys.verify(token, as: TenantClaims.self)
        } catch {
            throw AuthenticationError(detail: "token signature is not valid")
        }
        let principal = try principal(from: claims)
        verified.remember(token, claims: claims)
        return principal
    }

    private func principal(from claims: TenantClaims) throws(AuthenticationError) -> Principal {
        let now = clock.now().timeIntervalSince1970
        guard let expiry = claims.exp else { throw AuthenticationError(detail: "token has no expiry (exp)") }
        guard expiry + leeway > now else { throw AuthenticationError(detail: "token has expired") }
        if let notBefore = claims.nbf, notBefore - leeway > now { throw AuthenticationError(detail: "token is not valid yet (nbf)") }
        guard claims.iss == issuer else { throw AuthenticationError(detail: "token issuer is not accepted") }
        guard claims.aud?.values.contains(audience) == true else { throw AuthenticationError(detail: "token audience is not accepted") }
        guard let subject = claims.sub, !subject.isEmpty, subject.count <= 256 else {
            throw AuthenticationError(detail: "token has no subject (sub)")
        }
        guard let tenant = claims.organizationId, Self.isValidTenant(tenant) else {
            throw AuthenticationError(detail: "token has no valid organizationId")
        }
        var customerAccount: String?
        if let account = claims.billingAccountId {
            guard let id = UUID(uuidString: account) else { throw AuthenticationError(detail: "token's billingAccountId is not a UUID") }
            customerAccount = id.text
        }
        return Principal(
            tenant: tenant, subject: subject, roles: Set(claims.roles ?? []), permissions: Set(claims.permissions ?? []),
            customerAccount: customerAccount)
    }

    /// Tenants are 1–128 characters of letters, digits, `-`, `_`, `.` and `:`.
    static func isValidTenant(_ tenant: String) -> Bool {
        (1...128).contains(tenant.utf8.count)
            && tenant.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || "-_.:".utf8.contains($0) }
    }

    static func base64URLDecode(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { Array($0) }
    }
}

/// Claims of tokens whose header and signature were verified, by the token's exact text: clients send one token for
/// many requests, and verifying it is most of the gateway's own work on a small request. Bounded; emptied when full.
final class VerifiedTokens: Sendable {
    private static let limit = 10_000
    private let claims = Mutex<[String: TenantClaims]>([:])

    func claims(of token: String) -> TenantClaims? { claims.withLock { $0[token] } }

    func remember(_ token: String, claims verified: TenantClaims) {
        claims.withLock { claims in
            if claims.count >= Self.limit { claims.removeAll() }
            claims[token] = verified
        }
    }
}

struct TokenVerifierSetupError: Error, CustomStringConvertible {
    let message: String
    var description: String { "JWT configuration: \(message)" }
}
