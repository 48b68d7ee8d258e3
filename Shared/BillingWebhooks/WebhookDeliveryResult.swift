/// What one webhook attempt came to: the receiver's status, or why there is none.
public struct WebhookDeliveryResult: Sendable, Hashable {
    /// The answer's HTTP status; nil when there was no HTTP answer (see ``error``). A 3xx is returned as is, never followed.
    public let status: Int?
    /// From the call until the answer's head and body prefix were read, or until the attempt failed.
    public let latency: Duration
    /// The first bytes of the answer's body, at most the `maximumResponseBytes` asked for; the rest is never read.
    public let responsePrefix: [UInt8]
    /// Why there is no status: `timeout`, or a text starting with `refused address`, `DNS failure`, `connect failure`,
    /// `TLS failure`, `invalid response`, `connection failure`, `unsupported URL` or `cancelled`. Nil when there is a status.
    public let error: String?

    public init(status: Int?, latency: Duration, responsePrefix: [UInt8] = [], error: String? = nil) {
        self.status = status
        self.latency = latency
        self.responsePrefix = responsePrefix
        self.error = error
    }

    /// Whether the receiver took the webhook: a 2xx answer, as the specification counts success.
    public var succeeded: Bool { status.map { (200...299).contains($0) } ?? false }
}
