import BillingService
import Foundation

/// What a tenant's deployment needs from Stripe (`BILLING_INVOICING_STRIPE_*`): the secret API key, the URL the customer comes
/// back to after 3-D Secure, and — for tests and proxies — another API URL and the CA to trust for it.
public struct StripeConfiguration: Sendable {
    /// `https://api.stripe.com` unless set (the stand-in in tests).
    public var apiURL: String
    /// `sk_live_…` or `sk_test_…` (a restricted `rk_…` key with PaymentIntents, SetupIntents, Customers and Refunds works too).
    public var secretKey: String
    /// Where Stripe sends the customer after authenticating a card (3-D Secure): the tenant's page that shows the invoice.
    public var returnURL: String
    public var trustRootsFile: String?
    public var timeout: Duration

    static let prefix = "BILLING_INVOICING_STRIPE_"

    public init(
        apiURL: String = "https://api.stripe.com", secretKey: String, returnURL: String, trustRootsFile: String? = nil,
        timeout: Duration = .seconds(30)
    ) throws {
        let base = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        guard let url = URL(string: base), url.scheme == "https", url.host?.isEmpty == false else {
            throw ConfigurationError(variable: Self.prefix + "API_URL", message: "'\(apiURL)' is not an https:// URL")
        }
        guard ["sk_", "rk_"].contains(where: secretKey.hasPrefix), secretKey.count >= 16 else {
            throw ConfigurationError(
                variable: Self.prefix + "SECRET_KEY", message: "a Stripe secret key starts with sk_ (or rk_ for a restricted one)")
        }
        guard let back = URL(string: returnURL), ["https", "http"].contains(back.scheme ?? ""), back.host?.isEmpty == false else {
            throw ConfigurationError(variable: Self.prefix + "RETURN_URL", message: "'\(returnURL)' is not an absolute https:// URL")
        }
        self.apiURL = base
        self.secretKey = secretKey
        self.returnURL = returnURL
        self.trustRootsFile = trustRootsFile
        self.timeout = timeout
    }

    /// From `BILLING_INVOICING_STRIPE_*`; every missing setting is named.
    public init(_ reader: ConfigurationReader) throws {
        guard let key = reader.secretIfSet(Self.prefix + "SECRET_KEY") else {
            throw ConfigurationError(variable: Self.prefix + "SECRET_KEY", message: "required with BILLING_INVOICING_CARD_PROVIDER=stripe")
        }
        guard let returnURL = reader.optionalString(Self.prefix + "RETURN_URL") else {
            throw ConfigurationError(
                variable: Self.prefix + "RETURN_URL",
                message: "required with BILLING_INVOICING_CARD_PROVIDER=stripe: where a customer returns after 3-D Secure")
        }
        try self.init(
            apiURL: reader.string(Self.prefix + "API_URL", default: "https://api.stripe.com"), secretKey: key, returnURL: returnURL,
            trustRootsFile: reader.optionalString(Self.prefix + "CA_FILE"),
            timeout: .milliseconds(try reader.int(Self.prefix + "TIMEOUT_MS", default: 30_000, range: 100...120_000)))
    }
}
