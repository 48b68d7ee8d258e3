import Foundation

/// An OAuth2 access token obtained with client credentials, cached until shortly before it expires. Callers arriving while it is
/// being refreshed wait for that one refresh: however many requests go out at once, one token request is made.
actor OAuthTokenSource {
    struct Token: Sendable {
        let value: String
        let expiresAt: ContinuousClock.Instant
    }

    /// How long before its expiry a token is replaced, so none expires in flight.
    static let margin: Duration = .seconds(60)

    private let fetch: @Sendable () async throws -> (token: String, lifetime: Duration)
    private var current: Token?
    private var refreshing: Task<Token, any Error>?
    private(set) var fetches = 0

    init(fetch: @escaping @Sendable () async throws -> (token: String, lifetime: Duration)) {
        self.fetch = fetch
    }

    /// A token valid for at least the margin (or half its lifetime, for short-lived ones).
    func token() async throws -> String {
        if let current, ContinuousClock.now < current.expiresAt { return current.value }
        if let refreshing { return try await refreshing.value.value }
        let fetch = self.fetch
        let task = Task { () async throws -> Token in
            let (value, lifetime) = try await fetch()
            let early = min(Self.margin, lifetime / 2)
            return Token(value: value, expiresAt: ContinuousClock.now + lifetime - early)
        }
        refreshing = task
        fetches += 1
        defer { refreshing = nil }
        let token = try await task.value
        current = token
        return token.value
    }

    /// The PSP refused the token (revoked, or its clock disagrees): the next call fetches another.
    func invalidate(_ value: String) {
        if current?.value == value { current = nil }
    }
}
