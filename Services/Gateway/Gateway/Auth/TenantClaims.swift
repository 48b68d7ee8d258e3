import JWTKit

/// The claims of a tenant token. Time and audience checks happen in ``TokenVerifier``, in our code.
struct TenantClaims: JWTPayload {
    var sub: String?
    var organizationId: String?
    /// Present on customer tokens: the one billing account they act for.
    var billingAccountId: String?
    var permissions: [String]?
    var roles: [String]?
    var iss: String?
    var aud: Audience?
    var exp: Double?
    var nbf: Double?
    var iat: Double?

    /// `aud` is a string or an array of strings.
    struct Audience: Codable, Sendable {
        var values: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let single = try? container.decode(String.self) { values = [single] } else { values = try container.decode([String].self) }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(values)
        }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
